"""A claim measured on a snapshot, and beside its published figures from a history of snapshots.

A snapshot measures what it holds: all-time counters at its date, the Hub's 30-day counts. A
``month`` claim measured on one snapshot reads the 30-day count as the nearest stand-in, and says
so; the test is applied only when it compares the subject with something in the same window (a
share, a ratio). A history measures calendar months and all-time totals at a moment as
``hubshare months`` does (boundaries at 00:00 UTC, see ``hubshare.history``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from .. import fmt, history, metrics, times
from ..errors import DefinitionError, HistoryError, NotMeasurable
from ..metrics import Definition
from ..snapshot import Snapshot
from . import compare, formula
from .files import Measure

COLUMN = {"all-time": "downloads_all_time", "30d": "downloads_30d", "month": "downloads_30d"}
"""The snapshot column each metric reads on one snapshot (a month: the 30-day stand-in)."""
UNIVERSE_SHORT = {"all": "all models", "llm": "language models", "atom": "ATOM's tracked models", "gguf": "GGUF repos"}
GROUP_WORD = {"org": "organisations", "family": "families", "region": "regions"}
GROUP_NAME = {"org": "organisation", "family": "family", "region": "region"}
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
WINDOW_NOTE = "A 30-day window, not the calendar month of the claim."
ROLLING_NOTE = ("A rolling 30-day count is not a calendar month: a month needs the all-time counters of two snapshots, "
                "one at each end (hubshare diff).")
SAMPLE_NOTE = "This snapshot is a sample, not a census: totals are those of the sample's repos only."
SUBSET_NOTE = "This snapshot is a subset of a census, not the whole Hub: totals are those of the subset's repos only."
CONCENTRATION = ("top-share", "below")


@dataclass
class Measurement:
    """The claim measured on a snapshot (or from a history) under one Definition."""

    text: str
    value: float | None
    unit: str
    definition: Definition | None
    snapshot_label: str
    snapshot_date: str
    holds: bool | None
    note: str = ""
    alternatives: list[dict[str, Any]] = field(default_factory=list)
    coverage: str = "census"
    """What the data measured covers: ``census``, ``subset``, ``sample`` or ``synthetic`` (a
    snapshot's ``coverage``; a history's is ``synthetic`` or ``census``)."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: ``value`` is the number the claim's test compares (in ``unit``)."""
        return {"text": self.text, "value": self.value, "unit": self.unit, "holds": self.holds,
                "definition": self.definition.to_dict() if self.definition else None,
                "snapshot": {"label": self.snapshot_label, "date": self.snapshot_date}, "coverage": self.coverage, "note": self.note,
                "alternatives": self.alternatives}


@dataclass
class FromHistory:
    """A published figure beside what a history of snapshots gives for the same period and
    universe. ``value`` and ``figure_value`` are in ``unit``; ``difference`` is relative
    ((value − published) / published); ``value`` is None when the history does not cover the period."""

    what: str
    period: str
    universe: str
    attribution: str
    unit: str
    value: float | None
    figure: str | None = None
    figure_value: float | None = None
    note: str = ""
    synthetic: bool = False

    @property
    def beside(self) -> float | None:
        """The published value to set beside the measured one: None on synthetic data, which is
        never compared with a real figure."""
        return None if self.synthetic else self.figure_value

    @property
    def difference(self) -> float | None:
        """(value − published) / published; None without both, and on synthetic data."""
        if self.value is None or not self.beside:
            return None
        return (self.value - self.figure_value) / self.figure_value

    @property
    def text(self) -> str:
        """One line: what, Definition, measured value, published value and difference."""
        head = ("SYNTHETIC: " if self.synthetic else "") + f"{self.what} ({self.period}; {self.universe} × {self.attribution})"
        if self.value is None:
            return f"{head}: {self.note}"
        shown = self.show(self.value)
        if self.figure_value is not None and self.synthetic:
            return f"{head}: {shown}" + (f"; {self.note}" if self.note else "") + f"; a real history sets it beside {self.figure}"
        if self.figure_value is None:
            return f"{head}: {shown}" + (f"; {self.note}" if self.note else "")
        return f"{head}: {shown} vs published {self.show(self.figure_value)} ({self.figure}), {100 * self.difference:+.1f}%" + (
            f"; {self.note}" if self.note else "")

    def show(self, v: float) -> str:
        """A value in this line's unit, as the tables write it."""
        return fmt.millions(round(v, 1)) if self.unit == "million downloads" else (f"{v:.1f}%" if self.unit == "percent" else f"{v:.2f}×")

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``history`` of ``claims --json``)."""
        return {"what": self.what, "period": self.period, "universe": self.universe, "attribution": self.attribution,
                "unit": self.unit, "value": self.value, "figure": self.figure, "figure_value": self.beside,
                "difference": self.difference, "note": self.note, "synthetic": self.synthetic}


# --------------------------------------------------------------------------- words


def universe_text(m: Measure) -> str:
    """The universe as history lines name it (``all``, ``atom``, ``3 listed models``)."""
    return f"{len(m.ids)} listed models" if m.ids else m.universe


def _short(m: Measure) -> str:
    return f"{len(m.ids)} listed models" if m.ids else UNIVERSE_SHORT[m.universe]


def period_text(m: Measure, latest: str = "") -> str:
    """The period in words: ``February 2026``, ``January–August 2026``, ``end of March 2026``."""
    if m.metric == "month":
        first, _, last = m.period.partition("..")
        a, b = pd.Period(first, "M"), pd.Period(last or first, "M")
        if a == b:
            return a.strftime("%B %Y")
        return f"{a.strftime('%B')}–{b.strftime('%B %Y')}" if a.year == b.year else f"{a.strftime('%B %Y')}–{b.strftime('%B %Y')}"
    if not m.period:
        return f"30 days to {latest}" if latest else "30 days"
    if len(m.period) == 7:
        return f"end of {pd.Period(m.period, 'M').strftime('%B %Y')}"
    return f"{m.period} 00:00 UTC"


def moment(m: Measure) -> pd.Timestamp | None:
    """The moment an all-time (or dated 30-day) measurement stands at: 00:00 UTC of the date, or
    of the first day after the month."""
    if not m.period or m.metric == "month":
        return None
    if len(m.period) == 7:
        return times.month_start(times.next_month(m.period))
    return times.utc(m.period)


def months_of(m: Measure) -> list[str]:
    """The calendar months a ``month`` measurement spans."""
    first, _, last = m.period.partition("..")
    return times.month_range(first, last or first)


def boundaries(m: Measure) -> list[pd.Timestamp]:
    """The 00:00 UTC moments a history must measure for ``m``."""
    if m.metric == "month":
        spanned = months_of(m)
        return [times.month_start(x) for x in spanned] + [times.month_start(times.next_month(spanned[-1]))]
    at = moment(m)
    return [at] if at is not None else []


def what(m: Measure) -> str:
    """What a history line measures, in words."""
    if m.what:
        return m.what
    span = m.metric == "month" and ".." in m.period
    if m.quantity == "downloads":
        return f"{m.subject}'s " + {"all-time": "cumulative downloads", "30d": "30-day downloads"}.get(
            m.metric, "downloads in the months" if span else "downloads in the month")
    if m.quantity == "share":
        return f"{m.subject}'s share of " + {"all-time": "cumulative downloads", "30d": "30-day downloads"}.get(
            m.metric, "the months' downloads" if span else "the month's downloads")
    if m.quantity == "ratio":
        named = against_text(m)
        return f"{m.subject} ÷ {named}" if len(m.against) == 1 else f"{m.subject} ÷ ({named})"
    if m.quantity == "next":
        n = NUMBER_WORDS[m.count] if m.count < len(NUMBER_WORDS) else str(m.count)
        return f"the next {n} {GROUP_WORD[m.by]} combined"
    if m.quantity == "top-share":
        return f"the share of downloads held by the top {100 * m.top:g}% of repos"
    return f"the share of repos with fewer than {m.threshold:,.0f} downloads"


def against_text(m: Measure) -> str:
    """What the subject is compared with: ``Llama + DeepSeek``, or ``the eight named organisations``."""
    if len(m.against) <= 3:
        return " + ".join(m.against)
    n = NUMBER_WORDS[len(m.against)] if len(m.against) < len(NUMBER_WORDS) else str(len(m.against))
    return f"the {n} named {GROUP_WORD[m.by]}"


def _unit(m: Measure) -> str:
    return {"downloads": "million downloads", "next": "million downloads", "ratio": "ratio"}.get(m.quantity, "percent")


# --------------------------------------------------------------------------- on a snapshot


def _shares(snap: Snapshot, d: Definition, by: str) -> metrics.ShareTable | None:
    try:
        return metrics.shares(snap, d, by=by)
    except DefinitionError:
        return None


def _measured(snap: Snapshot, d: Definition, text: str, value: float | None, unit: str, holds: bool | None,
              notes: list[str], alternatives: list | None = None) -> Measurement:
    notes = [*notes, {"sample": SAMPLE_NOTE, "subset": SUBSET_NOTE}.get(snap.coverage, "")]
    return Measurement(text=text, value=value, unit=unit, definition=d, snapshot_label=snap.label, snapshot_date=snap.date, coverage=snap.coverage,
                       holds=holds, note=" ".join(filter(None, notes)), alternatives=alternatives or [])


def _beside_label(main: Measure, b: Measure) -> str:
    parts = []
    if b.universe != main.universe:
        parts.append(_short(b))
    if b.attribution != main.attribution:
        parts.append(f"by {b.attribution}")
    if b.by != main.by:
        parts.append(f"by {GROUP_NAME[b.by]}")
    return " ".join(parts)


def on_snapshot(m: Measure, snap: Snapshot) -> Measurement:
    """The claim's measurement on one snapshot, with its ``beside`` readings."""
    column = COLUMN[m.metric]
    d = m.definition(column)
    window = {"downloads_30d": "30-day", "downloads_all_time": "all-time"}[column]
    if m.quantity in CONCENTRATION:
        return _concentration(m, snap, d, column)
    t = _shares(snap, d, m.by)
    if t is None:
        return _measured(snap, d, f"not measurable on {snap.label}: the snapshot has no {window} download counts", None, "", None, [])
    stand_in = m.metric == "month"
    notes = [m.note]
    if stand_in:
        notes.append(WINDOW_NOTE if m.relative else ROLLING_NOTE)
    tables = [(b, _shares(snap, b.definition(column), b.by)) for b in m.beside]
    tables = [(b, bt) for b, bt in tables if bt is not None]
    if m.quantity == "share":
        s = t.share_of(m.subject)
        alternatives = []
        for g in metrics.grid():
            gt = _shares(snap, g, m.by)
            if gt is not None:
                alternatives.append({"definition": g.key, "label": g.label, "share": round(gt.share_of(m.subject), 4)})
        beside = "; ".join(f"{_beside_label(m, b)} {fmt.percent(bt.share_of(m.subject))}" for b, bt in tables)
        same = all(b.attribution == m.attribution and b.by == m.by for b, _ in tables)
        lead = f"by the same {m.attribution} count: " if same else ""
        text = f"{m.subject}'s share: {fmt.percent(s)} of {_short(m)}' {fmt.count(t.total)} downloads" + (
            f" (beside it, {lead}{beside})" if beside else "")
        return _measured(snap, d, text, round(100 * s, 2), "percent", compare.holds(m.test, s, m.value, within=m.within), notes, alternatives)
    if m.quantity == "ratio":
        rows = []
        for bt in [t, *(table for _, table in tables)]:
            q, rivals = bt.downloads_of(m.subject), {a: bt.downloads_of(a) for a in m.against}
            total = sum(rivals.values())
            rows.append({"definition": bt.definition.key, m.subject: q, **rivals, " + ".join(m.against): total,
                         "holds": _ratio_holds(m, q, total)})
        main = rows[0]
        total = main[" + ".join(m.against)]
        vs = " + ".join(f"{a} {fmt.count(main[a])}" for a in m.against) if len(m.against) <= 3 else \
            f"{against_text(m)} {fmt.count(total)}"
        beside = "".join(f" (beside it, {_beside_label(m, b)}: {m.subject} {fmt.count(r[m.subject])} vs {fmt.count(r[' + '.join(m.against)])})"
                         for (b, _), r in zip(tables, rows[1:]))
        ratio = float(main[m.subject]) / total if total else None
        summed = f" = {fmt.count(total)}" if 1 < len(m.against) <= 3 else (f" ({ratio:.2f}×)" if ratio is not None else "")
        text = f"{m.subject} {fmt.count(main[m.subject])} vs {vs}{summed}" + beside
        return _measured(snap, d, text, ratio, "ratio", main["holds"], notes, rows)
    q = t.downloads_of(m.subject)
    who = {"uploader": "first-party repos", "lineage": "repos and derivatives by lineage"}[m.attribution] if m.by == "family" else \
        ("repos" if m.attribution == "uploader" else "repos and derivatives by lineage")
    when = "all-time downloads" if column == "downloads_all_time" else f"downloads in the 30 days to {snap.date}"
    beside = "".join(f" (beside it, {'with derivatives ' if b.attribution == 'lineage' and m.attribution != 'lineage' else ''}"
                     f"{_beside_label(m, b)}: {fmt.count(bt.downloads_of(m.subject))})" for b, bt in tables)
    alternatives = [{"definition": bt.definition.key, "value": bt.downloads_of(m.subject)} for _, bt in tables]
    holds = None if stand_in else compare.holds(m.test, q, m.value, within=m.within)
    return _measured(snap, d, f"{m.subject}'s {who}: {fmt.count(q)} {when}" + beside, float(q), "downloads", holds, notes, alternatives)


def _ratio_holds(m: Measure, q: float, total: float) -> bool | None:
    if m.test == "more-than":
        return bool(q > (m.value or 1) * total)
    return compare.holds(m.test, q / total, m.value, within=m.within) if total else None


def concentration_value(m: Measure, snap: Snapshot, column: str) -> tuple[float, int, int] | None:
    """For ``top-share``: the share of downloads the top ``top`` fraction of repos hold; for
    ``below``: the share of repos under ``threshold``; with the repos counted and the repos it
    speaks of. None when no repo of the universe has the count."""
    mask = metrics.universe_mask(snap, m.universe_key, m.ids)
    col = snap.column(column)
    valid = np.asarray(col.is_valid(), dtype=bool) & mask
    values = np.asarray(col.fill_null(0), dtype=np.float64)[valid]
    n = len(values)
    if not n:
        return None
    if m.quantity == "below":
        k = int((values < m.threshold).sum())
        return k / n, n, k
    k = max(1, math.ceil(m.top * n))
    top = np.sort(values)[::-1][:k].sum()
    total = values.sum()
    return (float(top / total) if total else 0.0), n, k


def _concentration(m: Measure, snap: Snapshot, d: Definition, column: str) -> Measurement:
    window = {"downloads_30d": "30-day", "downloads_all_time": "all-time"}[column]
    got = concentration_value(m, snap, column)
    if got is None:
        return _measured(snap, d, f"not measurable on {snap.label}: the snapshot has no {window} download counts", None, "", None, [])
    share, n, k = got
    if m.quantity == "below":
        text = f"{fmt.percent(share)} of {_short(m)} ({k:,} of {n:,}) have fewer than {m.threshold:,.0f} {window} downloads"
    else:
        text = f"the top {100 * m.top:g}% of {_short(m)} ({k:,} of {n:,}) hold {fmt.percent(share)} of their {window} downloads"
    # A sample's repos are the most downloaded: how concentrated they are says nothing of the Hub's.
    holds = None if snap.is_sample else compare.holds(m.test, share, m.value, within=m.within)
    return _measured(snap, d, text, round(100 * share, 2), "percent", holds, [m.note])


# --------------------------------------------------------------------------- from a history


class Reader:
    """What the claims read from a history, each computed once: months, all-time totals, and
    the snapshots that stand at a moment. What the history cannot give raises ``NotMeasurable``
    (every time it is asked)."""

    def __init__(self, h: history.History):
        self.h = h
        self._known: dict = {}

    def _once(self, key: tuple, make):
        if key not in self._known:
            try:
                self._known[key] = make()
            except NotMeasurable as exc:
                self._known[key] = exc
            except HistoryError as exc:
                self._known[key] = NotMeasurable(str(exc))
        found = self._known[key]
        if isinstance(found, NotMeasurable):
            raise found
        return found

    def months(self, m: Measure) -> history.Months:
        """The months ``m`` spans under its universe, grouping and attribution."""
        spanned = months_of(m)

        def make() -> history.Months:
            result = history.months(self.h, spanned[0], spanned[-1], by=m.by, universe=m.universe, attribution=m.attribution)
            if result.missing:
                raise NotMeasurable(f"not measurable: {result.missing[0][1]}; {self.h.coverage}")
            return result

        return self._once(("months", spanned[0], spanned[-1], m.universe, m.by, m.attribution), make)

    def cumulative(self, m: Measure) -> metrics.ShareTable:
        """All-time totals at ``m``'s moment."""
        return self._once(("cumulative", moment(m), m.universe, m.by, m.attribution),
                          lambda: history.cumulative(self.h, moment(m), by=m.by, universe=m.universe, attribution=m.attribution)[0])

    def snapshot(self, m: Measure) -> Snapshot:
        """The snapshot standing at ``m``'s moment (the latest good census for an undated 30-day
        measurement)."""
        at = moment(m)

        def make() -> Snapshot:
            if at is not None:
                return self.h.load_at(at)
            if not self.h.good():
                raise NotMeasurable(f"not measurable: no good census; {self.h.coverage}")
            return self.h.good()[-1].load()

        return self._once(("at", at), make)

    def stood(self, m: Measure) -> Snapshot | None:
        """The snapshot a 30-day measurement stands on, or None (another metric, or none)."""
        if m.metric != "30d":
            return None
        try:
            return self.snapshot(m)
        except NotMeasurable:
            return None


def _subject_value(m: Measure, found: history.Months) -> tuple[float, float]:
    """The subject's downloads over ``m``'s months and the universe's total."""
    rows = found.rows[found.rows["month"].isin(months_of(m))]
    return float(rows.loc[rows["name"] == m.subject, "downloads"].sum()), float(rows["downloads"].sum())


def line(m: Measure, reader: Reader, known: dict[str, Any], base: Measure) -> FromHistory:
    """One history line: ``m`` measured from the history, beside its ``compare`` figure."""
    published = float(formula.evaluate(m.compare, known)) if m.compare else None
    figure = m.figure or (_figure_label(m.compare, known) if m.compare else None)
    stood = reader.stood(m)
    period = period_text(m, stood.date if stood is not None else "")
    out = FromHistory(what(m), period, universe_text(m), m.attribution, _unit(m), None, figure, published, m.note)
    if m.quantity == "share" and not m.note and base.test == "share-over":
        out.note = f"the claim says {compare.words(base.test, base.value, 'share')}"
    value, why = value_from_history(m, reader)
    if value is None:
        out.note = why
        return out
    if m.quantity == "ratio":
        q, rivals = why
        out.value = q / rivals if rivals else None
        said = compare.words(base.test, base.value, "ratio", within=base.within)
        said = f"the claim holds {said}" if base.test == "more-than" else f"the claim says {said}"
        out.note = m.note or (f"{m.subject} {fmt.count(q)}, {against_text(m)} {fmt.count(rivals)}; {said}"
                              if rivals else f"{against_text(m)} have no downloads here")
        return out
    out.value = value
    if m.quantity == "next":
        out.note = m.note or f"by {GROUP_NAME[m.by]}: " + ", ".join(why)
    return out


def value_from_history(m: Measure, reader: Reader) -> tuple[float | None, Any]:
    """``m``'s value from the history in its line's unit, and what else the line says (the two
    sides of a ratio, the names summed for ``next``); ``(None, reason)`` when not measurable."""
    try:
        return _value_from_history(m, reader)
    except NotMeasurable as exc:
        return None, str(exc)


def _value_from_history(m: Measure, reader: Reader) -> tuple[float | None, Any]:
    if m.quantity in CONCENTRATION:
        snap = reader.snapshot(m)
        got = concentration_value(m, snap, COLUMN[m.metric] if m.metric != "month" else "downloads_all_time")
        return (None, f"not measurable: {snap.label} has no such counts") if got is None else (100 * got[0], None)
    if m.metric == "month":
        found = reader.months(m)
        if m.quantity == "ratio":
            q, _ = _subject_value(m, found)
            rivals = sum(_subject_value(replace(m, subject=a), found)[0] for a in m.against)
            return q, (q, rivals)
        if m.quantity == "next":
            rows = found.rows[found.rows["month"].isin(months_of(m))].groupby("name", as_index=False)["downloads"].sum()
            rows = rows.sort_values(["downloads", "name"], ascending=[False, True])
            others = rows[(rows["name"] != m.subject) & (rows["name"] != metrics.OTHER)].head(m.count)
            return float(others["downloads"].sum()) / 1e6, list(others["name"])
        spanned = months_of(m)
        if len(spanned) == 1 and m.quantity == "share":
            return 100 * found.of(m.subject, spanned[0], "share"), None
        q, total = _subject_value(m, found)
        return (q / 1e6, None) if m.quantity == "downloads" else ((100 * q / total if total else 0.0), None)
    if m.metric == "all-time":
        t = reader.cumulative(m)
    else:
        snap = reader.snapshot(m)
        t = _shares(snap, m.definition("downloads_30d"), m.by)
        if t is None:
            raise NotMeasurable(f"not measurable: {snap.label} has no 30-day download counts")
    if m.quantity == "ratio":
        q, rivals = t.downloads_of(m.subject), sum(t.downloads_of(a) for a in m.against)
        return q, (q, rivals)
    if m.quantity == "next":
        rows = t.rows[(t.rows["name"] != m.subject) & (t.rows["name"] != metrics.OTHER)].head(m.count)
        return float(rows["downloads"].sum()) / 1e6, list(rows["name"])
    return (t.downloads_of(m.subject) / 1e6 if m.quantity == "downloads" else 100 * t.share_of(m.subject)), None


def _figure_label(expr: str, known: dict[str, Any]) -> str:
    used = formula.names_in(expr)
    if len(used) == 1 and isinstance(known.get(used[0]), formula.Figure) and expr.strip() == used[0]:
        return known[used[0]].id
    out = expr
    for name in used:
        if isinstance(known.get(name), formula.Figure):
            out = out.replace(name, known[name].id)
    return out


def from_history(m: Measure, reader: Reader) -> Measurement:
    """The claim's own measurement from a history, in its own period (no stand-in). On a
    synthetic history it is marked SYNTHETIC and the claim's test is not applied."""
    found = _from_history(m, reader)
    found.coverage = "synthetic" if reader.h.synthetic else "census"
    if reader.h.synthetic:
        found.text, found.holds = f"SYNTHETIC: {found.text}", None
    return found


def _from_history(m: Measure, reader: Reader) -> Measurement:
    d = m.definition({"month": metrics.CALENDAR_MONTH, "30d": "downloads_30d"}.get(m.metric, "downloads_all_time"))
    value, why = value_from_history(m, reader)
    label = reader.h.source or "the history"
    stood = reader.stood(m)
    period = period_text(m, stood.date if stood is not None else "")
    if value is None:
        return Measurement(f"not measurable from {label}: {why.removeprefix('not measurable: ')}", None, "", d, label, period, None)
    if m.quantity == "ratio":
        q, rivals = why
        ratio = q / rivals if rivals else None
        text = f"{m.subject} {fmt.count(q)} vs {against_text(m)} {fmt.count(rivals)} ({period})"
        return Measurement(text, ratio, "ratio", d, label, period, _ratio_holds(m, q, rivals))
    if m.quantity == "downloads":
        v = value * 1e6
        return Measurement(f"{what(m)} ({period}): {fmt.count(v)}", v, "downloads", d, label, period,
                           compare.holds(m.test, v, m.value, within=m.within))
    return Measurement(f"{what(m)} ({period}): {value:.1f}%", round(value, 2), "percent", d, label, period,
                       compare.holds(m.test, value / 100, m.value, within=m.within))
