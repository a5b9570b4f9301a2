"""The lineage engine: every model's primary parent, lineage root, depth and lineage family,
by pointer jumping over NumPy arrays; and ``compute``, the whole classification as code arrays.
See ``hubshare.families`` for the rules.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import arrays, snapshot
from ..errors import SnapshotError
from .rules import Rules, fill_names, id_rules, load_rules, name_codes, org_codes, split_ids

if TYPE_CHECKING:
    import pandas as pd

FLAGS = ("self-reference", "cycle", "missing-parent", "mixed-merge")


# --------------------------------------------------------------------------- pointer jumping


def _jump(nxt: np.ndarray, depths: bool = True) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Follow ``nxt`` (a parent index per node, itself for roots) to its end for every node.

    Returns ``(end, depth, in_cycle)``; ``depth`` is None unless ``depths``. Nodes in or leading
    into a loop end at the loop's smallest index, with depth -1.
    """
    n = len(nxt)
    ptr = nxt.copy()
    # Only nodes with a parent take part: on the Hub most models have none.
    child = np.flatnonzero(nxt != np.arange(n, dtype=nxt.dtype))
    depth = None
    if depths:
        depth = np.zeros(n, dtype=np.int32)
        depth[child] = 1
    # ``p`` holds each active node's pointer and ``pp`` its pointer's pointer: each round gathers
    # once, and a node is done when its pointer points at itself.
    p = ptr[child]
    pp = ptr[p]
    more = pp != p
    active, p, pp = child[more], p[more], pp[more]
    limit = max(1, int(np.ceil(np.log2(max(n, 2))))) + 1
    for _ in range(limit):
        if not active.size:
            break
        if depth is not None:
            depth[active] += depth[p]
        ptr[active] = pp
        p, pp = pp, ptr[pp]
        more = pp != p
        active, p, pp = active[more], p[more], pp[more]
    # A chain has ended only where it reached a root (a node that is its own parent); doubling
    # can also settle on a node of a loop of even length, so test against nxt, not ptr.
    end = ptr[child]
    stuck = child[nxt[end] != end]
    del end
    in_cycle = np.zeros(n, dtype=bool)
    if stuck.size:
        # The nodes in or leading into loops are closed under nxt: doubling over them with a
        # running minimum finds each loop's smallest index.
        p2 = nxt.copy()
        low = np.arange(n, dtype=nxt.dtype)
        for _ in range(max(1, int(np.ceil(np.log2(max(stuck.size, 2))))) + 1):
            low[stuck] = np.minimum(low[stuck], low[p2[stuck]])
            p2[stuck] = p2[p2[stuck]]
        ptr[stuck] = low[p2[stuck]]
        if depth is not None:
            depth[stuck] = -1
        in_cycle[stuck] = True
    return ptr, depth, in_cycle


# --------------------------------------------------------------------------- classification


def _flat_parents(table: pa.Table, stored: pa.ChunkedArray | None = None) -> tuple[np.ndarray, pa.ChunkedArray, np.ndarray | None]:
    """Flattened parent lists without null or empty entries: ``(row, parent_id, stored_row)``, rows
    non-decreasing, each row's parents in listed order (the ids left in the chunks they were read in).
    ``stored_row`` is each entry's row from ``stored`` (a ``snapshot.PARENT_ROWS`` column of the
    same rows), None without it."""
    chunks = table.column("base_models").chunks
    starts = np.cumsum([0, *map(len, chunks)])

    def one(k: int) -> tuple[np.ndarray, np.ndarray, pa.Array, np.ndarray | None]:
        chunk = chunks[k]
        every, flat = _entry_rows(chunk, int(starts[k])), pc.list_flatten(chunk)
        keep = pc.and_(pc.is_valid(flat), pc.not_equal(flat, "")).fill_null(False)
        if pc.all(keep).as_py():
            return every, every, flat, None
        kept = np.asarray(keep, dtype=bool)
        return every, every[kept], flat.filter(keep), kept

    parts = arrays.in_threads(one, len(chunks))
    row = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, dtype=np.int32)
    flats = pa.chunked_array([p[2] for p in parts], pa.string())
    if stored is None:
        return row, flats, None
    # One stored row per base model, row by row, as save wrote them.
    s_chunks = stored.chunks
    s_starts = np.cumsum([0, *map(len, s_chunks)])
    s_parts = arrays.in_threads(lambda k: (_entry_rows(s_chunks[k], int(s_starts[k])), np.asarray(s_chunks[k].flatten(), dtype=np.int32)), len(s_chunks))
    every = np.concatenate([p[0] for p in parts]) if parts else row[:0]
    if not np.array_equal(np.concatenate([p[0] for p in s_parts]) if s_parts else row[:0], every):
        raise SnapshotError(f"column '{snapshot.PARENT_ROWS}' does not list one row per base model: save the snapshot again")
    pos = np.concatenate([p[1] for p in s_parts]) if s_parts else np.zeros(0, dtype=np.int32)
    if any(p[3] is not None for p in parts):
        pos = pos[np.concatenate([p[3] if p[3] is not None else np.ones(len(p[0]), dtype=bool) for p in parts])]
    return row, flats, pos


def _entry_rows(chunk: pa.Array, offset: int) -> np.ndarray:
    """The row of each entry of a chunk of lists, counted from ``offset``."""
    return np.asarray(pc.list_parent_indices(chunk), dtype=np.int32) + np.int32(offset)


def _first_per_row(row: np.ndarray, order_key: np.ndarray) -> np.ndarray:
    """Index (into the flat arrays) of the entry with the smallest key in each row, the first
    listed among equals. ``row`` is non-decreasing (entries of one row are contiguous)."""
    starts = np.flatnonzero(np.r_[True, row[1:] != row[:-1]])
    # One number orders by key, then by position in the flat arrays.
    composite = order_key.astype(np.int64) * len(row) + np.arange(len(row), dtype=np.int64)
    return np.minimum.reduceat(composite, starts) % len(row)


def _agree(starts: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per run of entries (``starts``: where each begins; none empty), the code all its known
    (>= 0) entries agree on (-1 if none) and whether they disagree.

    >>> _agree(np.array([0, 2, 4]), np.array([3, -1, 3, 5, -1, -1], dtype=np.int16))
    (array([ 3, -1, -1], dtype=int16), array([False,  True, False]))
    """
    known = codes >= 0
    lo = np.minimum.reduceat(np.where(known, codes, np.iinfo(np.int16).max).astype(np.int16), starts)
    hi = np.maximum.reduceat(np.where(known, codes, -1).astype(np.int16), starts)
    agreed = np.where((hi >= 0) & (lo == hi), hi, -1).astype(np.int16)
    return agreed, (hi >= 0) & (lo != hi)


@dataclass
class Parents:
    """Every listed parent of a snapshot, in listed order: its child's row, its id and its own row
    in the snapshot (-1: absent). A later snapshot's classification starts from them
    (``compute(..., earlier=...)``)."""

    row: np.ndarray
    ids: pa.ChunkedArray
    pos: np.ndarray


@dataclass
class _Paths:
    """What the primary-parent chains are made from (``Classification`` makes them on first use):
    the graph, each absent parent's organisation family and rule row, which models are in a loop
    of single-parent links and which have a disagreeing merge on their way."""

    graph: _Graph
    uniq_org: np.ndarray
    uniq_org_rule: np.ndarray
    loops: np.ndarray
    mixed: np.ndarray


@dataclass
class Classification:
    """Every model's classification as code arrays (in table order); ``frame()`` gives the table.

    Family codes index ``rules.families`` (-1: none). ``root_index`` and ``parent_index`` index
    the snapshot's ids followed by ``uniq``, the distinct parent ids absent from the snapshot
    (``pool``; -1: none). ``parents`` lists every parent as found (``Parents``).

    The families need no primary parents; the chains of primary parents (``root_index``,
    ``parent_index``, ``depth``, ``owner_rule``, ``flags``) are followed the first time one of them
    is asked for: a Definition by family never asks.
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
    paths: _Paths | None = field(default=None, repr=False)
    parents: Parents | None = field(default=None, repr=False)
    _made: dict = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _chained(self, name: str) -> np.ndarray:
        with self._lock:
            if not self._made:
                self._made.update(_chain_fields(self))
                self.paths = None
        return self._made[name]

    @property
    def root_index(self) -> np.ndarray:
        """Each model's lineage root, a position in the ids followed by ``uniq``."""
        return self._chained("root_index")

    @property
    def parent_index(self) -> np.ndarray:
        """Each model's primary parent, a position in the ids followed by ``uniq`` (-1: none)."""
        return self._chained("parent_index")

    @property
    def depth(self) -> np.ndarray:
        """Steps from each model to its lineage root (-1 in a loop)."""
        return self._chained("depth")

    @property
    def owner_rule(self) -> np.ndarray:
        """Each model's owner organisation, a row of the rules (-1: none)."""
        return self._chained("owner_rule")

    @property
    def flags(self) -> np.ndarray:
        """Each model's lineage flags, bit ``i`` standing for ``FLAGS[i]``."""
        return self._chained("flags")

    def __len__(self) -> int:
        return len(self.family)

    def frame(self) -> pd.DataFrame:
        """The classification table (see ``classify_table`` for its columns)."""
        import pandas as pd

        rules, n = self.rules, len(self)
        pool = pa.chunked_array([*self.ids.chunks, self.uniq], pa.string())
        orgs = [r.org for r in rules.rows]
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
    child, ``pos`` its parent's row in the snapshot (-1: absent), ``code`` an absent parent's
    index among the distinct absent parent ids ``uniq`` (-1: present)."""

    row: np.ndarray
    code: np.ndarray
    uniq: pa.Array
    pos: np.ndarray
    self_ref_rows: np.ndarray
    nparents: np.ndarray

    @property
    def present(self) -> np.ndarray:
        return self.pos >= 0


def _id_codes(ids, rules: Rules, earlier, ordered: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Organisation family, its rule row and name family of every id (from ``earlier`` where it can)."""
    if earlier is not None and earlier[0].rules is rules and len(earlier[1]) == len(ids):
        return _id_rules_from(ids, rules, *earlier, ordered=ordered)
    return id_rules(ids, rules, ordered)


def _graph(parents: Parents, n: int) -> _Graph:
    """Where every listed parent sits, as the graph. Absent parents get codes among their
    distinct ids; a model listing itself as its parent has the entry dropped (and is flagged)."""
    row, flat, pos = parents.row, parents.ids, parents.pos
    code = np.full(len(row), -1, dtype=np.int32)
    absent = np.flatnonzero(pos < 0)
    if len(absent):
        enc = pc.dictionary_encode(arrays.take(flat, absent))
        uniq, code[absent] = enc.dictionary, np.asarray(enc.indices, dtype=np.int32)
    else:
        uniq = pa.array([], pa.string())
    selfref = pos == row
    self_ref_rows = np.unique(row[selfref])
    if selfref.any():
        row, code, pos = row[~selfref], code[~selfref], pos[~selfref]
    nparents = (np.bincount(row, minlength=n) if len(row) else np.zeros(n, dtype=np.int64)).astype(np.int32)
    return _Graph(row=row, code=code, uniq=uniq, pos=pos, self_ref_rows=self_ref_rows, nparents=nparents)


def _parents(row: np.ndarray, flat: pa.ChunkedArray, ids, earlier: tuple[Classification, np.ndarray] | None) -> Parents:
    """Every listed parent's row among ``ids``: one hash join, or, given an earlier classification
    and each row's row there (``earlier``), only for the parents it cannot vouch for."""
    if earlier is None or earlier[0].parents is None or len(earlier[1]) != len(ids):
        return Parents(row, flat, arrays.rows_in(ids, flat).astype(np.int32))
    return Parents(row, flat, _parents_from(row, flat, ids, earlier[0], earlier[1]))


def _parents_from(row: np.ndarray, flat: pa.ChunkedArray, ids, earlier: Classification, b2a: np.ndarray) -> np.ndarray:
    """Each parent's row for a snapshot whose rows were matched to an earlier one (``b2a``: each
    row's row there, -1 for none). A matched row that lists the same parents as before (compared
    as strings) takes their rows from the earlier snapshot, mapped to this one; only the parents
    of other rows, and parents absent before, are looked up. A join builds its hash table on the
    parents looked up, so looking up few costs little."""
    known, n, n_a = earlier.parents, len(b2a), len(earlier)
    assert known is not None
    m = len(row)
    cnt_b = np.bincount(row, minlength=n).astype(np.int32)
    cnt_a = np.bincount(known.row, minlength=n_a).astype(np.int32)
    start_a = np.zeros(n_a + 1, dtype=np.int32)
    np.cumsum(cnt_a, out=start_a[1:])
    a_of = np.maximum(b2a, 0)
    same = (b2a >= 0) & (cnt_b == cnt_a[a_of])
    del cnt_a
    # Each entry's place in its row, and the entry at that place in the row's row before.
    start_b = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(cnt_b, out=start_b[1:])
    twin = start_a[a_of][row] + (np.arange(m, dtype=np.int32) - start_b[row])
    del start_a, start_b, cnt_b
    # The entries of rows with as many parents as before, against the earlier entries in order.
    cand = np.flatnonzero(same[row])
    equal = arrays.equal_at(flat, cand, known.ids, twin[cand])
    same[row[cand[~equal]]] = False
    b_of_a = np.full(n_a, -1, dtype=np.int32)
    b_of_a[b2a[b2a >= 0]] = np.flatnonzero(b2a >= 0).astype(np.int32)
    pos = np.full(m, -1, dtype=np.int32)
    found = np.zeros(m, dtype=bool)
    kept = np.flatnonzero(same[row])
    before = known.pos[twin[kept]]
    # A parent present before is here at its mapped row, or gone (no row here has its id);
    # a parent absent before may be a repo new here: looked up with the rest.
    pos[kept] = np.where(before >= 0, b_of_a[np.maximum(before, 0)], -1)
    found[kept[before >= 0]] = True
    todo = np.flatnonzero(~found)
    if len(todo):
        pos[todo] = arrays.rows_in(ids, arrays.take(flat, todo))
    return pos


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
    in_merge = g.nparents[g.row] > 1
    prim = np.flatnonzero(~in_merge)  # a model with one parent: that parent
    merged = np.flatnonzero(in_merge)
    if len(merged):
        m_pos = g.pos[merged]
        present = m_pos >= 0
        parent_org = np.where(present, uploader[np.maximum(m_pos, 0)], _at(uniq_org, g.code[merged]))
        key = np.where(parent_org >= 0, 0, np.where(present, 1, 2)).astype(np.int8)
        prim = np.concatenate([prim, merged[_first_per_row(g.row[merged], key)]])
    prim_row, prim_pos = g.row[prim], g.pos[prim]
    ok = prim_pos >= 0
    nxt = np.arange(n, dtype=np.int32)
    nxt[prim_row[ok]] = prim_pos[ok]
    external = np.full(n, -1, dtype=np.int32)
    external[prim_row[~ok]] = g.code[prim[~ok]]
    end, depth, in_cycle = _jump(nxt)
    ext_code = external[end]
    ends_outside = (ext_code >= 0) & ~in_cycle
    depth[ends_outside] += 1
    prim_index = np.full(n, -1, dtype=np.int64)
    prim_index[prim_row] = np.where(ok, prim_pos, n + g.code[prim])
    return _Chains(end=end, depth=depth, in_cycle=in_cycle, ext_code=ext_code, ends_outside=ends_outside,
                   root_index=np.where(ends_outside, n + ext_code, end).astype(np.int64), prim_index=prim_index)


def _single_links(n: int, g: _Graph) -> np.ndarray:
    """Each model's parent when it lists exactly one and that one is present, else itself: the
    links ``_lineage_families`` follows to the anchors (``_jump(links, depths=False)``)."""
    nxt = np.arange(n, dtype=np.int32)
    single_present = (g.nparents == 1)[g.row] & g.present
    nxt[g.row[single_present]] = g.pos[single_present]
    return nxt


def _lineage_families(n: int, g: _Graph, jumped: Future, uploader: np.ndarray, own_name: np.ndarray, uniq_root: np.ndarray,
                      ids, rules: Rules) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lineage family of every model, whether a disagreeing merge lies on its way, and whether
    it is in a loop of single-parent links. Chains of single-parent links end at an anchor (a
    root, an absent parent, or a merge): ``jumped`` gives them (``_jump`` of ``_single_links``,
    started by the caller on another thread). Merges take the family their parents agree on. A
    root's family is its organisation's, else its name's (``own_name``, filled in for loop
    anchors here)."""
    # What needs no anchor first, while the chains may still be followed.
    anchor_fam = np.full(n, -1, dtype=np.int16)
    no_parent = g.nparents == 0
    anchor_fam[no_parent] = np.where(uploader >= 0, uploader, own_name)[no_parent]
    single_absent = (g.nparents == 1)[g.row] & ~g.present
    anchor_fam[g.row[single_absent]] = uniq_root[g.code[single_absent]]
    is_merge = g.nparents > 1
    merge_rows = np.flatnonzero(is_merge)
    if merge_rows.size:
        in_merge = is_merge[g.row]
        m_row, m_present, m_pos = g.row[in_merge], g.present[in_merge], g.pos[in_merge]
        starts = np.flatnonzero(np.r_[True, m_row[1:] != m_row[:-1]])  # rows are in order: each merge's entries are one run
        absent_fam = _at(uniq_root, g.code[in_merge])
    anchor, _, a_cycle = jumped.result()
    if a_cycle.any():
        loop_anchor = np.zeros(n, dtype=bool)
        loop_anchor[anchor[a_cycle]] = True
        fill_names(own_name, ids, loop_anchor & (uploader < 0), rules)
        own_root = np.where(uploader >= 0, uploader, own_name)
        anchor_fam[a_cycle] = own_root[anchor[a_cycle]]
    mixed = np.zeros(n, dtype=bool)
    if merge_rows.size:
        p_anchor = anchor[np.where(m_present, m_pos, 0)]
        # Each entry's family as far as it is known before any merge is resolved: only the entries
        # whose anchor is itself a merge (``via``, few) change from one round to the next.
        fixed = np.where(m_present, anchor_fam[p_anchor], absent_fam).astype(np.int16)
        via = np.flatnonzero(m_present & is_merge[p_anchor])
        via_anchor = p_anchor[via]
        del p_anchor
        merge_fam = np.full(n, -1, dtype=np.int16)
        fam, mix = merge_fam[merge_rows], np.zeros(len(merge_rows), dtype=bool)
        for _ in range(64):  # bounded by the nesting depth of merges of merges
            pf = fixed.copy()
            pf[via] = merge_fam[via_anchor]
            new, new_mix = _agree(starts, pf)
            if np.array_equal(new, fam) and np.array_equal(new_mix, mix):
                break
            fam, mix = new, new_mix
            merge_fam[merge_rows] = fam
        anchor_fam[merge_rows] = fam
        mixed[merge_rows] = mix
    return anchor_fam[anchor], mixed[anchor], a_cycle


def _owners(rules: Rules, family: np.ndarray, uploader: np.ndarray, up_rule: np.ndarray, chains: _Chains,
            uniq_org: np.ndarray, uniq_org_rule: np.ndarray) -> np.ndarray:
    """Owner organisation (a rule row): the uploader's for first-party repos, the root's when the
    root sits in the family's organisation, else the family's first organisation."""
    safe = np.maximum(chains.ext_code, 0)
    root_fam_org = np.where(chains.ends_outside, uniq_org[safe] if len(uniq_org) else -1, uploader[chains.end])
    root_rule = np.where(chains.ends_outside, uniq_org_rule[safe] if len(uniq_org) else -1, up_rule[chains.end])
    # Families are numbered in order of first appearance in the rules, so each one's first row is:
    first_rule = np.array([*rules.first_row.values(), -1], dtype=np.int16)
    owner = first_rule[np.where(family < 0, len(rules.families), family)]
    owner = np.where((root_fam_org == family) & (family >= 0), root_rule, owner)
    return np.where(uploader >= 0, up_rule, owner)


def compute(table: pa.Table, rules: Rules | None = None, earlier: tuple[Classification, np.ndarray] | None = None,
            ordered: bool | None = None, stored: pa.ChunkedArray | None = None) -> Classification:
    """The classification of every model of a snapshot table, as code arrays.

    ``earlier`` (an earlier classification under the same rules, and each row's position in it
    or -1) saves the rules on ids for the ids it holds and the search for the parents of rows
    that list the same parents as there; ``stored`` (the snapshot's ``PARENT_ROWS``, each listed
    parent's row as saved) saves that search for every row. The result is the same without them.
    ``ordered`` says whether the ids are strictly increasing, when the caller knows (None: checked here).
    """
    rules = rules or load_rules()
    n = table.num_rows
    ids = table.column("id") if n else pa.chunked_array([], pa.string())
    if ordered is None:
        ordered = arrays.increasing(ids)  # the ids of a saved snapshot are
    row, flat, stored_pos = _flat_parents(table, stored)
    listed = np.zeros(n, dtype=bool)
    listed[row] = True


    def id_codes() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # Name rules run only where they can decide. First on models that list no parent,
        # outside family organisations: their family seeds their descendants'.
        uploader, up_rule, own_name = _id_codes(ids, rules, earlier, ordered)
        fill_names(own_name, ids, ~listed & (uploader < 0), rules)
        return uploader, up_rule, own_name

    # Steps that do not need each other's results run side by side: Arrow and NumPy release the GIL.
    # The rules on ids start after the join (when the parents are searched), which keeps both cores busy on its own.
    with ThreadPoolExecutor(max_workers=2) as pool:
        found = Parents(row, flat, stored_pos) if stored_pos is not None else _parents(row, flat, ids, earlier)
        id_task = pool.submit(id_codes)
        g = _graph(found, n)
        jumped = pool.submit(_jump, _single_links(n, g), False)  # needs neither the rules nor the ids
        uniq_org, uniq_org_rule, uniq_root = _parent_families(g.uniq, rules)
        uploader, up_rule, own_name = id_task.result()
        fill_names(own_name, ids, (g.nparents == 0) & (uploader < 0), rules)  # those that listed only themselves
        lineage_fam, mixed_any, a_cycle = _lineage_families(n, g, jumped, uploader, own_name, uniq_root, ids, rules)
    # ...then on models whose lineage leads to no family.
    fill_names(own_name, ids, lineage_fam < 0, rules)

    lineage_filled, family, basis, party = _family_basis(uploader, own_name, lineage_fam, g.nparents)
    return Classification(
        rules=rules, ids=ids, uniq=g.uniq, family=family, uploader=uploader, up_rule=up_rule, own_name=own_name, lineage=lineage_filled,
        party=party, basis=basis, paths=_Paths(g, uniq_org, uniq_org_rule, a_cycle, mixed_any), parents=found,
    )


def _family_basis(uploader: np.ndarray, own_name: np.ndarray, lineage_fam: np.ndarray,
                  nparents: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each model's lineage family (filled in by name, then organisation, where lineage gives
    none), family, basis and party from the codes of the rules and of lineage. Codes: party 0
    first-party, 1 derivative, 2 unrelated; basis 0 org, 1 lineage, 2 name, 3 none."""
    n = len(uploader)
    # Each written over in order of precedence, in place: no temporary of every row per choice.
    has_lineage, named, is_org = lineage_fam >= 0, own_name >= 0, uploader >= 0
    lineage_filled = uploader.astype(np.int16)
    np.copyto(lineage_filled, own_name, where=named)
    np.copyto(lineage_filled, lineage_fam, where=has_lineage)
    by_lineage = has_lineage & (nparents > 0)
    by_lineage &= ~is_org
    family = np.full(n, -1, dtype=np.int16)
    np.copyto(family, own_name, where=named)
    basis = np.full(n, 3, dtype=np.int8)
    basis[named] = 2
    np.copyto(family, lineage_fam, where=by_lineage)
    basis[by_lineage] = 1
    np.copyto(family, uploader, where=is_org)
    basis[is_org] = 0
    party = np.minimum(basis, 2)  # org: first-party; lineage or name: derivative; none: unrelated
    party[basis == 2] = 1
    return lineage_filled, family, basis, party


def _chain_fields(c: Classification) -> dict[str, np.ndarray]:
    """The fields of ``c`` that follow primary parents: chains to the roots, owners and flags."""
    p = c.paths
    assert p is not None, "the chains are made once, from the paths"
    n, g = len(c), p.graph
    chains = _primary_chains(n, g, p.uniq_org, c.uploader)
    self_ref = np.zeros(n, dtype=bool)
    self_ref[g.self_ref_rows] = True
    flags = np.zeros(n, dtype=np.uint8)
    for i, mask in enumerate((self_ref, chains.in_cycle | p.loops, chains.ends_outside, p.mixed)):
        flags |= mask.view(np.uint8) << i
    return {"root_index": chains.root_index, "parent_index": chains.prim_index, "depth": chains.depth, "flags": flags,
            "owner_rule": _owners(c.rules, c.family, c.uploader, c.up_rule, chains, p.uniq_org, p.uniq_org_rule)}


def _id_rules_from(ids: pa.ChunkedArray, rules: Rules, earlier: Classification, pos: np.ndarray,
                   ordered: bool | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``rules.id_rules``, copied from an earlier classification for the ids it holds (``pos``: each
    id's row there, -1 for none), names it computed included, and computed for the rest: they
    depend on the id alone."""
    safe = np.maximum(pos, 0)
    out = tuple(c[safe] for c in (earlier.uploader, earlier.up_rule, earlier.own_name))
    new = np.flatnonzero(pos < 0)
    if len(new):
        # Rows taken in order from ids in order are in order.
        for o, fresh in zip(out, id_rules(arrays.take(ids, new), rules, ordered)):
            o[new] = fresh
    return out
