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


class _Sorted:
    """Read-only sequence view of a sorted column, for ``bisect``."""

    def __init__(self, arr: pa.Array | pa.ChunkedArray):
        self.arr = arr

    def __len__(self) -> int:
        return len(self.arr)

    def __getitem__(self, k: int):
        return self.arr[k].as_py()


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
    keys = _Sorted(values)

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
