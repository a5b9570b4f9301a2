"""A history: dated census snapshots, and the calendar months and cumulative counts they measure.

A calendar month runs from 00:00 UTC on its first day to 00:00 UTC on the next month's first day.
Each boundary is measured from the censuses around it (``History.boundary``):

- a good census within ``TOLERANCE`` (1 h) of the boundary stands for it as it is;
- otherwise each repo's all-time counter at the boundary is interpolated linearly in time between
  the last good census before it and the first good census after it, when the two lie at most
  ``MAX_BRACKET`` (72 h) apart; a repo created between them counts from zero at its creation;
- otherwise a good census within ``WINDOW`` (36 h) on one side stands for the boundary and the
  month is marked approximate, with the offset;
- otherwise the boundary is missing, and so are its months (``bounds`` gives a lower and an upper
  bound instead, from the inner and the outer census pair).

Bad census days (partial, stale, stalled, rolled back: ``corrections``) are never used and are
reported. A month's downloads are the interval between its two boundaries (``intervals.interval``:
differences of all-time counters, repos new at the end counted whole, repos gone, renamed and
appeared reported), every model classified with the metadata of the census after the end
boundary. ``boundaries="census"`` keeps census-to-census months and states their true length.
Snapshots without all-time counts are left out, and said so.

>>> h = History.from_folder("data/snapshots")                       # doctest: +SKIP
>>> table = months(h, by="org", universe="atom").rows                # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import arrays, corrections, intervals, metrics, paths, snapshot
from .corrections import DayCheck
from .errors import DefinitionError, HistoryError
from .snapshot import Snapshot
from .times import MAX_BRACKET, TOLERANCE, WINDOW, iso, month_range, month_start, next_month, offset_text, previous_month, utc

BOUNDARIES = ("interpolate", "census")
"""How month boundaries are measured: at 00:00 UTC (interpolated), or at the nearest census."""
MONTH_COLUMNS = ("id", "base_models", "pipeline_tag", "downloads_all_time", "downloads_30d", "created_at")
"""What month arithmetic reads of each snapshot."""
MONTH_READ = ("base_models", "created_at")
"""What month arithmetic reads of every snapshot besides ids and counts (pipeline tags only for a
universe of language models)."""
COUNTERS = ("id", "downloads_all_time", "downloads_30d")
"""What the day checks read of each snapshot."""


@dataclass
class Entry:
    """One snapshot of a history: where it is (or the snapshot itself), when it was taken."""

    label: str
    taken_at: pd.Timestamp
    path: Path | None = None
    snap: Snapshot | None = None
    rows: int = 0
    recorded: DayCheck | None = None
    """The day check recorded in the manifest when the census was imported (``day_check``)."""
    passed_over: list[dict[str, str]] = field(default_factory=list)
    """Census days passed over when this one was chosen at import (manifest ``passed_over``)."""
    reader: Callable[[], corrections.Counters] | None = None
    """Where the counters come from when there is no snapshot yet (a census day on the Hub)."""

    def load(self) -> Snapshot:
        """The snapshot, with the columns month arithmetic reads of every snapshot read now
        (``MONTH_READ``); the others when first used."""
        if self.snap is not None:
            return self.snap
        snap = snapshot.load(self.path)
        snap.select(list(MONTH_READ))
        return snap

    def counters(self) -> corrections.Counters:
        """Ids and counters, for the day checks."""
        if self.reader is not None:
            return self.reader()
        table = self.snap.select(list(COUNTERS)) if self.snap is not None else snapshot.load(self.path, columns=COUNTERS).table
        return corrections.Counters.of_table(self.label, self.taken_at, table)

    @property
    def text(self) -> str:
        """``label (YYYY-MM-DD HH:MM UTC)``, for messages."""
        return f"{self.label} ({self.taken_at.strftime('%Y-%m-%d %H:%M')} UTC)"


@dataclass
class Boundary:
    """How one moment (a month boundary) is measured from a history.

    ``how`` is ``census`` (a census within ``TOLERANCE``, or with ``boundaries="census"`` the
    nearest within ``WINDOW``), ``interpolated`` (between ``before`` and ``after``),
    ``approximate`` (one census within ``WINDOW``: ``used``) or ``missing`` (``reason``).
    ``passed_over`` names the bad census days near it that were not used, and why.
    """

    when: pd.Timestamp
    how: str
    before: Entry | None = None
    after: Entry | None = None
    used: Entry | None = None
    reason: str = ""
    passed_over: list[str] = field(default_factory=list)

    @property
    def measured(self) -> bool:
        """Whether the boundary could be measured (a census, an interpolation or an approximation)."""
        return self.how != "missing"

    @property
    def at(self) -> pd.Timestamp:
        """The time the boundary's counters stand for: the boundary, or the census standing in."""
        return self.used.taken_at if self.used is not None and self.how != "interpolated" else self.when

    @property
    def label(self) -> str:
        """The census that stands for the boundary, or the boundary's time and how it was measured."""
        return self.used.label if self.used is not None else f"{iso(self.when)} ({self.how})"

    @property
    def text(self) -> str:
        """How the boundary was measured, with the census times used."""
        def rel(e: Entry) -> str:
            side = "before" if e.taken_at <= self.when else "after"
            return f"{e.text}, {offset_text(e.taken_at - self.when)} {side}"

        stamp = self.when.strftime("%Y-%m-%d %H:%M UTC")
        if self.how == "interpolated":
            return f"{stamp} interpolated between {rel(self.before)} and {rel(self.after)}"
        if self.how == "approximate":
            side = "before" if self.used.taken_at <= self.when else "after"
            return f"{stamp} approximate: census {self.used.text} {offset_text(self.used.taken_at - self.when)} {side} the boundary"
        if self.how == "census":
            return f"{stamp} from census {rel(self.used)}"
        return f"{stamp} missing: {self.reason}"

    def inner(self, side: str) -> Entry | None:
        """For a month's ``start`` or ``end`` boundary, the census inside the month nearest to it."""
        return self.used if self.how == "census" else (self.after if side == "start" else self.before)

    def outer(self, side: str) -> Entry | None:
        """The census outside the month nearest to the boundary."""
        return self.used if self.how == "census" else (self.before if side == "start" else self.after)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: the boundary, how it was measured, the census times used."""
        used = [self.before, self.after] if self.how == "interpolated" else [self.used] if self.used is not None else []
        return {"at": iso(self.when), "how": self.how, "text": self.text, "censuses": [iso(e.taken_at) for e in used],
                "passed_over": self.passed_over}


@dataclass
class History:
    """Snapshots with all-time counts, oldest first; ``skipped`` names the others and why."""

    entries: list[Entry]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    source: str = ""
    synthetic: bool = False
    seed: int | None = None
    origins: tuple[str, ...] = ()
    """Where the snapshots come from, from their manifests: census datasets (``cfahlgren1/hub-stats``)
    and ``Hub listing`` for snapshots of ``hubshare refresh``."""
    notices: tuple[str, ...] = ()
    """The notices the snapshots' licences ask for (their manifests' ``attribution``)."""
    _checks: list[DayCheck] | None = field(default=None, repr=False)

    @classmethod
    def from_folder(cls, folder: Path | str | None = None, *, required: bool = False) -> History:
        """Every snapshot folder in ``folder`` (default ``data/snapshots``), read from manifests
        and parquet metadata only; rows are read when a month or a day check needs them. With
        ``required``, a folder holding no snapshot with all-time counts is a ``HistoryError``."""
        folder = Path(folder) if folder is not None else paths.SNAPSHOTS
        if not folder.is_dir():
            raise HistoryError(f"{paths.relative(folder)}: no such folder of snapshots")
        entries, skipped, synthetic, origins, notices = [], [], False, {}, {}
        for sub in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
            try:
                manifest = json.loads((sub / snapshot.MANIFEST_FILE).read_text(encoding="utf-8"))
                taken = pd.Timestamp(manifest["created_at"]).tz_convert("UTC")
                has = snapshot.has_all_time(sub)
            except (OSError, ValueError, KeyError, TypeError) as exc:
                skipped.append((sub.name, f"not a readable snapshot ({type(exc).__name__})"))
                continue
            if not has:
                skipped.append((manifest.get("label", sub.name), "no all-time counts"))
                continue
            recorded = manifest.get("day_check")
            entries.append(Entry(label=manifest.get("label", sub.name), taken_at=taken, path=sub, rows=int(manifest.get("rows", 0)),
                                 recorded=DayCheck(**recorded) if isinstance(recorded, dict) else None,
                                 passed_over=list(manifest.get("passed_over", []))))
            synthetic = synthetic or bool(manifest.get("synthetic"))
            src = manifest.get("source") if isinstance(manifest.get("source"), dict) else {}
            origins[str(src.get("dataset") or ("hubshare.synthetic" if manifest.get("synthetic") else "Hub listing"))] = None
            if manifest.get("attribution"):
                notices[str(manifest["attribution"])] = None
        found = cls(sorted(entries, key=lambda e: e.taken_at), skipped, source=paths.relative(folder), synthetic=synthetic,
                    origins=tuple(origins), notices=tuple(notices))
        if required and not entries:
            left = "".join(f"; left out: {label} ({why})" for label, why in skipped)
            raise HistoryError(f"{found.coverage}: a month is the difference of two snapshots' all-time counts{left}")
        return found

    @classmethod
    def from_snapshots(cls, snaps: list[Snapshot], source: str = "", synthetic: bool = False) -> History:
        """A history of snapshots already in memory (for example ``synthetic.monthly_snapshots``)."""
        entries, skipped = [], []
        for s in snaps:
            if metrics.has_metric(s, "downloads_all_time"):
                entries.append(Entry(label=s.label, taken_at=s.taken_at, snap=s, rows=len(s)))
            else:
                skipped.append((s.label, "no all-time counts"))
        return cls(sorted(entries, key=lambda e: e.taken_at), skipped, source=source, synthetic=synthetic)

    @property
    def source_text(self) -> str:
        """Where the snapshots come from, for figure footnotes."""
        if self.synthetic and self.seed is not None:
            return f"monthly snapshots generated by hubshare.synthetic.monthly_snapshots (seed {self.seed})"
        if self.synthetic:
            return f"synthetic snapshots in {self.source} (hubshare.synthetic)"
        named = {"Hub listing": "Hub listings of hubshare refresh"}
        whence = " and ".join(named.get(o, f"census days of {o}") for o in self.origins) or "snapshots"
        notice = f"; data: {'; '.join(self.notices)}" if self.notices else ""
        return f"{len(self)} snapshots in {self.source} ({whence}, {self.period}){notice}"

    @property
    def period(self) -> str:
        """The span of the history: ``YYYY-MM-DD to YYYY-MM-DD`` (or ``no snapshots``)."""
        if not self.entries:
            return "no snapshots"
        return f"{self.entries[0].taken_at.strftime('%Y-%m-%d')} to {self.entries[-1].taken_at.strftime('%Y-%m-%d')}"

    def describe(self) -> str:
        """One paragraph saying what this history is (SYNTHETIC when it is)."""
        lines = [f"{'SYNTHETIC history' if self.synthetic else 'history'}: {len(self)} snapshots with all-time counts, "
                 f"{self.period}" + (f", from {self.source}" if self.source and not self.synthetic else "")]
        if self.synthetic:
            lines.append(f"SYNTHETIC: {self.source_text}; every number below is synthetic, not the Hub's. "
                         "Set HUBSHARE_SNAPSHOTS to a folder of census snapshots (hubshare reproduce) for the real history.")
        lines += [f"left out: {label} ({why})" for label, why in self.skipped]
        return "\n".join(lines)

    def __len__(self) -> int:
        return len(self.entries)

    # -- day checks

    def checks(self) -> list[DayCheck]:
        """The day check of every entry (``corrections.check_days``), computed once: against the
        entries around it, and bad too when the import recorded it bad."""
        if self._checks is None:
            days = [(e.label, e.taken_at, e.rows) for e in self.entries]
            found = corrections.check_days(days, lambda k: self.entries[k].counters())
            self._checks = [e.recorded if e.recorded is not None and e.recorded.bad and not c.bad else c
                            for e, c in zip(self.entries, found)]
        return self._checks

    def check(self, entry: Entry) -> DayCheck:
        """The day check of one entry."""
        return self.checks()[self.entries.index(entry)]

    def good(self) -> list[Entry]:
        """The entries that may be a boundary: every one not bad."""
        return [e for e, c in zip(self.entries, self.checks()) if not c.bad]

    def at(self, when: pd.Timestamp, window: pd.Timedelta = WINDOW) -> Entry | None:
        """The good entry nearest to ``when`` within ``window`` (the earlier on a tie), or None."""
        near = sorted((e for e in self.good() if abs(e.taken_at - when) <= window), key=lambda e: (abs(e.taken_at - when), e.taken_at))
        return near[0] if near else None

    # -- boundaries

    def boundary(self, when: pd.Timestamp | str, boundaries: str = "interpolate", *, tolerance: pd.Timedelta = TOLERANCE,
                 max_bracket: pd.Timedelta = MAX_BRACKET) -> Boundary:
        """How ``when`` is measured (see the module text and ``Boundary``)."""
        when = utc(when)
        if boundaries not in BOUNDARIES:
            raise HistoryError(f"boundaries {boundaries!r}: use one of {', '.join(BOUNDARIES)}")
        good = self.good()
        reach = max(max_bracket, WINDOW)
        passed = [f"{e.text}: {c.text}" for e, c in zip(self.entries, self.checks()) if c.bad and abs(e.taken_at - when) <= reach]
        before = max((e for e in good if e.taken_at <= when), key=lambda e: e.taken_at, default=None)
        after = min((e for e in good if e.taken_at > when), key=lambda e: e.taken_at, default=None)
        for e in (before, after):
            for p in e.passed_over if e is not None else []:
                line = f"{p.get('census', '?')}: {p.get('kind', '?')}: {p.get('why', '')} (passed over at import)"
                if line not in passed:
                    passed.append(line)
        if boundaries == "census":
            near = self.at(when)
            if near is not None:
                return Boundary(when, "census", before, after, used=near, passed_over=passed)
            return Boundary(when, "missing", before, after, reason=self._gap(when, before, after, WINDOW, passed), passed_over=passed)
        exact = self.at(when, tolerance)
        if exact is not None:
            return Boundary(when, "census", before, after, used=exact, passed_over=passed)
        if before is not None and after is not None and after.taken_at - before.taken_at <= max_bracket:
            return Boundary(when, "interpolated", before, after, passed_over=passed)
        near = self.at(when)
        if near is not None:
            return Boundary(when, "approximate", before, after, used=near, passed_over=passed)
        return Boundary(when, "missing", before, after, reason=self._gap(when, before, after, max_bracket, passed), passed_over=passed)

    def _gap(self, when: pd.Timestamp, before: Entry | None, after: Entry | None, limit: pd.Timedelta, passed: list[str]) -> str:
        stamp = when.strftime("%Y-%m-%d %H:%M UTC")
        sides = [f"the last good census before is {before.text}, {offset_text(when - before.taken_at)} before" if before else
                 "no good census before it",
                 f"the first after is {after.text}, {offset_text(after.taken_at - when)} after" if after else "no good census after it"]
        text = (f"no good census within {WINDOW.total_seconds() / 3600:g} h of {stamp}, nor a pair within "
                f"{limit.total_seconds() / 3600:g} h around it: " + "; ".join(sides))
        if passed:
            text += f" (passed over: {'; '.join(passed)})"
        return text

    def snapshot_at(self, b: Boundary) -> Snapshot:
        """The snapshot standing for a measured boundary: the census itself, or each repo's
        counters interpolated to the boundary (``interpolate``)."""
        if not b.measured:
            raise HistoryError(f"not measurable: {b.reason}; {self.coverage}")
        if b.how == "interpolated":
            return interpolate(b.before.load(), b.after.load(), b.when)
        return b.used.load()

    def load_at(self, when: pd.Timestamp | str) -> Snapshot:
        """The snapshot standing for a moment; ``HistoryError`` naming what the history covers
        when the moment cannot be measured."""
        return self.snapshot_at(self.boundary(when))

    @property
    def coverage(self) -> str:
        """What the history holds, for messages: ``3 snapshots from 2026-01-01 to 2026-03-01``."""
        if not self.entries:
            return "no snapshot with all-time counts" + (f" in {self.source}" if self.source else "")
        first, last = self.entries[0].taken_at, self.entries[-1].taken_at
        days = ", ".join(e.taken_at.strftime("%Y-%m-%d") for e in self.entries) if len(self) <= 6 else \
            f"{len(self)} snapshots from {first.strftime('%Y-%m-%d')} to {last.strftime('%Y-%m-%d')}"
        return f"snapshots cover {days}"

    def default_months(self) -> list[str]:
        """Every month whose two boundaries could lie within the history's span."""
        if not self.entries:
            return []
        earliest, latest = self.entries[0].taken_at - WINDOW, self.entries[-1].taken_at + WINDOW
        first = earliest.strftime("%Y-%m")
        first = first if month_start(first) >= earliest else next_month(first)
        last = previous_month(latest.strftime("%Y-%m"))
        return month_range(first, last) if month_start(first) <= month_start(last) else []

    def passed_over(self) -> list[tuple[str, str]]:
        """Every bad day: ``(census, why)``, from the checks and from what imports recorded."""
        out = [(e.text, c.text) for e, c in zip(self.entries, self.checks()) if c.bad]
        seen = {text for text, _ in out}
        for e in self.entries:
            for p in e.passed_over:
                text = f"{p.get('census', '?')} (not imported)"
                if text not in seen:
                    seen.add(text)
                    out.append((text, f"{p.get('kind', '?')}: {p.get('why', '')}"))
        return out


def _values(snap: Snapshot, column: str) -> tuple[np.ndarray, np.ndarray]:
    col = snap.column(column)
    return np.asarray(col.fill_null(0), dtype=np.float64), np.asarray(pc.is_valid(col), dtype=bool)


def interpolate(a: Snapshot, b: Snapshot, when: pd.Timestamp) -> Snapshot:
    """The snapshot at ``when`` between censuses ``a`` and ``b``: each repo's counters linear in
    time between the two (renamed repos matched, as in ``intervals.interval``), a repo created
    between them counted from zero at its creation, a repo gone from ``b`` at its counters in
    ``a``; repos created after ``when``, or first seen in ``b`` though created before ``a``
    (``appeared``), are not in it. Metadata is ``b``'s (``a``'s for repos gone)."""
    when = utc(when)
    t0, t1 = a.taken_at, b.taken_at
    if not t0 < when < t1:
        raise HistoryError(f"cannot interpolate {iso(when)} between {a.label} and {b.label}: it is not between them")
    iv = intervals.interval(a, b)
    in_a = iv.pos >= 0
    safe = np.where(in_a, iv.pos, 0)
    frac = (when - t0) / (t1 - t0)
    created = b.column("created_at").cast(pa.timestamp("us", tz="UTC"))
    created_us = np.asarray(created.fill_null(pa.scalar(0, created.type)).cast(pa.int64()), dtype=np.int64)
    has_created = np.asarray(pc.is_valid(created), dtype=bool)
    t0_us, t1_us, when_us = (int(t.value // 1000) for t in (t0, t1, when))
    born = ~in_a & has_created & (created_us > t0_us) & (created_us < when_us)
    keep = in_a | born
    since = np.where(born, np.maximum(t1_us - created_us, 1), 1)
    share_new = np.where(born, (when_us - created_us) / since, 0.0)
    rows_b, rows_a = pa.array(np.flatnonzero(keep)), pa.array(np.flatnonzero(iv.gone))
    later, gone = b.select(list(MONTH_COLUMNS)).take(rows_b), a.select(list(MONTH_COLUMNS)).take(rows_a)
    for name in ("downloads_all_time", "downloads_30d"):
        va, ma = _values(a, name)
        vb, mb = _values(b, name)
        start = va[safe] if len(a) else np.zeros(len(b))
        value = np.where(in_a, start + (vb - start) * frac, vb * share_new)
        valid = mb & (np.where(in_a, ma[safe], True) if len(a) else True)
        at = later.schema.get_field_index(name)
        later = later.set_column(at, name, pa.array(np.rint(value[keep]).astype(np.int64), mask=~valid[keep]))
        gone = gone.set_column(at, name, pa.array(va[iv.gone].astype(np.int64), mask=~ma[iv.gone]))
    parts = [later, gone]
    table = pa.concat_tables(parts).sort_by("id")
    manifest = {"label": f"{iso(when)} interpolated", "created_at": iso(when), "rows": table.num_rows,
                "interpolated": {"before": a.label, "after": b.label, "before_at": iso(t0), "after_at": iso(t1)},
                "synthetic": bool(a.manifest.get("synthetic") or b.manifest.get("synthetic"))}
    return Snapshot(path=None, manifest=manifest, table=table)


# --------------------------------------------------------------------------- months


@dataclass
class Month:
    """One calendar month between two boundaries; measured when both are."""

    month: str
    start: Boundary
    end: Boundary

    @property
    def measured(self) -> bool:
        """Whether both boundaries were measured."""
        return self.start.measured and self.end.measured

    @property
    def approximate(self) -> bool:
        """A boundary stands on a census up to 36 h away instead of 00:00 UTC."""
        return self.measured and ("approximate" in (self.start.how, self.end.how))

    @property
    def reason(self) -> str:
        """Why the month is missing (its missing boundaries), or ''."""
        return "; ".join(b.text.split(" missing: ", 1)[1] for b in (self.start, self.end) if not b.measured)

    @property
    def days(self) -> float:
        """The true length of what was measured, in days (a calendar month when both boundaries
        are at 00:00 UTC)."""
        return (self.end.at - self.start.at).total_seconds() / 86400

    @property
    def passed_over(self) -> list[str]:
        """The bad census days passed over near either boundary, once each."""
        return list(dict.fromkeys([*self.start.passed_over, *self.end.passed_over]))

    @property
    def how(self) -> str:
        """How both boundaries were measured, in one line."""
        return f"start {self.start.text}; end {self.end.text}"


def plan(history: History, first: str | None = None, last: str | None = None, *, boundaries: str = "interpolate",
         tolerance: pd.Timedelta = TOLERANCE, max_bracket: pd.Timedelta = MAX_BRACKET) -> list[Month]:
    """The months from ``first`` to ``last`` (default: all the history can span), each with how
    its two boundaries are measured."""
    span = history.default_months()
    if first is None and last is None and not span:
        return []
    first = first or (span[0] if span else last)
    last = last or (span[-1] if span else first)
    if month_start(last) < month_start(first):
        raise HistoryError(f"--to {last} is before --from {first}")
    months_ = month_range(first, next_month(last))
    edges = {m: history.boundary(month_start(m), boundaries, tolerance=tolerance, max_bracket=max_bracket) for m in months_}
    out = []
    for m in months_[:-1]:
        start, end = edges[m], edges[next_month(m)]
        if start.measured and end.measured and start.used is not None and start.used is end.used:
            end = Boundary(end.when, "missing", end.before, end.after, reason=f"one census, {start.used.text}, stands for both boundaries",
                           passed_over=end.passed_over)
        out.append(Month(m, start, end))
    return out


GROUPING_TEXT = {"family": "family", "org": "organisation", "region": "region"}


@dataclass
class Months:
    """Calendar months under one Definition (universe × attribution), grouped ``by``.

    ``rows``: one row per measured month and name: ``month``, ``name``, ``downloads``, ``share``,
    ``start``, ``end`` (the times the boundary counters stand for), ``days`` (the true length),
    ``approximate``, ``models_new``, ``models_gone``, ``models_fell``, ``cumulative_end``
    (the name's all-time total at the end boundary), ``created``, ``appeared``,
    ``appeared_downloads``, ``renamed``.
    ``missing``: ``(month, reason)`` for months that cannot be measured.
    ``bounds``: with ``bounds=True``, per missing month and name, ``low`` and ``high``.
    """

    definition: metrics.Definition
    by: str
    rows: pd.DataFrame
    missing: list[tuple[str, str]]
    months: list[Month]
    history: History
    renames: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Repos renamed between the boundaries of each month: ``month``, ``old_id``, ``new_id``,
    ``kind`` (renamed or moved), ``before``, ``after``."""
    ambiguous: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Gone repos with several rename candidates (left unmatched): ``month``, ``old_id``, ``candidates``."""
    bounds: pd.DataFrame = field(default_factory=pd.DataFrame)
    boundaries: str = "interpolate"

    @property
    def label(self) -> str:
        """The Definition of these months and their grouping, for tables and footnotes."""
        return f"{self.definition.label} · grouped by {GROUPING_TEXT.get(self.by, self.by)}"

    @property
    def cumulative_label(self) -> str:
        """The label of ``cumulative_end``: all-time totals at each month's end."""
        d = self.definition
        return (f"{d.universe_label} · by {metrics.ATTRIBUTION_TEXT[d.attribution]} · all-time downloads at each month's end · "
                f"grouped by {GROUPING_TEXT.get(self.by, self.by)}")

    @property
    def passed_over(self) -> list[tuple[str, list[str]]]:
        """Months with bad census days near a boundary that were passed over, and which."""
        return [(m.month, m.passed_over) for m in self.months if m.passed_over]

    def boundary_lines(self) -> list[str]:
        """One line per month: how each boundary was measured."""
        out = []
        for m in self.months:
            state = "measured" if m.measured else "missing"
            if m.approximate:
                state = "approximate"
            extra = f", {m.days:.2f} days" if m.measured and (self.boundaries == "census" or m.approximate) else ""
            out.append(f"{m.month} ({state}{extra}): {m.how}")
        return out

    def corrections(self) -> pd.DataFrame:
        """What each correction changed, per measured month: ``renamed`` repos and the downloads
        their old counters would have added had they been counted as new (``rename_effect``);
        repos that ``appeared`` and the downloads they add (counted whole); ``ambiguous`` rename
        candidates left alone; bad census days ``passed_over`` near its boundaries."""
        measured = [m.month for m in self.months if m.measured]
        out = pd.DataFrame(index=pd.Index(measured, name="month"))
        renames = self.renames.groupby("month") if len(self.renames) else None
        out["renamed"] = renames.size() if renames is not None else 0
        out["rename_effect"] = renames["before"].sum() if renames is not None else 0
        per = self.rows.groupby("month")[["appeared", "appeared_downloads"]].sum() if len(self.rows) else None
        out["appeared"] = per["appeared"] if per is not None else 0
        out["appeared_downloads"] = per["appeared_downloads"] if per is not None else 0
        out["ambiguous"] = self.ambiguous.groupby("month").size() if len(self.ambiguous) else 0
        out["passed_over"] = pd.Series({m.month: len(m.passed_over) for m in self.months if m.measured}, dtype="int64")
        return out.fillna(0).astype("int64").reset_index()

    def corrections_text(self) -> str:
        """The corrections in one paragraph, for a reader of the months."""
        c = self.corrections()
        if c.empty:
            return "No month measured: nothing corrected."
        from . import fmt

        n = {k: int(c[k].sum()) for k in ("renamed", "ambiguous", "appeared", "passed_over")}
        were = {k: "was" if v == 1 else "were" for k, v in n.items()}
        parts = [
            f"{fmt.plural(n['renamed'], 'renamed repo')} {were['renamed']} matched to their old ids and counted by the difference of their "
            f"counters (counted as new, they would have added {fmt.count(c['rename_effect'].sum())} of downloads from before the month)",
            f"{fmt.plural(n['ambiguous'], 'gone repo')} had several rename candidates and {were['ambiguous']} left unmatched",
            f"{fmt.plural(n['appeared'], 'repo')} appeared with a creation date before their month, counted whole: "
            f"{fmt.count(c['appeared_downloads'].sum())} that may belong to earlier months",
            f"{fmt.plural(n['passed_over'], 'bad census day')} near a boundary (partial, stale, stalled or rolled back) {were['passed_over']} passed over",
        ]
        return f"Over {len(c)} month{'s' if len(c) != 1 else ''}: " + "; ".join(parts) + "."

    def totals(self) -> pd.DataFrame:
        """One row per measured month: its total, boundary times and counts."""
        g = self.rows.groupby("month", sort=True)
        return pd.DataFrame({"downloads": g["downloads"].sum(), "models_new": g["models_new"].sum(),
                             "models_gone": g["models_gone"].sum(), "models_fell": g["models_fell"].sum(),
                             "start": g["start"].first(), "end": g["end"].first(), "days": g["days"].first()}).reset_index()

    def top(self, n: int, *, named: bool = False) -> list[str]:
        """The ``n`` names with the most downloads over all the months; with ``named``, families,
        regions or organisations only (not "no family")."""
        sums = self.rows.groupby("name")["downloads"].sum().sort_values(ascending=False, kind="stable")
        if named:
            sums = sums.drop(metrics.OTHER, errors="ignore")
        return list(sums.index[:n])

    def table(self, names: int | list[str] = 8) -> pd.DataFrame:
        """One row per measured month (months as the index, like ``pivot``): the downloads of
        ``names`` (or of the ``top`` that many), ``(rest)`` for the others, ``total``, ``days``
        (the true length, to the hundredth), and how many repos were ``new``, ``gone`` and ``fell``."""
        pivot = self.pivot()
        shown = list(names) if not isinstance(names, int) else self.top(names)
        out = pivot[shown].copy()
        if len(pivot.columns) > len(shown):
            out["(rest)"] = pivot.drop(columns=shown).sum(axis=1)
        out["total"] = pivot.sum(axis=1)
        totals = self.totals().set_index("month")
        out["days"] = totals["days"].round(2)
        out["new"], out["gone"], out["fell"] = totals["models_new"], totals["models_gone"], totals["models_fell"]
        return out.rename_axis(index="month", columns=None)

    def pivot(self, value: str = "downloads") -> pd.DataFrame:
        """Months × names of ``value`` (downloads, share or cumulative_end); months as rows."""
        return self.rows.pivot_table(index="month", columns="name", values=value, aggfunc="sum", fill_value=0, sort=False)

    def of(self, name: str, month: str, value: str = "downloads") -> float | None:
        """One name's value in one month; None when the month is not measured, 0 when absent."""
        if month not in {m.month for m in self.months if m.measured}:
            return None
        hit = self.rows[(self.rows["month"] == month) & (self.rows["name"] == name)]
        return float(hit[value].iloc[0]) if len(hit) else 0.0

    def to_records(self) -> list[dict[str, Any]]:
        """The JSON form: one record per measured (month, name), one per missing month (with its
        bounds by name when computed)."""
        by_month = {m.month: m for m in self.months}
        records = []

        def common(m: Month) -> dict[str, Any]:
            return {"start_how": m.start.to_dict(), "end_how": m.end.to_dict(), "passed_over": m.passed_over}

        for r in self.rows.itertuples(index=False):
            records.append({"month": r.month, "name": r.name, "downloads": int(r.downloads), "share": float(r.share),
                            "start": r.start, "end": r.end, "days": round(float(r.days), 4), "approximate": bool(r.approximate),
                            "models_new": int(r.models_new), "models_gone": int(r.models_gone),
                            "models_fell": int(r.models_fell), "cumulative_end": int(r.cumulative_end),
                            "created": int(r.created), "appeared": int(r.appeared), "appeared_downloads": int(r.appeared_downloads),
                            "renamed": int(r.renamed), **common(by_month[r.month]), "missing": None})
        for month, reason in self.missing:
            bounds = self.bounds[self.bounds["month"] == month] if len(self.bounds) else self.bounds
            records.append({"month": month, "name": None, "downloads": None, "share": None, "start": None, "end": None,
                            "days": None, "approximate": None, "models_new": None, "models_gone": None, "models_fell": None,
                            "cumulative_end": None, "created": None, "appeared": None, "appeared_downloads": None, "renamed": None,
                            **common(by_month[month]), "missing": reason,
                            "bounds": [{"name": b.name, "low": _int_or_none(b.low), "high": _int_or_none(b.high)}
                                       for b in bounds.itertuples(index=False)] if len(bounds) else None})
        return sorted(records, key=lambda r: (r["month"], r["name"] is None))


def _int_or_none(v) -> int | None:
    return None if v is None or pd.isna(v) else int(v)


def unchanged_share(a: Snapshot, b: Snapshot) -> float:
    """Of the repos active in ``a`` and counting in both, the share whose all-time counter did
    not change (``corrections.unchanged_share``)."""
    def counters(s: Snapshot) -> corrections.Counters:
        return corrections.Counters.of_table(s.label, s.taken_at, s.select(list(COUNTERS)))

    return corrections.unchanged_share(counters(a), counters(b))


def _boundary_snapshots(history: History, planned: list[Month]) -> Iterator[tuple[Month, Snapshot, Snapshot, np.ndarray]]:
    """Each measured month with the snapshots at its two boundaries, each made once, and the row
    of each of the end's ids among the start's (``arrays.positions``). The next month's snapshots
    are read, and their ids matched, in a thread while this month is measured; only those two and
    this month's are kept."""
    measured = [m for m in planned if m.measured]

    def key(b: Boundary) -> str:
        return f"{b.how}:{iso(b.when)}:{b.label}"

    def match(a: Future, b: Future) -> np.ndarray:
        sa, sb = a.result(), b.result()
        return arrays.positions(sb.column("id"), sa.column("id"), sa.ids_sorted and sb.ids_sorted)

    made: dict[str, Future] = {}
    matched: dict[str, Future] = {}
    with ThreadPoolExecutor(max_workers=1) as reader:
        def get(b: Boundary) -> Future:
            if key(b) not in made:
                made[key(b)] = reader.submit(history.snapshot_at, b)
            return made[key(b)]

        def pair(m: Month) -> Future:
            k = f"{key(m.start)}|{key(m.end)}"
            if k not in matched:
                a, b = get(m.start), get(m.end)
                matched[k] = reader.submit(match, a, b)
            return matched[k]

        for k, m in enumerate(measured):
            a, b, pos = get(m.start), get(m.end), pair(m)
            ahead = measured[k + 1:k + 2]
            for nxt in ahead:
                pair(nxt)
            yield m, a.result(), b.result(), pos.result()
            keep = {key(x) for nxt in ahead for x in (nxt.start, nxt.end)}
            for gone in [k for k in made if k not in keep]:
                del made[gone]
            matched = {k: f for k, f in matched.items() if all(part in keep for part in k.split("|"))}


def _month_frame(m: Month, a: Snapshot, b: Snapshot, by: str, universe: str, attribution: str,
                 pos: np.ndarray | None = None) -> tuple[pd.DataFrame, intervals.Interval]:
    iv = intervals.interval(a, b, positions=pos)
    # Memory is what bounds months over a census: of b's columns, what is left to read is its
    # parent lists (for its families); its counters are arrays now (``metrics.counts``), and the
    # next month reads only its ids and those arrays.
    b.release([c for c in b.column_names if c not in ("id", "base_models")])
    table = intervals.interval_table(iv, by, attribution, universe)
    b.release(["base_models"])
    cum = pd.Series(metrics.totals(b, universe, attribution, by, "downloads_all_time"), name="cumulative_end")
    table = table.assign(cumulative_end=table["name"].map(cum).fillna(0))
    frame = pd.DataFrame({
        "month": m.month, "name": table["name"], "downloads": table["downloads"].astype("int64"), "share": table["share"],
        "start": iso(m.start.at), "end": iso(m.end.at), "days": m.days, "approximate": m.approximate,
        "models_new": table["new"], "models_gone": table["gone"],
        "models_fell": table["fell"], "cumulative_end": table["cumulative_end"].astype("int64"),
        "created": table["created"], "appeared": table["appeared"], "appeared_downloads": table["appeared_downloads"],
        "renamed": table["renamed"],
    })
    return frame, iv


def _bounds(history: History, m: Month, by: str, universe: str, attribution: str) -> pd.DataFrame:
    """A missing month's lower bound (the inner census pair) and upper bound (the outer pair),
    per name; counters only grow, so the month lies between the two (bar counters that fell)."""
    def side(b: Boundary, which: str) -> tuple[Snapshot | None, Snapshot | None]:
        if b.measured:
            s = history.snapshot_at(b)
            return s, s
        inner, outer = b.inner(which), b.outer(which)
        return (inner.load() if inner else None), (outer.load() if outer else None)

    s_in, s_out = side(m.start, "start")
    e_in, e_out = side(m.end, "end")

    def sums(a: Snapshot | None, b: Snapshot | None) -> pd.Series | None:
        if a is None or b is None or b.taken_at <= a.taken_at:
            return None
        t = intervals.interval_table(intervals.interval(a, b), by, attribution, universe)
        return t.set_index("name")["downloads"]

    low, high = sums(s_in, e_in), sums(s_out, e_out)
    names = sorted(set(low.index if low is not None else []) | set(high.index if high is not None else []))
    frame = pd.DataFrame({"month": m.month, "name": names})
    frame["low"] = [int(max(low.get(n, 0), 0)) if low is not None else 0 for n in names]
    frame["high"] = [int(high.get(n, 0)) if high is not None else None for n in names]
    return frame


def months(history: History, first: str | None = None, last: str | None = None, *, by: str = "family",
           universe: str = "all", attribution: str = "uploader", boundaries: str = "interpolate",
           tolerance: pd.Timedelta = TOLERANCE, max_bracket: pd.Timedelta = MAX_BRACKET, bounds: bool = False) -> Months:
    """Downloads of every calendar month from ``first`` to ``last`` (``YYYY-MM``) by family,
    region or organisation under ``universe`` × ``attribution``; boundaries measured as the module
    text says. With ``bounds``, each missing month gets a lower and an upper bound per name. A
    tuple of repo ids as ``universe`` counts those repos only."""
    planned = plan(history, first, last, boundaries=boundaries, tolerance=tolerance, max_bracket=max_bracket)
    frames, renames, ambiguous = [], [], []
    for m, a, b, pos in _boundary_snapshots(history, planned):
        frame, iv = _month_frame(m, a, b, by, universe, attribution, pos)
        if iv.renames is not None and len(iv.renames):
            renames.append(iv.renames.drop(columns=["old_row", "new_row"]).assign(month=m.month))
        if iv.ambiguous is not None and len(iv.ambiguous):
            ambiguous.append(iv.ambiguous.assign(month=m.month))
        frames.append(frame)
        del iv
    columns = ["month", "name", "downloads", "share", "start", "end", "days", "approximate", "models_new", "models_gone",
               "models_fell", "cumulative_end", "created", "appeared", "appeared_downloads", "renamed"]
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    missing = [(m.month, m.reason) for m in planned if not m.measured]
    bound_frames = [_bounds(history, m, by, universe, attribution) for m in planned if bounds and not m.measured]
    rename_cols = ["month", "old_id", "new_id", "kind", "before", "after"]
    measured = [m.month for m in planned if m.measured]
    span = None if not measured else measured[0] if len(measured) == 1 else f"{measured[0]}..{measured[-1]}"
    return Months(definition=_definition(universe, attribution, metrics.CALENDAR_MONTH, span), by=by, rows=rows[columns], missing=missing, months=planned, history=history,
                  renames=pd.concat(renames, ignore_index=True)[rename_cols] if renames else pd.DataFrame(columns=rename_cols),
                  ambiguous=pd.concat(ambiguous, ignore_index=True)[["month", "old_id", "candidates"]] if ambiguous
                  else pd.DataFrame(columns=["month", "old_id", "candidates"]),
                  bounds=pd.concat(bound_frames, ignore_index=True) if bound_frames else pd.DataFrame(columns=["month", "name", "low", "high"]),
                  boundaries=boundaries)


def _definition(universe: str | tuple[str, ...], attribution: str, metric: str = "downloads_all_time",
                months: str | None = None) -> metrics.Definition:
    if isinstance(universe, tuple):
        return metrics.Definition("list", attribution, metric, ids=universe, months=months)
    return metrics.Definition(universe, attribution, metric, months=months)


def cumulative(history: History, when: pd.Timestamp | str, *, by: str = "family", universe: str = "all",
               attribution: str = "uploader") -> tuple[metrics.ShareTable, Boundary]:
    """All-time totals at a moment (a month boundary, say), measured as a month boundary is.

    Raises ``HistoryError`` naming what the history covers when the moment cannot be measured.
    """
    b = history.boundary(when)
    snap = history.snapshot_at(b)
    try:
        table = metrics.shares(snap, _definition(universe, attribution), by=by)
    except DefinitionError as exc:
        raise HistoryError(str(exc)) from None
    return table, b


SYNTHETIC_SEED = 2026
SYNTHETIC_MODELS = 10_000


def default(folder: Path | str | None = None) -> History:
    """The history the notebooks read: the snapshots in ``folder`` (``HUBSHARE_SNAPSHOTS``), or,
    without one, the seeded SYNTHETIC history of ``hubshare.synthetic.monthly_snapshots`` (monthly
    snapshots from January 2025 to May 2026; ATOM's listed ids given to some first-party repos).

    >>> default().synthetic                                     # doctest: +SKIP
    True
    """
    from . import reference, synthetic

    if folder is not None:
        return History.from_folder(folder)
    snaps = synthetic.monthly_snapshots(SYNTHETIC_MODELS, seed=SYNTHETIC_SEED, listed=reference.atom_ids())
    h = History.from_snapshots(snaps, source="hubshare.synthetic.monthly_snapshots", synthetic=True)
    h.seed = SYNTHETIC_SEED
    return h


def first_ahead(result: Months, a: str, b: str, value: str = "cumulative_end") -> str | None:
    """The first measured month at whose end ``a`` is ahead of ``b`` after not being ahead
    (cumulative by default): where one curve passes the other. None if it never does."""
    table = result.pivot(value)
    if a not in table or b not in table:
        return None
    ahead = (table[a] > table[b]).to_numpy()
    for k in range(1, len(ahead)):
        if ahead[k] and not ahead[k - 1]:
            return str(table.index[k])
    return None


def shares_by_definition(h: History, name: str = "Qwen", universes: tuple[str, ...] = ("all", "llm", "atom"),
                         attributions: tuple[str, ...] = ("uploader", "lineage")) -> pd.DataFrame:
    """``name``'s share of each month's downloads under every universe × attribution: months as
    rows, one column per Definition (``all × uploader``, ...)."""
    cols = {}
    for u in universes:
        for a in attributions:
            m = months(h, by="family", universe=u, attribution=a)
            measured = [x.month for x in m.months if x.measured]
            table = m.pivot("share")
            cols[f"{u} × {a}"] = (table[name] if name in table else pd.Series(0.0, index=table.index)).reindex(measured)
    return pd.DataFrame(cols)
