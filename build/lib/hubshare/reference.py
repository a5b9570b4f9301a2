"""Reading the shipped reference tables (CSV files kept as text, validated by their modules)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from . import paths
from .errors import ReferenceDataError


def read_table(path: Path, columns: tuple[str, ...], required: tuple[str, ...]) -> tuple[pd.DataFrame, str, list[str]]:
    """Read a CSV of strings; returns ``(table, name for messages, problems)``.

    Raises ``ReferenceDataError`` when the file cannot be read or lacks a column; lists empty cells
    of the ``required`` columns as problems for the caller to report with its own.
    """
    where = paths.relative(path)
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ReferenceDataError(f"{where}: unreadable ({exc})") from None
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ReferenceDataError(f"{where}: column(s) {', '.join(missing)} missing")
    problems = []
    for col in required:
        n = int((table[col].str.strip() == "").sum())
        if n:
            problems.append(f"column '{col}' is empty in {n} rows")
    return table, where, problems


ATOM_LIST_DATE = "2026-03-27"
ATOM_REGIONS = ("china", "us", "eu", "other", "unknown")


ATOM_ATTRIBUTION = "ATOM Project tracked-models list (github.com/Interconnects-AI/tracked-models), Apache License 2.0"
"""The notice every chart drawn over ATOM's list (the ``atom`` universe) carries."""


@lru_cache(maxsize=1)
def atom_models() -> pd.DataFrame:
    """ATOM's tracked-models list of 2026-03-27 (``org``, ``model``, ``modelId``): the curated
    universe the ATOM Project's published numbers count over (Apache-2.0; provenance in
    ``data/README.md``).

    >>> len(atom_models()), atom_models()["modelId"].is_unique
    (1617, True)
    """
    table, where, problems = read_table(paths.ATOM_MODELS_CSV, ("org", "model", "modelId"), ("org", "model", "modelId"))
    n = int((table["modelId"] != table["org"] + "/" + table["model"]).sum())
    if n:
        problems.append(f"modelId is not org/model in {n} rows")
    return _checked(table, where, problems, unique="modelId")


def _checked(table: pd.DataFrame, where: str, problems: list[str], unique: str, region: str | None = None) -> pd.DataFrame:
    """``table`` once ``unique`` is checked for repeats and ``region`` (a column) for its values;
    ``ReferenceDataError`` naming every problem otherwise."""
    if region is not None:
        n = int((~table[region].isin(ATOM_REGIONS)).sum())
        if n:
            problems.append(f"column '{region}' is not one of {', '.join(ATOM_REGIONS)} in {n} rows")
    n = int(table[unique].duplicated().sum())
    if n:
        problems.append(f"column '{unique}' repeats in {n} rows")
    if problems:
        raise ReferenceDataError(f"{where}: " + "; ".join(problems))
    return table


def atom_ids() -> tuple[str, ...]:
    """The repo ids of ATOM's tracked-models list."""
    return tuple(atom_models()["modelId"])


@lru_cache(maxsize=1)
def atom_regions() -> dict[str, str]:
    """ATOM's organisation → region map of 2026-08-17 (china, us, eu, other, unknown).

    >>> atom_regions()["Qwen"], atom_regions()["EleutherAI"]
    ('china', 'unknown')
    """
    table, where, problems = read_table(paths.ATOM_REGIONS_CSV, ("hf_org", "region", "notes"), ("hf_org", "region"))
    table = _checked(table, where, problems, unique="hf_org", region="region")
    return dict(zip(table["hf_org"], table["region"]))


REGION_COLUMNS = ("org", "region", "source", "notes")


def build_regions() -> pd.DataFrame:
    """The organisation → region table as ``data/reference/regions.csv`` holds it: every row of
    ATOM's region map (source ``atom-2026-08-17``), then every organisation of ``families.csv``
    that the map lacks (source ``families.csv``), sorted by organisation (case-insensitive)."""
    from . import families

    atom = pd.read_csv(paths.ATOM_REGIONS_CSV, dtype=str, keep_default_na=False)
    rows = pd.DataFrame({"org": atom["hf_org"], "region": atom["region"], "source": "atom-2026-08-17", "notes": atom["notes"]})
    fam = families.load_rules().table.drop_duplicates("org")
    extra = fam[~fam["org"].isin(rows["org"])]
    rows = pd.concat([rows, pd.DataFrame({"org": extra["org"], "region": extra["region"], "source": "families.csv", "notes": extra["notes"]})])
    return rows.sort_values("org", key=lambda c: c.str.lower(), ignore_index=True)


@lru_cache(maxsize=1)
def regions() -> dict[str, str]:
    """Organisation (Hub namespace) → region: china, us, eu, other or unknown
    (``data/reference/regions.csv``). An organisation not in the table is ``unknown``.

    >>> regions()["Qwen"], regions()["tiiuae"], regions().get("unsloth", "unknown")
    ('china', 'other', 'unknown')
    """
    table, where, problems = read_table(paths.REGIONS_CSV, REGION_COLUMNS, ("org", "region", "source"))
    table = _checked(table, where, problems, unique="org", region="region")
    return dict(zip(table["org"], table["region"]))
