import numpy as np
import pyarrow as pa
import pytest

from hubshare import arrays, families, history, intervals, synthetic
from hubshare.families.rules import NOT_NAMED


def _reference_positions(ids, values):
    return np.array([values.index(i) if i in values else -1 for i in ids], dtype=np.int64)


@pytest.mark.parametrize("block", [1, 3, 8192])
def test_positions_of_sorted_columns_match_a_plain_lookup(monkeypatch, block):
    monkeypatch.setattr(arrays, "BLOCK", block)
    rng = np.random.default_rng(5)
    pool = sorted({f"org{rng.integers(40)}/m{rng.integers(400)}" for _ in range(900)})
    values = sorted(rng.choice(pool, 300, replace=False).tolist())
    ids = sorted(rng.choice(pool, 250, replace=False).tolist())
    # Several chunks on both sides, as read from parquet row groups.
    chunked = lambda xs: pa.chunked_array([xs[:50], xs[50:51], xs[51:]], pa.string())  # noqa: E731
    got = arrays.positions(chunked(ids), chunked(values))
    assert got.tolist() == _reference_positions(ids, values).tolist()
    assert (got >= 0).sum() > 10 and (got < 0).sum() > 10


def test_positions_of_unsorted_columns_fall_back_to_a_hash_lookup():
    ids, values = ["b/x", "a/a", "c/c", "z/z"], ["c/c", "a/a", "b/x"]
    assert arrays.positions(pa.array(ids), pa.array(values)).tolist() == [2, 1, 0, -1]
    assert arrays.positions(pa.array([], pa.string()), pa.array(values)).tolist() == []
    assert arrays.positions(pa.array(ids), pa.array([], pa.string())).tolist() == [-1] * 4


def test_increasing_across_chunks():
    assert arrays.increasing(pa.chunked_array([["a/a", "a/b"], ["a/c"]]))
    assert not arrays.increasing(pa.chunked_array([["a/a", "a/c"], ["a/b"]]))  # the break is between chunks
    assert not arrays.increasing(pa.array(["a/a", None]))


def test_each_chunk_keeps_the_order_of_chunks():
    col = pa.chunked_array([["a"], [], ["b", "c"], ["d"]])
    assert arrays.each_chunk(len, col) == [1, 2, 1]


def _same(x: families.Classification, y: families.Classification) -> None:
    for name in ("family", "uploader", "up_rule", "lineage", "party", "basis", "owner_rule", "depth", "flags"):
        assert np.array_equal(getattr(x, name), getattr(y, name)), name
    # Name rules run only where needed; a reused classification may hold more names, never others.
    both = (x.own_name != NOT_NAMED) & (y.own_name != NOT_NAMED)
    assert np.array_equal(x.own_name[both], y.own_name[both])
    # Roots and parents are positions in two different pools: compare the ids they stand for.
    assert x.frame().equals(y.frame())


def test_classification_from_an_earlier_one_equals_a_fresh_one():
    a = synthetic.snapshot_of(6000, seed=3, taken_at="2026-01-01T00:00:00Z")
    b_table = synthetic.evolve(a.table, 31, seed=4, new_share=0.05, removed_share=0.02, taken_at="2026-02-01T00:00:00Z")
    b = type(a)(path=None, manifest=synthetic.manifest(b_table, "b", 4, "2026-02-01T00:00:00Z"), table=b_table)
    earlier = families.codes(a)
    iv = intervals.interval(a, b)
    pos = np.where(iv.renamed, -1, iv.pos)
    assert (pos < 0).sum() > 0 and (pos >= 0).sum() > 0
    _same(families.compute(b.table, earlier=(earlier, pos)), families.compute(b.table))
    # A wrong position is not trusted blindly: rows given as new are computed afresh.
    _same(families.compute(b.table, earlier=(earlier, np.full(len(b), -1))), families.compute(b.table))


def test_months_classify_each_snapshot_as_from_scratch(monkeypatch):
    reused = []
    from hubshare.families import lineage

    real = lineage._id_rules_from
    monkeypatch.setattr(lineage, "_id_rules_from", lambda *a, **k: reused.append(1) or real(*a, **k))
    # Fresh Snapshot objects: nothing classified before months runs.
    snaps = [type(s)(path=None, manifest=s.manifest, table=s.table) for s in synthetic.monthly_snapshots(3000, first="2025-01", last="2025-04", seed=9)]
    result = history.months(history.History.from_snapshots(snaps, synthetic=True), by="family", attribution="lineage")
    assert len(result.rows) and not result.missing
    assert len(reused) >= 2
    # Every later snapshot was classified with its predecessor's help; each equals a fresh classification.
    for s in snaps[1:]:
        assert families.classified(s) is not None
        _same(families.codes(s), families.compute(s.table))


def test_classification_from_an_earlier_one_follows_parents_that_come_go_and_change():
    from hubshare import snapshot

    from conftest import rows

    def table(records):
        return snapshot.to_table(rows([{"id": i, "base_models": p} for i, p in records]))

    a = table([("Qwen/base", []), ("x/ft", ["Qwen/base"]), ("y/q", ["x/ft"]), ("z/m", ["missing/p"]), ("w/self", ["w/self"]),
               ("v/two", ["Qwen/base", "meta-llama/L"]), ("u/keep", ["z/m", ""])])
    b = table([("Qwen/base", []), ("y/q", ["x/ft"]), ("z/m", ["missing/p"]), ("missing/p", ["Qwen/base"]),  # x/ft gone, missing/p new
               ("w/self", ["w/self"]), ("v/two", ["meta-llama/L"]), ("meta-llama/L", []), ("u/keep", ["z/m", ""]),  # v/two changed
               ("t/new", ["v/two", "y/q"])])
    pos = arrays.positions(b.column("id"), a.column("id"))
    reused = families.compute(b, earlier=(families.compute(a), pos))
    _same(reused, families.compute(b))
    frame = reused.frame().set_index("id")
    assert frame.loc["z/m", "lineage_family"] == "Qwen" and frame.loc["y/q", "lineage_root"] == "x/ft"
    assert frame.loc["v/two", "lineage_family"] == "Llama" and "self-reference" in frame.loc["w/self", "lineage_flags"]


def _plain_lookup(values, queries):
    where = {v: k for k, v in enumerate(values)}
    return [where.get(q, -1) if q is not None else -1 for q in queries]


@pytest.mark.parametrize("seed", range(6))
def test_rows_in_matches_a_plain_search(seed):
    rng = np.random.default_rng(seed)
    letters = list("ab/-é")
    prefixes = ["", "org9/model-synth", "mradermacher/Qwen2.5-7B-Instruct-"]

    def word():
        return str(rng.choice(prefixes)) + "".join(rng.choice(letters, int(rng.integers(0, 14))))

    values = list({word() for _ in range(400)})
    if seed % 2:
        values.sort()  # order does not matter: sorted and unsorted values alike
    queries = [word() for _ in range(300)] + values[::7] + [None]
    assert arrays.rows_in(pa.array(values), pa.array(queries)).tolist() == _plain_lookup(values, queries)


def test_rows_in_reads_chunks_slices_and_empty_sides():
    values = [f"u{k:03d}/m" for k in range(50)]
    chunked = pa.chunked_array([pa.array(values[:20]), pa.array(values[20:])])
    queries = pa.array(["x", *values[::-3], "u049/mm"]).slice(1)
    assert arrays.rows_in(chunked, queries).tolist() == _plain_lookup(values, queries.to_pylist())
    assert arrays.rows_in(pa.array(["a", "b"]), pa.array(["b", "c", "b"])).tolist() == [1, -1, 1]
    assert arrays.rows_in(pa.array([], pa.string()), pa.array(["a"])).tolist() == [-1]
    assert arrays.rows_in(pa.array(["a"]), pa.array([], pa.string())).tolist() == []


def test_take_of_chunks_in_any_order_matches_a_plain_take():
    rng = np.random.default_rng(4)
    values = [f"o{k}/m{k}" for k in range(300)]
    chunked = pa.chunked_array([values[:7], values[7:7], values[7:200], values[200:]], pa.string())
    for rows in (np.arange(300), np.sort(rng.choice(300, 40, replace=False)), rng.choice(300, 60), np.array([], dtype=np.int64)):
        assert arrays.take(chunked, rows).to_pylist() == [values[r] for r in rows]
        assert arrays.take(pa.array(values), rows).to_pylist() == [values[r] for r in rows]


def _chunks(values: list, rng, null_first: bool = False) -> pa.ChunkedArray:
    """``values`` in a few chunks, each a slice of a larger array (an offset and bytes outside it),
    as the flattened parent lists of parquet row groups are."""
    cuts = sorted({0, len(values), *rng.integers(0, len(values) + 1, 3).tolist()})
    parts = []
    for lo, hi in zip(cuts, cuts[1:]):
        parts.append(pa.array(["before", *values[lo:hi], "after"], pa.string()).slice(1, hi - lo))
    return pa.chunked_array(parts, pa.string())


@pytest.mark.parametrize("seed", range(12))
def test_equal_at_matches_a_plain_comparison(seed):
    rng = np.random.default_rng(seed)
    pool = ["", "a", "a/b", "ab/c", "abcdefgh/ijklmnop", "abcdefgh/ijklmnoq", "x" * 40, "x" * 39 + "y", "é/ü", None]
    a = [pool[k] for k in rng.integers(0, len(pool), 300)]
    # b is mostly a, in order, with entries changed, inserted and removed: long runs of pairs
    # whose rows follow each other on both sides, as two snapshots a month apart have.
    b, rows_a, rows_b = [], [], []
    for i, v in enumerate(a):
        r = rng.random()
        if r < 0.05:
            continue  # gone
        if r < 0.1:
            b.append(pool[rng.integers(0, len(pool))])  # inserted
        rows_a.append(i)
        rows_b.append(len(b))
        b.append(v if rng.random() > 0.05 else pool[rng.integers(0, len(pool))])
    rows_a, rows_b = np.array(rows_a), np.array(rows_b)
    if seed % 3 == 1:  # pairs out of order and repeated: no runs to compare as spans
        pick = rng.integers(0, len(rows_a), len(rows_a))
        rows_a, rows_b = rows_a[pick], rows_b[pick]
    got = arrays.equal_at(_chunks(a, rng), rows_a, _chunks(b, rng), rows_b)
    want = [a[i] is not None and b[j] is not None and a[i] == b[j] for i, j in zip(rows_a, rows_b)]
    assert got.tolist() == want
    assert 0 < sum(want) < len(want)
    assert arrays.equal_at(pa.array(a), np.arange(len(a)), pa.array(a), np.arange(len(a))).tolist() == [v is not None for v in a]
    assert arrays.equal_at(pa.array(a), np.zeros(0, int), pa.array(b), np.zeros(0, int)).tolist() == []
    # The same bytes cut in other places: every span equal, no pair.
    run = np.arange(3)
    assert arrays.equal_at(pa.array(["ab", "c", "d"]), run, pa.array(["a", "bc", "d"]), run).tolist() == [False, False, True]


def test_numpy_huge_pages_are_off_unless_the_variable_says():
    import os
    import subprocess
    import sys

    # The setter returns the setting it replaces: what importing hubshare left.
    code = "import numpy as np, hubshare.arrays; print(np._core.multiarray._set_madvise_hugepage(True))"
    env = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    off = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    kept = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env={**env, "NUMPY_MADVISE_HUGEPAGE": "1"})
    assert (off.stdout.strip(), kept.stdout.strip()) == ("False", "True")


def test_arrow_allocates_with_the_system_allocator_unless_the_variable_names_another():
    import os
    import subprocess
    import sys

    code = ("import os, sys\n{first}\nimport hubshare.arrays as a, pyarrow as pa\n"
            "print(pa.default_memory_pool().backend_name, os.environ.get('ARROW_DEFAULT_MEMORY_POOL'))")
    env = {k: v for k, v in os.environ.items() if k not in ("ARROW_DEFAULT_MEMORY_POOL", "MALLOC_ARENA_MAX")}

    def run(first: str = "", **extra: str) -> str:
        return subprocess.run([sys.executable, "-c", code.format(first=first)], capture_output=True, text=True,
                              check=True, env={**env, **extra}).stdout.strip()

    # hubshare first: the variable is set for Arrow's C++ code, which reads it when pyarrow is imported.
    assert run() == "system system"
    # pyarrow first: too late for the variable, which is left unset; Python's calls still use the system pool.
    assert run("import pyarrow") == "system None"
    # A pool the user names is kept.
    assert run(ARROW_DEFAULT_MEMORY_POOL="mimalloc") == "mimalloc mimalloc"


def test_malloc_arenas_are_limited_unless_the_variable_is_set(monkeypatch):
    import sys

    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert not arrays._malloc_arenas()
    monkeypatch.delenv("MALLOC_ARENA_MAX")
    if sys.platform.startswith("linux") and __import__("platform").libc_ver()[0] == "glibc":
        assert arrays._malloc_arenas()


def test_arrays_of_census_size_come_from_the_heap_unless_the_variable_is_set():
    # Observed where the memory is: a 40 MB array (over glibc's own limit of 32 MB) freed and made
    # again comes from glibc's heap (the [heap] mapping) once hubshare has raised the thresholds,
    # from a mapping of its own when the user's variable or pool keeps glibc's.
    import os
    import platform
    import subprocess
    import sys

    if not (sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"):
        pytest.skip("glibc's malloc parameters")
    code = ("import hubshare.arrays, numpy as np\n"
            "a = np.ones(5 << 20); del a; a = np.ones(5 << 20); at = a.ctypes.data\n"
            "heap = [tuple(int(x, 16) for x in line.split()[0].split('-')) for line in open('/proc/self/maps') if line.rstrip().endswith('[heap]')]\n"
            "print(any(lo <= at < hi for lo, hi in heap))")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_") and k != "ARROW_DEFAULT_MEMORY_POOL"}

    def run(**extra: str) -> str:
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env={**env, **extra}).stdout.strip()

    assert run() == "True"
    assert run(MALLOC_MMAP_THRESHOLD_="1048576") == "False"
    assert run(ARROW_DEFAULT_MEMORY_POOL="mimalloc") == "False"  # another pool: glibc's defaults kept too
