"""The family rules (``data/reference/families.csv``) and what they say of a repo id alone:
its organisation's family and its name's family. See ``hubshare.families`` for the rules in full.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import arrays, paths, reference
from ..datafiles import read_rows
from ..errors import ReferenceDataError

if TYPE_CHECKING:
    import pandas as pd

FAMILY_REGIONS = ("us", "china", "eu", "other")
"""The regions a family of ``families.csv`` may have (a family has one; ``reference.REGIONS``
adds ``unknown`` for organisations)."""
SCOPES = ("all", "pattern")
RULE_COLUMNS = ("family", "org", "region", "org_scope", "name_pattern", "notes")


class Rule(NamedTuple):
    """One row of ``families.csv``: a (family, organisation) pair."""

    family: str
    org: str
    region: str
    org_scope: str
    name_pattern: str
    notes: str


@dataclass(frozen=True)
class Rules:
    """The family rules, validated: ``rows`` in file order, one per (family, organisation)."""

    rows: tuple[Rule, ...]

    @cached_property
    def table(self) -> pd.DataFrame:
        """The rows as a DataFrame of strings (columns ``RULE_COLUMNS``)."""
        import pandas as pd

        return pd.DataFrame({c: pd.array([r[k] for r in self.rows], dtype="str") for k, c in enumerate(RULE_COLUMNS)})

    @property
    def families(self) -> list[str]:
        """Family names in file order (the order of precedence of name rules)."""
        return list(dict.fromkeys(r.family for r in self.rows))

    @property
    def region_of(self) -> dict[str, str]:
        """Each family's region (us, china, eu, other)."""
        return {r.family: r.region for r in self.rows}

    @property
    def first_row(self) -> dict[str, int]:
        """Each family's first row in file order."""
        out: dict[str, int] = {}
        for k, r in enumerate(self.rows):
            out.setdefault(r.family, k)
        return out

    @property
    def first_org(self) -> dict[str, str]:
        """Each family's first organisation in file order: where a family's name points."""
        return {f: self.rows[k].org for f, k in self.first_row.items()}

    @property
    def name_pattern(self) -> dict[str, str]:
        """Each family's name pattern (a regular expression on the part of an id after the slash)."""
        return {f: self.rows[k].name_pattern for f, k in self.first_row.items()}

    def orgs(self, family: str) -> list[str]:
        """The organisations of one family, in file order."""
        return [r.org for r in self.rows if r.family == family]


def load_rules(path: Path | str | None = None, *, check_regions: bool = True) -> Rules:
    """Read and validate ``families.csv``; raises ``ReferenceDataError`` naming every problem.
    The shipped file's regions must agree with ``data/reference/regions.csv`` (``make regions``
    rebuilds that table from the rules read with ``check_regions=False``)."""
    path = Path(path) if path is not None else paths.FAMILIES_CSV
    return _load_rules_cached(str(path), path.stat().st_mtime_ns if path.exists() else 0, check_regions)


def _repeated(pairs: list[tuple[str, str]]) -> list[str]:
    """The keys of ``(key, value)`` pairs with more than one value, sorted."""
    seen: dict[str, set[str]] = {}
    for key, value in pairs:
        seen.setdefault(key, set()).add(value)
    return sorted(k for k, v in seen.items() if len(v) > 1)


@lru_cache(maxsize=8)
def _load_rules_cached(path_str: str, _mtime: int, check_regions: bool = True) -> Rules:
    cells, where, problems = read_rows(Path(path_str), RULE_COLUMNS, ("family", "org", "region", "org_scope", "name_pattern"))
    rows = tuple(Rule(*r) for r in zip(*(cells[c] for c in RULE_COLUMNS)))
    n = sum(r.region not in FAMILY_REGIONS for r in rows)
    if n:
        problems.append(f"column 'region' is not one of {', '.join(FAMILY_REGIONS)} in {n} rows")
    n = sum(r.org_scope not in SCOPES for r in rows)
    if n:
        problems.append(f"column 'org_scope' is not one of {', '.join(SCOPES)} in {n} rows")
    n = sum(k - 1 for k in Counter((r.family, r.org) for r in rows).values())
    if n:
        problems.append(f"{n} rows repeat a (family, org) pair")
    several = _repeated([(r.family, r.region) for r in rows])
    if several:
        problems.append(f"families with more than one region: {', '.join(several)}")
    several = _repeated([(r.family, r.name_pattern) for r in rows])
    if several:
        problems.append(f"families with more than one name_pattern: {', '.join(several)}")
    per_org = Counter(r.org for r in rows)
    if any(per_org[r.org] > 1 and r.org_scope == "all" for r in rows):
        problems.append("an organisation shared by several families must use org_scope 'pattern'")
    for pat in dict.fromkeys(r.name_pattern for r in rows):
        try:
            re.compile(pat)
            pc.match_substring_regex(pa.array(["x"]), pat)
        except (re.error, pa.ArrowInvalid) as exc:
            problems.append(f"name_pattern {pat!r} is not a valid regular expression ({exc})")
    if check_regions and not problems and Path(path_str) == paths.FAMILIES_CSV and paths.REGIONS_CSV.exists():
        # Regions of organisations have one source of truth, data/reference/regions.csv.
        table_regions = reference.regions()
        off = [f"{r.org} ({r.region} here, {table_regions.get(r.org, 'missing')} in regions.csv)"
               for r in rows if table_regions.get(r.org) != r.region]
        if off:
            problems.append("region differs from data/reference/regions.csv for " + ", ".join(off))
    if problems:
        raise ReferenceDataError(f"{where}: " + "; ".join(problems))
    return Rules(rows=rows)


# --------------------------------------------------------------------------- rules on ids
#
# Families and organisations are handled as integer codes: a family code indexes
# ``Rules.families`` and an organisation code indexes ``Rules.rows``; -1 means none.


def split_ids(ids: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Namespace and name of each repo id (``"Qwen/Qwen3-8B"`` → ``"Qwen"``, ``"Qwen3-8B"``)."""
    if len(ids) == 0:
        return ids, ids
    # An id without a slash is all namespace and no name.
    if not pc.all(pc.match_substring(ids, "/")).as_py():
        ids = pc.if_else(pc.match_substring(ids, "/"), ids, pc.binary_join_element_wise(ids, "", "/"))
    parts = pc.split_pattern(ids, "/", max_splits=1)
    return pc.list_element(parts, 0), pc.list_element(parts, 1)


def _family_index(rules: Rules) -> dict[str, int]:
    return {f: k for k, f in enumerate(rules.families)}


def org_codes(ns: pa.Array, name: pa.Array, rules: Rules) -> tuple[np.ndarray, np.ndarray]:
    """Family and rule row of each repo by organisation: ``(family_code, rule_row)``, -1 for none.

    Namespaces are dictionary-encoded, so the cost is one pass over the ids plus a regular
    expression over the repos of organisations whose scope is ``pattern``.
    """
    n = len(ns)
    fam = np.full(n, -1, dtype=np.int16)
    rule_row = np.full(n, -1, dtype=np.int16)
    if n == 0:
        return fam, rule_row
    enc = pc.dictionary_encode(ns.combine_chunks() if isinstance(ns, pa.ChunkedArray) else ns)
    codes = np.asarray(enc.indices.fill_null(-1), dtype=np.int64)
    lookup = {v: k for k, v in enumerate(enc.dictionary.to_pylist())}
    findex = _family_index(rules)
    wanted = np.zeros(len(lookup) + 1, dtype=bool)  # the last slot stands for a null namespace
    wanted[[lookup[r.org] for r in rules.rows if r.org in lookup]] = True
    if not wanted.any():
        return fam, rule_row
    candidates = np.flatnonzero(wanted[codes])
    cand_codes = codes[candidates]
    for k, row in enumerate(rules.rows):
        code = lookup.get(row.org)
        if code is None:
            continue
        rows = candidates[cand_codes == code]
        rows = rows[fam[rows] < 0]
        if row.org_scope == "pattern" and len(rows):
            hit = np.asarray(pc.match_substring_regex(name.take(pa.array(rows)), row.name_pattern).fill_null(False), dtype=bool)
            rows = rows[hit]
        fam[rows] = findex[row.family]
        rule_row[rows] = k
    return fam, rule_row


NOT_NAMED = -2
"""``own_name`` of a row whose name rules were not needed (its family came from lineage)."""


def _org_codes_sorted(ids: pa.ChunkedArray | pa.Array, rules: Rules) -> tuple[np.ndarray, np.ndarray]:
    """``org_codes`` for strictly increasing ids: each organisation's repos are one slice of the
    column, found by binary search, so no id is split."""
    n = len(ids)
    fam = np.full(n, -1, dtype=np.int16)
    rule_row = np.full(n, -1, dtype=np.int16)
    keys = arrays.Sorted(ids)
    findex = _family_index(rules)
    for k, row in enumerate(rules.rows):
        # "org/..." sorts between "org/" and "org0" ("0" follows "/"); an id without a slash is
        # all namespace.
        lo = keys.bisect_left(row.org + "/")
        hi = keys.bisect_left(row.org + "0", lo)
        rows = np.arange(lo, hi)
        if row.org_scope == "pattern" and len(rows):
            _, name = split_ids(ids.slice(lo, hi - lo))
            rows = rows[np.asarray(pc.match_substring_regex(name, row.name_pattern).fill_null(False), dtype=bool)]
        bare = keys.bisect_left(row.org)
        if bare < n and keys[bare] == row.org and (row.org_scope == "all" or re.search(row.name_pattern, "")):
            rows = np.r_[bare, rows]
        rows = rows[fam[rows] < 0]
        fam[rows] = findex[row.family]
        rule_row[rows] = k
    return fam, rule_row


def _id_orgs(ids: pa.ChunkedArray, rules: Rules, ordered: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Organisation family and its rule row of every id (``ordered``: whether they are strictly
    increasing, if known)."""
    if arrays.increasing(ids) if ordered is None else ordered:
        return _org_codes_sorted(ids, rules)

    def one(chunk):
        return org_codes(*split_ids(chunk), rules)

    parts = arrays.each_chunk(one, ids)
    if not parts:
        return np.zeros(0, dtype=np.int16), np.zeros(0, dtype=np.int16)
    return tuple(np.concatenate([p[k] for p in parts]) for k in range(2))


def name_rows(ids: pa.Array, rows: np.ndarray, rules: Rules) -> np.ndarray:
    """``name_codes`` of the ids at ``rows`` (increasing). The names are split from the ids only
    where the union of all patterns in id form (``id_pattern``) matches the whole id (0.7% of the
    1.05 million ids named in the 2.5-million-model benchmark); the rest have no name family."""
    out = np.full(len(rows), -1, dtype=np.int16)
    if not len(rows):
        return out
    picked = arrays.take(ids, rows)
    wide = union_pattern([id_pattern(p) for p in rules.name_pattern.values()])

    def maybe(chunk: pa.Array) -> np.ndarray:
        # An id without a slash is all namespace: its empty name is tried as it is.
        return np.asarray(pc.or_(pc.match_substring_regex(chunk, wide), pc.less(pc.find_substring(chunk, "/"), 0)).fill_null(False), dtype=bool)

    hits = arrays.each_chunk(maybe, arrays.rechunk(picked))
    cand = np.flatnonzero(np.concatenate(hits))
    if len(cand):
        out[cand] = name_codes(split_ids(picked.take(pa.array(cand)))[1], rules)
    return out


def fill_names(own_name: np.ndarray, ids: pa.Array, wanted: np.ndarray, rules: Rules) -> None:
    """Compute the name family of the ``wanted`` rows (a mask) not yet named, in place."""
    rows = np.flatnonzero(wanted & (own_name == NOT_NAMED))
    own_name[rows] = name_rows(ids, rows, rules)


def id_rules(ids: pa.ChunkedArray, rules: Rules, ordered: bool | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Organisation family, its rule row, and ``own_name`` of every id, all ``NOT_NAMED``: name
    rules run later, only on the rows that need them (``fill_names``)."""
    fam, rule = _id_orgs(ids, rules, ordered)
    return fam, rule, np.full(len(ids), NOT_NAMED, dtype=np.int16)


def union_pattern(patterns: list[str]) -> str:
    """One regular expression matching any of ``patterns`` (each kept as a group, its case-insensitive flag
    too), for a single pass over all names."""
    parts = []
    for p in patterns:
        parts.append(f"(?i:{p[4:]})" if p.startswith("(?i)") else f"(?:{p})")
    return "|".join(parts)


def id_pattern(pattern: str) -> str:
    r"""``pattern``, a regular expression on repo names, as one on whole ids that matches every id
    whose name ``pattern`` matches: the start of the name is the slash, so the anchors ``^`` and
    ``\A`` outside a character class become ``/``. It may match more ids (in their namespace),
    never fewer; ``$``, ``\b`` and ``\B`` mean the same in both (the slash is no word character).

    >>> id_pattern("(?i)(^|[-_.^])phi"), id_pattern(r"\Ayi-[^/]")
    ('(?i)(/|[-_.^])phi', '/yi-[^/]')
    """
    out, k, in_class, class_start = [], 0, False, False
    while k < len(pattern):
        c = pattern[k]
        if c == "\\":
            pair = pattern[k:k + 2]
            out.append("/" if pair == "\\A" and not in_class else pair)
            k += 2
            continue
        if in_class:
            if c == "]" and not class_start:
                in_class = False
            class_start = class_start and c == "^"
        elif c == "[":
            in_class, class_start = True, True
        elif c == "^":
            c = "/"
        out.append(c)
        k += 1
    return "".join(out)


def name_codes(names: pa.Array, rules: Rules) -> np.ndarray:
    """Family code by name pattern for each repo name; the first matching family in file order wins.

    One pass with all patterns joined finds the names that match any; each family's pattern then
    runs only on those.
    """
    out = np.full(len(names), -1, dtype=np.int16)
    if len(names) == 0:
        return out
    patterns = list(rules.name_pattern.items())
    any_hit = np.asarray(pc.match_substring_regex(names, union_pattern([p for _, p in patterns])).fill_null(False), dtype=bool)
    todo = np.flatnonzero(any_hit)
    findex = _family_index(rules)
    for family, pattern in patterns:
        if not len(todo):
            break
        hit = np.asarray(pc.match_substring_regex(names.take(pa.array(todo)), pattern).fill_null(False), dtype=bool)
        out[todo[hit]] = findex[family]
        todo = todo[~hit]
    return out


