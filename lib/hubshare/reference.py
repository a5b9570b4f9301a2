"""Reading the shipped reference tables (CSV files kept as text, validated by their modules)."""

from __future__ import annotations

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
