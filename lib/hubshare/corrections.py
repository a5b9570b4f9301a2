"""What a census history gets wrong, found and corrected in one place.

Two kinds of correction, one vocabulary:

- **Repos** between two census days: a repo ``renamed`` (same owner, other name) or ``moved``
  (same name, other owner) is matched to its old id and counted by the difference of its
  counters; a repo that ``appeared`` (new in the later census but created before the earlier one:
  made public, or missing from a census) is counted whole and reported apart.
- **Days** of a history (``check_days``): a census day is ``good``, or one of

  - ``stale``: the census did not refresh; its counters repeat those of the day before;
  - ``partial``: far fewer rows than the censuses around it (a census cut short);
  - ``stalled``: the Hub's counters stood still for many repos and caught up later, so the
    day's growth is far under its neighbours';
  - ``rolled-back``: all-time counters fell for a large share of repos and came back later;
    every day from the fall to the recovery is rolled back.

  A fall that does not come back within ``LASTING_AFTER`` censuses is a ``lasting`` correction
  by the Hub: the day is good, and the fall is counted and reported. A bad day is never used as a
  month boundary (``history``); it is reported with the reason.

Thresholds are named constants with the reasons for their values. They start from the rules of
the public Model Pulse pipeline, which rebuilds a daily history of every model from this census.

>>> DayCheck("stalled", "growth 31% of its neighbours'").bad
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import arrays, families
from .times import DAILY

# --------------------------------------------------------------------------- day checks: thresholds

GOOD, STALE, PARTIAL, STALLED, ROLLED_BACK, LASTING = "good", "stale", "partial", "stalled", "rolled-back", "lasting"
BAD = (STALE, PARTIAL, STALLED, ROLLED_BACK)
"""Kinds of day that are never a month boundary."""

PARTIAL_SHARE = 0.5
"""A census with fewer rows than this share of the median of its neighbours is partial. The Hub
grows by about 2% a month and loses few repos, so half is far outside any real change (Model
Pulse leaves out a census with fewer than half the rows of the one before; 2025-11-24 held 289k
of 1.13M)."""
PARTIAL_MIN_ROWS = 1_000
"""Below this many rows around it, a small snapshot cannot be told from a cut one: not judged."""
PARTIAL_WINDOW = pd.Timedelta(days=45)
"""Neighbours compared for rows lie within this time: a monthly history can still show a cut."""
NEIGHBOURS = 3
"""Censuses on each side compared with a day (rows, growth)."""

STALE_SHARE = 0.99
"""A day is stale when at least this share of the active repos kept the all-time counters of the
census before it (within ``DAILY``): the file was not refreshed."""
ACTIVE_30D = 100
"""Repos with at least this many 30-day downloads are active: their counters move every day."""

STALL_DIP = 0.7
"""A day whose growth per hour is under this share of its neighbours' median, made up by the
next census, is stalled (Model Pulse: a dip under 0.7 made up the next or previous day)."""
STALL_DEEP = 0.3
"""Growth under this share of the neighbours' median is a stall whether or not it is made up
(Model Pulse: a Hub total under 0.3 of its 15-day median)."""
STALL_BUSY_SHARE = 0.25
"""A day is stalled when at least this share of busy repos did not move (Model Pulse: 25% of
models with 60K+ monthly downloads)."""
BUSY_30D = 60_000
"""Repos with at least this many 30-day downloads are busy: about 2,000 downloads a day, so a
day without one is a counter that stood still, not a quiet repo."""

ROLLBACK_SHARE = 0.05
"""A day is a rollback when the all-time counters of at least this share of repos (present in
both, counting) fell since the census before. An all-time counter only falls when the Hub
corrects it; on a normal day a few hundred of two million repos do, far under 5%."""
RECOVERED_SHARE = 0.9
"""A rollback has recovered at the first census where this share of the repos that fell are
back at or above their counters from before the fall."""
RECOVERY_JUMP = 0.5
"""At the recovery, the repos that fell gain at least this share of the fall in one census: the
counters come back, they do not merely grow past their old values."""
LASTING_AFTER = 8
"""A fall not recovered within this many censuses is a lasting correction by the Hub (Model
Pulse's rule), counted as it is."""


@dataclass(frozen=True)
class DayCheck:
    """What a census day is (``kind``, one of ``GOOD``, ``LASTING`` or ``BAD``), and why."""

    kind: str = GOOD
    why: str = ""

    @property
    def bad(self) -> bool:
        """Whether the day must not stand for a boundary (partial, stale, stalled or rolled back)."""
        return self.kind in BAD

    @property
    def text(self) -> str:
        """The verdict in words, with why when it is bad."""
        return self.kind + (f": {self.why}" if self.why else "")

    def to_dict(self) -> dict[str, str]:
        """The JSON form, as manifests record it (``day_check``)."""
        return {"kind": self.kind, "why": self.why}


@dataclass
class Counters:
    """What the day checks read of one census: ids (sorted), all-time and 30-day counters."""

    label: str
    taken_at: pd.Timestamp
    ids: pa.ChunkedArray | pa.Array
    all_time: np.ndarray
    valid: np.ndarray
    d30: np.ndarray

    @classmethod
    def of_table(cls, label: str, taken_at: pd.Timestamp, table: pa.Table) -> Counters:
        """From a table with ``id``, ``downloads_all_time`` and ``downloads_30d``."""
        at = table.column("downloads_all_time")
        return cls(label, taken_at, table.column("id"), np.asarray(at.fill_null(0), dtype=np.int64),
                   np.asarray(pc.is_valid(at), dtype=bool), np.asarray(table.column("downloads_30d").fill_null(0), dtype=np.int64))

    @property
    def text(self) -> str:
        """``label (YYYY-MM-DD HH:MM UTC)``, for messages."""
        return f"{self.label} ({self.taken_at.strftime('%Y-%m-%d %H:%M')} UTC)"


@dataclass
class _Pair:
    """Two consecutive censuses compared repo by repo."""

    hours: float
    growth: float
    fell: np.ndarray          # rows of the later census whose counter fell
    fell_share: float
    unchanged_active: float
    unmoved_busy: float
    busy: int


def _compare(a: Counters, b: Counters) -> _Pair:
    pos = arrays.positions(b.ids, a.ids)
    both = (pos >= 0) & b.valid
    both[both] &= a.valid[pos[both]]
    rows = np.flatnonzero(both)
    before, after = a.all_time[pos[rows]], b.all_time[rows]
    delta = after - before
    d30_a = a.d30[pos[rows]]
    active, busy = d30_a >= ACTIVE_30D, d30_a >= BUSY_30D
    counting = before > 0
    return _Pair(
        hours=max((b.taken_at - a.taken_at).total_seconds() / 3600, 1e-9),
        growth=float(delta.sum()),
        fell=rows[delta < 0],
        fell_share=float((delta[counting] < 0).mean()) if counting.any() else 0.0,
        unchanged_active=float((delta[active] == 0).mean()) if active.any() else 0.0,
        unmoved_busy=float((delta[busy] == 0).mean()) if busy.any() else 0.0,
        busy=int(busy.sum()),
    )


def unchanged_share(a: Counters, b: Counters) -> float:
    """Of the repos active in ``a`` (``ACTIVE_30D``) and counting in both, the share whose all-time
    counter did not change; 0 when none is active."""
    return _compare(a, b).unchanged_active


def _median(values: list[float]) -> float | None:
    return float(np.median(values)) if len(values) >= 2 else None


def check_days(days: Sequence[tuple[str, pd.Timestamp, int]], counters: Callable[[int], Counters]) -> list[DayCheck]:
    """The check of every census day of a history.

    ``days`` lists ``(label, taken_at, rows)`` oldest first; ``counters(k)`` reads day ``k``'s
    ids and counters, and is called only for days within ``DAILY`` of another (day-scale checks
    need neighbours a day apart) and at most once per day.
    """
    n = len(days)
    checks = [DayCheck() for _ in range(n)]
    rows = np.array([d[2] for d in days], dtype=np.float64)
    times = [d[1] for d in days]
    # Partial: rows against the median of the neighbours (which may be partial themselves, hence the median).
    for k in range(n):
        near = [rows[j] for j in range(max(0, k - NEIGHBOURS), min(n, k + NEIGHBOURS + 1))
                if j != k and abs(times[j] - times[k]) <= PARTIAL_WINDOW]
        med = _median(near) if len(near) >= 2 else (near[0] if near else None)
        if med and med >= PARTIAL_MIN_ROWS and rows[k] < PARTIAL_SHARE * med:
            checks[k] = DayCheck(PARTIAL, f"{int(rows[k]):,} rows against a median of {int(med):,} in the censuses around it")
    cache: dict[int, Counters] = {}

    def read(k: int) -> Counters:
        if k not in cache:
            cache[k] = counters(k)
            for old in [j for j in cache if j < k - 2 * NEIGHBOURS - LASTING_AFTER]:
                del cache[old]  # only neighbours are compared: keep memory to a window
        return cache[k]

    usable = [k for k in range(n) if not checks[k].bad]
    pairs: dict[int, tuple[int, _Pair]] = {}  # day → (previous usable day, comparison)
    k_idx = 0
    while k_idx < len(usable):
        k = usable[k_idx]
        prev = usable[k_idx - 1] if k_idx else None
        if prev is None or times[k] - times[prev] > DAILY:
            k_idx += 1
            continue
        p = _compare(read(prev), read(k))
        if p.fell_share >= ROLLBACK_SHARE:
            k_idx = _rollback(usable, k_idx, prev, p, read, times, checks)
            continue
        pairs[k] = (prev, p)
        k_idx += 1
    for k, (prev, p) in pairs.items():
        if checks[k].kind != GOOD:
            continue
        if p.unchanged_active >= STALE_SHARE:
            checks[k] = DayCheck(STALE, f"{p.unchanged_active:.1%} of active repos kept the all-time counters of {days[prev][0]}: "
                                        "the census did not refresh")
            continue
        checks[k] = _stall(k, p, pairs, days, checks) or checks[k]
    return checks


def _rollback(usable: list[int], k_idx: int, prev: int, p: _Pair, read, times, checks) -> int:
    """Mark the days from a fall (``usable[k_idx]``) to its recovery; returns the index of the
    next day to compare (the recovery day, compared with ``prev``)."""
    k = usable[k_idx]
    base, fell = read(prev), read(k)
    fell_ids = fell.ids.take(pa.array(p.fell)) if isinstance(fell.ids, pa.Array) else pa.chunked_array(fell.ids).take(pa.array(p.fell))
    before = base.all_time[arrays.positions(fell_ids, base.ids)]
    depth = float((before - fell.all_time[p.fell]).sum())  # how far the fallen counters went down
    previous = fell.all_time[p.fell]
    last = min(len(usable), k_idx + 1 + LASTING_AFTER)
    for j_idx in range(k_idx + 1, last):
        later = read(usable[j_idx])
        pos = arrays.positions(fell_ids, later.ids)
        present = pos >= 0
        now = later.all_time[np.where(present, pos, 0)]
        back = float((now[present] >= before[present]).mean()) if present.any() else 0.0
        # A rollback comes back in one jump; a lasting correction grows on from the lower level at
        # the usual pace and passes its old values only slowly.
        jump = float((now - previous)[present].sum())
        previous = np.where(present, now, previous)
        if back >= RECOVERED_SHARE and jump >= RECOVERY_JUMP * depth:
            why = (f"all-time counters of {p.fell_share:.1%} of repos fell below their values at {base.text} "
                   f"and came back at {later.text}")
            for m in usable[k_idx:j_idx]:
                checks[m] = DayCheck(ROLLED_BACK, why)
            return j_idx  # the recovery day is compared with the last good day before the fall
    seen = last - (k_idx + 1)
    if seen >= LASTING_AFTER:
        checks[k] = DayCheck(LASTING, f"all-time counters of {len(p.fell):,} repos ({p.fell_share:.1%}) fell since {base.text} and "
                                      f"did not come back within {LASTING_AFTER} censuses: a lasting correction by the Hub, counted as it is")
        return k_idx + 1
    why = (f"all-time counters of {p.fell_share:.1%} of repos fell below their values at {base.text}; not back in the "
           f"{seen} census(es) after it (a fall that stays {LASTING_AFTER} censuses is a lasting correction)")
    for m in usable[k_idx:]:
        checks[m] = DayCheck(ROLLED_BACK, why)
    return len(usable)


def _stall(k: int, p: _Pair, pairs: dict[int, tuple[int, _Pair]], days, checks) -> DayCheck | None:
    """A stall of day ``k``: its growth against the growth of the comparisons around it."""
    order = sorted(pairs)
    i = order.index(k)
    around = [pairs[j][1] for j in order[max(0, i - NEIGHBOURS):i + NEIGHBOURS + 1]
              if j != k and j != (order[i + 1] if i + 1 < len(order) else None) and checks[j].kind == GOOD]
    if p.busy and p.unmoved_busy >= STALL_BUSY_SHARE:
        return DayCheck(STALLED, f"{p.unmoved_busy:.0%} of {p.busy:,} busy repos (≥ {BUSY_30D:,} 30-day downloads) "
                                 f"did not move since {days[pairs[k][0]][0]}")
    median = _median([q.growth / q.hours for q in around])
    if not median or median <= 0:
        return None
    ratio = p.growth / p.hours / median
    if ratio < STALL_DEEP:
        return DayCheck(STALLED, f"growth since {days[pairs[k][0]][0]} {ratio:.0%} of the median around it")
    nxt = order[i + 1] if i + 1 < len(order) else None
    if ratio < STALL_DIP and nxt is not None and pairs[nxt][0] == k:
        q = pairs[nxt][1]
        made_up = (p.growth + q.growth) / (p.hours + q.hours) / median
        if made_up >= STALL_DIP and q.growth / q.hours / median > 1 / STALL_DIP:
            return DayCheck(STALLED, f"growth since {days[pairs[k][0]][0]} {ratio:.0%} of the median around it, "
                                     f"made up by {days[nxt][0]}")
    return None


# --------------------------------------------------------------------------- repos between two censuses

RENAME_TOLERANCE = 0.01
"""How far a renamed repo's all-time count may move: 1% between consecutive days; between days
further apart, the old count plus no more than the new 30-day count, give or take 1%."""


def match_renames(a, b, pos: np.ndarray, missing: np.ndarray, before: np.ndarray, after: np.ndarray,
                  after_valid: np.ndarray, after_30d: np.ndarray, gone: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One-to-one renames between repos gone from snapshot ``a`` and repos new in ``b``: same name
    under another owner (``moved``) or same owner under another name (``renamed``), at a
    consistent all-time count (``before`` of ``a``'s rows, ``after`` of ``b``'s), and (where
    creation dates are known) created before ``a``, as a renamed repo keeps its creation date.
    ``gone`` marks ``a``'s rows that may be an old id. Returns ``(renames, ambiguous)``: renames
    with ``old_row`` and ``new_row``; ambiguous lists each old id with several candidates or a
    candidate claimed twice."""
    gone_rows = np.flatnonzero(missing & gone)
    new_rows = np.flatnonzero((pos < 0) & after_valid)
    cols = ["old_id", "new_id", "kind", "before", "after", "old_row", "new_row"]
    none = pd.DataFrame(columns=cols), pd.DataFrame(columns=["old_id", "candidates"])
    if not len(gone_rows) or not len(new_rows):
        return none
    if "created_at" in b.column_names:
        created = arrays.take(b.column("created_at"), new_rows)
        earlier = np.asarray(pc.less(created, pa.scalar(a.taken_at.to_pydatetime(), created.type)).fill_null(True), dtype=bool)
        new_rows = new_rows[earlier]
        if not len(new_rows):
            return none

    def parts(snap, rows: np.ndarray, values: np.ndarray) -> pd.DataFrame:
        ids = arrays.take(snap.column("id"), rows)  # chunk by chunk: no copy of the whole column
        ns, name = families.split_ids(ids)
        return pd.DataFrame({"id": ids.to_pylist(), "ns": ns.to_pylist(), "name": name.to_pylist(), "row": rows, "count": values[rows]})

    old = parts(a, gone_rows, before)
    new = parts(b, new_rows, after).assign(d30=after_30d[new_rows])
    moved = old.merge(new, on="name", suffixes=("_old", "_new"))
    moved = moved[moved["ns_old"] != moved["ns_new"]].assign(kind="moved")
    renamed = old.merge(new, on="ns", suffixes=("_old", "_new"))
    renamed = renamed[renamed["name_old"] != renamed["name_new"]].assign(kind="renamed")
    pairs = pd.concat([moved, renamed], ignore_index=True)
    if pairs.empty:
        return none
    lo, hi = pairs["count_old"] * (1 - RENAME_TOLERANCE), pairs["count_old"] * (1 + RENAME_TOLERANCE)
    if b.taken_at - a.taken_at > DAILY:
        hi = (pairs["count_old"] + pairs["d30"]) * (1 + RENAME_TOLERANCE)
    pairs = pairs[(pairs["count_new"] >= lo) & (pairs["count_new"] <= hi)]
    per_old = pairs.groupby("id_old")["id_new"].transform("size")
    per_new = pairs.groupby("id_new")["id_old"].transform("size")
    one = pairs[(per_old == 1) & (per_new == 1)]
    doubtful = pairs[(per_old > 1) | (per_new > 1)]
    ambiguous = doubtful.groupby("id_old")["id_new"].apply(lambda s: sorted(s)).reset_index().rename(columns={"id_old": "old_id", "id_new": "candidates"})
    renames = pd.DataFrame({"old_id": one["id_old"], "new_id": one["id_new"], "kind": one["kind"], "before": one["count_old"],
                            "after": one["count_new"], "old_row": one["row_old"], "new_row": one["row_new"]}).sort_values("new_id", ignore_index=True)
    return renames, ambiguous


def appeared(a, b, in_a: np.ndarray) -> np.ndarray:
    """Repos new in ``b`` whose ``created_at`` precedes snapshot ``a``: they existed, unseen (made
    public, or left out of a census), so their whole counter is not the interval's alone."""
    if "created_at" not in b.column_names:
        return np.zeros(len(b), dtype=bool)
    created = b.column("created_at")
    before = np.asarray(pc.less(created, pa.scalar(a.taken_at.to_pydatetime(), created.type)).fill_null(False), dtype=bool)
    return ~in_a & before
