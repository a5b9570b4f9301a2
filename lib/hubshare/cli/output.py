"""What the command line prints: tables, JSON, CSV, warnings, and the parts of ``months`` output
that several commands share. Commands compute; these write."""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import fmt

if TYPE_CHECKING:
    import pandas as pd


def print_json(obj: Any) -> None:
    """``obj`` as indented JSON on stdout."""
    print(json.dumps(obj, indent=2, ensure_ascii=False, default=str))


def print_table(frame: pd.DataFrame) -> None:
    """A table as text on stdout, without its index."""
    print(frame.to_string(index=False))


def print_csv(frame: pd.DataFrame, about: str) -> None:
    """A table as CSV on stdout: ``# about`` (the data and the Definition), then the unformatted
    numbers (``pandas.read_csv(..., comment="#")`` reads it back)."""
    from ..figures import write_csv

    with tempfile.TemporaryDirectory() as tmp:
        sys.stdout.write(write_csv(frame, Path(tmp) / "table.csv", about).read_text(encoding="utf-8"))


def as_data(args, table: pd.DataFrame | Callable[[], pd.DataFrame], about: str, json_value: Any) -> bool:
    """With ``--csv``, ``table`` as CSV under ``# about``; with ``--json``, ``json_value``; each
    made when called, if it is a function. Whether either was printed (the command then prints no
    text)."""
    if getattr(args, "csv", False):
        print_csv(table() if callable(table) else table, about)
        return True
    if getattr(args, "json", False):
        print_json(json_value() if callable(json_value) else json_value)
        return True
    return False


def warn(line: str) -> None:
    """One warning line on stderr."""
    print(f"warning: {line}", file=sys.stderr)


def print_bounds(result, month: str) -> None:
    """A missing month's bounds (``months --bounds``): the total and the five largest names."""
    if not len(result.bounds):
        return
    b = result.bounds[result.bounds["month"] == month]
    if not len(b):
        return
    high = None if b["high"].isna().any() else int(b["high"].sum())
    print(f"{month}: bounds: total between {fmt.count(int(b['low'].sum()))} and {fmt.count(high) if high is not None else 'unbounded'} "
          "(inner and outer census pairs)")
    for r in b.sort_values("high", ascending=False, na_position="last").head(5).itertuples(index=False):
        print(f"  {r.name}: {fmt.count(int(r.low))} to {fmt.count(int(r.high)) if r.high == r.high and r.high is not None else 'unbounded'}")


def print_corrections(result, list_renames: bool = False) -> None:
    """What the month arithmetic corrected or flagged, month by month."""
    for month, days in result.passed_over:
        for line in days:
            print(f"{month}: passed over {line}")
    if not len(result.rows):
        return
    per = result.rows.groupby("month")[["renamed", "appeared", "appeared_downloads"]].sum()
    for month, r in per.iterrows():
        if r["renamed"] or r["appeared"]:
            print(f"{month}: {int(r['renamed'])} renamed repos counted as the difference of their counters; "
                  f"{int(r['appeared'])} repos appeared with an earlier creation date, adding {fmt.count(r['appeared_downloads'])} (counted whole)")
    for r in result.ambiguous.itertuples(index=False):
        print(f"{r.month}: {r.old_id} gone, several rename candidates left unmatched: {', '.join(r.candidates)}")
    if list_renames and len(result.renames):
        print(result.renames.assign(before=result.renames["before"].map(fmt.count), after=result.renames["after"].map(fmt.count)).to_string(index=False))


# --------------------------------------------------------------------------- parser
