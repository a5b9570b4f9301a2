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

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import paths
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
    path = Path(path_str)
    where = paths.relative(path)
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ReferenceDataError(f"{where}: unreadable ({exc})") from None
    missing = [c for c in RULE_COLUMNS if c not in table.columns]
    if missing:
        raise ReferenceDataError(f"{where}: column(s) {', '.join(missing)} missing")
    problems = []
    for col in ("family", "org", "region", "org_scope", "name_pattern"):
        n = int((table[col].str.strip() == "").sum())
        if n:
            problems.append(f"column '{col}' is empty in {n} rows")
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
    if problems:
        raise ReferenceDataError(f"{where}: " + "; ".join(problems))
    return Rules(table=table.reset_index(drop=True))


# --------------------------------------------------------------------------- rules on ids


def split_ids(ids: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Namespace and name of each repo id (``"Qwen/Qwen3-8B"`` → ``"Qwen"``, ``"Qwen3-8B"``)."""
    parts = pc.extract_regex(ids, r"^(?P<ns>[^/]*)/?(?P<name>.*)$")
    return pc.struct_field(parts, "ns"), pc.struct_field(parts, "name")


def org_family(ids: pa.Array, rules: Rules) -> np.ndarray:
    """Family by organisation for each id (object array, None where no rule applies)."""
    ns, name = split_ids(ids)
    out = np.full(len(ids), None, dtype=object)
    for row in rules.table.itertuples(index=False):
        in_org = pc.equal(ns, row.org)
        if not pc.any(in_org).as_py():
            continue
        mask = in_org
        if row.org_scope == "pattern":
            mask = pc.and_(in_org, pc.match_substring_regex(name, row.name_pattern))
        hit = np.asarray(mask.fill_null(False), dtype=bool) & (out == None)  # noqa: E711
        out[hit] = row.family
    return out


def name_family(names: pa.Array, rules: Rules) -> np.ndarray:
    """Family by name pattern for each repo name; the first matching family in file order wins."""
    out = np.full(len(names), None, dtype=object)
    todo = np.ones(len(names), dtype=bool)
    for family, pattern in rules.name_pattern.items():
        if not todo.any():
            break
        idx = np.flatnonzero(todo)
        sub = names.take(pa.array(idx)) if len(idx) < len(names) else names
        hit = np.asarray(pc.match_substring_regex(sub, pattern).fill_null(False), dtype=bool)
        out[idx[hit]] = family
        todo[idx[hit]] = False
    return out


def root_family(ids: pa.Array, rules: Rules) -> np.ndarray:
    """Family of a lineage root: by organisation, else by name."""
    fam = org_family(ids, rules)
    todo = np.flatnonzero(fam == None)  # noqa: E711
    if len(todo):
        _, name = split_ids(ids.take(pa.array(todo)))
        fam[todo] = name_family(name, rules)
    return fam


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
    rounds = 0
    limit = max(1, int(np.ceil(np.log2(max(n, 2))))) + 1
    while active.size and rounds < limit:
        p = ptr[active]
        depth[active] = depth[active] + depth[p]
        ptr[active] = ptr[p]
        active = active[ptr[ptr[active]] != ptr[active]]
        rounds += 1
    in_cycle = np.zeros(n, dtype=bool)
    if active.size:
        # Only nodes in or leading into a loop can still be moving: the set is closed under
        # nxt, so doubling over it with a running minimum finds each loop's smallest index.
        stuck = np.flatnonzero(ptr[ptr] != ptr)
        closed = np.unique(np.concatenate([stuck, nxt[stuck]]))
        while True:
            grown = np.unique(np.concatenate([closed, nxt[closed]]))
            if grown.size == closed.size:
                break
            closed = grown
        p2 = nxt.copy()
        low = np.arange(n)
        for _ in range(max(1, int(np.ceil(np.log2(max(closed.size, 2))))) + 1):
            low[closed] = np.minimum(low[closed], low[p2[closed]])
            p2[closed] = p2[p2[closed]]
        looping = closed[ptr[closed] != ptr[ptr[closed]]]
        ptr[looping] = low[p2[looping]]
        depth[looping] = -1
        in_cycle[looping] = True
    return ptr, depth, in_cycle


# --------------------------------------------------------------------------- classification


def _parents(table: pa.Table, ids: pa.Array) -> tuple[np.ndarray, pa.Array, np.ndarray]:
    """Flattened parent lists without self-references: ``(row, parent_id, self_ref_rows)``."""
    bm = table.column("base_models").combine_chunks() if table.num_rows else pa.array([], pa.list_(pa.string()))
    if isinstance(bm, pa.ChunkedArray):
        bm = bm.combine_chunks()
    flat = pc.list_flatten(bm)
    row = np.asarray(pc.list_parent_indices(bm), dtype=np.int64)
    if len(flat) == 0:
        return row, flat, np.zeros(0, dtype=np.int64)
    own = ids.take(pa.array(row))
    keep = pc.and_(pc.and_(pc.is_valid(flat), pc.not_equal(flat, own)), pc.not_equal(flat, ""))
    self_ref = np.asarray(pc.equal(flat, own).fill_null(False), dtype=bool)
    keep_np = np.asarray(keep.fill_null(False), dtype=bool)
    return row[keep_np], flat.filter(keep), np.unique(row[self_ref])


def _first_per_row(row: np.ndarray, order_key: np.ndarray) -> np.ndarray:
    """Index (into the flat arrays) of the entry with the smallest key in each row."""
    order = np.lexsort((np.arange(len(row)), order_key, row))
    r = row[order]
    first = np.ones(len(r), dtype=bool)
    first[1:] = r[1:] != r[:-1]
    return order[first]


def classify_table(table: pa.Table, rules: Rules | None = None) -> pd.DataFrame:
    """Classify every model of a snapshot table; one row per model, in table order.

    Columns: ``id``, ``family``, ``owner_org``, ``region``, ``party``, ``basis``,
    ``lineage_root``, ``parent`` (the primary parent), ``uploader_family``, ``lineage_family``, ``lineage_depth``,
    ``lineage_flags``.
    """
    rules = rules or load_rules()
    n = table.num_rows
    ids = table.column("id").combine_chunks() if n else pa.array([], pa.string())
    ns, name = split_ids(ids)
    idx_all = np.arange(n)

    uploader = org_family(ids, rules)
    own_name = name_family(name, rules)

    row, parent, self_ref_rows = _parents(table, ids)
    pos = pc.index_in(parent, value_set=ids)
    present = np.asarray(pc.is_valid(pos), dtype=bool)
    pos_np = np.asarray(pos.fill_null(-1), dtype=np.int64)
    nparents = np.bincount(row, minlength=n) if len(row) else np.zeros(n, dtype=np.int64)

    # Families of every parent id that could end a chain (present or not), computed once.
    encoded = pc.dictionary_encode(parent)
    uniq_parent = encoded.dictionary
    parent_code = np.asarray(encoded.indices, dtype=np.int64)
    uniq_parent_fam = root_family(uniq_parent, rules)
    parent_org = org_family(uniq_parent, rules)[parent_code]

    # Primary parent: in a family organisation, else present, else first listed.
    key = np.where(parent_org != None, 0, np.where(present, 1, 2))  # noqa: E711
    prim = _first_per_row(row, key) if len(row) else np.zeros(0, dtype=np.int64)
    prim_row = row[prim]
    nxt = idx_all.copy()
    ok = present[prim]
    nxt[prim_row[ok]] = pos_np[prim][ok]
    primary_id = np.full(n, None, dtype=object)
    if len(prim):
        primary_id[prim_row] = np.asarray(parent.take(pa.array(prim)).to_numpy(zero_copy_only=False), dtype=object)
    external = np.full(n, -1, dtype=np.int64)  # flat index of an absent primary parent
    external[prim_row[~ok]] = prim[~ok]

    end, depth, in_cycle = _jump(nxt)
    ends_outside = (external[end] >= 0) & ~in_cycle
    root_id = np.asarray(ids.to_numpy(zero_copy_only=False), dtype=object)[end]
    ext_flat = external[end[ends_outside]]
    if ext_flat.size:
        root_id[ends_outside] = np.asarray(parent.take(pa.array(ext_flat)).to_numpy(zero_copy_only=False), dtype=object)
    depth = np.where(ends_outside, depth + 1, depth)

    # Lineage family: chains of single-parent links end at an anchor (a root, an absent parent,
    # or a merge); merges take the family their parents agree on.
    single = nparents == 1
    nxt_a = idx_all.copy()
    srow_mask = single[row] & present
    nxt_a[row[srow_mask]] = pos_np[srow_mask]
    anchor, _, a_cycle = _jump(nxt_a)
    own_root_fam = root_family(ids, rules)
    anchor_fam = np.full(n, None, dtype=object)
    # anchors without parents, or with a single absent parent
    no_parent = nparents == 0
    anchor_fam[no_parent] = own_root_fam[no_parent]
    single_absent = single[row] & ~present
    anchor_fam[row[single_absent]] = uniq_parent_fam[parent_code[single_absent]]
    anchor_fam[a_cycle] = own_root_fam[anchor[a_cycle]]
    merge_rows = np.flatnonzero(nparents > 1)
    mixed = np.zeros(n, dtype=bool)
    if merge_rows.size:
        in_merge = nparents[row] > 1
        m_row, m_present, m_pos, m_code = row[in_merge], present[in_merge], pos_np[in_merge], parent_code[in_merge]
        merge_fam = np.full(n, None, dtype=object)
        for _ in range(64):  # bounded by the nesting depth of merges of merges
            pf = np.where(m_present, None, uniq_parent_fam[m_code]).astype(object)
            pa_idx = anchor[np.where(m_present, m_pos, 0)]
            from_anchor = np.where(np.isin(pa_idx, merge_rows), merge_fam[pa_idx], anchor_fam[pa_idx])
            pf[m_present] = from_anchor[m_present]
            known = pf != None  # noqa: E711
            frame = pd.DataFrame({"row": m_row[known], "fam": pf[known]})
            agg = frame.groupby("row")["fam"].agg(["nunique", "first"])
            new = np.full(n, None, dtype=object)
            agree = agg[agg["nunique"] == 1]
            new[agree.index.to_numpy()] = agree["first"].to_numpy()
            new_mixed = np.zeros(n, dtype=bool)
            new_mixed[agg.index[agg["nunique"] > 1].to_numpy()] = True
            if np.array_equal(new[merge_rows], merge_fam[merge_rows]) and np.array_equal(new_mixed, mixed):
                break
            merge_fam, mixed = new, new_mixed
        anchor_fam[merge_rows] = merge_fam[merge_rows]
    lineage_fam = anchor_fam[anchor]
    mixed_any = mixed[anchor]

    # Family, party and basis.
    has_lineage = nparents > 0
    lineage_filled = np.where(lineage_fam != None, lineage_fam, np.where(own_name != None, own_name, uploader))  # noqa: E711
    family = np.full(n, None, dtype=object)
    basis = np.full(n, "none", dtype=object)
    party = np.full(n, "unrelated", dtype=object)
    is_org = uploader != None  # noqa: E711
    family[is_org] = uploader[is_org]
    basis[is_org] = "org"
    party[is_org] = "first-party"
    by_lineage = ~is_org & has_lineage & (lineage_fam != None)  # noqa: E711
    family[by_lineage] = lineage_fam[by_lineage]
    basis[by_lineage] = "lineage"
    by_name = ~is_org & ~by_lineage & (own_name != None)  # noqa: E711
    family[by_name] = own_name[by_name]
    basis[by_name] = "name"
    party[by_lineage | by_name] = "derivative"

    # Owner organisation: the uploader for first-party models, the root's namespace when the
    # root is in the family's organisation, else the family's first organisation.
    first_org = rules.first_org
    region_of = rules.region_of
    root_arr = pa.array(root_id, pa.string())
    root_ns = np.asarray(split_ids(root_arr)[0].to_numpy(zero_copy_only=False), dtype=object)
    root_org_fam = org_family(root_arr, rules)
    owner = pd.Series(family).map(first_org).to_numpy(dtype=object)
    use_root = (root_org_fam == family) & (family != None)  # noqa: E711
    owner[use_root] = root_ns[use_root]
    owner[is_org] = np.asarray(ns.to_numpy(zero_copy_only=False), dtype=object)[is_org]
    region = pd.Series(family).map(region_of).to_numpy(dtype=object)

    masks = (np.isin(idx_all, self_ref_rows), in_cycle | a_cycle, ends_outside, mixed_any)
    code = sum(m.astype(np.int64) << i for i, m in enumerate(masks))
    names = np.array(["|".join(f for i, f in enumerate(FLAGS) if c >> i & 1) for c in range(1 << len(FLAGS))], dtype=object)
    flags = names[code] if n else np.array([], dtype=object)
    depth_s = pd.array(np.where(depth < 0, 0, depth), dtype="Int64")
    depth_s[depth < 0] = pd.NA

    out = pd.DataFrame(
        {
            "id": pd.array(ids.to_numpy(zero_copy_only=False), dtype="str"),
            "family": pd.array(family, dtype="str"),
            "owner_org": pd.array(owner, dtype="str"),
            "region": pd.array(region, dtype="str"),
            "party": pd.Categorical(party, categories=["first-party", "derivative", "unrelated"]),
            "basis": pd.Categorical(basis, categories=["org", "lineage", "name", "none"]),
            "lineage_root": pd.array(root_id, dtype="str"),
            "parent": pd.array(primary_id, dtype="str"),
            "uploader_family": pd.array(uploader, dtype="str"),
            "lineage_family": pd.array(lineage_filled, dtype="str"),
            "lineage_depth": depth_s,
            "lineage_flags": pd.array(flags, dtype="str"),
        }
    )
    return out


def classify(snapshot, rules: Rules | None = None) -> pd.DataFrame:
    """Classification of a loaded ``Snapshot``, computed once and cached on it.

    >>> from hubshare import snapshot
    >>> c = classify(snapshot.load())                                         # doctest: +SKIP
    >>> c.set_index("id").loc["unsloth/Qwen3-8B-GGUF", "family"]              # doctest: +SKIP
    'Qwen'
    """
    key = ("classified", id(rules) if rules else None)
    cache = snapshot._cache
    if key not in cache:
        cache[key] = classify_table(snapshot.table, rules)
    return cache[key]


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
