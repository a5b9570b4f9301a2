"""The readings published figures give of a claim, and the verdict over its faithful readings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from . import compare, formula
from .files import Claim, Reading

_SCALE = {"million downloads": 1e6, "percent": 0.01, "downloads": 1.0, "ratio": 1.0}
"""From a reading's unit to the claim's scale (counts, fractions, ratios)."""
_SAYS = {"more-than": ("more than", "exceeded", "over "), "share-over": ("over ", "more than"), "at-least": ("at least", "more than", "over ")}
_SAYS_NOT = ("less than", "fewer than", "under ")


@dataclass
class Check:
    """The claim under one universe the published figures allow."""

    universe: str
    arithmetic: str
    holds: bool | None
    figure_ids: list[str]
    value: float | None = None
    note: str = ""
    unfaithful: str = ""
    """Why this universe is not a faithful reading of the claim's words; empty when it is."""
    would: str = ""
    """For an unfaithful reading: the note to give if the claim holds there."""
    upper_bound: bool = False
    """The value bounds the subject's from above (a share of a group the subject belongs to)."""

    @property
    def faithful(self) -> bool:
        """Whether the universe is a faithful reading of the claim's words."""
        return not self.unfaithful

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``claims --json``, ``published.checks``)."""
        return {"universe": self.universe, "arithmetic": self.arithmetic, "holds": self.holds, "value": self.value, "figure_ids": self.figure_ids,
                "note": self.note, "faithful": self.faithful, "unfaithful_because": self.unfaithful or None}


def names(claim: Claim, pub: pd.DataFrame) -> dict[str, Any]:
    """Every name the claim's arithmetic can use: its figures, then its ``let`` values in order."""
    out: dict[str, Any] = {}
    for name, fig_id in claim.figures.items():
        row = pub.loc[fig_id]
        out[name] = formula.Figure(fig_id, None if pd.isna(row["number"]) else float(row["number"]), row["as_of"], row["value"], row["bound"])
    for name, expr in claim.let.items():
        out[name] = formula.evaluate(expr, out)
    return out


def check(claim: Claim, reading: Reading, known: dict[str, Any]) -> Check:
    """One reading computed: its value, whether the claim's test holds there, its texts."""
    m = claim.measure
    if reading.says is not None:
        words = str(known[reading.says].value).lower()
        holds = True if words.startswith(_SAYS.get(m.test, ())) else (False if words.startswith(_SAYS_NOT) else None)
        value = None
    else:
        value = float(formula.evaluate(reading.value, known))
        single = formula.names_in(reading.value)
        bound = reading.bound or (known[single[0]].bound if len(single) == 1 and isinstance(known[single[0]], formula.Figure) else "exact")
        bound = bound if bound in ("lower", "upper") else "exact"  # an approximate figure is read as it stands
        holds = compare.holds(m.test, value * _SCALE[reading.unit], m.value, within=m.within, bound=bound)
    with_value = {**known, "value": value}
    return Check(universe=reading.universe, arithmetic=formula.render(reading.arithmetic, with_value), holds=holds,
                 figure_ids=list(reading.figures), value=value, note=formula.render(reading.note, with_value),
                 unfaithful=reading.unfaithful, would=formula.render(reading.would, with_value) if reading.would else "",
                 upper_bound=reading.bound == "upper")


def checks(claim: Claim, pub: pd.DataFrame) -> tuple[list[Check], list[str]]:
    """Every reading of the claim, and its consistency lines."""
    known = names(claim, pub)
    return [check(claim, r, known) for r in claim.readings], [formula.render(t, known) for t in claim.consistency]


def judge(found: list[Check], pub: pd.DataFrame) -> tuple[str, list[str], bool]:
    """Verdict over the faithful readings, the universes where the claim holds, and whether the
    support is secondary-only. Unfaithful readings never count (see ``Result.notes``)."""
    known = [c for c in found if c.holds is not None and c.faithful]
    if not known:
        return "not-measurable", [], False
    good = [c for c in known if c.holds]
    verdict = "holds" if len(good) == len(known) else ("holds-narrowly" if good else "does-not-hold")
    support = good if good else known
    secondary = all(pub.loc[i, "kind"] == "secondary" for i in sorted({f for c in support for f in c.figure_ids}))
    return verdict, [c.universe for c in good], secondary
