"""A seeded synthetic Hub, for tests, the fake Hub server and benchmarks. Never real data.

``generate(n, seed)`` returns ``n`` models in the snapshot schema with the structure of the real
Hub: first-party repos in the organisations of ``families.csv`` (some derived from each other),
unrelated repos of other organisations, and derivative trees below them (finetunes, quantizations,
adapters, merges with two parents) up to ``max_depth`` levels deep, with ``base_model`` tags, a few
parents missing from the snapshot, a few self-references and loops, heavy-tailed download counts,
and pipeline tags in roughly the Hub's proportions. ``evolve`` makes a later snapshot of the same
synthetic Hub (for interval downloads). Everything is vectorised, so millions of rows take seconds.

Every id contains ``synth`` (except those ``history`` borrows from ATOM's list, so that the
``atom`` universe has members), and every manifest built here says ``"synthetic": true``.

>>> t = generate(1_000, seed=1)
>>> t.num_rows
1000
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import families, snapshot, times

# Share of 30-day downloads the first-party repos of each family get, roughly as on the Hub;
# only the order of magnitude matters for tests and benchmarks.
_FAMILY_WEIGHT = {
    "Qwen": 30, "Llama": 14, "Gemma": 10, "DeepSeek": 8, "Mistral": 7, "Phi": 5, "gpt-oss": 4, "GLM": 3,
    "Nemotron": 3, "Granite": 2, "SmolLM": 2, "OLMo": 1, "Kimi": 1, "MiniMax": 1, "Falcon": 1, "Yi": 1,
    "InternLM": 1, "ERNIE": 1, "Hunyuan": 1, "Command": 1,
}
# Name stems that match each family's name pattern.
_STEM = {
    "Qwen": "Qwen3", "Llama": "Llama-3", "Gemma": "gemma-3", "DeepSeek": "DeepSeek-V3", "Mistral": "Mistral-Small",
    "Phi": "Phi-4", "gpt-oss": "gpt-oss", "GLM": "GLM-4", "Nemotron": "Nemotron-Nano", "Granite": "granite-4",
    "SmolLM": "SmolLM3", "OLMo": "OLMo-2", "Kimi": "Kimi-K2", "MiniMax": "MiniMax-M2", "Falcon": "Falcon3",
    "Yi": "Yi-1.5", "InternLM": "internlm3", "ERNIE": "ERNIE-4.5", "Hunyuan": "Hunyuan-A13B", "Command": "command-r",
}
_UPLOADERS = ("unsloth", "bartowski", "mlx-community", "TheBloke", "lmstudio-community", "RedHatAI", "huihui-ai", "mradermacher")
_UNRELATED_TAGS = (
    ("sentence-similarity", 0.12), ("feature-extraction", 0.10), ("text-to-image", 0.12), ("automatic-speech-recognition", 0.08),
    ("image-classification", 0.10), ("text-classification", 0.12), ("text-generation", 0.20), ("image-text-to-text", 0.06),
    ("text-to-speech", 0.05), (None, 0.05),
)
_RELATIONS = np.array(["finetune", "quantized", "adapter", "merge"], dtype=object)
_RELATION_P = np.array([0.42, 0.40, 0.11, 0.07])
_SUFFIXES = np.array(["-ft", "-GGUF", "-lora", "-merge"], dtype=object)  # in the order of _RELATIONS
_EPOCH = pd.Timestamp("2023-01-01", tz="UTC")


def _concat(*parts) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def generate(
    n: int,
    seed: int = 0,
    *,
    max_depth: int = 14,
    unrelated_share: float = 0.3,
    missing_share: float = 0.004,
    loops: int | None = None,
    taken_at: str = "2026-05-16T00:00:00Z",
) -> pa.Table:
    """``n`` synthetic models in the snapshot schema (sorted by id): first-party roots of the
    families, unrelated roots, derivatives in generations, the Hub's imperfections (missing
    parents, loops, self-references), then counts and dates. Each step draws from one seeded
    generator in a fixed order, so a seed gives the same Hub every time."""
    if n < 50:
        raise ValueError("a synthetic Hub needs at least 50 models")
    rng = np.random.default_rng(seed)
    n_first = int(np.clip(n // 600, 30, 5000))
    n_unrel = int(n * unrelated_share)
    roots = _roots(rng, n_first, n_unrel)
    tree = _derivatives(rng, roots, n - n_first - n_unrel, max_depth)
    assert len(tree.ids) == n
    base1, base2 = _imperfections(rng, tree, n_first + n_unrel, missing_share, loops)
    base_models, tags, relation = _parent_lists(base1, base2, tree.relation)
    return snapshot.to_table(_with_counts(rng, tree.ids, tree.pipeline, base_models, tags, relation, roots, taken_at))


@dataclass
class _Roots:
    fam_idx: np.ndarray  # each first-party root's family (index into fams)
    fams: list[str]
    fp_fam: np.ndarray
    ids: np.ndarray  # first-party, then unrelated
    stems: np.ndarray
    pipeline: np.ndarray
    n_first: int
    n_unrel: int


def _roots(rng: np.random.Generator, n_first: int, n_unrel: int) -> _Roots:
    """First-party roots in the families' organisations, and unrelated roots in others."""
    rules = families.load_rules()
    fams = [f for f in rules.families if f in _FAMILY_WEIGHT]
    weights = np.array([_FAMILY_WEIGHT[f] for f in fams], dtype=float)
    weights /= weights.sum()
    first_org = rules.first_org
    fam_idx = rng.choice(len(fams), size=n_first, p=weights)
    fp_fam = np.array(fams, dtype=object)[fam_idx]
    fp_ns = np.array([first_org[f] for f in fams], dtype=object)[fam_idx]
    fp_stem = np.array([_STEM[f] for f in fams], dtype=object)[fam_idx]
    sizes = np.array(["0.6B", "1.7B", "4B", "8B", "14B", "32B", "70B", "235B-A22B"], dtype=object)
    fp_name = _concat(pa.array(fp_stem), pa.scalar("-"), pa.array(sizes[rng.integers(0, len(sizes), n_first)]),
                      pa.scalar("-synth"), pa.array(np.arange(n_first).astype(str)))
    fp_id = _concat(pa.array(fp_ns), pa.scalar("/"), fp_name)
    un_ns = _concat(pa.scalar("org"), pa.array(rng.zipf(1.6, n_unrel).clip(1, 50_000).astype(str)))
    un_id = _concat(un_ns, pa.scalar("/model-synth"), pa.array(np.arange(n_unrel).astype(str)))
    ids = pa.concat_arrays([fp_id, un_id]).to_numpy(zero_copy_only=False).astype(object)
    stems = np.concatenate([fp_stem, np.full(n_unrel, "model", dtype=object)])
    tags_p = np.array([p for _, p in _UNRELATED_TAGS])
    un_tag = np.array([t for t, _ in _UNRELATED_TAGS], dtype=object)[rng.choice(len(_UNRELATED_TAGS), n_unrel, p=tags_p / tags_p.sum())]
    fp_tag = np.where(rng.random(n_first) < 0.7, "text-generation", np.where(rng.random(n_first) < 0.6, "image-text-to-text", "feature-extraction")).astype(object)
    return _Roots(fam_idx, fams, fp_fam, ids, stems, np.concatenate([fp_tag, un_tag]), n_first, n_unrel)


@dataclass
class _Tree:
    ids: np.ndarray
    pipeline: np.ndarray
    parent1: np.ndarray  # row of the first parent (-1: none)
    parent2: np.ndarray  # row of a merge's second parent (-1: none)
    relation: np.ndarray


def _derivatives(rng: np.random.Generator, roots: _Roots, n_deriv: int, max_depth: int) -> _Tree:
    """Half the first-party repos derive from an earlier one of their organisation (Instruct from
    Base); then generations of derivatives, generation g with parents in generation g-1."""
    n_first, n_unrel = roots.n_first, roots.n_unrel
    # Sorted by org, so that "earlier" stays inside the organisation.
    parent1 = np.full(n_first + n_unrel, -1, dtype=np.int64)
    order = np.lexsort((np.arange(n_first), roots.fam_idx))
    same_prev = np.r_[False, roots.fam_idx[order][1:] == roots.fam_idx[order][:-1]]
    derive = same_prev & (rng.random(n_first) < 0.5)
    parent1[order[derive]] = order[np.flatnonzero(derive) - 1]
    level_w = 0.55 ** np.arange(max_depth)
    level_sizes = np.floor(n_deriv * level_w / level_w.sum()).astype(np.int64)
    level_sizes[0] += n_deriv - level_sizes.sum()
    prev = np.arange(n_first)  # generation 0 parents: first-party repos (plus some unrelated)
    prev = np.concatenate([prev, n_first + rng.choice(n_unrel, size=min(n_unrel, n_first), replace=False)]) if n_unrel else prev
    start = n_first + n_unrel
    relation = np.full(n_first + n_unrel, None, dtype=object)
    parent2 = np.full(n_first + n_unrel, -1, dtype=np.int64)
    pipeline, deriv_ids, deriv_stems = roots.pipeline, [], []
    for size in level_sizes:
        if size <= 0:
            continue
        # Preferential attachment: popular parents (low index in prev) get more children.
        pick = prev[np.minimum((rng.pareto(1.2, size) * len(prev) / 8).astype(np.int64), len(prev) - 1)]
        rel_idx = rng.choice(4, size=size, p=_RELATION_P)
        rel = _RELATIONS[rel_idx]
        rows = np.arange(start, start + size)
        parent1 = np.concatenate([parent1, pick])
        parent2 = np.concatenate([parent2, np.where(rel == "merge", rng.integers(0, start, size), -1)])
        relation = np.concatenate([relation, rel])
        up = np.where(rng.random(size) < 0.3, np.array(_UPLOADERS, dtype=object)[rng.integers(0, len(_UPLOADERS), size)],
                      _concat(pa.scalar("user"), pa.array(rng.zipf(1.4, size).clip(1, 200_000).astype(str))).to_numpy(zero_copy_only=False).astype(object))
        # Names keep the parent's stem about half the time (the name rule's material).
        stem = np.where(rng.random(size) < 0.5, np.concatenate([roots.stems, *deriv_stems])[pick], "model").astype(object)
        nm = _concat(pa.array(stem, pa.string()), pa.array(_SUFFIXES[rel_idx], pa.string()), pa.scalar("-synth"), pa.array(rows.astype(str)))
        deriv_stems.append(stem)
        deriv_ids.append(_concat(pa.array(up, pa.string()), pa.scalar("/"), nm).to_numpy(zero_copy_only=False).astype(object))
        pipeline = np.concatenate([pipeline, np.where(rel == "quantized", None, pipeline[pick]).astype(object)])
        prev = rows
        start += size
    return _Tree(np.concatenate([roots.ids, *deriv_ids]), pipeline, parent1, parent2, relation)


def _imperfections(rng: np.random.Generator, tree: _Tree, first_derivative: int, missing_share: float,
                   loops: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Each repo's first and second parent id, with the Hub's imperfections: parents missing
    from the Hub, loops of two, and self-references (``tree.relation`` corrected in place)."""
    ids, relation, n = tree.ids, tree.relation, len(tree.ids)
    parent2 = tree.parent2
    parent2[parent2 == tree.parent1] = -1  # the Hub lists a parent once
    base1 = np.where(tree.parent1 >= 0, ids[np.maximum(tree.parent1, 0)], None).astype(object)
    base2 = np.where(parent2 >= 0, ids[np.maximum(parent2, 0)], None).astype(object)
    deriv_rows = np.arange(first_derivative, n)
    if len(deriv_rows):
        miss = rng.choice(deriv_rows, size=max(1, int(missing_share * len(deriv_rows))), replace=False)
        base1[miss] = _concat(pa.scalar("deleted-synth/"), pa.array(miss.astype(str))).to_numpy(zero_copy_only=False)
        n_loops = loops if loops is not None else max(1, len(deriv_rows) // 50_000)
        pairs = rng.choice(deriv_rows, size=min(2 * n_loops, len(deriv_rows) - len(deriv_rows) % 2), replace=False).reshape(-1, 2)
        base1[pairs[:, 0]] = ids[pairs[:, 1]]
        base1[pairs[:, 1]] = ids[pairs[:, 0]]
        selfref = rng.choice(deriv_rows, size=max(1, n_loops), replace=False)
        base2[selfref] = ids[selfref]
        relation[selfref] = np.where(relation[selfref] == "merge", "finetune", relation[selfref])
    return base1, base2


def _parent_lists(base1: np.ndarray, base2: np.ndarray, relation: np.ndarray) -> tuple[pa.Array, pa.Array, np.ndarray]:
    """``base_models`` lists, ``base_model:`` tags and each repo's relation (None without a
    parent), built with list offsets."""
    n = len(base1)
    has1 = base1 != None  # noqa: E711
    has2 = base2 != None  # noqa: E711
    counts = has1.astype(np.int64) + has2.astype(np.int64)
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    values = np.empty(offsets[-1], dtype=object)
    values[offsets[:-1][has1]] = base1[has1]
    values[offsets[:-1][has2] + has1[has2]] = base2[has2]
    rel_for_tag = np.where(relation == None, "finetune", relation).astype(object)  # noqa: E711
    rel_rep = np.repeat(rel_for_tag, counts)
    tag_values = _concat(pa.scalar("base_model:"), pa.array(rel_rep, pa.string()), pa.scalar(":"), pa.array(values, pa.string())) if len(values) else pa.array([], pa.string())
    if isinstance(tag_values, pa.ChunkedArray):
        tag_values = tag_values.combine_chunks()
    base_models = pa.ListArray.from_arrays(pa.array(offsets), pa.array(values, pa.string()))
    tags = pa.ListArray.from_arrays(pa.array(offsets), tag_values)
    return base_models, tags, np.where(counts > 0, rel_for_tag, None)


def _with_counts(rng: np.random.Generator, ids: np.ndarray, pipeline: np.ndarray, base_models: pa.Array, tags: pa.Array,
                 relation: np.ndarray, roots: _Roots, taken_at: str) -> pa.Table:
    """The rows with downloads (heavy-tailed, first-party repos larger; all-time ≥ 30-day),
    dates, likes, gating and library."""
    n, n_first, n_unrel = len(ids), roots.n_first, roots.n_unrel
    scale = np.where(np.arange(n) < n_first, 2e5, 2e3)
    d30 = np.floor(rng.pareto(1.1, n) * scale * rng.random(n)).astype(np.int64)
    age_days = rng.integers(30, 1200, n)
    alltime = d30 + np.floor(d30 * age_days / 30 * rng.uniform(0.3, 1.0, n)).astype(np.int64)
    created = _EPOCH + pd.to_timedelta(1200 - age_days, unit="D")
    taken = pd.Timestamp(taken_at)
    modified = (created + (taken - created) * rng.random(n)).floor("s")  # the Hub gives whole seconds
    likes = np.floor(np.sqrt(d30) * rng.random(n)).astype(np.int64)
    gated = np.zeros(n, dtype=bool)
    gated[:n_first] = np.isin(roots.fp_fam, ["Llama", "Gemma"]) & (rng.random(n_first) < 0.6)
    library = np.where(relation == "quantized", "gguf", np.where(relation == "adapter", "peft", "transformers")).astype(object)
    library[n_first:n_first + n_unrel] = np.where(rng.random(n_unrel) < 0.5, "transformers", None)
    return pa.table(
        {
            "id": pa.array(ids, pa.string()),
            "author": pc.struct_field(pc.extract_regex(pa.array(ids, pa.string()), r"^(?P<ns>[^/]*)"), "ns"),
            "created_at": pa.array(created.as_unit("us"), snapshot.SCHEMA.field("created_at").type),
            "last_modified": pa.array(pd.DatetimeIndex(modified).as_unit("us"), snapshot.SCHEMA.field("last_modified").type),
            "downloads_30d": pa.array(d30),
            "downloads_all_time": pa.array(alltime),
            "likes": pa.array(likes),
            "pipeline_tag": pa.array(pipeline, pa.string()),
            "library_name": pa.array(library, pa.string()),
            "tags": tags,
            "base_models": base_models,
            "base_relation": pa.array(relation, pa.string()),
            "gated": pa.array(gated),
        }
    )


def manifest(table: pa.Table, label: str, seed: int, taken_at: str = "2026-05-16T00:00:00Z") -> dict[str, Any]:
    """A manifest that says the snapshot is synthetic."""
    return snapshot.build_manifest(
        table,
        label=label,
        source={"endpoint": "synthetic", "query": f"hubshare.synthetic.generate(n={table.num_rows}, seed={seed})"},
        created_at=taken_at,
        hub_version="none (synthetic)",
        extra={"synthetic": True, "note": "Synthetic data generated by hubshare.synthetic; not the real Hub."},
    )


def snapshot_of(n: int, seed: int = 0, label: str | None = None, taken_at: str = "2026-05-16T00:00:00Z", **kw) -> snapshot.Snapshot:
    """An in-memory synthetic ``Snapshot``."""
    table = generate(n, seed, taken_at=taken_at, **kw)
    return snapshot.from_table(table, manifest(table, label or f"synthetic-{n}-seed{seed}", seed, taken_at))


def evolve(table: pa.Table, days: int, seed: int = 1, *, new_share: float = 0.03, removed_share: float = 0.005, corrections: int = 3,
           taken_at: str | None = None, rate: np.ndarray | None = None) -> pa.Table:
    """The same synthetic Hub ``days`` later: counters grow, some repos appear, some disappear,
    and a few all-time counters fall (as the Hub's do after spam removal).

    ``rate`` multiplies each row's growth (a trend per family, say); with ``taken_at``, new repos
    are created within the ``days`` before it."""
    rng = np.random.default_rng(seed)
    n = table.num_rows
    d30 = np.asarray(table.column("downloads_30d").fill_null(0), dtype=np.int64)
    trend = np.ones(n) if rate is None else np.asarray(rate, dtype=float)
    growth = np.floor(d30 * trend * days / 30 * rng.uniform(0.6, 1.4, n)).astype(np.int64)
    alltime = np.asarray(table.column("downloads_all_time").fill_null(0), dtype=np.int64) + growth
    fall = rng.choice(n, size=min(corrections, n), replace=False)
    alltime[fall] = np.floor(alltime[fall] * 0.7).astype(np.int64)
    new30 = np.floor(growth * 30 / max(days, 1)).astype(np.int64)
    later = table.set_column(table.schema.get_field_index("downloads_all_time"), "downloads_all_time", pa.array(alltime))
    later = later.set_column(later.schema.get_field_index("downloads_30d"), "downloads_30d", pa.array(new30))
    keep = np.ones(n, dtype=bool)
    keep[rng.choice(n, size=int(removed_share * n), replace=False)] = False
    later = later.filter(pa.array(keep))
    n_new = int(new_share * n)
    if n_new:
        # New repos are derivatives of existing ones, as most new repos on the Hub are.
        fresh = generate(max(4 * n_new, 200), seed=seed + 10_000)
        ns, name = families.split_ids(fresh.column("id").combine_chunks())
        outside = families.org_codes(ns, name, families.load_rules())[0] < 0  # uploaded by someone else than a family's organisation
        fresh = fresh.filter(pa.array(outside & np.asarray(pc.greater(pc.list_value_length(fresh.column("base_models")), 0)))).slice(0, n_new)
        k = fresh.num_rows
        parents = pa.array(np.asarray(table.column("id").to_numpy(zero_copy_only=False), dtype=object)[rng.choice(n, k)], pa.string())
        offsets = pa.array(np.arange(k + 1, dtype=np.int32))
        relation = fresh.column("base_relation").combine_chunks()
        relation = pc.if_else(pc.equal(relation, "merge"), pa.scalar("finetune"), relation)
        counts = np.asarray(fresh.column("downloads_30d"), dtype=np.int64)
        fresh = fresh.set_column(0, "id", _concat(fresh.column("id").combine_chunks(), pa.scalar(f"-new{seed}")))
        fresh = fresh.set_column(fresh.schema.get_field_index("base_models"), "base_models", pa.ListArray.from_arrays(offsets, parents))
        fresh = fresh.set_column(fresh.schema.get_field_index("base_relation"), "base_relation", relation)
        fresh = fresh.set_column(fresh.schema.get_field_index("tags"), "tags",
                                 pa.ListArray.from_arrays(offsets, _concat(pa.scalar("base_model:"), relation, pa.scalar(":"), parents)))
        part = np.floor(counts * min(days, 30) / 30).astype(np.int64)
        fresh = fresh.set_column(fresh.schema.get_field_index("downloads_all_time"), "downloads_all_time", pa.array(part))
        if taken_at is not None:
            end = pd.Timestamp(taken_at)
            born = (end - pd.to_timedelta(rng.uniform(0.05, days, k), unit="D")).floor("s")
            ts = pa.array(pd.DatetimeIndex(born).as_unit("us"), snapshot.SCHEMA.field("created_at").type)
            fresh = fresh.set_column(fresh.schema.get_field_index("created_at"), "created_at", ts)
            fresh = fresh.set_column(fresh.schema.get_field_index("last_modified"), "last_modified", ts)
        later = pa.concat_tables([later.cast(snapshot.SCHEMA), fresh.cast(snapshot.SCHEMA)])
    return snapshot.to_table(later)


# --------------------------------------------------------------------------- a history

# Monthly growth of each family relative to its 30-day count, from the first month (0) to the
# last (1): invented shapes that make a history worth drawing (one family rising past another,
# one spiking), not estimates of the real Hub.
TRENDS = {
    "Qwen": lambda t: 0.5 + 2.5 * t,
    "Llama": lambda t: 1.8 - 1.2 * t,
    "DeepSeek": lambda t: 1.0 + 2.5 * np.exp(-((t - 0.1) ** 2) / 0.004),
}
# All-time totals at the start, in months of Llama's first 30-day total: Llama ahead, Qwen behind.
START_MONTHS = {"Llama": 4.0, "Qwen": 2.0, "DeepSeek": 1.0}


def _borrow_ids(table: pa.Table, ids: list[str], seed: int) -> pa.Table:
    """Give ``ids`` (ATOM's listed repo ids) to first-party repos of the same organisation,
    renaming parent references too, so that the ``atom`` universe has members."""
    rng = np.random.default_rng(seed)
    cur = np.asarray(table.column("id").to_numpy(zero_copy_only=False), dtype=object)
    ns = np.array([i.split("/", 1)[0] for i in cur], dtype=object)
    mapping: dict[str, str] = {}
    wanted: dict[str, list[str]] = {}
    for i in ids:
        wanted.setdefault(i.split("/", 1)[0], []).append(i)
    taken = set(cur)
    for org, names in wanted.items():
        rows = np.flatnonzero((ns == org) & np.array(["synth" in x for x in cur]))
        rng.shuffle(rows)
        for row, new in zip(rows, (n for n in names if n not in taken)):
            mapping[cur[row]] = new
    if not mapping:
        return table
    renamed = pa.array([mapping.get(x, x) for x in cur], pa.string())
    base = table.column("base_models").combine_chunks()
    flat = [mapping.get(x, x) for x in pc.list_flatten(base).to_pylist()]
    base = pa.ListArray.from_arrays(base.offsets, pa.array(flat, pa.string()), mask=base.is_null())
    tags = table.column("tags").combine_chunks()
    tag_flat = [t if not t.startswith("base_model:") else t.rsplit(":", 1)[0] + ":" + mapping.get(t.rsplit(":", 1)[1], t.rsplit(":", 1)[1])
                for t in pc.list_flatten(tags).to_pylist()]
    tags = pa.ListArray.from_arrays(tags.offsets, pa.array(tag_flat, pa.string()), mask=tags.is_null())
    out = table.set_column(0, "id", renamed)
    out = out.set_column(out.schema.get_field_index("base_models"), "base_models", base)
    out = out.set_column(out.schema.get_field_index("tags"), "tags", tags)
    return snapshot.to_table(out)


def _rename_largest(table: pa.Table, prefix: str) -> pa.Table:
    """The repo with the largest all-time count under ``prefix`` renamed (``-2507`` appended), as
    the Hub does when an owner renames a repo: same counters, new id."""
    ids = table.column("id")
    mine = pc.starts_with(ids, prefix)
    counts = pc.if_else(mine, table.column("downloads_all_time"), pa.scalar(-1, pa.int64()))
    k = int(pc.index(counts, pc.max(counts)).as_py())
    renamed = pc.if_else(pc.equal(ids, ids[k]), pc.binary_join_element_wise(ids, pa.scalar("-2507"), ""), ids)
    return snapshot.to_table(table.set_column(0, "id", renamed))


def _add_appeared(table: pa.Table, seed: int, when: pd.Timestamp) -> pa.Table:
    """One repo that shows up with a creation date long before (made public after a year
    private): counters of a year, created 2024-06-01."""
    rng = np.random.default_rng(seed)
    row = table.slice(int(rng.integers(0, table.num_rows)), 1).to_pylist()[0]
    d30 = max(int(row["downloads_30d"] or 0), 10_000)
    row.update(id=f"late-uploader/model-synth-appeared-{when.strftime('%Y%m')}", author="late-uploader", downloads_30d=d30,
               downloads_all_time=12 * d30, created_at=pd.Timestamp("2024-06-01", tz="UTC").to_pydatetime())
    return snapshot.to_table(pa.concat_tables([table, pa.Table.from_pylist([row], schema=table.schema)]))


def monthly_snapshots(n: int = 20_000, first: str = "2025-01", last: str = "2026-05", seed: int = 2026, *,
                      listed: tuple[str, ...] = ()) -> list[snapshot.Snapshot]:
    """Monthly snapshots of one synthetic Hub, one near 00:00 UTC on the first day of every month
    from ``first`` to ``last`` (``YYYY-MM``), with family trends (``TRENDS``), repos appearing and
    disappearing, and a few falling counters. ``listed`` ids (ATOM's list, say) are given to
    first-party repos of their organisations. Every label starts with ``SYNTHETIC``."""
    rng = np.random.default_rng(seed)
    starts = pd.date_range(pd.Timestamp(f"{first}-01", tz="UTC"), pd.Timestamp(f"{last}-01", tz="UTC"), freq="MS")
    # Census commits land some minutes to hours after midnight.
    times = [t + pd.Timedelta(minutes=int(m)) for t, m in zip(starts, rng.integers(5, 300, len(starts)))]
    table = generate(n, seed=seed, taken_at=times[0].isoformat())
    if listed:
        table = _borrow_ids(table, list(listed), seed)
    rules = families.load_rules()

    names = np.array([*rules.families, ""], dtype=object)

    def lineage_names(codes: np.ndarray) -> np.ndarray:
        return names[np.where(codes < 0, len(rules.families), codes)]

    fam = lineage_names(families.compute(table, rules).lineage)
    # Qwen starts with Llama's 30-day total, so the trends alone decide when one passes the other.
    d30 = np.asarray(table.column("downloads_30d"), dtype=np.float64)
    llama = max(d30[fam == "Llama"].sum(), 1.0)
    d30[fam == "Qwen"] *= llama / max(d30[fam == "Qwen"].sum(), 1.0)
    alltime = np.asarray(table.column("downloads_all_time"), dtype=np.float64)
    for name, months_ in START_MONTHS.items():
        mine = fam == name
        alltime[mine] *= months_ * llama / max(alltime[mine].sum(), 1.0)
    table = table.set_column(table.schema.get_field_index("downloads_30d"), "downloads_30d", pa.array(np.floor(d30).astype(np.int64)))
    alltime = np.maximum(np.floor(alltime).astype(np.int64), np.floor(d30).astype(np.int64))
    table = table.set_column(table.schema.get_field_index("downloads_all_time"), "downloads_all_time", pa.array(alltime))
    # Each repo's trend applies to its first 30-day count, so growth follows the trend instead of compounding.
    base = pd.Series(np.asarray(table.column("downloads_30d"), dtype=np.float64), index=table.column("id").to_pylist())
    snaps = []
    for k, when in enumerate(times):
        if k:
            fam = lineage_names(families.codes(snaps[-1]).lineage)  # families keeps it: metrics reuse it
            t = (k - 1) / max(len(times) - 2, 1)
            now = np.asarray(table.column("downloads_30d").fill_null(0), dtype=np.float64)
            ids = table.column("id").to_pylist()
            known = base.reindex(ids).to_numpy()
            fresh = np.isnan(known)
            if fresh.any():
                base = pd.concat([base, pd.Series(now[fresh], index=np.asarray(ids, dtype=object)[fresh])])
            rate = np.where(fresh, now, known) / np.maximum(now, 1)
            for name, trend in TRENDS.items():
                rate[fam == name] *= trend(t)
            days = (starts[k] - starts[k - 1]).days
            table = evolve(table, days, seed=seed + k, new_share=0.02, removed_share=0.003, corrections=2,
                           taken_at=when.isoformat(), rate=rate)
            if k == len(times) // 2:
                table = _rename_largest(table, "Qwen/")
            if k == len(times) // 2 + 2:
                table = _add_appeared(table, seed + k, when)
        label = f"SYNTHETIC-{when.strftime('%Y-%m-%d')}"
        snaps.append(snapshot.from_table(table, manifest(table, label, seed + k, when.strftime("%Y-%m-%dT%H:%M:%SZ"))))
    return snaps


# --------------------------------------------------------------------------- census form


def to_census(table: pa.Table, *, all_time: bool = True, gated_as_text: bool = True, realistic: bool = False, day: int = 0,
              cards: pa.Array | None = None, tags: pa.Array | None = None) -> pa.Table:
    """Snapshot rows in the layout of the hub-stats census file ``models.parquet``: camelCase
    columns, ``baseModels`` as a struct of ``relation`` and a list of models, and columns
    hubshare does not read (``trendingScore``, ``safetensors``). Without ``all_time`` the
    ``downloadsAllTime`` column is absent, as in census files before 2025-02-27.

    ``realistic`` gives the real file's types and byte mix: ``createdAt`` and ``lastModified`` as
    ``timestamp[us]`` without time zone, ``baseModels.models`` as ``{_id, id}``, ``cardData`` and
    ``gguf`` as JSON strings (cards about 60% of the bytes, tags about 18%), ``safetensors`` as a
    struct whose ``parameters`` fields vary with ``day``, no ``gated`` column. ``cards`` and ``tags``
    give the rows' ``cardData`` and tags when already made (they change little from day to day)."""
    gated = table.column("gated").combine_chunks()
    if gated_as_text:
        gated = pc.if_else(gated, pa.scalar("manual"), pa.scalar("False"))
    likes = table.column("likes")
    cols = {
        "id": table.column("id"),
        "author": table.column("author"),
        "likes": likes,
        "trendingScore": pc.cast(pc.divide(pc.cast(likes, pa.float64()), 7.0), pa.float64()),
        "downloads": table.column("downloads_30d"),
        **({"downloadsAllTime": table.column("downloads_all_time")} if all_time else {}),
        "pipeline_tag": table.column("pipeline_tag"),
        "library_name": table.column("library_name"),
        "createdAt": table.column("created_at"),
        "lastModified": table.column("last_modified"),
        "tags": table.column("tags"),
        "gated": gated,
        "baseModels": _census_base_models(table, realistic),
        "safetensors": pa.StructArray.from_arrays([pc.cast(table.column("likes").combine_chunks(), pa.int64())], names=["total"]),
    }
    if realistic:
        cols = _as_real_file(table, cols, day, cards, tags)
    return pa.table(cols)


def _census_base_models(table: pa.Table, realistic: bool) -> pa.StructArray:
    """``baseModels`` as the census file has it: a struct of ``relation`` and a list of models
    (``{_id, id}`` in the real file's layout), null for a repo without parents."""
    n = table.num_rows
    base = table.column("base_models").combine_chunks()
    lengths = np.asarray(pc.list_value_length(base).fill_null(0), dtype=np.int32)
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    flat = pc.list_flatten(base)
    if realistic:
        inner = pa.StructArray.from_arrays([pc.binary_join_element_wise(pa.scalar("6"), pc.utf8_slice_codeunits(flat, 0, 20), ""), flat],
                                           names=["_id", "id"])
    else:
        inner = pa.StructArray.from_arrays([flat], names=["id"])
    models = pa.ListArray.from_arrays(pa.array(offsets), inner)
    relation = table.column("base_relation").combine_chunks()
    return pa.StructArray.from_arrays([relation, models], names=["relation", "models"], mask=pc.invert(pa.array(lengths > 0)))


def _as_real_file(table: pa.Table, cols: dict[str, Any], day: int, cards: pa.Array | None, tags: pa.Array | None) -> dict[str, Any]:
    """The columns with the real file's types and byte mix (``to_census(realistic=True)``)."""
    n = table.num_rows
    rng = np.random.default_rng(n + 7919)
    ids = table.column("id").combine_chunks()
    naive = pa.timestamp("us")
    cols["createdAt"] = table.column("created_at").cast(pa.int64()).cast(naive)
    cols["lastModified"] = table.column("last_modified").cast(pa.int64()).cast(naive)
    cols["tags"] = tags if tags is not None else _extra_tags(table.column("tags").combine_chunks(), rng)
    cols["cardData"] = cards if cards is not None else _card_data(n, rng, ids)
    total = pc.cast(pc.multiply(pc.cast(table.column("likes").combine_chunks(), pa.int64()), 1_000_003), pa.int64())
    dtypes = ["BF16", "F32", "F16", "F8_E4M3", "I8", "U8"]
    fields = [dtypes[(day + k) % len(dtypes)] for k in range(2 + day % 3)]  # the set varies by day, as in the real file
    params = pa.StructArray.from_arrays([total] * len(fields), names=fields)
    cols["safetensors"] = pa.StructArray.from_arrays([params, total], names=["parameters", "total"])
    quant = pc.equal(table.column("library_name").combine_chunks(), "gguf").fill_null(False)
    cols["gguf"] = pc.if_else(quant, pc.binary_join_element_wise(pa.scalar('{"total": '), total.cast(pa.string()),
                                                                  pa.scalar(', "architecture": "qwen3", "context_length": 40960}'), ""),
                              pa.scalar(None, pa.string()))
    del cols["gated"]
    return cols


# --------------------------------------------------------------------------- a census day by day

DAY_WEIGHTS = (1.0, 1.0, 1.0, 1.0, 0.95, 0.75, 0.7)
"""Download activity by weekday (Monday first): weekends are quieter."""
BAD_KINDS = ("partial", "stalled", "rolled-back")


class CensusPopulation:
    """Repos whose all-time counters grow at known rates, for census days at any time.

    Each repo downloads at its own rate (from ``generate``'s 30-day counts) times a Hub-wide
    activity that varies by weekday and by day (seeded noise); repos are created over time, some
    during the months of the census. ``counters(t)`` is exact at any moment, so a month measured
    from census days can be compared with the true month (``month_total``). ``table(t, kind)``
    is the census at ``t``, good or bad as the real census is on some days: ``partial`` (most
    rows missing), ``stalled`` (70% of repos stood still since the day before) or
    ``rolled-back`` (30% of repos back at their counters of five days earlier).

    >>> pop = CensusPopulation(2_000, seed=1)
    >>> int(pop.month_total("2026-02")) > 0
    True
    """

    def __init__(self, n: int = 20_000, seed: int = 0, *, start: str = "2025-12-01", end: str = "2026-08-01", new_share: float = 0.08):
        rng = np.random.default_rng(seed)
        self.seed = seed
        self.base = generate(n, seed=seed, taken_at=f"{start}T00:00:00Z")
        self.start, self.end = pd.Timestamp(start, tz="UTC"), pd.Timestamp(end, tz="UTC")
        d30 = np.asarray(self.base.column("downloads_30d").fill_null(0), dtype=np.float64)
        self.rate = d30 / (30 * 24)  # downloads per hour of average activity
        self.initial = self.base.column("downloads_all_time").fill_null(0).to_numpy().astype(np.float64, copy=True)
        created = self.base.column("created_at").cast(pa.int64()).to_numpy().astype(np.int64, copy=True)
        late = rng.random(n) < new_share  # created during the census period: counters start at zero
        span_us = int((self.end - self.start).value // 1000)
        created[late] = int(self.start.value // 1000) + rng.integers(0, span_us, late.sum())
        self.initial[late] = 0
        self.created_us = created
        self.late = late
        days = pd.date_range(self.start - pd.Timedelta(days=40), self.end + pd.Timedelta(days=2), freq="D")
        weights = np.array([DAY_WEIGHTS[d.weekday()] for d in days]) * rng.uniform(0.9, 1.1, len(days))
        self._days_us = np.asarray(days.as_unit("us").asi8, dtype=np.int64)
        self._weights = weights
        self._cum = np.concatenate([[0.0], np.cumsum(weights * 24)])  # activity hours at each day start
        self._freeze = rng.random(n) < 0.7
        self._fall = rng.random(n) < 0.3
        self._cards: pa.Array | None = None
        self._tags: pa.Array | None = None

    def activity(self, t_us: np.ndarray | int) -> np.ndarray:
        """Activity hours from the first modelled day to ``t`` (microseconds since the epoch)."""
        t = np.asarray(t_us, dtype=np.int64)
        k = np.clip(np.searchsorted(self._days_us, t, side="right") - 1, 0, len(self._days_us) - 1)
        frac_h = (t - self._days_us[k]) / 3.6e9
        return self._cum[k] + self._weights[k] * frac_h

    def counters(self, when) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(exists, all_time, downloads_30d)`` of every repo at ``when``, exactly."""
        t = int(pd.Timestamp(when).value // 1000)
        exists = self.created_us <= t
        since = np.maximum(self.created_us, int(self.start.value // 1000))
        grown = self.rate * np.maximum(self.activity(t) - self.activity(since), 0)
        all_time = np.floor(self.initial + grown).astype(np.int64)
        month_ago = np.maximum(self.created_us, t - 30 * 86_400_000_000)
        d30 = np.floor(self.rate * np.maximum(self.activity(t) - self.activity(month_ago), 0)).astype(np.int64)
        return exists, all_time, d30

    def month_total(self, month: str) -> int:
        """The true downloads of a calendar month: counters at 00:00 UTC on its two boundaries."""
        lo = pd.Timestamp(f"{month}-01", tz="UTC")
        hi = lo + pd.offsets.MonthBegin(1)
        e0, a0, _ = self.counters(lo)
        e1, a1, _ = self.counters(hi)
        return int((a1 - np.where(e0, a0, 0))[e1].sum())

    def table(self, when, kind: str = "good") -> pa.Table:
        """The census at ``when`` in the snapshot schema (sorted by id), good or ``BAD_KINDS``."""
        when = pd.Timestamp(when)
        exists, all_time, d30 = self.counters(when)
        if kind == "stalled":
            _, before, before_30 = self.counters(when - pd.Timedelta(days=1))
            all_time = np.where(self._freeze, before, all_time)
            d30 = np.where(self._freeze, before_30, d30)
        elif kind == "rolled-back":
            _, before, _ = self.counters(when - pd.Timedelta(days=5))
            all_time = np.where(self._fall, before, all_time)
        elif kind == "partial":
            exists = self._partial(when)
        elif kind != "good":
            raise ValueError(f"unknown census day kind {kind!r}")
        t = self.base.set_column(self.base.schema.get_field_index("downloads_all_time"), "downloads_all_time", pa.array(all_time))
        t = t.set_column(t.schema.get_field_index("downloads_30d"), "downloads_30d", pa.array(d30))
        t = t.set_column(t.schema.get_field_index("created_at"), "created_at",
                         pa.array(self.created_us, pa.int64()).cast(pa.timestamp("us", tz="UTC")))
        return t.filter(pa.array(exists))

    def _partial(self, when) -> np.ndarray:
        """The repos a partial census of ``when`` holds: a quarter of those that exist."""
        return self.counters(when)[0] & (np.random.default_rng(self.seed + 1).random(len(self.late)) < 0.25)

    def census_file(self, when, kind: str = "good", *, row_group_size: int = 4_000) -> bytes:
        """``table(when, kind)`` as the bytes of a real ``models.parquet`` (``to_census`` with the
        real column mix), the day's ``safetensors`` fields varying with the day."""
        import io

        import pyarrow.parquet as pq

        day = int(pd.Timestamp(when).value // 86_400_000_000_000)
        if self._cards is None:
            rng = np.random.default_rng(self.seed + 2)
            self._cards = _card_data(self.base.num_rows, rng, self.base.column("id").combine_chunks())
            self._tags = _extra_tags(self.base.column("tags").combine_chunks(), rng)
        keep = pa.array(self.counters(when)[0] if kind != "partial" else self._partial(when))
        layout = to_census(self.table(when, kind), realistic=True, day=day, cards=self._cards.filter(keep), tags=self._tags.filter(keep))
        buf = io.BytesIO()
        pq.write_table(layout, buf, row_group_size=row_group_size)
        return buf.getvalue()


_CARD_WORDS = np.array(["license", "apache-2.0", "mit", "language", "en", "zh", "pipeline_tag", "text-generation", "library_name",
                        "transformers", "tags", "chat", "gguf", "quantized", "datasets", "metrics", "accuracy", "model-index",
                        "results", "task", "type", "name", "value", "base_model", "widget", "inference", "false", "true"], dtype=object)


def _card_data(n: int, rng: np.random.Generator, ids: pa.Array) -> pa.Array:
    """JSON strings like the Hub's ``cardData``: keys and values of model cards, with each repo's
    own numbers (so they compress about as well as real cards)."""
    lengths = rng.integers(4, 19, n)
    words = _CARD_WORDS[rng.integers(0, len(_CARD_WORDS), lengths.sum())]
    numbers = rng.integers(0, 10**9, lengths.sum()).astype(str)
    pieces = np.char.add(np.char.add(np.char.add('"', words.astype(str)), '": '), numbers)
    cut = np.cumsum(lengths)[:-1]
    bodies = [", ".join(p) for p in np.split(pieces, cut)]
    return pc.binary_join_element_wise(pa.array(["{\"id\": \""] * n), ids, pa.array(["\", "] * n), pa.array(bodies), pa.array(["}"] * n), "")


def _extra_tags(tags: pa.Array, rng: np.random.Generator) -> pa.Array:
    """The synthetic tags plus the kinds of tag real repos carry (licences, regions, arXiv ids)."""
    n = len(tags)
    k = rng.integers(4, 12, n)
    pool = np.array(["region:us", "endpoints_compatible", "license:apache-2.0", "license:mit", "conversational", "safetensors",
                     "autotrain_compatible", "text-generation-inference", "en", "zh"], dtype=object)
    extra = pool[rng.integers(0, len(pool), k.sum())].astype(str)
    arxiv = np.char.add("arxiv:", rng.integers(2000, 2600, k.sum()).astype(str))
    extra = np.where(rng.random(k.sum()) < 0.3, np.char.add(arxiv, np.char.add(".", rng.integers(10000, 99999, k.sum()).astype(str))), extra)
    tags = tags.combine_chunks() if isinstance(tags, pa.ChunkedArray) else tags
    have = np.asarray(pc.list_value_length(tags).fill_null(0), dtype=np.int64)
    parents = np.concatenate([np.asarray(pc.list_parent_indices(tags), dtype=np.int64), np.repeat(np.arange(n), k)])
    values = pa.concat_arrays([pc.list_flatten(tags).cast(pa.string()), pa.array(extra, pa.string())])
    order = np.argsort(parents, kind="stable")
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(have + k, out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), values.take(pa.array(order)))


# --------------------------------------------------------------------------- Hub API form


def _iso(ts) -> str | None:
    return None if ts is None else times.iso(times.utc(ts), millis=True)


def api_records(table: pa.Table) -> list[dict[str, Any]]:
    """The rows as ``GET /api/models`` returns them (field names and formats of the Hub API)."""
    out = []
    for i, row in enumerate(table.to_pylist()):
        gated = row["gated"]
        out.append(
            {
                "_id": f"{i:024x}",
                "id": row["id"],
                "modelId": row["id"],
                "author": row["author"],
                "createdAt": _iso(row["created_at"]),
                "lastModified": _iso(row["last_modified"]),
                "downloads": row["downloads_30d"],
                "downloadsAllTime": row["downloads_all_time"],
                "likes": row["likes"],
                "trendingScore": int(row["likes"] or 0) % 97,
                "pipeline_tag": row["pipeline_tag"],
                "library_name": row["library_name"],
                "tags": row["tags"] or [],
                "gated": ("manual" if gated else False) if gated is not None else False,
                "private": False,
                "sha": f"{i:040x}",
            }
        )
    return out

