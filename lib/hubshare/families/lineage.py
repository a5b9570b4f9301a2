"""The lineage engine: every model's primary parent, lineage root, depth and lineage family,
by pointer jumping over NumPy arrays; and ``compute``, the whole classification as code arrays.
See ``hubshare.families`` for the rules.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .rules import Rules, _id_rules, _id_rules_from, load_rules, name_codes, org_codes, split_ids

FLAGS = ("self-reference", "cycle", "missing-parent", "mixed-merge")


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


def _flat_parents(table: pa.Table) -> tuple[np.ndarray, pa.Array]:
    """Flattened parent lists without null or empty entries: ``(row, parent_id)``, rows
    non-decreasing, each row's parents in listed order."""
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
    return row, flat


def _parents(table: pa.Table) -> tuple[np.ndarray, np.ndarray, pa.Array, pa.Array]:
    """``_flat_parents`` with each entry's code among the distinct parent ids:
    ``(row, code, distinct_parent_ids, flat)``."""
    row, flat = _flat_parents(table)
    encoded = pc.dictionary_encode(flat)
    return row, np.asarray(encoded.indices, dtype=np.int32), encoded.dictionary, flat


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
    the snapshot's ids followed by ``uniq``, the parent ids absent from the snapshot (or all
    distinct parent ids) (``pool``; -1: none). ``flat_row``, ``flat`` and ``flat_pos`` are every
    listed parent (its child's row, its id, its row or -1), kept so that a later snapshot's
    classification can start from them.
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
    flat_row: np.ndarray | None = None
    flat: pa.Array | None = None
    flat_pos: np.ndarray | None = None

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


@dataclass
class _Graph:
    """The parent lists of a snapshot as flat arrays, self-references dropped: ``row`` lists a
    child, ``code`` its parent among the distinct parent ids ``uniq``, ``pos`` that parent's row
    in the snapshot (-1: absent)."""

    row: np.ndarray
    code: np.ndarray
    uniq: pa.Array
    pos: np.ndarray
    self_ref_rows: np.ndarray
    nparents: np.ndarray
    flat_row: np.ndarray
    flat: pa.Array
    flat_pos: np.ndarray

    @property
    def present(self) -> np.ndarray:
        return self.pos >= 0


def _id_codes(ids, rules: Rules, earlier) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Organisation family, its rule row and name family of every id (from ``earlier`` where it can)."""
    if earlier is not None and earlier[0].rules is rules and len(earlier[1]) == len(ids):
        return _id_rules_from(ids, rules, *earlier)
    return _id_rules(ids, rules)


def _positions_in(ids, values: pa.Array) -> np.ndarray:
    """The row of each of ``values`` (distinct ids) in ``ids``, -1 where absent. Probing the ids
    against the values builds the smaller hash table."""
    out = np.full(len(values), -1, dtype=np.int32)
    for start, where in _parallel_index_in(ids, values):
        valid = pc.is_valid(where)
        out[np.asarray(where.filter(valid), dtype=np.int64)] = start + np.flatnonzero(np.asarray(valid, dtype=bool)).astype(np.int32)
    return out


def _finish_graph(row: np.ndarray, code: np.ndarray, uniq: pa.Array, pos: np.ndarray, flat: pa.Array, n: int) -> _Graph:
    """A model listing itself as its parent has the entry dropped (and is flagged)."""
    flat_row, flat_pos = row, pos
    selfref = pos == row
    self_ref_rows = np.unique(row[selfref])
    if selfref.any():
        row, code, pos = row[~selfref], code[~selfref], pos[~selfref]
    nparents = np.bincount(row, minlength=n) if len(row) else np.zeros(n, dtype=np.int64)
    return _Graph(row=row, code=code, uniq=uniq, pos=pos, self_ref_rows=self_ref_rows, nparents=nparents,
                  flat_row=flat_row, flat=flat, flat_pos=flat_pos)


def _graph(table: pa.Table, ids, n: int) -> _Graph:
    """Where every listed parent sits, with every distinct parent id in ``uniq``."""
    row, code, uniq, flat = _parents(table)
    return _finish_graph(row, code, uniq, _positions_in(ids, uniq)[code], flat, n)


def _graph_from(table: pa.Table, ids, n: int, earlier: Classification, b2a: np.ndarray) -> _Graph:
    """``_graph`` for a snapshot whose rows were matched to an earlier classified one (``b2a``:
    each row's row there, -1 for none). A matched row that lists the same parents as before takes
    their rows from the earlier snapshot, mapped to this one; only the parents of other rows, and
    parents absent before, are looked up. ``uniq`` holds the absent parents only."""
    row, flat = _flat_parents(table)
    n_a = len(earlier)
    cnt_b = np.bincount(row, minlength=n) if len(row) else np.zeros(n, dtype=np.int64)
    cnt_a = np.bincount(earlier.flat_row, minlength=n_a) if len(earlier.flat_row) else np.zeros(n_a, dtype=np.int64)
    start_b = np.concatenate([[0], np.cumsum(cnt_b)[:-1]]).astype(np.int64)
    start_a = np.concatenate([[0], np.cumsum(cnt_a)[:-1]]).astype(np.int64)
    a_of = np.maximum(b2a, 0)
    same = (b2a >= 0) & (cnt_b == cnt_a[a_of])
    # The entries of rows with as many parents as before, against the earlier entries in order.
    cand = np.flatnonzero(same[row])
    cand_row = row[cand]
    gather = start_a[a_of[cand_row]] + (cand - start_b[cand_row])
    equal = np.asarray(pc.equal(flat.take(pa.array(cand)), earlier.flat.take(pa.array(gather))).fill_null(False), dtype=bool)
    same[cand_row[~equal]] = False
    b_of_a = np.full(n_a, -1, dtype=np.int32)
    b_of_a[b2a[b2a >= 0]] = np.flatnonzero(b2a >= 0).astype(np.int32)
    pos = np.full(len(row), -1, dtype=np.int32)
    known = np.zeros(len(row), dtype=bool)
    kept = np.flatnonzero(same[row])
    before = earlier.flat_pos[start_a[a_of[row[kept]]] + (kept - start_b[row[kept]])]
    # A parent present before is here at its mapped row, or gone (no row here has its id);
    # a parent absent before may be a repo new here: looked up with the rest.
    pos[kept] = np.where(before >= 0, b_of_a[np.maximum(before, 0)], -1)
    known[kept[before >= 0]] = True
    todo = np.flatnonzero(~known)
    if len(todo):
        enc = pc.dictionary_encode(flat.take(pa.array(todo)))
        pos[todo] = _positions_in(ids, enc.dictionary)[np.asarray(enc.indices, dtype=np.int64)]
    absent = np.flatnonzero(pos < 0)
    code = np.full(len(row), -1, dtype=np.int32)
    if len(absent):
        enc = pc.dictionary_encode(flat.take(pa.array(absent)))
        uniq, code[absent] = enc.dictionary, np.asarray(enc.indices, dtype=np.int32)
    else:
        uniq = pa.array([], pa.string())
    return _finish_graph(row, code, uniq, pos, flat, n)


def _parent_families(uniq: pa.Array, rules: Rules) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Organisation family, its rule row, and root family (organisation, else name) of every
    distinct parent id, present or not, computed once."""
    ns, name = split_ids(uniq)
    org, org_rule = org_codes(ns, name, rules)
    root = org.copy()
    todo = np.flatnonzero(root < 0)
    if len(todo):
        root[todo] = name_codes(name.take(pa.array(todo)), rules)
    return org, org_rule, root


@dataclass
class _Chains:
    """Where each model's chain of primary parents ends."""

    end: np.ndarray  # the last row reached in the snapshot
    depth: np.ndarray  # steps to the root (-1 in a loop)
    in_cycle: np.ndarray
    ext_code: np.ndarray  # distinct-parent code of an absent root, -1 if none
    ends_outside: np.ndarray  # the root is a parent absent from the snapshot
    root_index: np.ndarray  # root as a position in the ids followed by the distinct parent ids
    prim_index: np.ndarray  # primary parent, the same way (-1: none)


def _at(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``values[index]``, -1 where ``index`` is -1 (or ``values`` is empty)."""
    if not len(values):
        return np.full(len(index), -1, dtype=np.int16)
    return np.where(index >= 0, values[np.maximum(index, 0)], -1)


def _primary_chains(n: int, g: _Graph, uniq_org: np.ndarray, uploader: np.ndarray) -> _Chains:
    """Primary parent (in a family organisation, else present, else first listed) and the chain
    of primary parents to its root. A present parent's organisation is its row's."""
    idx_all = np.arange(n, dtype=np.int32)
    parent_org = np.where(g.present, uploader[np.maximum(g.pos, 0)], _at(uniq_org, g.code))
    key = np.where(parent_org >= 0, 0, np.where(g.present, 1, 2)).astype(np.int8)
    prim = _first_per_row(g.row, key) if len(g.row) else np.zeros(0, dtype=np.int64)
    prim_row = g.row[prim]
    nxt = idx_all.copy()
    ok = g.present[prim]
    nxt[prim_row[ok]] = g.pos[prim][ok]
    external = np.full(n, -1, dtype=np.int32)
    external[prim_row[~ok]] = g.code[prim[~ok]]
    end, depth, in_cycle = _jump(nxt)
    ext_code = external[end]
    ends_outside = (ext_code >= 0) & ~in_cycle
    depth = np.where(ends_outside, depth + 1, depth)
    prim_index = np.full(n, -1, dtype=np.int64)
    prim_index[prim_row] = np.where(ok, g.pos[prim], n + g.code[prim])
    return _Chains(end=end, depth=depth, in_cycle=in_cycle, ext_code=ext_code, ends_outside=ends_outside,
                   root_index=np.where(ends_outside, n + ext_code, end).astype(np.int64), prim_index=prim_index)


def _lineage_families(n: int, g: _Graph, own_root: np.ndarray, uniq_root: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lineage family of every model, whether a disagreeing merge lies on its way, and whether
    it is in a loop of single-parent links. Chains of single-parent links end at an anchor (a
    root, an absent parent, or a merge); merges take the family their parents agree on."""
    single = g.nparents == 1
    nxt = np.arange(n, dtype=np.int32)
    single_present = single[g.row] & g.present
    nxt[g.row[single_present]] = g.pos[single_present]
    anchor, _, a_cycle = _jump(nxt)
    anchor_fam = np.full(n, -1, dtype=np.int16)
    no_parent = g.nparents == 0
    anchor_fam[no_parent] = own_root[no_parent]
    single_absent = single[g.row] & ~g.present
    anchor_fam[g.row[single_absent]] = uniq_root[g.code[single_absent]]
    anchor_fam[a_cycle] = own_root[anchor[a_cycle]]
    merge_rows = np.flatnonzero(g.nparents > 1)
    mixed = np.zeros(n, dtype=bool)
    if merge_rows.size:
        in_merge = g.nparents[g.row] > 1
        m_row, m_present, m_pos, m_code = g.row[in_merge], g.present[in_merge], g.pos[in_merge], g.code[in_merge]
        is_merge = g.nparents > 1
        absent_fam = _at(uniq_root, m_code)
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
    return anchor_fam[anchor], mixed[anchor], a_cycle


def _owners(rules: Rules, family: np.ndarray, uploader: np.ndarray, up_rule: np.ndarray, chains: _Chains,
            uniq_org: np.ndarray, uniq_org_rule: np.ndarray) -> np.ndarray:
    """Owner organisation (a rule row): the uploader's for first-party repos, the root's when the
    root sits in the family's organisation, else the family's first organisation."""
    safe = np.maximum(chains.ext_code, 0)
    root_fam_org = np.where(chains.ends_outside, uniq_org[safe] if len(uniq_org) else -1, uploader[chains.end])
    root_rule = np.where(chains.ends_outside, uniq_org_rule[safe] if len(uniq_org) else -1, up_rule[chains.end])
    first_rule = np.array([rules.table.index[rules.table["family"] == f][0] for f in rules.families] + [-1], dtype=np.int16)
    owner = first_rule[np.where(family < 0, len(rules.families), family)]
    owner = np.where((root_fam_org == family) & (family >= 0), root_rule, owner)
    return np.where(uploader >= 0, up_rule, owner)


def compute(table: pa.Table, rules: Rules | None = None, earlier: tuple[Classification, np.ndarray] | None = None) -> Classification:
    """The classification of every model of a snapshot table, as code arrays.

    ``earlier`` (an earlier classification under the same rules, and each row's position in it
    or -1) saves the rules on ids for the ids it holds; the result is the same without it.
    """
    rules = rules or load_rules()
    n = table.num_rows
    ids = table.column("id") if n else pa.chunked_array([], pa.string())
    # Steps that do not need each other's results run side by side: Arrow and NumPy release the GIL.
    with ThreadPoolExecutor(max_workers=2) as pool:
        id_codes = pool.submit(_id_codes, ids, rules, earlier)
        usable = earlier is not None and earlier[0].flat is not None and len(earlier[1]) == n
        g = _graph_from(table, ids, n, earlier[0], earlier[1]) if usable else _graph(table, ids, n)
        uniq_org, uniq_org_rule, uniq_root = _parent_families(g.uniq, rules)
        uploader, up_rule, own_name = id_codes.result()
        own_root = np.where(uploader >= 0, uploader, own_name).astype(np.int16)  # a root's family: org, else name
        lineage = pool.submit(_lineage_families, n, g, own_root, uniq_root)
        chains = _primary_chains(n, g, uniq_org, uploader)
        lineage_fam, mixed_any, a_cycle = lineage.result()

    # Family, party and basis (codes: party 0 first-party, 1 derivative, 2 unrelated;
    # basis 0 org, 1 lineage, 2 name, 3 none).
    lineage_filled = np.where(lineage_fam >= 0, lineage_fam, np.where(own_name >= 0, own_name, uploader)).astype(np.int16)
    is_org = uploader >= 0
    by_lineage = ~is_org & (g.nparents > 0) & (lineage_fam >= 0)
    by_name = ~is_org & ~by_lineage & (own_name >= 0)
    family = np.select([is_org, by_lineage, by_name], [uploader, lineage_fam, own_name], -1).astype(np.int16)
    basis = np.select([is_org, by_lineage, by_name], [0, 1, 2], 3)
    party = np.select([is_org, by_lineage | by_name], [0, 1], 2)

    self_ref = np.zeros(n, dtype=bool)
    self_ref[g.self_ref_rows] = True
    flags = np.zeros(n, dtype=np.int64)
    for i, mask in enumerate((self_ref, chains.in_cycle | a_cycle, chains.ends_outside, mixed_any)):
        flags |= mask.astype(np.int64) << i
    return Classification(
        rules=rules, ids=ids, uniq=g.uniq, family=family, uploader=uploader, up_rule=up_rule, own_name=own_name, lineage=lineage_filled,
        party=party, basis=basis, owner_rule=_owners(rules, family, uploader, up_rule, chains, uniq_org, uniq_org_rule),
        root_index=chains.root_index, parent_index=chains.prim_index, depth=chains.depth, flags=flags,
        flat_row=g.flat_row, flat=g.flat, flat_pos=g.flat_pos,
    )
