"""Which family and organisation a model belongs to: first-party, derivative, or unrelated.

The rules are data, in ``data/reference/families.csv``: one row per (family, Hub organisation)
with the family's region, an ``org_scope`` (``all``: every repo of the organisation belongs to the
family; ``pattern``: only repos whose name matches ``name_pattern``) and the ``name_pattern``
itself (a regular expression on the part of the repo id after the slash).

Three rules, in this order, give each model its ``family`` and ``basis``:

1. **org**: the repo sits in a family's organisation (and matches its pattern where the scope is
   ``pattern``). The model is *first-party*.
2. **lineage**: the repo's ``base_models`` chain reaches a model of a family. The model is a
   *derivative*. Parents missing from the snapshot are resolved by their own namespace and name.
3. **name**: the repo's name matches a family's ``name_pattern`` (the first family in file order
   wins). The model is a *derivative* by name.

Otherwise the model is *unrelated* and its family is empty.

Lineage rules, each applied the same way to every model:

- ``lineage_root`` follows one parent per step, the *primary parent*: among a model's listed
  parents, the first that is in a family's organisation, else the first present in the snapshot,
  else the first listed. The chain ends at a model with no parent or at a parent absent from the
  snapshot (flag ``missing-parent``; the absent id is the root).
- ``lineage_family`` is the family the chain leads to. A model with several parents (a merge)
  takes the family that all of its parents with a known family agree on; when they disagree, the
  merge and everything derived from it get no lineage family and the flag ``mixed-merge``.
- A model that lists itself as its parent has that entry ignored (flag ``self-reference``).
- A chain that loops (A → B → A) is cut: every model in or leading into the loop gets the loop's
  alphabetically first id as ``lineage_root``, no depth, and the flag ``cycle``.

Everything is vectorised over Arrow and NumPy arrays; the only Python loops run over the rules
(a few dozen rows) and over pointer-jumping rounds (logarithmic in the chain length).

>>> classify_ids(["deepseek-ai/DeepSeek-R1-Distill-Qwen-7B"])[["family", "party"]]  # doctest: +SKIP
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import arrays, paths, reference
from .errors import ReferenceDataError

REGIONS = ("us", "china", "eu", "other")
SCOPES = ("all", "pattern")
RULE_COLUMNS = ("family", "org", "region", "org_scope", "name_pattern", "notes")
FLAGS = ("self-reference", "cycle", "missing-parent", "mixed-merge")

OUTPUT_COLUMNS = (
    "id",
    "family",
    "owner_org",
    "region",
    "party",
    "basis",
    "lineage_root",
    "parent",
    "uploader_family",
    "lineage_family",
    "lineage_depth",
    "lineage_flags",
)


@dataclass(frozen=True)
class Rules:
    """The family rules, validated. ``table`` has one row per (family, organisation)."""

    table: pd.DataFrame

    @property
    def families(self) -> list[str]:
        """Family names in file order (the order of precedence of name rules)."""
        return list(dict.fromkeys(self.table["family"]))

    @property
    def region_of(self) -> dict[str, str]:
        return dict(zip(self.table["family"], self.table["region"]))

    @property
    def first_org(self) -> dict[str, str]:
        return self.table.drop_duplicates("family").set_index("family")["org"].to_dict()

    @property
    def name_pattern(self) -> dict[str, str]:
        return self.table.drop_duplicates("family").set_index("family")["name_pattern"].to_dict()

    def orgs(self, family: str) -> list[str]:
        return self.table.loc[self.table["family"] == family, "org"].tolist()


def load_rules(path: Path | str | None = None) -> Rules:
    """Read and validate ``families.csv``; raises ``ReferenceDataError`` naming every problem."""
    path = Path(path) if path is not None else paths.FAMILIES_CSV
    return _load_rules_cached(str(path), path.stat().st_mtime_ns if path.exists() else 0)


@lru_cache(maxsize=8)
def _load_rules_cached(path_str: str, _mtime: int) -> Rules:
    table, where, problems = reference.read_table(Path(path_str), RULE_COLUMNS, ("family", "org", "region", "org_scope", "name_pattern"))
    n = int((~table["region"].isin(REGIONS)).sum())
    if n:
        problems.append(f"column 'region' is not one of {', '.join(REGIONS)} in {n} rows")
    n = int((~table["org_scope"].isin(SCOPES)).sum())
    if n:
        problems.append(f"column 'org_scope' is not one of {', '.join(SCOPES)} in {n} rows")
    n = int(table.duplicated(["family", "org"]).sum())
    if n:
        problems.append(f"{n} rows repeat a (family, org) pair")
    regions = table.groupby("family")["region"].nunique()
    if (regions > 1).any():
        problems.append(f"families with more than one region: {', '.join(regions[regions > 1].index)}")
    patterns = table.groupby("family")["name_pattern"].nunique()
    if (patterns > 1).any():
        problems.append(f"families with more than one name_pattern: {', '.join(patterns[patterns > 1].index)}")
    shared = table[table.duplicated("org", keep=False)]
    if (shared["org_scope"] == "all").any():
        problems.append("an organisation shared by several families must use org_scope 'pattern'")
    for pat in table["name_pattern"].unique():
        try:
            re.compile(pat)
            pc.match_substring_regex(pa.array(["x"]), pat)
        except (re.error, pa.ArrowInvalid) as exc:
            problems.append(f"name_pattern {pat!r} is not a valid regular expression ({exc})")
    if not problems and Path(path_str) == paths.FAMILIES_CSV and paths.REGIONS_CSV.exists():
        # Regions of organisations have one source of truth, data/reference/regions.csv.
        from .reference import regions

        table_regions = regions()
        off = [f"{r.org} ({r.region} here, {table_regions.get(r.org, 'missing')} in regions.csv)"
               for r in table.itertuples() if table_regions.get(r.org) != r.region]
        if off:
            problems.append("region differs from data/reference/regions.csv for " + ", ".join(off))
    if problems:
        raise ReferenceDataError(f"{where}: " + "; ".join(problems))
    return Rules(table=table.reset_index(drop=True))


# --------------------------------------------------------------------------- rules on ids
#
# Families and organisations are handled as integer codes: a family code indexes
# ``Rules.families`` and an organisation code indexes ``Rules.table`` rows; -1 means none.


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
    table = rules.table
    wanted = np.zeros(len(lookup) + 1, dtype=bool)  # the last slot stands for a null namespace
    wanted[[lookup[o] for o in table["org"] if o in lookup]] = True
    if not wanted.any():
        return fam, rule_row
    candidates = np.flatnonzero(wanted[codes])
    cand_codes = codes[candidates]
    for k, row in enumerate(table.itertuples(index=False)):
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


def _id_rules(ids: pa.ChunkedArray, rules: Rules) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Organisation family, its rule row, and name family of every id.

    The work is per row, so chunks are processed in parallel threads: on a snapshot read from
    parquet, one chunk per row group.
    """

    def one(chunk):
        ns, name = split_ids(chunk)
        fam, rule = org_codes(ns, name, rules)
        return fam, rule, name_codes(name, rules)

    parts = arrays.each_chunk(one, ids)
    if not parts:
        empty = np.zeros(0, dtype=np.int16)
        return empty, empty.copy(), empty.copy()
    return tuple(np.concatenate([p[k] for p in parts]) for k in range(3))


def _id_rules_from(ids: pa.ChunkedArray, rules: Rules, earlier: "Classification", pos: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``_id_rules``, copied from an earlier classification for the ids it holds (``pos``: each
    id's row there, -1 for none) and computed for the rest: they depend on the id alone."""
    safe = np.maximum(pos, 0)
    out = tuple(c[safe] for c in (earlier.uploader, earlier.up_rule, earlier.own_name))
    new = np.flatnonzero(pos < 0)
    if len(new):
        for o, fresh in zip(out, _id_rules(ids.take(pa.array(new)), rules)):
            o[new] = fresh
    return out


def _parallel_index_in(ids: pa.ChunkedArray, values: pa.Array) -> list[tuple[int, pa.Array]]:
    """``index_in`` of the ids in ``values``, in as many threads as cores, as (first row, result)."""
    chunks = [c for c in (ids.chunks if isinstance(ids, pa.ChunkedArray) else [ids]) if len(c)]
    if not chunks:
        return []
    workers = max(1, min(len(chunks), os.cpu_count() or 1))
    starts, start = [], 0
    per = -(-len(chunks) // workers)
    groups = [chunks[k:k + per] for k in range(0, len(chunks), per)]
    for g in groups:
        starts.append(start)
        start += sum(len(c) for c in g)

    def one(g):
        return pc.index_in(pa.chunked_array(g, pa.string()), value_set=values)

    if len(groups) == 1:
        return [(0, one(groups[0]))]
    with ThreadPoolExecutor(max_workers=len(groups)) as pool:
        return list(zip(starts, pool.map(one, groups)))


def _union_pattern(patterns: list[str]) -> str:
    parts = []
    for p in patterns:
        parts.append(f"(?i:{p[4:]})" if p.startswith("(?i)") else f"(?:{p})")
    return "|".join(parts)


def name_codes(names: pa.Array, rules: Rules) -> np.ndarray:
    """Family code by name pattern for each repo name; the first matching family in file order wins.

    One pass with all patterns joined finds the names that match any; each family's pattern then
    runs only on those.
    """
    out = np.full(len(names), -1, dtype=np.int16)
    if len(names) == 0:
        return out
    patterns = list(rules.name_pattern.items())
    any_hit = np.asarray(pc.match_substring_regex(names, _union_pattern([p for _, p in patterns])).fill_null(False), dtype=bool)
    todo = np.flatnonzero(any_hit)
    findex = _family_index(rules)
    for family, pattern in patterns:
        if not len(todo):
            break
        hit = np.asarray(pc.match_substring_regex(names.take(pa.array(todo)), pattern).fill_null(False), dtype=bool)
        out[todo[hit]] = findex[family]
        todo = todo[~hit]
    return out


# --------------------------------------------------------------------------- pointer jumping


def _jump(nxt: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Follow ``nxt`` (a parent index per node, itself for roots) to its end for every node.

    Returns ``(end, depth, in_cycle)``. Nodes in or leading into a loop end at the loop's
    smallest index, with depth -1.
    """
    n = len(nxt)
    ptr = nxt.copy()
    depth = (nxt != np.arange(n)).astype(np.int64)
    active = np.flatnonzero(ptr[ptr] != ptr)
    limit = max(1, int(np.ceil(np.log2(max(n, 2))))) + 1
    for _ in range(limit):
        if not active.size:
            break
        p = ptr[active]
        depth[active] = depth[active] + depth[p]
        ptr[active] = ptr[p]
        active = active[ptr[ptr[active]] != ptr[active]]
    # A chain has ended only where it reached a root (a node that is its own parent); doubling
    # can also settle on a node of a loop of even length, so test against nxt, not ptr.
    stuck = np.flatnonzero(nxt[ptr] != ptr)
    in_cycle = np.zeros(n, dtype=bool)
    if stuck.size:
        # The nodes in or leading into loops are closed under nxt: doubling over them with a
        # running minimum finds each loop's smallest index.
        p2 = nxt.copy()
        low = np.arange(n)
        for _ in range(max(1, int(np.ceil(np.log2(max(stuck.size, 2))))) + 1):
            low[stuck] = np.minimum(low[stuck], low[p2[stuck]])
            p2[stuck] = p2[p2[stuck]]
        ptr[stuck] = low[p2[stuck]]
        depth[stuck] = -1
        in_cycle[stuck] = True
    return ptr, depth, in_cycle


# --------------------------------------------------------------------------- classification


def _parents(table: pa.Table) -> tuple[np.ndarray, pa.Array, np.ndarray]:
    """Flattened parent lists without empty entries: ``(row, code, distinct_parent_ids)``, where
    ``code`` indexes ``distinct_parent_ids``."""
    bm = table.column("base_models")
    rows, flats, offset = [], [], 0
    for chunk in bm.chunks:
        rows.append(np.asarray(pc.list_parent_indices(chunk), dtype=np.int32) + np.int32(offset))
        flats.append(pc.list_flatten(chunk))
        offset += len(chunk)
    row = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int32)
    flat = pa.chunked_array(flats, pa.string()).combine_chunks() if flats else pa.array([], pa.string())
    keep = pc.and_(pc.is_valid(flat), pc.not_equal(flat, "")).fill_null(False)
    if not pc.all(keep).as_py():
        row, flat = row[np.asarray(keep, dtype=bool)], flat.filter(keep)
    encoded = pc.dictionary_encode(flat)
    return row, np.asarray(encoded.indices, dtype=np.int32), encoded.dictionary


def _first_per_row(row: np.ndarray, order_key: np.ndarray) -> np.ndarray:
    """Index (into the flat arrays) of the entry with the smallest key in each row, the first
    listed among equals. ``row`` is non-decreasing (entries of one row are contiguous)."""
    starts = np.flatnonzero(np.r_[True, row[1:] != row[:-1]])
    # One number orders by key, then by position in the flat arrays.
    composite = order_key.astype(np.int64) * len(row) + np.arange(len(row), dtype=np.int64)
    return np.minimum.reduceat(composite, starts) % len(row)


def _agree(rows: np.ndarray, codes: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the code all its known (>= 0) entries agree on (-1 if none) and whether they disagree."""
    known = codes >= 0
    lo = np.full(n, np.iinfo(np.int16).max, dtype=np.int16)
    hi = np.full(n, -1, dtype=np.int16)
    np.minimum.at(lo, rows[known], codes[known])
    np.maximum.at(hi, rows[known], codes[known])
    agreed = np.where((hi >= 0) & (lo == hi), hi, -1).astype(np.int16)
    return agreed, (hi >= 0) & (lo != hi)


@dataclass
class Classification:
    """Every model's classification as code arrays (in table order); ``frame()`` gives the table.

    Family codes index ``rules.families`` (-1: none). ``root_index`` and ``parent_index`` index
    the snapshot's ids followed by the distinct parent ids (``pool``; -1: none).
    """

    rules: Rules
    ids: pa.ChunkedArray
    uniq: pa.Array
    family: np.ndarray
    uploader: np.ndarray
    up_rule: np.ndarray
    own_name: np.ndarray
    lineage: np.ndarray
    party: np.ndarray
    basis: np.ndarray
    owner_rule: np.ndarray
    root_index: np.ndarray
    parent_index: np.ndarray
    depth: np.ndarray
    flags: np.ndarray

    def __len__(self) -> int:
        return len(self.family)

    def frame(self) -> pd.DataFrame:
        """The classification table (see ``classify_table`` for its columns)."""
        rules, n = self.rules, len(self)
        pool = pa.chunked_array([*self.ids.chunks, self.uniq], pa.string())
        orgs = list(rules.table["org"])
        org_names = list(dict.fromkeys(orgs))
        rule_to_org = np.array([org_names.index(o) for o in orgs] + [-1], dtype=np.int64)
        fam_region = [rules.region_of[f] for f in rules.families]
        regions = list(dict.fromkeys(fam_region))
        region_of_code = np.array([regions.index(r) for r in fam_region] + [-1], dtype=np.int64)
        flag_names = ["|".join(f for i, f in enumerate(FLAGS) if c >> i & 1) for c in range(1 << len(FLAGS))]
        unknown = self.depth < 0
        depth = pd.arrays.IntegerArray(np.where(unknown, 0, self.depth).astype(np.int64), unknown)

        def cat(codes, labels):
            return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int64), categories=labels)

        def strings(arr):
            return pd.Series(arr, dtype=pd.StringDtype("pyarrow", na_value=np.nan)).array if n else pd.array([], dtype="str")

        return pd.DataFrame(
            {
                "id": strings(self.ids),
                "family": cat(self.family, rules.families),
                "owner_org": cat(rule_to_org[np.where(self.owner_rule < 0, len(orgs), self.owner_rule)], org_names),
                "region": cat(region_of_code[np.where(self.family < 0, len(fam_region), self.family)], regions),
                "party": cat(self.party, ["first-party", "derivative", "unrelated"]),
                "basis": cat(self.basis, ["org", "lineage", "name", "none"]),
                "lineage_root": strings(pool.take(pa.array(self.root_index))),
                "parent": strings(pool.take(pa.array(self.parent_index, mask=self.parent_index < 0))),
                "uploader_family": cat(self.uploader, rules.families),
                "lineage_family": cat(self.lineage, rules.families),
                "lineage_depth": depth,
                "lineage_flags": cat(self.flags, flag_names),
            }
        )


def classify_table(table: pa.Table, rules: Rules | None = None) -> pd.DataFrame:
    """Classify every model of a snapshot table; one row per model, in table order.

    Columns: ``id``, ``family``, ``owner_org``, ``region``, ``party``, ``basis``,
    ``lineage_root``, ``parent`` (the primary parent), ``uploader_family``,
    ``lineage_family``, ``lineage_depth``, ``lineage_flags``.
    """
    return compute(table, rules).frame()


def compute(table: pa.Table, rules: Rules | None = None, earlier: tuple[Classification, np.ndarray] | None = None) -> Classification:
    """The classification of every model of a snapshot table, as code arrays.

    ``earlier`` (an earlier classification under the same rules, and each row's position in it
    or -1) saves the rules on ids for the ids it holds; the result is the same without it.
    """
    rules = rules or load_rules()
    n = table.num_rows
    ids = table.column("id") if n else pa.chunked_array([], pa.string())
    idx_all = np.arange(n, dtype=np.int32)

    if earlier is not None and earlier[0].rules is rules and len(earlier[1]) == n:
        uploader, up_rule, own_name = _id_rules_from(ids, rules, *earlier)
    else:
        uploader, up_rule, own_name = _id_rules(ids, rules)
    own_root = np.where(uploader >= 0, uploader, own_name).astype(np.int16)  # a root's family: org, else name

    # Distinct parent ids, and where each sits in the snapshot (-1: absent). Probing the ids
    # against the distinct parents builds the smaller hash table.
    row, parent_code, uniq = _parents(table)
    uniq_pos = np.full(len(uniq), -1, dtype=np.int32)
    for start, where in _parallel_index_in(ids, uniq):
        valid = pc.is_valid(where)
        uniq_pos[np.asarray(where.filter(valid), dtype=np.int64)] = start + np.flatnonzero(np.asarray(valid, dtype=bool)).astype(np.int32)
    pos_np = uniq_pos[parent_code]
    # A model listing itself as its parent: the entry is dropped and the model flagged.
    selfref = pos_np == row
    self_ref_rows = np.unique(row[selfref])
    if selfref.any():
        row, parent_code, pos_np = row[~selfref], parent_code[~selfref], pos_np[~selfref]
    del selfref
    present = pos_np >= 0
    nparents = np.bincount(row, minlength=n) if len(row) else np.zeros(n, dtype=np.int64)

    # Families of every distinct parent id (present or not), computed once.
    p_ns, p_name = split_ids(uniq)
    uniq_org, uniq_org_rule = org_codes(p_ns, p_name, rules)
    uniq_root = uniq_org.copy()
    todo = np.flatnonzero(uniq_root < 0)
    if len(todo):
        uniq_root[todo] = name_codes(p_name.take(pa.array(todo)), rules)
    del p_ns, p_name, todo

    # Primary parent: in a family organisation, else present, else first listed.
    key = np.where(uniq_org[parent_code] >= 0, 0, np.where(present, 1, 2)).astype(np.int8)
    prim = _first_per_row(row, key) if len(row) else np.zeros(0, dtype=np.int64)
    del key
    prim_row = row[prim]
    nxt = idx_all.copy()
    ok = present[prim]
    nxt[prim_row[ok]] = pos_np[prim][ok]
    external = np.full(n, -1, dtype=np.int32)  # distinct-parent code of an absent primary parent
    external[prim_row[~ok]] = parent_code[prim[~ok]]

    end, depth, in_cycle = _jump(nxt)
    del nxt
    ext_code = external[end]
    del external
    ends_outside = (ext_code >= 0) & ~in_cycle
    depth = np.where(ends_outside, depth + 1, depth)
    # Roots and primary parents as positions in the ids followed by the distinct parent ids.
    root_index = np.where(ends_outside, n + ext_code, end).astype(np.int64)
    prim_index = np.full(n, -1, dtype=np.int64)
    prim_index[prim_row] = n + parent_code[prim]
    del prim, prim_row, ok

    # Lineage family: chains of single-parent links end at an anchor (a root, an absent parent,
    # or a merge); merges take the family their parents agree on.
    single = nparents == 1
    nxt_a = idx_all.copy()
    single_present = single[row] & present
    nxt_a[row[single_present]] = pos_np[single_present]
    anchor, _, a_cycle = _jump(nxt_a)
    anchor_fam = np.full(n, -1, dtype=np.int16)
    no_parent = nparents == 0
    anchor_fam[no_parent] = own_root[no_parent]
    single_absent = single[row] & ~present
    anchor_fam[row[single_absent]] = uniq_root[parent_code[single_absent]]
    anchor_fam[a_cycle] = own_root[anchor[a_cycle]]
    merge_rows = np.flatnonzero(nparents > 1)
    mixed = np.zeros(n, dtype=bool)
    if merge_rows.size:
        in_merge = nparents[row] > 1
        m_row, m_present, m_pos, m_code = row[in_merge], present[in_merge], pos_np[in_merge], parent_code[in_merge]
        is_merge = nparents > 1
        absent_fam = uniq_root[m_code]
        p_anchor = anchor[np.where(m_present, m_pos, 0)]
        merge_fam = np.full(n, -1, dtype=np.int16)
        for _ in range(64):  # bounded by the nesting depth of merges of merges
            via_anchor = np.where(is_merge[p_anchor], merge_fam[p_anchor], anchor_fam[p_anchor])
            pf = np.where(m_present, via_anchor, absent_fam).astype(np.int16)
            new, new_mixed = _agree(m_row, pf, n)
            if np.array_equal(new[merge_rows], merge_fam[merge_rows]) and np.array_equal(new_mixed, mixed):
                break
            merge_fam[merge_rows], mixed = new[merge_rows], new_mixed
        anchor_fam[merge_rows] = merge_fam[merge_rows]
    lineage_fam = anchor_fam[anchor]
    mixed_any = mixed[anchor]

    # Family, party and basis (codes: party 0 first-party, 1 derivative, 2 unrelated;
    # basis 0 org, 1 lineage, 2 name, 3 none).
    lineage_filled = np.where(lineage_fam >= 0, lineage_fam, np.where(own_name >= 0, own_name, uploader)).astype(np.int16)
    is_org = uploader >= 0
    by_lineage = ~is_org & (nparents > 0) & (lineage_fam >= 0)
    by_name = ~is_org & ~by_lineage & (own_name >= 0)
    family = np.select([is_org, by_lineage, by_name], [uploader, lineage_fam, own_name], -1).astype(np.int16)
    basis = np.select([is_org, by_lineage, by_name], [0, 1, 2], 3)
    party = np.select([is_org, by_lineage | by_name], [0, 1], 2)

    # Owner organisation (a rule row): the uploader's for first-party repos, the root's when the
    # root sits in the family's organisation, else the family's first organisation.
    safe = np.maximum(ext_code, 0)
    root_fam_org = np.where(ends_outside, uniq_org[safe] if len(uniq_org) else -1, uploader[end])
    root_rule = np.where(ends_outside, uniq_org_rule[safe] if len(uniq_org) else -1, up_rule[end])
    first_rule = np.array([rules.table.index[rules.table["family"] == f][0] for f in rules.families] + [-1], dtype=np.int16)
    owner = first_rule[np.where(family < 0, len(rules.families), family)]
    use_root = (root_fam_org == family) & (family >= 0)
    owner = np.where(use_root, root_rule, owner)
    owner = np.where(is_org, up_rule, owner)
    self_ref = np.zeros(n, dtype=bool)
    self_ref[self_ref_rows] = True
    flags = np.zeros(n, dtype=np.int64)
    for i, mask in enumerate((self_ref, in_cycle | a_cycle, ends_outside, mixed_any)):
        flags |= mask.astype(np.int64) << i
    return Classification(
        rules=rules, ids=ids, uniq=uniq, family=family, uploader=uploader, up_rule=up_rule, own_name=own_name, lineage=lineage_filled,
        party=party, basis=basis, owner_rule=owner, root_index=root_index, parent_index=prim_index,
        depth=depth, flags=flags,
    )


def classify(snapshot, rules: Rules | None = None) -> pd.DataFrame:
    """Classification of a loaded ``Snapshot``, computed once and cached on it.

    >>> from hubshare import snapshot
    >>> c = classify(snapshot.load())                                         # doctest: +SKIP
    >>> c.set_index("id").loc["unsloth/Qwen3-8B-GGUF", "family"]              # doctest: +SKIP
    'Qwen'
    """
    return snapshot.cached(("classified", id(rules) if rules else None), lambda: codes(snapshot, rules).frame())


def codes(snapshot, rules: Rules | None = None, earlier: tuple | None = None) -> Classification:
    """The classification of a loaded ``Snapshot`` as code arrays, computed once and cached;
    what metrics use. ``classify`` builds the readable table from it.

    ``earlier`` = ``(earlier_snapshot, pos)``, ``pos`` giving each row's position in the earlier
    snapshot (-1: none), lets a classification already cached there save work (``compute``).
    """
    key = ("codes", id(rules) if rules else None)
    hint = None
    if earlier is not None and earlier[0].is_cached(key):
        hint = (earlier[0].cached(key, lambda: None), earlier[1])
    return snapshot.cached(key, lambda: compute(snapshot.table, rules or load_rules(), hint))


def lineage_chain(snapshot, model_id: str, max_steps: int = 50) -> list[str]:
    """The ids from ``model_id`` up to its lineage root, following primary parents.

    >>> lineage_chain(snap, "unsloth/Qwen3-8B-GGUF")       # doctest: +SKIP
    ['unsloth/Qwen3-8B-GGUF', 'Qwen/Qwen3-8B', 'Qwen/Qwen3-8B-Base']
    """
    parent = classify(snapshot).set_index("id")["parent"]
    chain = [model_id]
    while len(chain) <= max_steps:
        nxt = parent.get(chain[-1])
        if nxt is None or pd.isna(nxt) or nxt in chain:
            break
        chain.append(nxt)
    return chain


def classify_ids(model_ids: list[str], rules: Rules | None = None, base_models: list[list[str]] | None = None) -> pd.DataFrame:
    """Classify repo ids by namespace and name alone (or with the parent lists given).

    >>> classify_ids(["unsloth/Qwen3-8B-GGUF"]).loc[0, "family"]
    'Qwen'
    """
    table = pa.table(
        {
            "id": pa.array(model_ids, pa.string()),
            "base_models": pa.array(base_models or [[] for _ in model_ids], pa.list_(pa.string())),
        }
    )
    return classify_table(table, rules)
