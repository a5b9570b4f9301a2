"""A history: dated snapshots, and the calendar months and cumulative counts they measure.

A calendar month is measured when a snapshot lies within 36 hours of each of its boundaries
(00:00 UTC on its first day and on the next month's first day). Its downloads are the interval
between those two snapshots (``metrics.interval``: differences of all-time counters, repos new
in the later snapshot counted whole, repos gone and counters that fell counted and reported), and
every model is classified with the later snapshot's metadata. A month without both boundaries is
listed as missing, never interpolated. Snapshots without all-time counts are left out, and said so.

>>> h = History.from_folder("data/snapshots")                       # doctest: +SKIP
>>> table = months(h, by="org", universe="atom").rows                # doctest: +SKIP
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import families, metrics, paths, snapshot
from .errors import DefinitionError, HistoryError
from .snapshot import Snapshot

WINDOW = pd.Timedelta(hours=36)
"""How far from a month boundary a snapshot may lie and still stand for it."""
COLUMNS = ("id", "base_models", "pipeline_tag", "downloads_all_time", "downloads_30d", "created_at")
STALE_SHARE = 0.99
"""A snapshot is stale when at least this share of its active repos (``ACTIVE_30D``) kept the
all-time counters of the snapshot a day before it: the census did not refresh."""
ACTIVE_30D = 100
"""Repos with at least this many 30-day downloads are active: their counters move every day."""
"""What month arithmetic reads of each snapshot."""


def month_start(month: str) -> pd.Timestamp:
    """``YYYY-MM`` as 00:00 UTC on its first day; ``HistoryError`` for anything else.

    >>> str(month_start("2026-02"))
    '2026-02-01 00:00:00+00:00'
    """
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month or ""):
        raise HistoryError(f"{month!r} is not a month YYYY-MM")
    return pd.Timestamp(f"{month}-01", tz="UTC")


def next_month(month: str) -> str:
    """The month after ``month``: ``"2026-12"`` → ``"2027-01"``."""
    return (month_start(month) + pd.offsets.MonthBegin(1)).strftime("%Y-%m")


def previous_month(month: str) -> str:
    """The month before ``month``: ``"2027-01"`` → ``"2026-12"``."""
    return (month_start(month) - pd.offsets.MonthBegin(1)).strftime("%Y-%m")


def month_range(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last``, both included."""
    out, m = [], first
    while month_start(m) <= month_start(last):
        out.append(m)
        m = next_month(m)
    return out


@dataclass
class Entry:
    """One snapshot of a history: where it is (or the snapshot itself), when it was taken."""

    label: str
    taken_at: pd.Timestamp
    path: Path | None = None
    snap: Snapshot | None = None
    keep: bool = False
    stale: bool | None = None

    def load(self) -> Snapshot:
        """The snapshot, with the columns month arithmetic reads (kept in memory with ``keep``)."""
        if self.snap is not None:
            return self.snap
        snap = snapshot.load(self.path, columns=COLUMNS)
        if self.keep:
            self.snap = snap
        return snap

    @property
    def text(self) -> str:
        return f"{self.label} ({self.taken_at.strftime('%Y-%m-%d %H:%M')} UTC)"


@dataclass
class History:
    """Snapshots with all-time counts, oldest first; ``skipped`` names the others and why."""

    entries: list[Entry]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    source: str = ""
    synthetic: bool = False
    seed: int | None = None

    @classmethod
    def from_folder(cls, folder: Path | str | None = None) -> History:
        """Every snapshot folder in ``folder`` (default ``data/snapshots``), read from manifests
        and parquet metadata only; rows are read when a month needs them."""
        folder = Path(folder) if folder is not None else paths.SNAPSHOTS
        if not folder.is_dir():
            raise HistoryError(f"{paths.relative(folder)}: no such folder of snapshots")
        entries, skipped, synthetic = [], [], False
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
            entries.append(Entry(label=manifest.get("label", sub.name), taken_at=taken, path=sub))
            synthetic = synthetic or bool(manifest.get("synthetic"))
        return cls(sorted(entries, key=lambda e: e.taken_at), skipped, source=paths.relative(folder), synthetic=synthetic)

    @property
    def source_text(self) -> str:
        """Where the snapshots come from, for figure footnotes."""
        if self.synthetic and self.seed is not None:
            return f"monthly snapshots generated by hubshare.synthetic.history (seed {self.seed})"
        if self.synthetic:
            return f"synthetic snapshots in {self.source} (hubshare.synthetic)"
        return f"census snapshots in {self.source} (cfahlgren1/hub-stats on the Hugging Face Hub, or hubshare refresh)"

    @property
    def period(self) -> str:
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

    @classmethod
    def from_snapshots(cls, snaps: list[Snapshot], source: str = "", synthetic: bool = False) -> History:
        """A history of snapshots already in memory (for example ``synthetic.history``)."""
        entries, skipped = [], []
        for s in snaps:
            if metrics.has_metric(s, "downloads_all_time"):
                entries.append(Entry(label=s.label, taken_at=s.taken_at, snap=s))
            else:
                skipped.append((s.label, "no all-time counts"))
        return cls(sorted(entries, key=lambda e: e.taken_at), skipped, source=source, synthetic=synthetic)

    def __len__(self) -> int:
        return len(self.entries)

    def at(self, when: pd.Timestamp, fresh: bool = False) -> Entry | None:
        """The snapshot nearest to ``when`` within 36 hours (the earlier on a tie), or None. With
        ``fresh``, a stale snapshot (``stale``) is passed over for a fresh one in the window; if all
        are stale, the nearest is given all the same (the caller reports it)."""
        near = sorted((e for e in self.entries if abs(e.taken_at - when) <= WINDOW), key=lambda e: (abs(e.taken_at - when), e.taken_at))
        if fresh and len(near) > 1:
            return next((e for e in near if not self.stale(e)), near[0])
        return near[0] if near else None

    def stale(self, entry: Entry) -> bool:
        """Whether ``entry`` repeats the counters of the snapshot just before it (at most 48 h
        earlier): at least ``STALE_SHARE`` of the repos active in both unchanged. Without such a
        neighbour staleness cannot be seen, and the entry counts as fresh."""
        if entry.stale is None:
            k = self.entries.index(entry)
            prev = self.entries[k - 1] if k else None
            entry.stale = False
            if prev is not None and entry.taken_at - prev.taken_at <= pd.Timedelta(hours=48):
                entry.stale = unchanged_share(prev.load(), entry.load()) >= STALE_SHARE
        return entry.stale

    def load_at(self, when: pd.Timestamp | str) -> Snapshot:
        """The snapshot standing for a moment (within 36 h); ``HistoryError`` naming what the
        history covers when there is none."""
        when = pd.Timestamp(when)
        when = when.tz_localize("UTC") if when.tzinfo is None else when.tz_convert("UTC")
        entry = self.at(when)
        if entry is None:
            raise HistoryError(f"not measurable: {self.boundary_reason(when)}; {self.coverage}")
        return entry.load()

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

    def boundary_reason(self, when: pd.Timestamp) -> str:
        before = [e for e in self.entries if e.taken_at <= when]
        after = [e for e in self.entries if e.taken_at > when]
        near = "; ".join(filter(None, [f"nearest before: {before[-1].text}" if before else "",
                                       f"nearest after: {after[0].text}" if after else ""]))
        return f"no snapshot within 36 h of {when.strftime('%Y-%m-%d %H:%M')} UTC" + (f" ({near})" if near else "")


# --------------------------------------------------------------------------- months


@dataclass
class Month:
    """One calendar month: measured (``start`` and ``end`` snapshots) or missing (``reason``)."""

    month: str
    start: Entry | None
    end: Entry | None
    reason: str = ""
    stale: list[str] = field(default_factory=list)
    """Boundary snapshots that are stale (no fresh one in their window): measured, and said so."""

    @property
    def measured(self) -> bool:
        return self.start is not None and self.end is not None


def plan(history: History, first: str | None = None, last: str | None = None) -> list[Month]:
    """The months from ``first`` to ``last`` (default: all the history can span), each with its
    boundary snapshots or the reason it is missing."""
    span = history.default_months()
    if first is None and last is None and not span:
        return []
    first = first or (span[0] if span else last)
    last = last or (span[-1] if span else first)
    if month_start(last) < month_start(first):
        raise HistoryError(f"--to {last} is before --from {first}")
    out = []
    for m in month_range(first, last):
        lo, hi = month_start(m), month_start(next_month(m))
        a, b = history.at(lo, fresh=True), history.at(hi, fresh=True)
        reasons = [history.boundary_reason(t) for t, e in ((lo, a), (hi, b)) if e is None]
        if a is not None and b is not None and a.label == b.label:
            reasons.append(f"one snapshot, {a.text}, is nearest to both boundaries")
        if reasons:
            out.append(Month(m, None, None, "; ".join(reasons)))
        else:
            out.append(Month(m, a, b, stale=[e.text for e in (a, b) if history.stale(e)]))
    return out


@dataclass
class Months:
    """Calendar months under one Definition (universe × attribution), grouped ``by``.

    ``rows``: one row per measured month and name: ``month``, ``name``, ``downloads``, ``share``,
    ``start``, ``end`` (the boundary snapshots' times), ``models_new``, ``models_missing``,
    ``counters_fell``, ``cumulative_end`` (the name's all-time total at the end boundary).
    ``missing``: ``(month, reason)`` for months that cannot be measured.
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

    @property
    def stale(self) -> list[tuple[str, list[str]]]:
        """Measured months with a stale boundary snapshot, and which."""
        return [(m.month, m.stale) for m in self.months if m.measured and m.stale]

    def corrections(self) -> pd.DataFrame:
        """What each correction changed, per measured month: ``renamed`` repos and the downloads
        their old counters would have added had they been counted as new (``rename_effect``);
        repos that ``appeared`` and the downloads they add (counted whole); ``ambiguous`` rename
        candidates left alone; ``stale`` boundary snapshots kept for want of a fresh one."""
        measured = [m.month for m in self.months if m.measured]
        out = pd.DataFrame(index=pd.Index(measured, name="month"))
        renames = self.renames.groupby("month") if len(self.renames) else None
        out["renamed"] = renames.size() if renames is not None else 0
        out["rename_effect"] = renames["before"].sum() if renames is not None else 0
        per = self.rows.groupby("month")[["appeared", "appeared_downloads"]].sum() if len(self.rows) else None
        out["appeared"] = per["appeared"] if per is not None else 0
        out["appeared_downloads"] = per["appeared_downloads"] if per is not None else 0
        out["ambiguous"] = self.ambiguous.groupby("month").size() if len(self.ambiguous) else 0
        out["stale"] = pd.Series({m: len(s) for m, s in self.stale}, dtype="int64")
        return out.fillna(0).astype("int64").reset_index()

    def corrections_text(self) -> str:
        """The corrections in one paragraph, for a reader of the months."""
        c = self.corrections()
        if c.empty:
            return "No month measured: nothing corrected."
        from . import fmt

        parts = [
            f"{c['renamed'].sum()} renamed repos were matched to their old ids and counted by the difference of their counters "
            f"(counted as new, they would have added {fmt.count(c['rename_effect'].sum())} of downloads from before the month)",
            f"{c['ambiguous'].sum()} gone repos had several rename candidates and were left unmatched",
            f"{c['appeared'].sum()} repos appeared with a creation date before their month, counted whole: "
            f"{fmt.count(c['appeared_downloads'].sum())} that may belong to earlier months",
            f"{c['stale'].sum()} month boundaries rest on a stale census day (no fresh one within 36 h)",
        ]
        return f"Over {len(c)} month{'s' if len(c) != 1 else ''}: " + "; ".join(parts) + "."

    def totals(self) -> pd.DataFrame:
        """One row per measured month: its total, boundary snapshots and counts."""
        g = self.rows.groupby("month", sort=True)
        return pd.DataFrame({"downloads": g["downloads"].sum(), "models_new": g["models_new"].sum(),
                             "models_missing": g["models_missing"].sum(), "counters_fell": g["counters_fell"].sum(),
                             "start": g["start"].first(), "end": g["end"].first()}).reset_index()

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
        """The JSON form: one record per measured (month, name), one per missing month."""
        records, stale = [], dict(self.stale)
        for r in self.rows.itertuples(index=False):
            records.append({"month": r.month, "name": r.name, "downloads": int(r.downloads), "share": float(r.share),
                            "start": r.start, "end": r.end, "models_new": int(r.models_new), "models_missing": int(r.models_missing),
                            "counters_fell": int(r.counters_fell), "cumulative_end": int(r.cumulative_end),
                            "created": int(r.created), "appeared": int(r.appeared), "appeared_downloads": int(r.appeared_downloads),
                            "renamed": int(r.renamed), "stale": stale.get(r.month, []), "missing": None})
        for month, reason in self.missing:
            records.append({"month": month, "name": None, "downloads": None, "share": None, "start": None, "end": None,
                            "models_new": None, "models_missing": None, "counters_fell": None, "cumulative_end": None,
                            "created": None, "appeared": None, "appeared_downloads": None, "renamed": None, "stale": [], "missing": reason})
        return sorted(records, key=lambda r: (r["month"], r["name"] is None))


def unchanged_share(a: Snapshot, b: Snapshot) -> float:
    """Of the repos active in ``a`` (``ACTIVE_30D``) and present in both with all-time counts, the
    share whose all-time counter did not change; 0 when none is active."""
    iv = metrics.interval(a, b, corrections=False)
    fa = metrics._counts(a)
    in_a = iv.pos >= 0
    active = np.zeros(len(b), dtype=bool)
    active[in_a] = fa["downloads_30d"][iv.pos[in_a]] >= ACTIVE_30D
    sel = active & iv.counted
    return float((iv.value[sel] == 0).mean()) if sel.any() else 0.0


def _iso(t: pd.Timestamp) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _pairs(planned: list[Month]) -> Iterator[tuple[Month, Snapshot, Snapshot]]:
    """Each measured month with its two snapshots, each snapshot loaded once and only the two
    most recent kept in memory."""
    loaded: dict[str, Snapshot] = {}
    for m in planned:
        if not m.measured:
            continue
        for e in (m.start, m.end):
            if e.label not in loaded:
                loaded[e.label] = e.load()
        yield m, loaded[m.start.label], loaded[m.end.label]
        for label in [k for k in loaded if k != m.end.label]:  # this end is likely the next start
            del loaded[label]


def months(history: History, first: str | None = None, last: str | None = None, *, by: str = "family",
           universe: str = "all", attribution: str = "uploader") -> Months:
    """Downloads of every calendar month from ``first`` to ``last`` (``YYYY-MM``) by family,
    region or organisation under ``universe`` × ``attribution``."""
    definition = metrics.Definition(universe, attribution, "downloads_all_time")
    planned = plan(history, first, last)
    frames, renames, ambiguous = [], [], []
    for m, a, b in _pairs(planned):
        iv = metrics.interval(a, b)
        # b is classified with what a's classification already knows of the ids both hold.
        families.codes(b, earlier=(a, np.where(iv.renamed, -1, iv.pos)))
        if iv.renames is not None and len(iv.renames):
            renames.append(iv.renames.drop(columns=["old_row", "new_row"]).assign(month=m.month))
        if iv.ambiguous is not None and len(iv.ambiguous):
            ambiguous.append(iv.ambiguous.assign(month=m.month))
        table = metrics.interval_table(iv, by, attribution, universe)
        cum = pd.Series(metrics.totals(b, universe, attribution, by, "downloads_all_time"), name="cumulative_end")
        table = table.assign(cumulative_end=table["name"].map(cum).fillna(0))
        frames.append(pd.DataFrame({
            "month": m.month, "name": table["name"], "downloads": table["interval"].astype("int64"), "share": table["share"],
            "start": _iso(m.start.taken_at), "end": _iso(m.end.taken_at), "models_new": table["new"], "models_missing": table["missing"],
            "counters_fell": table["negative"], "cumulative_end": table["cumulative_end"].astype("int64"),
            "created": table["created"], "appeared": table["appeared"], "appeared_downloads": table["appeared_downloads"],
            "renamed": table["renamed"],
        }))
        del iv, table  # the month's start snapshot is no longer needed: let it go before the next loads
    columns = ["month", "name", "downloads", "share", "start", "end", "models_new", "models_missing", "counters_fell", "cumulative_end",
               "created", "appeared", "appeared_downloads", "renamed"]
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    missing = [(m.month, m.reason) for m in planned if not m.measured]
    rename_cols = ["month", "old_id", "new_id", "kind", "before", "after"]
    return Months(definition=definition, by=by, rows=rows[columns], missing=missing, months=planned, history=history,
                  renames=pd.concat(renames, ignore_index=True)[rename_cols] if renames else pd.DataFrame(columns=rename_cols),
                  ambiguous=pd.concat(ambiguous, ignore_index=True)[["month", "old_id", "candidates"]] if ambiguous
                  else pd.DataFrame(columns=["month", "old_id", "candidates"]))


def cumulative(history: History, when: pd.Timestamp | str, *, by: str = "family", universe: str = "all",
               attribution: str = "uploader") -> tuple[metrics.ShareTable, Entry]:
    """All-time totals at a moment (a month boundary, say), from the snapshot within 36 h of it.

    Raises ``HistoryError`` naming what the history covers when no snapshot is close enough.
    """
    when = pd.Timestamp(when)
    when = when.tz_localize("UTC") if when.tzinfo is None else when.tz_convert("UTC")
    entry = history.at(when)
    if entry is None:
        raise HistoryError(f"not measurable: {history.boundary_reason(when)}; {history.coverage}")
    try:
        table = metrics.shares(entry.load(), metrics.Definition(universe, attribution, "downloads_all_time"), by=by)
    except DefinitionError as exc:
        raise HistoryError(str(exc)) from None
    return table, entry


SYNTHETIC_SEED = 2026
SYNTHETIC_MODELS = 10_000


def default(folder: Path | str | None = None) -> History:
    """The history the notebooks read: the snapshots in ``folder`` (``HUBSHARE_SNAPSHOTS``), or,
    without one, the seeded SYNTHETIC history of ``hubshare.synthetic.history`` (monthly
    snapshots from January 2025 to May 2026; ATOM's listed ids given to some first-party repos).

    >>> default().synthetic                                     # doctest: +SKIP
    True
    """
    from . import reference, synthetic

    if folder is not None:
        return History.from_folder(folder)
    snaps = synthetic.history(SYNTHETIC_MODELS, seed=SYNTHETIC_SEED, listed=reference.atom_ids())
    h = History.from_snapshots(snaps, source="hubshare.synthetic.history", synthetic=True)
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
