"""The claims registry: what was said, what the published figures say, and a verdict.

Each claim is checked against ``data/published/figures.csv``. A claim says whose it is and which of
its words constrain a reading ("global": no universe that leaves out organisations or regions;
"in a single month": a calendar month; "cumulative": all-time). It has one *check* per universe
the published figures allow (for example "ATOM tracked models" or "all Hub downloads"); each
check computes its arithmetic from the table, says whether the claim holds there, and whether the
universe is a *faithful* reading of the claim's words (with the reason when it is not). The
verdict counts faithful readings only:

- ``holds``: the claim holds under every faithful reading that can be computed;
- ``holds-narrowly``: under some faithful readings (named) and not others;
- ``does-not-hold``: under none;
- ``not-measurable``: no faithful reading can be computed from the figures;

qualified ``secondary-only`` when the checks that support the verdict rest on secondary sources
alone. An unfaithful reading under which the claim would hold is reported as a note, never as
support. Given a snapshot, each claim is also measured on it, under a named Definition.

>>> results = evaluate()
>>> [(r.claim.id, r.verdict) for r in results]
[('C1', 'holds-narrowly'), ('C2', 'does-not-hold'), ('C3', 'holds'), ('C4', 'holds')]
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from . import fmt, history, metrics
from . import published as published_figures
from .errors import DefinitionError, HistoryError
from .metrics import Definition
from .snapshot import Snapshot

NEARLY = 0.9
"""The reading of "nearly X": at least 90% of X and less than X."""


@dataclass
class Check:
    """The claim under one universe the published figures allow."""

    universe: str
    arithmetic: str
    holds: bool | None
    published: list[str]
    value: float | None = None
    note: str = ""
    unfaithful: str = ""
    """Why this universe is not a faithful reading of the claim's words; empty when it is."""
    would: str = ""
    """For an unfaithful reading: the note to give if the claim holds there."""
    upper_bound: bool = False
    """The value bounds Qwen's from above (a share of a group Qwen belongs to)."""

    @property
    def faithful(self) -> bool:
        return not self.unfaithful

    def to_dict(self) -> dict[str, Any]:
        return {"universe": self.universe, "arithmetic": self.arithmetic, "holds": self.holds, "value": self.value, "published": self.published,
                "note": self.note, "faithful": self.faithful, "unfaithful_because": self.unfaithful or None}


@dataclass
class Measurement:
    """The claim measured on a snapshot under one Definition."""

    text: str
    value: float | None
    unit: str
    definition: Definition | None
    snapshot_label: str
    snapshot_date: str
    holds: bool | None
    note: str = ""
    alternatives: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "value": self.value,
            "unit": self.unit,
            "holds": self.holds,
            "definition": self.definition.to_dict() if self.definition else None,
            "snapshot": {"label": self.snapshot_label, "date": self.snapshot_date},
            "note": self.note,
            "alternatives": self.alternatives,
        }


@dataclass
class FromHistory:
    """A published figure beside what a history of snapshots gives for the same period and
    universe. ``value`` and ``published`` are in ``unit``; ``difference`` is relative
    ((value − published) / published); ``value`` is None when the history does not cover the period."""

    what: str
    period: str
    universe: str
    attribution: str
    unit: str
    value: float | None
    figure: str | None = None
    published: float | None = None
    note: str = ""
    synthetic: bool = False

    @property
    def difference(self) -> float | None:
        if self.value is None or not self.published:
            return None
        return (self.value - self.published) / self.published

    @property
    def text(self) -> str:
        """One line: what, Definition, measured value, published value and difference."""
        head = ("SYNTHETIC: " if self.synthetic else "") + f"{self.what} ({self.period}; {self.universe} × {self.attribution})"
        if self.value is None:
            return f"{head}: {self.note}"
        shown = self.show(self.value)
        if self.published is None:
            return f"{head}: {shown}" + (f"; {self.note}" if self.note else "")
        return f"{head}: {shown} vs published {self.show(self.published)} ({self.figure}), {100 * self.difference:+.1f}%" + (
            f"; {self.note}" if self.note else "")

    def show(self, v: float) -> str:
        return fmt.millions(round(v, 1)) if self.unit == "million downloads" else (f"{v:.1f}%" if self.unit == "percent" else f"{v:.2f}×")

    def to_dict(self) -> dict[str, Any]:
        return {"what": self.what, "period": self.period, "universe": self.universe, "attribution": self.attribution,
                "unit": self.unit, "value": self.value, "figure": self.figure, "published": self.published,
                "difference": self.difference, "note": self.note, "synthetic": self.synthetic}


@dataclass(frozen=True)
class Claim:
    """One public claim: its id, a short statement, the article's words and how to check it."""

    id: str
    statement: str
    words: str
    published: tuple[str, ...]
    check: Callable[[pd.DataFrame], tuple[list[Check], list[str]]]
    measure: Callable[[Snapshot], Measurement]
    whose: str = "an article of March 2026, citing Interconnects AI's ATOM Project"
    constraints: tuple[str, ...] = ()
    """The claim's words that constrain a reading, each with what it rules out."""

    def published_table(self, published: pd.DataFrame | None = None) -> pd.DataFrame:
        """The published figures the claim is checked against, with unit, date, kind and source."""
        pub = published if published is not None else published_figures.load()
        return pub.loc[list(self.published), ["value", "unit", "as_of", "measures", "kind", "bound", "source"]]


@dataclass
class Result:
    claim: Claim
    checks: list[Check]
    consistency: list[str]
    verdict: str
    holds_under: list[str]
    secondary_only: bool
    citations: list[dict[str, str]]
    """The published figures the checks use, each with its source, kind and date."""
    notes: list[str] = field(default_factory=list)
    """Unfaithful readings under which the claim would hold (never support)."""
    measured: Measurement | None = None
    from_history: list[FromHistory] | None = None

    @property
    def verdict_text(self) -> str:
        """The verdict with its qualifier, e.g. ``'holds-narrowly, secondary-only'``."""
        return f"{self.verdict}, secondary-only" if self.secondary_only else self.verdict

    def checks_table(self) -> pd.DataFrame:
        """One row per check: universe, arithmetic, whether the claim holds there, whether the
        universe is a faithful reading, and the note (or why it is not faithful)."""
        return pd.DataFrame([{"universe": c.universe, "arithmetic": c.arithmetic, "holds": c.holds, "faithful": c.faithful,
                              "note": c.unfaithful or c.note} for c in self.checks])

    def summary(self) -> str:
        """The verdict in a few lines: the claim's words, the verdict, where it holds, what was
        measured, and the notes."""
        lines = [f'{self.claim.id} "{self.claim.words}": {self.verdict_text}']
        lines += [f"  holds under: {u}" for u in self.holds_under]
        lines += [f"  note: {n} (an unfaithful reading: not support)" for n in self.notes]
        if self.measured:
            lines.append(f"  measured on {self.measured.snapshot_label}: {self.measured.text}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.claim.id,
            "statement": self.claim.statement,
            "words": self.claim.words,
            "verdict": self.verdict,
            "qualifiers": ["secondary-only"] if self.secondary_only else [],
            "holds_under": self.holds_under,
            "whose": self.claim.whose,
            "constraints": list(self.claim.constraints),
            "notes": self.notes,
            "published": {"checks": [c.to_dict() for c in self.checks], "consistency": self.consistency},
            "measured": self.measured.to_dict() if self.measured else None,
            "history": [h.to_dict() for h in self.from_history] if self.from_history is not None else None,
            "definition": self.measured.definition.label if self.measured and self.measured.definition else None,
            "citations": self.citations,
        }


# --------------------------------------------------------------------------- helpers


def _n(pub: pd.DataFrame, fig_id: str) -> float:
    return float(pub.loc[fig_id, "number"])


def _secondary(pub: pd.DataFrame, ids: list[str]) -> bool:
    return all(pub.loc[i, "kind"] == "secondary" for i in ids)


def _month_span(start: str, end: str) -> tuple[float, float]:
    """Shortest and longest span in months between two as-of dates of day or month precision."""
    s0, s1 = published_figures.date_bounds(start)
    e0, e1 = published_figures.date_bounds(end)
    days_per_month = 365.25 / 12
    return max((e0 - s1).days, 1) / days_per_month, (e1 - s0).days / days_per_month


def _cumulative_growth(pub: pd.DataFrame):
    """Qwen's cumulative count from January (Xinhua) to March 2026 (ATOM): the two rows, the
    growth, the span in months (shortest, longest) and the monthly rate (slowest, fastest)."""
    jan, mar = pub.loc["xinhua-qwen-cum-2026-01"], pub.loc["atom-qwen-cum-2026-03"]
    lo, hi = _month_span(jan["as_of"], mar["as_of"])
    grew = mar["number"] - jan["number"]
    return jan, mar, grew, (lo, hi), (round(grew / hi, 1), round(grew / lo, 1))


def _safe_shares(snap: Snapshot, d: Definition) -> metrics.ShareTable | None:
    try:
        return metrics.shares(snap, d)
    except DefinitionError:
        return None


def _sample_note(snap: Snapshot) -> str:
    if snap.is_sample:
        return "This snapshot is a sample, not a census: totals are those of the sample's repos only."
    return ""


def _measured(snap: Snapshot, d: Definition, text: str, value: float | None, unit: str, holds: bool | None,
              note: str = "", alternatives: list | None = None) -> Measurement:
    """A Measurement on ``snap`` under ``d``; the sample caveat is appended to ``note``."""
    return Measurement(text=text, value=value, unit=unit, definition=d, snapshot_label=snap.label, snapshot_date=snap.date,
                       holds=holds, note=" ".join(filter(None, [note, _sample_note(snap)])), alternatives=alternatives or [])


def _unmeasurable(snap: Snapshot, d: Definition, what: str) -> Measurement:
    return _measured(snap, d, f"not measurable on {snap.label}: {what}", None, "", None)


# --------------------------------------------------------------------------- C1


def _check_c1(pub: pd.DataFrame) -> tuple[list[Check], list[str]]:
    q = _n(pub, "atom-qwen-cum-2026-03")
    ali = _n(pub, "alibaba-qwen-cum-1b")
    checks = [
        Check(
            universe="ATOM tracked models (first-party open LLMs), March 2026",
            arithmetic=f"{fmt.millions(q)} = {q / 10:.1f}% of 1 billion; 'nearly' = {NEARLY:.0%} to 100%",
            holds=NEARLY * 1000 <= q < 1000,
            published=["atom-qwen-cum-2026-03"],
            value=q,
        ),
        Check(
            universe="Alibaba's count, scope unstated (wider than the tracked list), February 2026",
            arithmetic=f"more than {fmt.millions(ali)}" + (": already at 1 billion or past it, not 'nearly'" if ali >= 1000 else ""),
            holds=(NEARLY * 1000 <= ali < 1000) if pub.loc["alibaba-qwen-cum-1b", "bound"] == "exact" else (False if ali >= 1000 else None),
            published=["alibaba-qwen-cum-1b"],
            value=ali,
            note="a lower bound one month before the ATOM figure, so its scope must be wider",
        ),
    ]
    jan, mar, grew, (lo, hi), (slow, fast) = _cumulative_growth(pub)
    consistency = [
        f"{fmt.millions(jan['number'])} ({jan['as_of']}) → {fmt.millions(q)} ({mar['as_of']}): +{fmt.millions(grew)} "
        f"in {lo:.1f} to {hi:.1f} months, {fmt.millions(slow)} to {fmt.millions(fast)} a month",
        f"'more than {fmt.millions(ali)}' ({pub.loc['alibaba-qwen-cum-1b', 'as_of']}) exceeds the later "
        f"{fmt.millions(q)} ({mar['as_of']}): the two counts cannot share a scope",
    ]
    return checks, consistency


def _measure_c1(snap: Snapshot) -> Measurement:
    d = metrics.PRESETS["all-uploader-alltime"]
    t = _safe_shares(snap, d)
    if t is None:
        return _unmeasurable(snap, d, "the snapshot has no all-time download counts")
    q = t.downloads_of("Qwen")
    alt = _safe_shares(snap, metrics.PRESETS["all-lineage-alltime"])
    beside = f" (beside it, with derivatives by lineage: {fmt.count(alt.downloads_of('Qwen'))})" if alt is not None else ""
    return _measured(snap, d, f"Qwen's first-party repos: {fmt.count(q)} all-time downloads" + beside, float(q), "downloads",
                     NEARLY * 1e9 <= q < 1e9,
                     alternatives=[{"definition": alt.definition.key, "value": alt.downloads_of("Qwen")}] if alt else [])


# --------------------------------------------------------------------------- C2


def _check_c2(pub: pd.DataFrame) -> tuple[list[Check], list[str]]:
    q = _n(pub, "atom-qwen-cum-2026-03")
    cn, us = _n(pub, "atom-china-cum-2026-03"), _n(pub, "atom-us-cum-2026-03")
    total = _n(pub, "atom-tracked-total-2026-03")
    eoi_cn = _n(pub, "eoi-china-share")
    hf_cn = _n(pub, "hf-spring-2026-china")
    tq, top = _n(pub, "top50k-qwen-30d-2026-08"), _n(pub, "top50k-total-30d-2026-08")
    two = 100 * q / (cn + us)
    checks = [
        Check(
            universe="ATOM tracked models of China- and US-based organisations only, March 2026",
            arithmetic=f"{fmt.millions(q)} / ({fmt.millions(cn)} + {fmt.millions(us)}) = {two:.1f}%",
            holds=two > 50,
            published=["atom-qwen-cum-2026-03", "atom-china-cum-2026-03", "atom-us-cum-2026-03"],
            value=two,
            unfaithful="'global' admits no universe that leaves out organisations or regions; this one counts only China- and US-based organisations",
            would=f"would hold at {two:.1f}% if only China- and US-based organisations counted",
        ),
        Check(
            universe="ATOM tracked models, all organisations, March 2026",
            arithmetic=f"{fmt.millions(q)} / {fmt.millions(total)} = {100 * q / total:.1f}%",
            holds=q / total > 0.5,
            published=["atom-qwen-cum-2026-03", "atom-tracked-total-2026-03"],
            value=100 * q / total,
            note="cumulative downloads of every tracked organisation's models",
        ),
        Check(
            universe="all Hub downloads, August 2024 to August 2025 (Economies of Open Intelligence)",
            arithmetic=f"Qwen ≤ China-based developers' {eoi_cn:g}% {'>' if eoi_cn > 50 else '≤'} 50%",
            holds=eoi_cn > 50,
            published=["eoi-china-share"],
            value=eoi_cn,
            note="an upper bound: Qwen is one of the China-based developers",
            upper_bound=True,
        ),
        Check(
            universe="all Hub downloads, year to March 2026 (Hugging Face blog)",
            arithmetic=f"Qwen ≤ China's {hf_cn:g}% {'>' if hf_cn > 50 else '≤'} 50%",
            holds=hf_cn > 50,
            published=["hf-spring-2026-china"],
            value=hf_cn,
            note="an upper bound: Qwen is part of China's share",
            upper_bound=True,
        ),
        Check(
            universe="all Hub downloads by uploader, top 50,000 models, 30 days to August 2026",
            arithmetic=f"{fmt.millions(tq)} / about {fmt.millions(top)} = {100 * tq / top:.1f}%",
            holds=tq / top > 0.5,
            published=["top50k-qwen-30d-2026-08", "top50k-total-30d-2026-08"],
            value=100 * tq / top,
            note="the repos in Qwen's namespace among the 50,000 most downloaded; a 30-day window, five months after ATOM's figures",
        ),
    ]
    consistency = [
        f"the only published arithmetic above 50%: China-based organisations' {fmt.millions(cn)} / {fmt.millions(total)} = "
        f"{100 * cn / total:.1f}% of all tracked downloads (China, not Qwen; Qwen's is {100 * q / total:.1f}%)",
    ]
    return checks, consistency


C2_BESIDE = {"llm-uploader-30d": "language models", "atom-uploader-30d": "ATOM's tracked models"}
"""The other universes C2's measured line shows beside the all-models reading."""


def _measure_c2(snap: Snapshot) -> Measurement:
    # "global open-source model downloads": every model counts, so all models come first.
    main = metrics.PRESETS["all-uploader-30d"]
    alternatives = []
    for d in metrics.grid():
        t = _safe_shares(snap, d)
        if t is not None:
            alternatives.append({"definition": d.key, "label": d.label, "share": round(t.share_of("Qwen"), 4)})
    t = _safe_shares(snap, main)
    if t is None:
        return _unmeasurable(snap, main, "the snapshot has no 30-day download counts")
    s = t.share_of("Qwen")
    shares = {a["definition"]: a["share"] for a in alternatives}
    beside = "; ".join(f"{name} {fmt.percent(shares[key])}" for key, name in C2_BESIDE.items() if key in shares)
    return _measured(snap, main, f"Qwen's share: {fmt.percent(s)} of all models' {fmt.count(t.total)} downloads"
                     + (f" (beside it, by the same uploader count: {beside})" if beside else ""), round(100 * s, 2), "percent",
                     s > 0.5, "All models first: 'global open-source model downloads' leaves none out.", alternatives)


# --------------------------------------------------------------------------- C3


def _check_c3(pub: pd.DataFrame) -> tuple[list[Check], list[str]]:
    m = _n(pub, "atom-qwen-month-2026-02")
    checks = [
        Check(
            universe="ATOM tracked models, calendar month February 2026",
            arithmetic=f"{fmt.millions(m)} rounds down to 153M",
            holds=math.floor(m) == 153,
            published=["atom-qwen-month-2026-02"],
            value=m,
        )
    ]
    jan, mar, _, _, (slow, fast) = _cumulative_growth(pub)
    consistency = [
        f"the cumulative counts {fmt.millions(jan['number'])} ({jan['as_of']}) and {fmt.millions(mar['number'])} "
        f"({mar['as_of']}) imply {fmt.millions(slow)} to {fmt.millions(fast)} a month; "
        f"{fmt.millions(m)} is {'inside' if slow <= m <= fast else 'outside'} that range "
        "(they come from different sources and scopes)",
    ]
    return checks, consistency


def _measure_c3(snap: Snapshot) -> Measurement:
    d = metrics.PRESETS["all-uploader-30d"]
    t = _safe_shares(snap, d)
    if t is None:
        return _unmeasurable(snap, d, "the snapshot has no 30-day download counts")
    q = t.downloads_of("Qwen")
    return _measured(snap, d, f"Qwen's first-party repos: {fmt.count(q)} downloads in the 30 days to {snap.date}", float(q), "downloads",
                     None, "A rolling 30-day count is not a calendar month: a month needs the all-time counters of two "
                     "snapshots, one at each end (hubshare diff).")


# --------------------------------------------------------------------------- C4


def _check_c4(pub: pd.DataFrame) -> tuple[list[Check], list[str]]:
    q = _n(pub, "atom-qwen-month-2026-02")
    n8 = _n(pub, "atom-next8-month-2026-02")
    dec = pub.loc["xinhua-qwen-dec-2025"]
    tq, tl, td = (_n(pub, f"top50k-{who}-30d-2026-08") for who in ("qwen", "llama", "deepseek"))
    checks = [
        Check(
            universe="ATOM tracked models, calendar month February 2026",
            arithmetic=f"Llama + DeepSeek ≤ next eight combined {fmt.millions(n8)} < Qwen {fmt.millions(q)}",
            holds=q > n8,
            published=["atom-qwen-month-2026-02", "atom-next8-month-2026-02"],
            value=q / n8,
            note="holds whether or not Meta and DeepSeek are among the next eight: if one is not, it is smaller than each of them",
        ),
        Check(
            universe="Qwen team via Xinhua, December 2025",
            arithmetic=f"Qwen '{dec['value']}' (Meta and DeepSeek among them)",
            holds=dec["value"].startswith("more than"),
            published=["xinhua-qwen-dec-2025"],
            unfaithful="'in that month' is February 2026, the month of C3; this is December 2025",
            would="would hold for December 2025, by the Qwen team's own count (via Xinhua)",
        ),
        Check(
            universe="all Hub downloads by uploader, top 50,000 models, 30 days to August 2026",
            arithmetic=f"Qwen {fmt.millions(tq)} vs Llama {fmt.millions(tl)} + DeepSeek {fmt.millions(td)} = {fmt.millions(tl + td)}",
            holds=tq > tl + td,
            published=["top50k-qwen-30d-2026-08", "top50k-llama-30d-2026-08", "top50k-deepseek-30d-2026-08"],
            value=tq / (tl + td),
            unfaithful="'in that month' is February 2026, the month of C3; this is a 30-day window in August 2026",
            would=f"would hold Hub-wide by uploader in the 30 days to August 2026, at {tq / (tl + td):.1f}× (top 50,000 models)",
        ),
    ]
    return checks, []


C4_DEFINITIONS = ("all-uploader-30d", "all-lineage-30d")
"""C4's measured line: by uploader first (the organisations' own repos, as ATOM counts), by
lineage beside it."""


def _measure_c4(snap: Snapshot) -> Measurement:
    rows = []
    for key in C4_DEFINITIONS:
        t = _safe_shares(snap, metrics.PRESETS[key])
        if t is not None:
            q, ll, ds = t.downloads_of("Qwen"), t.downloads_of("Llama"), t.downloads_of("DeepSeek")
            rows.append({"definition": key, "Qwen": q, "Llama": ll, "DeepSeek": ds, "Llama + DeepSeek": ll + ds, "holds": q > ll + ds})
    d = metrics.PRESETS[C4_DEFINITIONS[0]]
    if not rows or rows[0]["definition"] != d.key:
        return _unmeasurable(snap, d, "the snapshot has no 30-day download counts")
    main = rows[0]
    beside = "".join(f" (beside it, by lineage: Qwen {fmt.count(r['Qwen'])} vs {fmt.count(r['Llama + DeepSeek'])})" for r in rows[1:])
    return _measured(snap, d, f"Qwen {fmt.count(main['Qwen'])} vs Llama {fmt.count(main['Llama'])} + DeepSeek {fmt.count(main['DeepSeek'])} = "
                     f"{fmt.count(main['Llama + DeepSeek'])}" + beside,
                     float(main["Qwen"]) / main["Llama + DeepSeek"] if main["Llama + DeepSeek"] else None, "ratio", main["holds"],
                     "A 30-day window, not the calendar month of the claim.", rows)


def share_readings(result: Result, grid: pd.DataFrame, label: str) -> pd.DataFrame:
    """A share claim's published readings beside the shares measured on a snapshot (a
    ``metrics.share_grid``): where, Qwen's share (``≤`` for an upper bound), and whether it is over 50%."""
    rows = [{"where": c.universe, "Qwen's share": f"{'≤ ' if c.upper_bound else ''}{c.value:.1f}%", "over 50%": c.holds,
             "faithful": c.faithful} for c in result.checks]
    rows += [{"where": f"{label}: {metrics.PRESETS[r.definition].label}", "Qwen's share": fmt.percent(r.share), "over 50%": bool(r.share > 0.5),
              "faithful": r.universe == "all"} for r in grid.dropna(subset=["share"]).itertuples()]
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- from a history

MONTH = "2026-02"
"""The calendar month of C3 and C4 (ATOM's February 2026)."""
CUMULATIVE_AT = "2026-04-01"
"""The end of March 2026, where ATOM's cumulative figures stand."""


class _Reader:
    """What the claims read from a history, each computed once."""

    def __init__(self, h: history.History):
        self.h = h
        for e in h.entries:  # the claims read the same two or three boundary snapshots many times
            e.keep = True
        self._months: dict = {}
        self._cum: dict = {}

    def month(self, universe: str, by: str = "family", attribution: str = "uploader") -> history.Months | str:
        key = (universe, by, attribution)
        if key not in self._months:
            m = history.months(self.h, MONTH, MONTH, by=by, universe=universe, attribution=attribution)
            self._months[key] = m if not m.missing else f"not measurable: {m.missing[0][1]}; {self.h.coverage}"
        return self._months[key]

    def cumulative(self, universe: str, by: str = "family") -> metrics.ShareTable | str:
        key = (universe, by)
        if key not in self._cum:
            try:
                self._cum[key] = history.cumulative(self.h, CUMULATIVE_AT, by=by, universe=universe)[0]
            except HistoryError as exc:
                self._cum[key] = str(exc)
        return self._cum[key]


def _month_value(r: _Reader, universe: str, what: str, *, value: str = "downloads", unit: str = "million downloads",
                 figure: str | None = None, published: float | None = None, note: str = "") -> FromHistory:
    """Qwen's downloads (or share) in the month under ``universe`` × uploader, beside a published figure."""
    m = r.month(universe)
    period = "February 2026"
    if isinstance(m, str):
        return FromHistory(what, period, universe, "uploader", unit, None, figure, published, m)
    v = m.of("Qwen", MONTH, value)
    return FromHistory(what, period, universe, "uploader", unit, v / 1e6 if unit == "million downloads" else 100 * v, figure, published, note)


def _history_c1(r: _Reader, pub: pd.DataFrame) -> list[FromHistory]:
    out = []
    for u in ("atom", "all"):
        t = r.cumulative(u)
        note = "" if u == "atom" else "a wider universe than ATOM's list: every Qwen repo"
        value = None if isinstance(t, str) else t.downloads_of("Qwen") / 1e6
        out.append(FromHistory("Qwen's cumulative downloads", "end of March 2026", u, "uploader", "million downloads", value,
                               "atom-qwen-cum-2026-03", _n(pub, "atom-qwen-cum-2026-03"), t if isinstance(t, str) else note))
    return out


def _history_c2(r: _Reader, pub: pd.DataFrame) -> list[FromHistory]:
    out = []
    for u in ("all", "llm", "atom"):
        out.append(_month_value(r, u, "Qwen's share of the month's downloads", value="share", unit="percent",
                                figure=None, note="the claim says over 50%"))
    q, total = _n(pub, "atom-qwen-cum-2026-03"), _n(pub, "atom-tracked-total-2026-03")
    for u in ("all", "llm", "atom"):
        t = r.cumulative(u)
        value = None if isinstance(t, str) else 100 * t.share_of("Qwen")
        pub = (round(100 * q / total, 1), "atom-qwen-cum-2026-03 / atom-tracked-total-2026-03") if u == "atom" else (None, None)
        out.append(FromHistory("Qwen's share of cumulative downloads", "end of March 2026", u, "uploader", "percent", value,
                               pub[1], pub[0], t if isinstance(t, str) else "the claim says over 50%"))
    return out


def _history_c3(r: _Reader, pub: pd.DataFrame) -> list[FromHistory]:
    pub = _n(pub, "atom-qwen-month-2026-02")
    return [
        _month_value(r, "atom", "Qwen's downloads in the month", figure="atom-qwen-month-2026-02", published=pub,
                     note="ATOM's own definition"),
        _month_value(r, "all", "Qwen's downloads in the month", figure="atom-qwen-month-2026-02", published=pub,
                     note="every Qwen repo, a wider universe"),
    ]


def _history_c4(r: _Reader, pub: pd.DataFrame) -> list[FromHistory]:
    out = []
    period = "February 2026"
    for u in ("atom", "all"):
        m = r.month(u)
        if isinstance(m, str):
            out.append(FromHistory("Qwen ÷ (Llama + DeepSeek)", period, u, "uploader", "ratio", None, note=m))
            continue
        q, rivals = m.of("Qwen", MONTH), m.of("Llama", MONTH) + m.of("DeepSeek", MONTH)
        out.append(FromHistory("Qwen ÷ (Llama + DeepSeek)", period, u, "uploader", "ratio", q / rivals if rivals else None,
                               note=f"Qwen {fmt.count(q)}, Llama + DeepSeek {fmt.count(rivals)}; the claim holds above 1"
                               if rivals else "Llama and DeepSeek have no downloads here"))
    m = r.month("atom", by="org")
    if isinstance(m, str):
        out.append(FromHistory("the next eight organisations combined", period, "atom", "uploader", "million downloads", None, note=m))
        return out
    rows = m.rows[m.rows["month"] == MONTH].sort_values(["downloads", "name"], ascending=[False, True])
    others = rows[rows["name"] != "Qwen"].head(8)
    out.append(FromHistory("the next eight organisations combined", period, "atom", "uploader", "million downloads",
                           others["downloads"].sum() / 1e6, "atom-next8-month-2026-02", _n(pub, "atom-next8-month-2026-02"),
                           "by organisation: " + ", ".join(others["name"])))
    return out


_FROM_HISTORY = {"C1": _history_c1, "C2": _history_c2, "C3": _history_c3, "C4": _history_c4}


# --------------------------------------------------------------------------- registry

REGISTRY: tuple[Claim, ...] = (
    Claim("C1", "Qwen has nearly 1 billion cumulative downloads", "nearly 1 billion cumulative downloads",
          ("atom-qwen-cum-2026-03", "alibaba-qwen-cum-1b", "xinhua-qwen-cum-2026-01"), _check_c1, _measure_c1,
          constraints=("cumulative: all-time downloads, not a window", f"nearly: at least {NEARLY:.0%} of 1 billion and less")),
    Claim("C2", "Qwen has over 50% of global open-source model downloads", "over 50% of global open-source model downloads",
          ("atom-qwen-cum-2026-03", "atom-tracked-total-2026-03", "atom-china-cum-2026-03", "atom-us-cum-2026-03",
           "eoi-china-share", "hf-spring-2026-china", "top50k-qwen-30d-2026-08", "top50k-total-30d-2026-08"), _check_c2, _measure_c2,
          constraints=("global: no universe that leaves out organisations or regions", "over 50%: more than half")),
    Claim("C3", "Qwen had 153 million downloads in a single month", "153 million downloads in a single month",
          ("atom-qwen-month-2026-02", "xinhua-qwen-cum-2026-01", "atom-qwen-cum-2026-03"), _check_c3, _measure_c3,
          constraints=("in a single month: a calendar month, not a 30-day window",)),
    Claim("C4", "In that month Qwen had more downloads than Meta's Llama and DeepSeek combined",
          "more than Meta Llama and DeepSeek combined",
          ("atom-qwen-month-2026-02", "atom-next8-month-2026-02", "xinhua-qwen-dec-2025", "top50k-qwen-30d-2026-08",
           "top50k-llama-30d-2026-08", "top50k-deepseek-30d-2026-08"), _check_c4, _measure_c4,
          constraints=("in that month: February 2026, the calendar month of C3",)),
)


def get(claim_id: str) -> Claim:
    for c in REGISTRY:
        if c.id == claim_id.upper():
            return c
    raise KeyError(f"no claim {claim_id!r} (claims: {', '.join(c.id for c in REGISTRY)})")


def judge(checks: list[Check], pub: pd.DataFrame) -> tuple[str, list[str], bool]:
    """Verdict over the faithful readings, the universes where the claim holds, and whether the
    support is secondary-only. Unfaithful readings never count (see ``notes``)."""
    known = [c for c in checks if c.holds is not None and c.faithful]
    if not known:
        return "not-measurable", [], False
    good = [c for c in known if c.holds]
    if len(good) == len(known):
        verdict = "holds"
    elif good:
        verdict = "holds-narrowly"
    else:
        verdict = "does-not-hold"
    support = good if good else known
    secondary = _secondary(pub, sorted({f for c in support for f in c.published}))
    return verdict, [c.universe for c in good], secondary


def evaluate(snap: Snapshot | None = None, published: pd.DataFrame | None = None, hist: history.History | None = None,
             only: tuple[str, ...] | None = None) -> list[Result]:
    """Judge every claim (or the ``only`` ones) against the published figures; measure it on
    ``snap`` if given, and from a history of snapshots (``hist``) for the published figures' own
    periods if given."""
    pub = published if published is not None else published_figures.load()
    reader = _Reader(hist) if hist is not None else None
    results = []
    for claim in REGISTRY if only is None else [get(c) for c in only]:
        checks, consistency = claim.check(pub)
        verdict, holds_under, secondary = judge(checks, pub)
        notes = [c.would for c in checks if not c.faithful and c.holds and c.would]
        used = list(dict.fromkeys([*claim.published, *(f for c in checks for f in c.published)]))
        citations = [
            {"id": i, "source": pub.loc[i, "source"], "url": pub.loc[i, "url"], "kind": pub.loc[i, "kind"], "as_of": pub.loc[i, "as_of"], "value": pub.loc[i, "value"], "unit": pub.loc[i, "unit"]}
            for i in used
        ]
        results.append(
            Result(
                claim=claim,
                checks=checks,
                consistency=consistency,
                verdict=verdict,
                holds_under=holds_under,
                secondary_only=secondary,
                citations=citations,
                notes=notes,
                measured=claim.measure(snap) if snap is not None else None,
                from_history=_FROM_HISTORY[claim.id](reader, pub) if reader is not None else None,
            )
        )
        for f in results[-1].from_history or []:
            f.synthetic = hist.synthetic
    return results


def history_table(results: list[Result]) -> pd.DataFrame:
    """Every claim's history measurements as one table: claim, what, period, Definition, measured,
    published, relative difference (empty where the history does not cover the period)."""
    rows = []
    for r in results:
        for f in r.from_history or []:
            rows.append({"claim": r.claim.id, "what": ("SYNTHETIC: " if f.synthetic else "") + f.what, "period": f.period, "definition": f"{f.universe} × {f.attribution}",
                         "measured": f.show(f.value) if f.value is not None else "not measurable",
                         "published": f.show(f.published) if f.published is not None else "",
                         "difference": f"{100 * f.difference:+.1f}%" if f.difference is not None else "",
                         "note": f.note})
    return pd.DataFrame(rows)


def result(claim_id: str, snap: Snapshot | None = None, hist: history.History | None = None) -> Result:
    """One claim's Result (``evaluate`` for that claim alone).

    >>> result("C3").verdict_text
    'holds'
    """
    return evaluate(snap, hist=hist, only=(claim_id,))[0]


def table(results: list[Result]) -> pd.DataFrame:
    """The claims table: one row per claim, published verdict beside the measured value."""
    rows = []
    for r in results:
        rows.append(
            {
                "claim": r.claim.id,
                "words": r.claim.words,
                "verdict": r.verdict_text,
                "holds under": "; ".join(r.holds_under) or "—",
                "notes": "; ".join(r.notes),
                "measured": r.measured.text if r.measured else "",
                "definition": r.measured.definition.key if r.measured and r.measured.definition else "",
            }
        )
    return pd.DataFrame(rows)
