"""Published figures about open-model downloads: ``data/published/figures.csv``.

One row per figure: ``id``, ``value`` (as published: a number, a month ``YYYY-MM``, or words for
a comparison), ``unit``, ``as_of``, ``measures``, ``source``, ``url`` (where the figure can be
read), ``url_note`` (for a figure without an address, why there is none), ``kind`` (``primary``: the
authors' own text; ``secondary``: someone else's summary; ``derived``: computed from a public data file
that is not shipped, by this project or by the analysis the source names) and ``bound`` (``exact``, ``lower`` for
"more than", ``approx`` for "about").

>>> pub = load()
>>> float(pub.loc["atom-qwen-month-2026-02", "number"])
153.6
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd

from . import paths
from .datafiles import read_table
from .errors import ReferenceDataError

FIGURE_COLUMNS = ("id", "value", "unit", "as_of", "measures", "source", "url", "url_note", "kind", "bound")
KINDS = ("primary", "secondary", "derived")
BOUNDS = ("exact", "lower", "approx")
UNITS = ("million downloads", "percent", "month", "comparison", "models", "derivative models", "million models", "repositories")
_AS_OF = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?(\.\.\d{4}(-\d{2}(-\d{2})?)?)?$")
_NUMERIC_UNITS = {"million downloads", "percent", "models", "derivative models", "million models", "repositories"}


def load(path: Path | str | None = None) -> pd.DataFrame:
    """Read and validate the published figures, indexed by ``id``.

    Adds ``number`` (the value as a float where the unit is numeric, else NaN). Raises
    ``ReferenceDataError`` naming every problem.
    """
    path = Path(path) if path is not None else paths.PUBLISHED_CSV
    table, where, problems = read_table(path, FIGURE_COLUMNS, ("id", "value", "unit", "as_of", "measures", "source", "kind", "bound"))
    n = int(table["id"].duplicated().sum())
    if n:
        problems.append(f"column 'id' repeats in {n} rows")
    for col, allowed in (("kind", KINDS), ("bound", BOUNDS), ("unit", UNITS)):
        n = int((~table[col].isin(allowed)).sum())
        if n:
            problems.append(f"column '{col}' is not one of {', '.join(allowed)} in {n} rows")
    n = int((~table["as_of"].str.match(_AS_OF)).sum())
    if n:
        problems.append(f"column 'as_of' is not a date (YYYY, YYYY-MM, YYYY-MM-DD or a range A..B) in {n} rows")
    numeric = table["unit"].isin(_NUMERIC_UNITS)
    number = pd.to_numeric(table["value"].where(numeric), errors="coerce")
    n = int((numeric & number.isna()).sum())
    if n:
        problems.append(f"column 'value' is not a number in {n} rows whose unit is numeric")
    n = int((numeric & (number < 0)).sum())
    if n:
        problems.append(f"column 'value' is negative in {n} rows")
    months = table["unit"] == "month"
    n = int((months & ~table["value"].str.match(r"^\d{4}-\d{2}$")).sum())
    if n:
        problems.append(f"column 'value' is not a month YYYY-MM in {n} rows whose unit is month")
    n = int((~table["url"].isin([""]) & ~table["url"].str.startswith("https://")).sum())
    if n:
        problems.append(f"column 'url' is not an https address in {n} rows")
    n = int(((table["url"] == "") == (table["url_note"] == "")).sum())
    if n:
        problems.append(f"{n} rows do not give exactly one of 'url' and 'url_note' (an address, or why there is none)")
    if problems:
        raise ReferenceDataError(f"{where}: " + "; ".join(problems))
    table["number"] = number
    return table.set_index("id", drop=False)


def date_bounds(as_of: str) -> tuple[date, date]:
    """First and last day an ``as_of`` can mean: a day is itself, a month its first and last
    day, a year likewise; a range ``A..B`` runs from A's first day to B's last.

    >>> date_bounds("2026-02"), date_bounds("2026-01-13")[0]
    ((datetime.date(2026, 2, 1), datetime.date(2026, 2, 28)), datetime.date(2026, 1, 13))
    """
    first, _, last = as_of.partition("..")

    def one(text: str) -> tuple[date, date]:
        parts = [int(p) for p in text.split("-")]
        if len(parts) == 3:
            return date(*parts), date(*parts)
        if len(parts) == 2:
            nxt = date(parts[0] + parts[1] // 12, parts[1] % 12 + 1, 1)
            return date(parts[0], parts[1], 1), date.fromordinal(nxt.toordinal() - 1)
        return date(parts[0], 1, 1), date(parts[0], 12, 31)

    return one(first)[0], one(last or first)[1]


def as_date(as_of: str) -> pd.Timestamp:
    """Where a figure sits on a time axis: its day, or the middle of its month (a range: of its
    last part).

    >>> str(as_date("2026-03").date()), str(as_date("2026-01-13").date())
    ('2026-03-15', '2026-01-13')
    """
    lo, hi = date_bounds(as_of.partition("..")[2] or as_of)
    if lo.month == hi.month and lo.year == hi.year:  # a day, or a month drawn on its 15th as the charts do
        return pd.Timestamp(lo if lo == hi else lo.replace(day=15))
    return pd.Timestamp(lo) + (pd.Timestamp(hi) - pd.Timestamp(lo)) / 2


PUBLISHERS = {"atom": "ATOM", "xinhua": "Xinhua", "alibaba": "Alibaba", "eoi": "EOI", "hf": "Hugging Face", "top50k": "top-50K",
              "modelpulse": "Model Pulse"}
"""Short names of who published a figure, by the first word of its id."""


def publisher(fig_id: str) -> str:
    """Who published a figure, in short (``PUBLISHERS``, by the first word of its id)."""
    first = fig_id.split("-")[0]
    return PUBLISHERS.get(first, first)


def sources(ids: list[str], table: pd.DataFrame | None = None) -> str:
    """Where published figures come from, for a chart's footnote: the file, then each publisher
    with the figure's date and kind, in the order given.

    >>> sources(["atom-qwen-month-2026-02", "xinhua-qwen-cum-2026-01"])
    'data/published/figures.csv: ATOM, 2026-02 (primary); Xinhua, 2026-01-13 (secondary)'
    """
    pub = table if table is not None else load()
    missing = [i for i in ids if i not in pub.index]
    if missing:
        raise ReferenceDataError(f"published figures not in the table: {', '.join(missing)}")
    groups: dict[tuple[str, str], list[str]] = {}
    for i in ids:  # one entry per publisher and kind, with the dates of its figures
        groups.setdefault((publisher(i), pub.loc[i, "kind"]), []).append(pub.loc[i, "as_of"])
    parts = []
    for (who, kind), dates in groups.items():
        dates = sorted(set(dates))
        when = dates[0] if len(dates) == 1 else ", ".join(dates) if len(dates) == 2 else f"{dates[0]} to {dates[-1]}"
        parts.append(f"{who}, {when} ({kind})")
    return f"{paths.relative(paths.PUBLISHED_CSV)}: " + "; ".join(parts)


def points(ids: list[str], name: str, table: pd.DataFrame | None = None, scale: float = 1e6) -> list[tuple[str, float, str]]:
    """Published figures as ``(month, value, label)`` for a time axis (``figures.published_points``):
    the month of ``as_of``, the value times ``scale`` (millions to downloads by default; 0.01
    for percent to a share), and ``name, publisher`` as the label."""
    pub = table if table is not None else load()
    return [(pub.loc[i, "as_of"][:7], float(pub.loc[i, "number"]) * scale, f"{name}, {publisher(i)}")
            for i in ids]


def cite(table: pd.DataFrame, fig_id: str) -> str:
    """One-line citation of a figure: value, unit, as-of date, kind and source."""
    try:
        r = table.loc[fig_id]
    except KeyError:
        raise ReferenceDataError(f"published figure {fig_id!r} is not in the table") from None
    bound = {"lower": "more than ", "approx": "about ", "exact": ""}[r["bound"]]
    return f"{bound}{r['value']} {r['unit']} ({r['as_of']}; {r['kind']}: {r['source']})"
