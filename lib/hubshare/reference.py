"""Reading the shipped reference tables (CSV files kept as text, validated by their modules)."""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from typing import TYPE_CHECKING

from . import paths
from .datafiles import read_rows
from .errors import ReferenceDataError

if TYPE_CHECKING:
    import pandas as pd

ATOM_LIST_DATE = "2026-03-27"
REGIONS = ("china", "us", "eu", "other", "unknown")
"""The regions of organisations (``regions.csv``, ATOM's map): ``unknown`` for an organisation
without a single primary base, and for one the table does not hold."""


ATOM_ATTRIBUTION = "ATOM Project tracked-models list (github.com/Interconnects-AI/tracked-models), Apache License 2.0"
"""The notice every chart drawn over ATOM's list (the ``atom`` universe) carries."""


@lru_cache(maxsize=1)
def _atom_rows() -> dict[str, list[str]]:
    table, where, problems = read_rows(paths.ATOM_MODELS_CSV, ("org", "model", "modelId"), ("org", "model", "modelId"))
    n = sum(i != f"{o}/{m}" for i, o, m in zip(table["modelId"], table["org"], table["model"]))
    if n:
        problems.append(f"modelId is not org/model in {n} rows")
    return _checked(table, where, problems, unique="modelId")


def atom_models() -> pd.DataFrame:
    """ATOM's tracked-models list of 2026-03-27 (``org``, ``model``, ``modelId``): the curated
    universe the ATOM Project's published numbers count over (Apache-2.0; provenance in
    ``data/README.md``).

    >>> len(atom_models()), atom_models()["modelId"].is_unique
    (1617, True)
    """
    import pandas as pd

    return pd.DataFrame({c: pd.array(_atom_rows()[c], dtype="str") for c in ("org", "model", "modelId")})


def _checked(table: dict[str, list[str]], where: str, problems: list[str], unique: str, region: str | None = None) -> dict[str, list[str]]:
    """``table`` (columns, as ``read_rows`` gives them) once ``unique`` is checked for repeats and
    ``region`` (a column) for its values; ``ReferenceDataError`` naming every problem otherwise."""
    if region is not None:
        n = sum(r not in REGIONS for r in table[region])
        if n:
            problems.append(f"column '{region}' is not one of {', '.join(REGIONS)} in {n} rows")
    n = sum(k - 1 for k in Counter(table[unique]).values())
    if n:
        problems.append(f"column '{unique}' repeats in {n} rows")
    if problems:
        raise ReferenceDataError(f"{where}: " + "; ".join(problems))
    return table


def atom_ids() -> tuple[str, ...]:
    """The repo ids of ATOM's tracked-models list."""
    return tuple(_atom_rows()["modelId"])


@lru_cache(maxsize=1)
def atom_regions() -> dict[str, str]:
    """ATOM's organisation → region map of 2026-08-17 (china, us, eu, other, unknown).

    >>> atom_regions()["Qwen"], atom_regions()["EleutherAI"]
    ('china', 'unknown')
    """
    table, where, problems = read_rows(paths.ATOM_REGIONS_CSV, ("hf_org", "region", "notes"), ("hf_org", "region"))
    table = _checked(table, where, problems, unique="hf_org", region="region")
    return dict(zip(table["hf_org"], table["region"]))


REGION_COLUMNS = ("org", "region", "source", "notes")


@lru_cache(maxsize=1)
def regions() -> dict[str, str]:
    """Organisation (Hub namespace) → region: china, us, eu, other or unknown
    (``data/reference/regions.csv``). An organisation not in the table is ``unknown``.

    >>> regions()["Qwen"], regions()["tiiuae"], regions().get("unsloth", "unknown")
    ('china', 'other', 'unknown')
    """
    table, where, problems = read_rows(paths.REGIONS_CSV, REGION_COLUMNS, ("org", "region", "source"))
    table = _checked(table, where, problems, unique="org", region="region")
    return dict(zip(table["org"], table["region"]))
