"""Arrow column helpers shared by loading, classification and intervals.

Arrow's compute kernels release the GIL, so per-chunk work runs in threads (``each_chunk``).
Saved snapshots are sorted by id, which ``positions`` uses to match the ids of two snapshots
with small hash tables instead of one the size of the Hub.
"""

from __future__ import annotations

import os
import sys
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

T = TypeVar("T")


# glibc's mallopt parameters, each with the variable through which a user sets it at start
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD, M_ARENA_MAX = -1, -3, -8
MALLOC_VARIABLES = {M_TRIM_THRESHOLD: "MALLOC_TRIM_THRESHOLD_", M_MMAP_THRESHOLD: "MALLOC_MMAP_THRESHOLD_", M_ARENA_MAX: "MALLOC_ARENA_MAX"}


def _memory_pool() -> None:
    """Arrow allocates with the system allocator, as NumPy does, and glibc keeps one malloc arena
    (``_malloc_arenas``), unless ``ARROW_DEFAULT_MEMORY_POOL`` names another pool. Arrow's C++
    code takes its pool from that variable when pyarrow is imported (``hubshare`` sets it if
    pyarrow is not imported yet); Python's calls take the pool set here.

    A fresh page costs a fault on this machine, so what counts is that freed memory is used
    again (``_malloc_thresholds`` too). Arrow's default pool, mimalloc, hands freed pages back to
    the system soon after; jemalloc keeps them, but only for Arrow, not for NumPy; the system allocator shares them
    with NumPy, and with one arena the threads share them too. Presets at 2.5 million models peaked
    at 570–642 MB this way against 751–827 MB with jemalloc, in no more time, and twelve months at
    1.40 GB against 1.62–1.64 GB in 10.2–10.6 s against 10.6–12.1 s (benchmarks/README.md, "One heap
    for Arrow and NumPy")."""
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL", "system") != "system":
        return
    pa.set_memory_pool(pa.system_memory_pool())
    _malloc_arenas()
    _malloc_thresholds()


def _mallopt(param: int, value: int) -> bool:
    """Set one of glibc's malloc parameters, unless the user set it at start through its variable
    (``MALLOC_VARIABLES``). Whether it was set: not on a C library without ``mallopt``, or one
    that refuses the value."""
    if os.environ.get(MALLOC_VARIABLES[param]) is not None or not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return mallopt(param, value) == 1


def _malloc_arenas(arenas: int = 1) -> bool:
    """Limit glibc's malloc to ``arenas`` arenas, unless ``MALLOC_ARENA_MAX`` is set; whether it was."""
    return _mallopt(M_ARENA_MAX, arenas)


def _malloc_thresholds(mmap: int = 64 << 20, trim: int = 256 << 20) -> tuple[bool, bool]:
    """glibc serves allocations under ``mmap`` bytes from its heap, and gives the heap's free top
    back to the system only beyond ``trim`` bytes (each unless its variable is set); which were set.

    By default glibc maps each allocation above 32 MB on its own (smaller ones too, until one of
    that size is freed) and unmaps it when freed, and hands the heap's free top back beyond twice
    that: arrays of 2.5 million rows made, freed and made again cost fresh pages each time. At 2.5
    million models the eight Definitions took 0.14–0.20 s against 0.18–0.25 s (nine alternated
    pairs), twelve months 10.5–10.9 s against 11.2–11.9 s, with peaks 10–65 MB above before
    (benchmarks/README.md, "Freed memory used again"). The price: a process keeps up to
    ``trim`` bytes it has freed until it needs them again or exits."""
    return _mallopt(M_MMAP_THRESHOLD, mmap), _mallopt(M_TRIM_THRESHOLD, trim)


def _numpy_pages() -> None:
    """NumPy asks Linux for transparent huge pages for every array of 4 MB or more unless
    ``NUMPY_MADVISE_HUGEPAGE`` says otherwise; hubshare turns that off when the variable is unset.

    Classification makes many arrays of 2.5 million rows that live for one step each; a huge page
    costs a compaction on its first touch, which is more than it saves them: classifying 2.5 million
    models took 0.88–1.19 s without and 1.19–1.71 s with (five fresh processes each, alternated;
    benchmarks/README.md, "Huge pages"). Setting the variable keeps NumPy's own choice."""
    if os.environ.get("NUMPY_MADVISE_HUGEPAGE") is not None:
        return
    setter = getattr(np._core.multiarray, "_set_madvise_hugepage", None)
    if setter is not None:  # private in NumPy 2; a NumPy without it keeps its default
        setter(False)


_memory_pool()
_numpy_pages()

BLOCK = 1 << 13  # ids looked up per hash table when both columns are sorted


def chunks_of(arr: pa.Array | pa.ChunkedArray) -> list[pa.Array]:
    """The non-empty chunks of a column (an array is its own single chunk)."""
    return [c for c in (arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]) if len(c)]


def each_chunk(func: Callable[[pa.Array], T], arr: pa.Array | pa.ChunkedArray) -> list[T]:
    """``func`` of every non-empty chunk, in order, in as many threads as cores."""
    parts = chunks_of(arr)
    return in_threads(lambda k: func(parts[k]), len(parts))


def in_threads(func: Callable[[int], T], count: int) -> list[T]:
    """``func(k)`` for every ``k`` of ``range(count)``, in order, in as many threads as cores (Arrow
    and NumPy release the GIL)."""
    if count <= 1:
        return [func(k) for k in range(count)]
    with ThreadPoolExecutor(max_workers=min(count, os.cpu_count() or 1)) as pool:
        return list(pool.map(func, range(count)))


def increasing(arr: pa.Array | pa.ChunkedArray) -> bool:
    """Whether the values are strictly increasing with no nulls (so also without repeats).

    >>> increasing(pa.array(["a/b", "a/c", "b/a"])), increasing(pa.array(["a/b", "a/b"]))
    (True, False)
    """
    if arr.null_count:
        return False
    parts = chunks_of(arr)
    for k, c in enumerate(parts):
        if len(c) > 1 and not pc.all(pc.greater(c.slice(1), c.slice(0, len(c) - 1))).as_py():
            return False
        if k and not c[0].as_py() > parts[k - 1][-1].as_py():
            return False
    return True


class Sorted:
    """Read-only sequence view of a strictly increasing string column, with binary search.

    >>> Sorted(pa.array(["a/b", "b/c", "c/d"])).bisect_left("b/")
    1
    """

    def __init__(self, arr: pa.Array | pa.ChunkedArray):
        self.arr = arr

    def __len__(self) -> int:
        return len(self.arr)

    def __getitem__(self, k: int):
        return self.arr[k].as_py()

    def bisect_left(self, value, lo: int = 0) -> int:
        """The first position at or after ``lo`` where ``value`` could be inserted keeping the order."""
        return bisect_left(self, value, lo)


def take(arr: pa.Array | pa.ChunkedArray, rows: np.ndarray) -> pa.Array:
    """``arr[rows]`` as one array. A chunked column is taken chunk by chunk: Arrow's take of a
    chunked column of strings joins its chunks first, a copy of the column.

    >>> take(pa.chunked_array([["a", "b"], ["c"]]), np.array([2, 0])).to_pylist()
    ['c', 'a']
    """
    rows = np.asarray(rows, dtype=np.int64)
    if isinstance(arr, pa.Array):
        return arr.take(pa.array(rows))
    if len(rows) > 1 and (np.diff(rows) < 0).any():
        order = np.argsort(rows, kind="stable")
        back = np.empty_like(order)
        back[order] = np.arange(len(order))
        return take(arr, rows[order]).take(pa.array(back))
    ends = np.cumsum([len(c) for c in arr.chunks])
    cuts = np.searchsorted(rows, ends)
    parts, lo, start = [], 0, 0
    for chunk, end, cut in zip(arr.chunks, ends, cuts):
        if cut > lo:
            parts.append(chunk.take(pa.array(rows[lo:cut] - start)))
        lo, start = cut, end
    return pa.concat_arrays(parts) if parts else pa.array([], arr.type)


def rechunk(arr: pa.Array | pa.ChunkedArray, parts: int | None = None) -> pa.ChunkedArray:
    """The same values in about ``parts`` (default: one per core) equal chunks, for ``each_chunk``."""
    parts = parts or os.cpu_count() or 1
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    size = max(1, -(-len(arr) // parts))
    return pa.chunked_array([arr.slice(k, size) for k in range(0, len(arr), size)], arr.type)


def positions(ids: pa.Array | pa.ChunkedArray, values: pa.Array | pa.ChunkedArray, ordered: bool | None = None) -> np.ndarray:
    """The row of each of ``ids`` in ``values`` (which holds no repeats), -1 where absent.

    When both are strictly increasing (the ids of saved snapshots are), each block of ids is
    looked up only in the slice of ``values`` between its first and last id; otherwise one hash
    lookup does it all. ``ordered`` says whether both are, when the caller knows (a
    ``Snapshot``'s ``ids_sorted``); None checks.

    >>> positions(pa.array(["a/b", "a/c", "c/d"]), pa.array(["a/a", "a/c", "c/d"])).tolist()
    [-1, 1, 2]
    """
    out = np.full(len(ids), -1, dtype=np.int64)
    if not len(ids) or not len(values):
        return out
    if not (ordered if ordered is not None else increasing(ids) and increasing(values)):
        flat = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
        return np.asarray(pc.index_in(ids, value_set=flat).fill_null(-1), dtype=np.int64)
    keys = Sorted(values)

    def block(start: int) -> None:
        part = ids.slice(start, BLOCK)
        lo = bisect_left(keys, part[0].as_py())
        hi = bisect_right(keys, part[-1].as_py(), lo)
        if hi == lo:
            return
        window = values.slice(lo, hi - lo)
        window = window.combine_chunks() if isinstance(window, pa.ChunkedArray) else window
        found = np.asarray(pc.index_in(part, value_set=window).fill_null(-1), dtype=np.int64)
        out[start:start + len(found)] = np.where(found >= 0, found + lo, -1)

    starts = range(0, len(ids), BLOCK)
    if len(starts) == 1:
        block(0)
    else:
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            list(pool.map(block, starts))
    return out



def _layout(arr: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, list]:
    """Where each row of a string column lies: its start and end in its chunk's data buffer, the
    first row of each chunk, which rows are valid (None: all are), and the chunks' data buffers."""
    starts, ends, firsts, valid, data, row = [], [], [], [], [], 0
    for c in chunks_of(arr):
        if not len(c):
            continue
        bufs = c.buffers()
        wide = pa.types.is_large_string(c.type) or pa.types.is_large_binary(c.type)
        off = np.frombuffer(bufs[1], dtype=np.int64 if wide else np.int32)[c.offset:c.offset + len(c) + 1]
        starts.append(off[:-1])
        ends.append(off[1:])
        firsts.append(row)
        valid.append(np.asarray(c.is_valid()) if c.null_count else np.ones(len(c), dtype=bool))
        data.append(bufs[2] if bufs[2] is not None else pa.py_buffer(b""))
        row += len(c)
    if not firsts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), None, []
    v = np.concatenate(valid)
    return np.concatenate(starts), np.concatenate(ends), np.array(firsts, dtype=np.int64), None if v.all() else v, data


def _spans(data: pa.Buffer, lo: np.ndarray, hi: np.ndarray) -> pa.Array:
    """Binary values ``data[lo[k]:hi[k]]`` at even positions (the bytes between them at odd ones),
    over ``data`` without a copy; the spans must be in order and not overlap."""
    bounds = np.empty(2 * len(lo), dtype=np.int64)
    bounds[0::2], bounds[1::2] = lo, hi
    return pa.Array.from_buffers(pa.large_binary(), len(bounds) - 1, [None, pa.py_buffer(bounds), data])


def equal_at(a: pa.Array | pa.ChunkedArray, rows_a: np.ndarray, b: pa.Array | pa.ChunkedArray, rows_b: np.ndarray) -> np.ndarray:
    """Whether ``a[rows_a[k]] == b[rows_b[k]]`` for each k (a null equals nothing), for string
    columns, without taking the strings.

    Runs of pairs whose rows follow each other on both sides (what two snapshots sorted by id
    have most of) are compared as one span of bytes each, the pairs' lengths elementwise; only
    the pairs of runs whose spans differ are compared one by one.

    >>> equal_at(pa.array(["a/b", "a/bc", None]), np.array([0, 1, 2, 0]), pa.array(["a/bc", "a/b"]), np.array([1, 0, 0, 0])).tolist()
    [True, True, False, False]
    """
    rows_a, rows_b = np.asarray(rows_a, dtype=np.int64), np.asarray(rows_b, dtype=np.int64)
    k = len(rows_a)
    if not k:
        return np.zeros(0, dtype=bool)
    sa, ea, fa, va, da = _layout(a)
    sb, eb, fb, vb, db = _layout(b)
    lo_a, hi_a, lo_b, hi_b = sa[rows_a], ea[rows_a], sb[rows_b], eb[rows_b]
    eq = (hi_a - lo_a) == (hi_b - lo_b)
    if va is not None:
        eq &= va[rows_a]
    if vb is not None:
        eq &= vb[rows_b]
    # A run ends where either side's rows stop following each other or a chunk ends.
    cut = np.ones(k, dtype=bool)
    np.not_equal(np.diff(rows_a), 1, out=cut[1:])
    cut[1:] |= np.diff(rows_b) != 1
    for rows, firsts, n in ((rows_a, fa, len(sa)), (rows_b, fb, len(sb))):
        if len(firsts) > 1:
            begins = np.zeros(n, dtype=bool)
            begins[firsts[1:]] = True
            cut |= begins[rows]
    first = np.flatnonzero(cut)
    last = np.r_[first[1:], k] - 1
    lo_a, lo_b, hi_a, hi_b = lo_a[first], lo_b[first], hi_a[last], hi_b[last]
    chunk_a = np.searchsorted(fa, rows_a[first], side="right") - 1
    chunk_b = np.searchsorted(fb, rows_b[first], side="right") - 1
    same = np.zeros(len(first), dtype=bool)
    pair = chunk_a * len(fb) + chunk_b
    for key in np.unique(pair):
        runs = np.flatnonzero(pair == key)
        ka, kb = divmod(int(key), len(fb))
        if (lo_a[runs][1:] < hi_a[runs][:-1]).any() or (lo_b[runs][1:] < hi_b[runs][:-1]).any():
            continue  # spans out of order or overlapping: left to the pair by pair comparison
        same[runs] = np.asarray(pc.equal(_spans(da[ka], lo_a[runs], hi_a[runs]), _spans(db[kb], lo_b[runs], hi_b[runs])), dtype=bool)[0::2]
    # Pairs of runs whose bytes differ (or could not be compared as spans): one by one.
    loose = np.flatnonzero(eq & ~np.repeat(same, np.diff(np.r_[first, k])))
    if len(loose):
        eq[loose] = np.asarray(pc.equal(take(a, rows_a[loose]), take(b, rows_b[loose])).fill_null(False), dtype=bool)
    return eq


def is_in_encoded(col: pa.ChunkedArray, values: pa.Array) -> np.ndarray:
    """Which rows of a dictionary-encoded column hold one of ``values`` (a null: none), each
    chunk's few distinct values looked up once.

    >>> col = pa.chunked_array([pc.dictionary_encode(pa.array(["a", None, "b", "a"]))])
    >>> is_in_encoded(col, pa.array(["a"])).tolist()
    [True, False, False, True]
    """
    parts = []
    for chunk in col.chunks:
        hit = np.r_[np.asarray(pc.is_in(chunk.dictionary, value_set=values), dtype=bool), False]
        # A null index points past the values, at the False added for it.
        parts.append(hit[np.asarray(chunk.indices.fill_null(len(chunk.dictionary)), dtype=np.int64)])
    return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)


def rows_in(values: pa.Array | pa.ChunkedArray, queries: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """The row of each query in ``values`` (which holds no repeats), -1 where absent or null.

    One hash join (Arrow's Acero, in as many threads as cores) whose hash table is built on the
    queries, the values probing it: on this machine that is two to three times faster than a
    lookup of each query, and needs no order of either side.

    >>> rows_in(pa.array(["a/a", "a/c", "c/d"]), pa.array(["c/d", "a/b", "a/a", None, "c/d"])).tolist()
    [2, -1, 0, -1, 2]
    """
    from pyarrow import acero

    out = np.full(len(queries), -1, dtype=np.int64)
    if not len(values) or not len(queries):
        return out

    def source(keys, name: str) -> acero.Declaration:
        table = pa.table({"key": keys, name: pa.array(np.arange(len(keys), dtype=np.int32))})
        return acero.Declaration("table_source", acero.TableSourceNodeOptions(table))

    join = acero.HashJoinNodeOptions("inner", "key", "key", left_output=["row"], right_output=["query"])
    found = acero.Declaration("hashjoin", join, inputs=[source(values, "row"), source(queries, "query")]).to_table(use_threads=True)
    out[found.column("query").to_numpy()] = found.column("row").to_numpy()
    return out
