"""Arrow column helpers shared by loading, classification and intervals.

Arrow's compute kernels release the GIL, so per-chunk work runs in threads (``each_chunk``).
Saved snapshots are sorted by id, which ``positions`` uses to match the ids of two snapshots
with small hash tables instead of one the size of the Hub.
"""

from __future__ import annotations

import os
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

T = TypeVar("T")

BLOCK = 1 << 13  # ids looked up per hash table when both columns are sorted


def chunks_of(arr: pa.Array | pa.ChunkedArray) -> list[pa.Array]:
    """The non-empty chunks of a column (an array is its own single chunk)."""
    return [c for c in (arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]) if len(c)]


def each_chunk(func: Callable[[pa.Array], T], arr: pa.Array | pa.ChunkedArray) -> list[T]:
    """``func`` of every non-empty chunk, in order, in as many threads as cores."""
    parts = chunks_of(arr)
    if len(parts) <= 1:
        return [func(c) for c in parts]
    with ThreadPoolExecutor(max_workers=min(len(parts), os.cpu_count() or 1)) as pool:
        return list(pool.map(func, parts))


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


def rechunk(arr: pa.Array | pa.ChunkedArray, parts: int | None = None) -> pa.ChunkedArray:
    """The same values in about ``parts`` (default: one per core) equal chunks, for ``each_chunk``."""
    parts = parts or os.cpu_count() or 1
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    size = max(1, -(-len(arr) // parts))
    return pa.chunked_array([arr.slice(k, size) for k in range(0, len(arr), size)], arr.type)


def positions(ids: pa.Array | pa.ChunkedArray, values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """The row of each of ``ids`` in ``values`` (which holds no repeats), -1 where absent.

    When both are strictly increasing (the ids of saved snapshots are), each block of ids is
    looked up only in the slice of ``values`` between its first and last id; otherwise one hash
    lookup does it all.

    >>> positions(pa.array(["a/b", "a/c", "c/d"]), pa.array(["a/a", "a/c", "c/d"])).tolist()
    [-1, 1, 2]
    """
    out = np.full(len(ids), -1, dtype=np.int64)
    if not len(ids) or not len(values):
        return out
    if not (increasing(ids) and increasing(values)):
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



class _Words:
    """The bytes of a string array read as big-endian 8-byte words (``word(w)``: bytes ``8w`` to
    ``8w + 8`` of each string, zero-padded), straight from its data buffer. Words compare as the
    strings do: if ``s < t`` then ``word(0)`` of s is at most that of t, and so on."""

    def __init__(self, arr: pa.Array):
        offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32, count=len(arr) + 1, offset=4 * arr.offset)
        self.start, self.length = offsets[:-1], np.diff(offsets)  # int32 offsets: the data is under 2 GiB
        data = arr.buffers()[2]
        self.size = data.size if data is not None else 0
        # Every position as the start of an unaligned 8-byte word (a view, no copy).
        self.window = np.ndarray(shape=(self.size - 7,), dtype=">u8", buffer=data, strides=(1,)) if self.size >= 8 else None

    def word(self, w: int, rows: np.ndarray | None = None) -> np.ndarray:
        start = self.start if rows is None else self.start[rows]
        left = (self.length if rows is None else self.length[rows]) - np.int32(8 * w)
        assert self.window is not None, "under 8 bytes of data: nothing to read words from"
        pos = start + np.int32(8 * w)
        last = self.size - 8
        read = self.window[np.minimum(pos, last)].astype(np.uint64)
        # A word running past the buffer's end was read from its last 8 bytes: shift it into place.
        late = np.flatnonzero(pos > last)
        if len(late):
            read[late] <<= (np.minimum(pos[late] - last, 7) * 8).astype(np.uint64)
        # Bytes past the string's end are zeros.
        short = np.flatnonzero(left < 8)
        if len(short):
            cut = (np.clip(8 - left[short], 0, 8) * 8).astype(np.uint64)
            read[short] = np.where(cut < 64, (read[short] >> np.minimum(cut, 63)) << np.minimum(cut, 63), 0)
        return read


MAX_WORDS = 8  # lookup never sorts by more than the first 64 bytes


def lookup(values: pa.Array | pa.ChunkedArray, queries: pa.Array | pa.ChunkedArray, block: int = BLOCK * 2) -> np.ndarray:
    """The row of each query in ``values``, a strictly increasing string column without nulls;
    -1 where absent (or null).

    ``values`` is cut into blocks of about ``block`` rows by the first 8 bytes of each string
    (a block never splits a run of equal first words; a run longer than a few blocks is cut again
    by the next 8 bytes, and so on). A query can only be in the block its bytes fall into, so each
    block's queries are looked up in a hash table of that block alone, small enough to stay in
    the processor's cache, instead of one the size of ``values``. Blocks run in as many threads as
    cores.

    >>> lookup(pa.array(["a/a", "a/c", "c/d"]), pa.array(["c/d", "a/b", "a/a", None])).tolist()
    [2, -1, 0, -1]
    """
    whole = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    q = queries.combine_chunks() if isinstance(queries, pa.ChunkedArray) else queries
    out = np.full(len(q), -1, dtype=np.int64)
    if not len(whole) or not len(q):
        return out
    whole, q = whole.cast(pa.string()), q.cast(pa.string())
    valid = np.flatnonzero(np.asarray(q.is_valid(), dtype=bool)) if q.null_count else None
    vw, qw = _Words(whole), _Words(q)
    if vw.window is None or qw.window is None:  # too little data to read a word: one hash lookup
        return np.asarray(pc.index_in(q, value_set=whole).fill_null(-1), dtype=np.int64)
    tasks: list[tuple[int, int, np.ndarray]] = []

    def split(lo: int, hi: int, rows: np.ndarray | None, w: int) -> None:
        keys = vw.word(w, None if lo == 0 and hi == len(whole) else np.arange(lo, hi))
        qkeys = qw.word(w, rows)
        rows = np.arange(len(q)) if rows is None else rows
        runs = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        starts = np.unique(runs[np.minimum(np.searchsorted(runs, np.arange(0, hi - lo, block)), len(runs) - 1)])
        ends = np.r_[starts[1:], hi - lo]
        which = np.searchsorted(keys[starts], qkeys, "right") - 1  # -1: below every value
        which = which.astype(np.int16 if len(starts) < 1 << 15 else np.int32)  # int16 sorts by radix
        order = np.argsort(which, kind="stable")
        edges = np.searchsorted(which[order], np.arange(len(starts) + 1))
        for b in range(len(starts)):
            picked = order[edges[b]:edges[b + 1]]
            if not len(picked):
                continue
            a, z = int(starts[b]), int(ends[b])
            if z - a > 4 * block and keys[a] == keys[z - 1] and w + 1 < MAX_WORDS:
                # One long run of equal words: only queries with that word can be in it.
                picked = picked[qkeys[picked] == keys[a]]
                if len(picked):
                    split(lo + a, lo + z, rows[picked], w + 1)
            else:
                tasks.append((lo + a, lo + z, rows[picked]))

    split(0, len(whole), valid, 0)

    def one(task: tuple[int, int, np.ndarray]) -> None:
        lo, hi, rows = task
        found = np.asarray(pc.index_in(q.take(pa.array(rows)), value_set=whole.slice(lo, hi - lo)).fill_null(-1), dtype=np.int64)
        out[rows] = np.where(found >= 0, found + lo, -1)

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        list(pool.map(one, tasks))
    return out
