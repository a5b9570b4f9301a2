"""Claims: what was said, what the published figures say, and a verdict; one engine for every
claim file in ``data/claims/`` (the format: ``data/claims/README.md``; its reading:
``hubshare.claims.files``).

A claim says whose it is and which of its words constrain a reading ("global": no universe that
leaves out organisations or regions; "in a single month": a calendar month; "cumulative":
all-time). It has one *reading* per universe the published figures allow (for example "ATOM
tracked models" or "all Hub downloads"); each reading computes its arithmetic from
``data/published/figures.csv``, says whether the claim's test holds there, and whether the
universe is a *faithful* reading of the claim's words (with the reason when it is not). The
verdict counts faithful readings only:

- ``holds``: the claim holds under every faithful reading that can be computed;
- ``holds-narrowly``: under some faithful readings (named) and not others;
- ``does-not-hold``: under none;
- ``not-measurable``: no faithful reading can be computed from the figures;

qualified ``secondary-only`` when the readings that support the verdict rest on secondary
sources alone. An unfaithful reading under which the claim would hold is reported as a note,
never as support. Given a snapshot, each claim is also measured on it under a named Definition;
given a history, in its own period (``hubshare.claims.measure``).

>>> results = evaluate(only=("C1", "C2", "C3", "C4"))
>>> [(r.claim.id, r.verdict) for r in results]
[('C1', 'holds-narrowly'), ('C2', 'does-not-hold'), ('C3', 'holds'), ('C4', 'holds')]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .. import fmt, history, metrics, paths
from .. import published as published_figures
from ..errors import ClaimFileError
from ..snapshot import Snapshot
from . import measure as measuring
from . import readings
from .compare import NEARLY
from .files import ABOUT, Claim, Measure, Reading, Whose, read, read_all
from .measure import FromHistory, Measurement
from .readings import Check, judge

__all__ = ["ABOUT", "NEARLY", "Check", "Claim", "FromHistory", "Measure", "Measurement", "Reading", "Result", "Whose", "evaluate",
           "get", "history_table", "in_notebook", "judge", "load", "needs", "read", "read_all", "result", "share_readings", "sets", "table"]


@dataclass
class Result:
    """One claim judged: its readings of the published figures, the verdict, and what a snapshot
    or a history measured."""

    claim: Claim
    checks: list[Check]
    consistency: list[str]
    verdict: str
    holds_under: list[str]
    secondary_only: bool
    citations: list[dict[str, str]]
    """The published figures the readings use, each with its source, kind and date."""
    notes: list[str] = field(default_factory=list)
    """Unfaithful readings under which the claim would hold (never support)."""
    measured: Measurement | None = None
    from_history: list[FromHistory] | None = None

    @property
    def verdict_text(self) -> str:
        """The verdict with its qualifier, e.g. ``'holds-narrowly, secondary-only'``."""
        return f"{self.verdict}, secondary-only" if self.secondary_only else self.verdict

    def checks_table(self) -> pd.DataFrame:
        """One row per reading: universe, arithmetic, whether the claim holds there, whether the
        universe is a faithful reading, and the note (or why it is not faithful)."""
        return pd.DataFrame([{"universe": c.universe, "arithmetic": c.arithmetic, "holds": c.holds, "faithful": c.faithful,
                              "note": c.unfaithful or c.note} for c in self.checks])

    def summary(self) -> str:
        """The verdict in a few lines: the claim's words, the verdict, where it holds, what was
        measured, and the notes."""
        lines = [f'{self.claim.id} "{self.claim.words}": {self.verdict_text}']
        lines += [f"  holds under: {u}" for u in self.holds_under]
        lines += [f"  note: {n} (an unfaithful reading: not support)" for n in self.notes]
        if self.measured:
            lines.append(f"  measured on {self.measured.snapshot_label}: {self.measured.text}")
        return "\n".join(lines)

    def lines(self, history_source: str = "") -> list[str]:
        """The claim as ``hubshare claims`` prints it: words, readings, notes, measurements, citations."""
        c = self.claim
        out = [f'{c.id}  "{c.words}"  ({c.whose.text})']
        if c.constraints:
            out.append("    reading: " + "; ".join(c.constraints))
        out.append(f"    verdict: {self.verdict_text}")
        for k in self.checks:
            mark = {True: "holds", False: "fails", None: "n/a"}[k.holds]
            out.append(f"    [{mark:5}] {k.universe}: {k.arithmetic}")
            if not k.faithful:
                out.append(f"            not a faithful reading: {k.unfaithful}")
        out += [f"    note: {n} (not support: an unfaithful reading)" for n in self.notes]
        out += [f"    note: {n}" for n in self.consistency]
        if self.measured:
            m = self.measured
            out.append(f"    measured on {m.snapshot_label} ({m.snapshot_date}), {m.definition.key if m.definition else ''}: {m.text}")
            if m.note:
                out.append(f"      {m.note}")
        if self.from_history is not None:
            out.append(f"    from the history in {history_source}:")
            out += [f"      {f.text}" for f in self.from_history]
        out.append("    cited: " + "; ".join(f"{s['id']} ({s['kind']})" for s in self.citations))
        return out

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``claims --json``): ``measured`` has ``value``, ``holds`` and ``definition``."""
        return {
            "id": self.claim.id,
            "statement": self.claim.statement,
            "words": self.claim.words,
            "verdict": self.verdict,
            "qualifiers": ["secondary-only"] if self.secondary_only else [],
            "holds_under": self.holds_under,
            "whose": self.claim.whose.text,
            "source": self.claim.whose.to_dict(),
            "file": self.claim.file,
            "constraints": list(self.claim.constraints),
            "notes": self.notes,
            "published": {"checks": [c.to_dict() for c in self.checks], "consistency": self.consistency},
            "measured": self.measured.to_dict() if self.measured else None,
            "history": [h.to_dict() for h in self.from_history] if self.from_history is not None else None,
            "definition": self.measured.definition.label if self.measured and self.measured.definition else None,
            "citations": self.citations,
        }


def load(sources: list[Path | str] | None = None, published: pd.DataFrame | None = None) -> list[Claim]:
    """The claims of ``sources`` (files or folders; the shipped ``data/claims/`` by default);
    ``ClaimFileError`` naming every file that cannot be read.

    >>> [c.id for c in load()][:4]
    ['C1', 'C2', 'C3', 'C4']
    """
    found, problems = read_all(list(sources) if sources else [paths.CLAIMS], published)
    if problems:
        raise ClaimFileError("; ".join(problems))
    return found


def get(claim_id: str, claims: list[Claim] | None = None) -> Claim:
    """One claim by id (case does not matter), from ``claims`` or the shipped files."""
    pool = claims if claims is not None else load()
    for c in pool:
        if c.id.upper() == claim_id.upper():
            return c
    raise KeyError(f"no claim {claim_id!r} (claims: {', '.join(c.id for c in pool)})")


def sets(claims: list[Claim] | None = None) -> dict[str, list[Claim]]:
    """Claims grouped by whose words they are (``whose`` text), in file order."""
    out: dict[str, list[Claim]] = {}
    for c in claims if claims is not None else load():
        out.setdefault(c.whose.text, []).append(c)
    return out


def in_notebook(name: str, claims: list[Claim] | None = None) -> list[Claim]:
    """The claims whose file names ``name`` (``NN-slug``) as the notebook that checks them."""
    return [c for c in (claims if claims is not None else load()) if c.notebook == name]


def needs(claims: list[Claim] | None = None) -> list[pd.Timestamp]:
    """The 00:00 UTC moments a history must measure for these claims' periods (their measurement
    and every history line), sorted.

    >>> [t.strftime("%Y-%m-%d") for t in needs([get("C3")])]
    ['2026-02-01', '2026-03-01']
    """
    moments = {t for c in (claims if claims is not None else load()) for m in c.periods() for t in measuring.boundaries(m)}
    return sorted(moments)


def evaluate(snap: Snapshot | None = None, published: pd.DataFrame | None = None, hist: history.History | None = None,
             only: tuple[str, ...] | None = None, claims: list[Claim] | None = None) -> list[Result]:
    """Judge every claim (the shipped ones, or ``claims``; only the ``only`` ids if given) against
    the published figures; measure it on ``snap`` if given; from a history of snapshots
    (``hist``), measure it in its own period and beside the published figures of its history
    lines."""
    pub = published if published is not None else published_figures.load()
    pool = claims if claims is not None else load(published=pub)
    chosen = pool if only is None else [get(c, pool) for c in only]
    reader = measuring.Reader(hist) if hist is not None else None
    return [_evaluate(c, pub, snap, reader) for c in chosen]


def _evaluate(claim: Claim, pub: pd.DataFrame, snap: Snapshot | None, reader: measuring.Reader | None) -> Result:
    checks, consistency = readings.checks(claim, pub)
    verdict, holds_under, secondary = judge(checks, pub)
    used = list(dict.fromkeys([*claim.figure_ids, *(f for c in checks for f in c.figure_ids)]))
    citations = [{"id": i, "source": pub.loc[i, "source"], "url": pub.loc[i, "url"], "kind": pub.loc[i, "kind"], "as_of": pub.loc[i, "as_of"],
                  "value": pub.loc[i, "value"], "unit": pub.loc[i, "unit"]} for i in used]
    measured, lines = None, None
    if snap is not None:
        measured = measuring.on_snapshot(claim.measure, snap)
    if reader is not None:
        known = readings.names(claim, pub)
        lines = [measuring.line(m, reader, known, claim.measure) for m in (claim.history or (claim.measure,))]
        for f in lines:
            f.synthetic = reader.h.synthetic
        if measured is None:
            measured = measuring.from_history(claim.measure, reader)
    return Result(claim=claim, checks=checks, consistency=consistency, verdict=verdict, holds_under=holds_under, secondary_only=secondary,
                  citations=citations, notes=[c.would for c in checks if not c.faithful and c.holds and c.would], measured=measured,
                  from_history=lines)


def result(claim_id: str, snap: Snapshot | None = None, hist: history.History | None = None) -> Result:
    """One claim's Result (``evaluate`` for that claim alone).

    >>> result("C3").verdict_text
    'holds'
    """
    return evaluate(snap, hist=hist, only=(claim_id,))[0]


def history_table(results: list[Result]) -> pd.DataFrame:
    """Every claim's history measurements as one table: claim, what, period, Definition, measured,
    published, relative difference (empty where the history does not cover the period). On a
    synthetic history there is no published column nor difference: synthetic data is never set
    beside a real figure; ``a real history sets it beside`` names the figure instead."""
    rows = []
    for r in results:
        for f in r.from_history or []:
            row = {"claim": r.claim.id, "what": ("SYNTHETIC: " if f.synthetic else "") + f.what, "period": f.period,
                   "definition": f"{f.universe} × {f.attribution}",
                   "measured": f.show(f.value) if f.value is not None else "not measurable"}
            if f.synthetic:
                row["a real history sets it beside"] = f.figure or ""
            else:
                row["published"] = f.show(f.figure_value) if f.figure_value is not None else ""
                row["difference"] = f"{100 * f.difference:+.1f}%" if f.difference is not None else ""
            rows.append({**row, "note": f.note})
    return pd.DataFrame(rows)


def table(results: list[Result]) -> pd.DataFrame:
    """The claims table: one row per claim, published verdict beside the measured value."""
    return pd.DataFrame([{"claim": r.claim.id, "whose": r.claim.whose.short, "words": r.claim.words, "verdict": r.verdict_text,
                          "holds under": "; ".join(r.holds_under) or "—", "notes": "; ".join(r.notes),
                          "measured": r.measured.text if r.measured else "",
                          "measured on": r.measured.coverage if r.measured else "",
                          "definition": r.measured.definition.key if r.measured and r.measured.definition else ""}
                         for r in results])


def share_readings(result: Result, grid: pd.DataFrame, label: str) -> pd.DataFrame:
    """A share claim's published readings beside the shares measured on a snapshot (a
    ``metrics.share_grid``): where, the subject's share (``≤`` for an upper bound), and whether
    it passes the claim's test."""
    m = result.claim.measure
    head = f"{m.subject}'s share"
    rows = [{"where": c.universe, head: f"{'≤ ' if c.upper_bound else ''}{c.value:.1f}%", _test_column(m): c.holds,
             "faithful": c.faithful} for c in result.checks]
    rows += [{"where": f"{label}: {metrics.PRESETS[r.definition].label}", head: fmt.percent(r.share),
              _test_column(m): bool(r.share > m.value), "faithful": r.universe == "all"}
             for r in grid.dropna(subset=["share"]).itertuples()]
    return pd.DataFrame(rows)


def _test_column(m: Measure) -> str:
    return f"over {fmt.percent(m.value, 0)}" if m.test == "share-over" else m.test
