"""Published figures about open-model downloads: ``data/published/figures.csv``.

One row per figure: ``id``, ``value`` (as published: a number, a month ``YYYY-MM``, or words for
a comparison), ``unit``, ``as_of``, ``measures``, ``source``, ``url``, ``kind`` (``primary``: the
authors' own text; ``secondary``: someone else's summary; ``derived``: computed by this project
from a public data file that is not shipped) and ``bound`` (``exact``, ``lower`` for
"more than", ``approx`` for "about").

>>> figs = load()
>>> figs.loc["atom-qwen-month-2026-02", "number"]
153.6
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from . import paths, reference
from .errors import ReferenceDataError

COLUMNS = ("id", "value", "unit", "as_of", "measures", "source", "url", "kind", "bound")
KINDS = ("primary", "secondary", "derived")
BOUNDS = ("exact", "lower", "approx")
UNITS = ("million downloads", "percent", "month", "comparison", "models", "derivative models", "million models")
_AS_OF = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?(\.\.\d{4}(-\d{2}(-\d{2})?)?)?$")
_NUMERIC_UNITS = {"million downloads", "percent", "models", "derivative models", "million models"}


def load(path: Path | str | None = None) -> pd.DataFrame:
    """Read and validate the published figures, indexed by ``id``.

    Adds ``number`` (the value as a float where the unit is numeric, else NaN). Raises
    ``ReferenceDataError`` naming every problem.
    """
    path = Path(path) if path is not None else paths.FIGURES_CSV
    table, where, problems = reference.read_table(path, COLUMNS, ("id", "value", "unit", "as_of", "measures", "source", "kind", "bound"))
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
    if problems:
        raise ReferenceDataError(f"{where}: " + "; ".join(problems))
    table["number"] = number
    return table.set_index("id", drop=False)


def cite(figures: pd.DataFrame, fig_id: str) -> str:
    """One-line citation of a figure: value, unit, as-of date, kind and source."""
    try:
        r = figures.loc[fig_id]
    except KeyError:
        raise ReferenceDataError(f"published figure {fig_id!r} is not in the table") from None
    bound = {"lower": "more than ", "approx": "about ", "exact": ""}[r["bound"]]
    return f"{bound}{r['value']} {r['unit']} ({r['as_of']}; {r['kind']}: {r['source']})"
