"""The checksum table of ``data/README.md``: which shipped data files it lists, and writing it.

Every file the repository ships under ``data/`` (those git tracks; every file outside git) has a
row ``| path | sha256 |`` in the README's "Checksums (sha256)" section. ``python -m
hubshare.datafiles`` (``make checksums``) rewrites the digests of the files listed and adds a row
for each shipped file not listed yet, so that shipping a new file (a claim file, say) is the file
itself and one deliberate command; its description in the README is still written by hand.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from . import paths
from .errors import ReferenceDataError
from .snapshot import sha256_file

if TYPE_CHECKING:
    import pandas as pd

ROW = re.compile(r"^\|\s*([^|\s]+)\s*\|\s*([0-9a-f]{64})\s*\|$")
SECTION = "## Checksums"


def read_rows(path: Path, columns: tuple[str, ...], required: tuple[str, ...]) -> tuple[dict[str, list[str]], str, list[str]]:
    """Read a CSV of strings as its columns (header name → cells, in file order); returns
    ``(columns, name for messages, problems)``. Blank lines are skipped; a cell left empty is "".

    Raises ``ReferenceDataError`` when the file cannot be read, a row has more or fewer cells than
    the header, a column name repeats or a column of ``columns`` is missing; lists empty cells of
    the ``required`` columns as problems for the caller to report with its own.
    """
    where = paths.relative(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            lines = [row for row in csv.reader(f, strict=True) if row]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ReferenceDataError(f"{where}: unreadable ({exc})") from None
    if not lines:
        raise ReferenceDataError(f"{where}: unreadable (no header)")
    header, body = lines[0], lines[1:]
    if len(set(header)) < len(header):
        raise ReferenceDataError(f"{where}: unreadable (a column name repeats in the header: {', '.join(header)})")
    bad = next((k for k, row in enumerate(body) if len(row) != len(header)), None)
    if bad is not None:
        raise ReferenceDataError(f"{where}: unreadable (data row {bad + 1} has {len(body[bad])} cells, the header {len(header)})")
    missing = [c for c in columns if c not in header]
    if missing:
        raise ReferenceDataError(f"{where}: column(s) {', '.join(missing)} missing")
    table = {name: [row[k] for row in body] for k, name in enumerate(header)}
    problems = []
    for col in required:
        n = sum(not cell.strip() for cell in table[col])
        if n:
            problems.append(f"column '{col}' is empty in {n} rows")
    return table, where, problems


def read_table(path: Path, columns: tuple[str, ...], required: tuple[str, ...]) -> tuple[pd.DataFrame, str, list[str]]:
    """``read_rows`` as a DataFrame of strings: ``(table, name for messages, problems)``."""
    import pandas as pd

    table, where, problems = read_rows(path, columns, required)
    return pd.DataFrame({name: pd.array(cells, dtype="str") for name, cells in table.items()}), where, problems


def listed(readme: Path | None = None) -> dict[str, str]:
    """The checksum table: path under ``data/`` → sha256, in the README's order."""
    text = (readme or paths.DATA / "README.md").read_text(encoding="utf-8")
    section = text.split(SECTION, 1)[1]
    return {m.group(1): m.group(2) for line in section.splitlines() if (m := ROW.match(line.strip()))}


def shipped() -> set[str]:
    """The data files the repository ships: those tracked by git (snapshots a user imports or
    refreshes into data/snapshots/ are theirs, not shipped), or every file outside git."""
    import subprocess  # here, not at the top: a command reading reference tables need not import it

    r = subprocess.run(["git", "ls-files", "-z", "data"], capture_output=True, text=True, cwd=paths.ROOT)
    if r.returncode == 0 and r.stdout:
        names = {n.removeprefix("data/") for n in r.stdout.split("\0") if n}
    else:
        names = {str(p.relative_to(paths.DATA)) for p in paths.DATA.rglob("*") if p.is_file()}
    return {n for n in names if n != "README.md" and not any(part.startswith(".") for part in n.split("/"))}


def update(readme: Path | None = None) -> list[str]:
    """Rewrite the table's digests and add rows for shipped files it lacks; the lines changed."""
    readme = readme or paths.DATA / "README.md"
    head, _, tail = readme.read_text(encoding="utf-8").partition(SECTION)
    changed: list[str] = []

    def row(m: re.Match) -> str:
        name, old = m.group(1), m.group(2)
        new = sha256_file(paths.DATA / name) if (paths.DATA / name).is_file() else old
        if new != old:
            changed.append(f"{name}: {old[:12]}… → {new[:12]}…")
        return f"| {name} | {new} |"

    lines = [ROW.sub(row, line.strip()) if ROW.match(line.strip()) else line for line in tail.splitlines()]
    have = {m.group(1) for line in lines if (m := ROW.match(line.strip()))}
    last = max(k for k, line in enumerate(lines) if ROW.match(line.strip()))
    added = [f"| {n} | {sha256_file(paths.DATA / n)} |" for n in sorted(shipped() - have)]
    changed += [f"{n}: added" for n in sorted(shipped() - have)]
    lines[last + 1:last + 1] = added
    readme.write_text(head + SECTION + "\n".join(lines) + "\n", encoding="utf-8")
    return changed


def main() -> int:
    """``make checksums``: rewrite the checksum table and say what changed; its exit code."""
    for line in update() or ["every checksum already matches"]:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
