"""Claim files: one public claim per TOML file, read and checked before anything is computed.

``data/claims/README.md`` describes the format for the people who write claims; this module is
its one reading. ``read(path)`` gives a ``Claim`` or raises ``ClaimFileError`` naming the file,
the key and what is allowed there; ``read_all(paths)`` reads files and folders and keeps going
past a bad file, returning its message beside the claims that read well.
"""

from __future__ import annotations

import keyword
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from .. import metrics, paths, reference, snapshot
from .. import published as published_figures
from ..errors import ClaimFileError
from . import formula

METRICS = ("month", "all-time", "30d")
"""``month``: calendar months between 00:00 UTC boundaries; ``all-time``: the all-time counters at
a moment; ``30d``: the Hub's rolling 30-day count on a snapshot."""
TESTS = ("share-over", "more-than", "at-least", "nearly", "about")
QUANTITIES = ("downloads", "share", "ratio", "top-share", "below", "next")
"""What a measurement computes: the subject's downloads; its share of the universe's downloads;
its downloads over the sum of ``against``'s; the share of downloads held by the top ``top``
fraction of repos; the share of repos with fewer than ``threshold`` downloads; the sum of the
``count`` largest names other than the subject."""
UNIVERSES = (*metrics.PRESET_UNIVERSES, "gguf")
READING_UNITS = ("million downloads", "downloads", "percent", "ratio")
BOUNDS = ("exact", "lower", "upper")
ABOUT = 0.1
"""The reading of "about X" when a claim gives no ``within``: within 10% of X either way."""

_NAMESPACE = re.compile(rf"^{snapshot.LABEL}$")
_REPO_ID = re.compile(rf"^{snapshot.LABEL}/{snapshot.LABEL}$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_DAY = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-\d{2}$")
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9-]*$")

TOP_KEYS = ("id", "statement", "words", "whose", "constraints", "notebook", "figures", "let", "reading", "consistency", "measure", "history")
WHOSE_KEYS = ("who", "when", "title", "outlet", "untitled", "citing", "url")
READING_KEYS = ("universe", "value", "unit", "bound", "says", "figures", "arithmetic", "note", "unfaithful", "would")
MEASURE_KEYS = ("metric", "period", "universe", "attribution", "by", "subject", "test", "against", "value", "within", "quantity",
                "top", "threshold", "count", "note", "beside", "compare", "figure", "what")
HISTORY_KEYS = tuple(k for k in MEASURE_KEYS if k not in ("beside", "test", "value", "within"))
BESIDE_KEYS = ("universe", "attribution", "by")


@dataclass(frozen=True)
class Whose:
    """Whose words a claim quotes: who said them, when, where (title, outlet, address) and whom
    they cite; ``untitled`` says why a claim has no title."""

    who: str
    when: str
    title: str = ""
    citing: str = ""
    url: str = ""
    outlet: str = ""
    untitled: str = ""

    @property
    def text(self) -> str:
        """``who of when`` (or ``who, "title", outlet (when)``), then ``, citing ...``."""
        where = f", {self.outlet}" if self.outlet and self.outlet.lower() not in self.who.lower() else ""
        head = f'{self.who}, "{self.title}"{where} ({self.when})' if self.title else f"{self.who}{where} of {self.when}"
        return head + (f", citing {self.citing}" if self.citing else "")

    @property
    def short(self) -> str:
        """``who, title`` or ``who, when``: for tables and chart titles."""
        return f"{self.who}, {self.title}" if self.title else f"{self.who}, {self.when}"

    def to_dict(self) -> dict[str, str]:
        """The JSON form (``claims --json`` ``source``): every field and ``text``."""
        return {"who": self.who, "when": self.when, "title": self.title, "outlet": self.outlet, "untitled": self.untitled,
                "citing": self.citing, "url": self.url, "text": self.text}


@dataclass(frozen=True)
class Reading:
    """One reading the published figures give: its universe, value, arithmetic and faithfulness."""

    universe: str
    arithmetic: str
    value: str | None = None
    unit: str = ""
    bound: str | None = None
    says: str | None = None
    figures: tuple[str, ...] = ()
    note: str = ""
    unfaithful: str = ""
    would: str = ""


@dataclass(frozen=True)
class Measure:
    """How a snapshot or a history measures a claim (``[measure]``, a ``[[history]]`` line, or a
    ``beside`` reading): see the README of ``data/claims`` for every key."""

    metric: str
    universe: str | tuple[str, ...]
    attribution: str
    by: str
    subject: str
    test: str
    quantity: str
    period: str = ""
    against: tuple[str, ...] = ()
    value: float | None = None
    within: float = ABOUT
    top: float | None = None
    threshold: float | None = None
    count: int | None = None
    note: str = ""
    compare: str | None = None
    figure: str = ""
    what: str = ""
    beside: tuple[Measure, ...] = ()

    @property
    def universe_key(self) -> str:
        """The universe's name for a Definition: ``list`` for a list of repo ids."""
        return "list" if isinstance(self.universe, tuple) else self.universe

    @property
    def ids(self) -> tuple[str, ...] | None:
        """The repo ids of a list universe, or None for a named universe."""
        return self.universe if isinstance(self.universe, tuple) else None

    def definition(self, metric: str) -> metrics.Definition:
        """The Definition of this measurement with the snapshot column ``metric``, or with
        ``calendar_month`` for the months of its period."""
        months = self.period if metric == metrics.CALENDAR_MONTH else None
        return metrics.Definition(self.universe_key, self.attribution, metric, ids=self.ids, months=months)

    @property
    def relative(self) -> bool:
        """Whether the test compares the subject with something in the same window (a share, a
        ratio), so that a 30-day window stands in for a month; an absolute count does not."""
        return self.quantity in ("share", "ratio")


@dataclass(frozen=True)
class Claim:
    """One public claim, as its file writes it."""

    id: str
    statement: str
    words: str
    whose: Whose
    measure: Measure
    readings: tuple[Reading, ...] = ()
    constraints: tuple[str, ...] = ()
    figures: dict[str, str] = field(default_factory=dict)
    """Names the file gives to published figures (name → figure id), in the file's order."""
    let: dict[str, str] = field(default_factory=dict)
    consistency: tuple[str, ...] = ()
    history: tuple[Measure, ...] = ()
    notebook: str = ""
    """The notebook of ``notebooks/`` that checks the claim (its name without ``.ipynb``), if any."""
    path: Path | None = None

    @property
    def figure_ids(self) -> tuple[str, ...]:
        """The ids of the published figures the claim names."""
        return tuple(self.figures.values())

    @property
    def file(self) -> str:
        """The claim file's path for messages (``(no file)`` for a claim built in code)."""
        return paths.relative(self.path) if self.path else "(no file)"

    def published_table(self, published: pd.DataFrame | None = None) -> pd.DataFrame:
        """The published figures the claim is checked against, with unit, date, kind and source."""
        pub = published if published is not None else published_figures.load()
        table = pub.loc[list(self.figure_ids), ["value", "unit", "as_of", "measures", "kind", "bound", "source"]]
        return table.assign(address=[u or f"none: {n}" for u, n in zip(pub.loc[list(self.figure_ids), "url"], pub.loc[list(self.figure_ids), "url_note"])])

    def periods(self) -> list[Measure]:
        """The measurement and every history line: what a history must cover to measure the claim."""
        return [self.measure, *self.history]


# --------------------------------------------------------------------------- reading files


class _Where:
    """The file being read, for messages that name it and the key."""

    def __init__(self, path: Path):
        self.file = paths.relative(path)

    def fail(self, key: str, problem: str) -> ClaimFileError:
        return ClaimFileError(f"{self.file}: {key}: {problem}")

    def get(self, table: dict, key: str, kind: type | tuple[type, ...], name: str, *, required: bool = False, default: Any = None) -> Any:
        if key not in table:
            if required:
                raise self.fail(name, "missing")
            return default
        v = table[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(v, bool) and bool not in kinds or not isinstance(v, kinds):
            allowed = " or ".join({str: "text", int: "a whole number", float: "a number", list: "a list", dict: "a table", bool: "true or false"}[k]
                                  for k in kinds)
            raise self.fail(name, f"is {_kind(v)}; allowed: {allowed}")
        return v

    def known(self, table: dict, allowed: tuple[str, ...], name: str) -> None:
        for k in table:
            if k not in allowed:
                raise self.fail(f"{name}{k}", f"unknown key (allowed{' in ' + name.rstrip('.') if name else ''}: {', '.join(allowed)})")

    def choice(self, value: str, allowed: tuple[str, ...], name: str) -> str:
        if value not in allowed:
            raise self.fail(name, f"is {value!r}; allowed: {', '.join(allowed)}")
        return value


def _kind(v: Any) -> str:
    return {str: "text", int: "a whole number", float: "a number", list: "a list", dict: "a table", bool: "true or false"}.get(type(v), type(v).__name__)


def read(path: Path | str, published: pd.DataFrame | None = None) -> Claim:
    """Read one claim file; ``ClaimFileError`` (one line: file, key, what is allowed) if it is bad."""
    path = Path(path)
    where = _Where(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ClaimFileError(f"{where.file}: no such file") from None
    except UnicodeDecodeError:
        raise ClaimFileError(f"{where.file}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ClaimFileError(f"{where.file}: not TOML: {exc}") from None
    pub = published if published is not None else published_figures.load()
    where.known(data, TOP_KEYS, "")
    claim_id = where.get(data, "id", str, "id", required=True)
    if not _ID.match(claim_id):
        raise where.fail("id", f"is {claim_id!r}; allowed: letters, digits and hyphens, starting with a letter")
    figures = _figures(where, where.get(data, "figures", dict, "figures", default={}), pub)
    names: dict[str, Any] = {n: _figure(pub, i) for n, i in figures.items()}
    let = {}
    for name, expr in where.get(data, "let", dict, "let", default={}).items():
        _name(where, name, f"let.{name}", names)
        expr = where.get({name: expr}, name, str, f"let.{name}")
        _check(where, f"let.{name}", lambda e=expr: formula.names_in(e), names)
        let[name] = expr
        names[name] = 0.0
    whose = where.get(data, "whose", dict, "whose", required=True)
    where.known(whose, WHOSE_KEYS, "whose.")
    w = Whose(**{k: where.get(whose, k, str, f"whose.{k}", required=k in ("who", "when"), default="") for k in WHOSE_KEYS})
    if w.url and not w.url.startswith("https://"):
        raise where.fail("whose.url", f"is {w.url!r}; allowed: an https address")
    if not w.title and not w.untitled:
        raise where.fail("whose", "names no title; give 'title', or 'untitled' saying why there is none")
    readings = tuple(_reading(where, r, k, names, figures, pub) for k, r in enumerate(where.get(data, "reading", list, "reading", default=[])))
    consistency = tuple(where.get(data, "consistency", list, "consistency", default=[]))
    for k, line in enumerate(consistency):
        where.get({"x": line}, "x", str, f"consistency[{k}]")
        _check(where, f"consistency[{k}]", lambda t=line: formula.check_template(t), names)
    measure = _measure(where, where.get(data, "measure", dict, "measure", required=True), "measure", names)
    history = tuple(_measure(where, h, f"history[{k}]", names, base=measure) for k, h in enumerate(where.get(data, "history", list, "history", default=[])))
    notebook = where.get(data, "notebook", str, "notebook", default="")
    if notebook and not (paths.NOTEBOOKS / f"{notebook}.ipynb").exists():
        raise where.fail("notebook", f"{notebook!r} is not a notebook of {paths.relative(paths.NOTEBOOKS)}; allowed: a name such as 03-a-billion-downloads")
    constraints = tuple(where.get(data, "constraints", list, "constraints", default=[]))
    for k, c in enumerate(constraints):
        where.get({"x": c}, "x", str, f"constraints[{k}]")
    return Claim(id=claim_id, statement=where.get(data, "statement", str, "statement", required=True),
                 words=where.get(data, "words", str, "words", required=True), whose=w, measure=measure, readings=readings,
                 constraints=constraints, figures=figures, let=let, consistency=consistency, history=history, notebook=notebook,
                 path=path)


def read_all(sources: list[Path | str], published: pd.DataFrame | None = None) -> tuple[list[Claim], list[str]]:
    """Every claim in ``sources`` (files, and folders of ``*.toml`` read in name order) and one
    message per file that could not be read. Two claims with one id: the second is a problem."""
    pub = published if published is not None else published_figures.load()
    found, problems, seen = [], [], {}
    for source in sources:
        source = Path(source)
        files = sorted(source.glob("*.toml")) if source.is_dir() else [source]
        if source.is_dir() and not files:
            problems.append(f"{paths.relative(source)}: no claim files (*.toml) in this folder")
        for f in files:
            try:
                c = read(f, pub)
            except ClaimFileError as exc:
                problems.append(str(exc))
                continue
            if c.id.upper() in seen:
                problems.append(f"{c.file}: id: {c.id!r} is also the id of {seen[c.id.upper()]}; allowed: an id no other claim file has")
                continue
            seen[c.id.upper()] = c.file
            found.append(c)
    return found, problems


def _figure(pub: pd.DataFrame, fig_id: str) -> formula.Figure:
    row = pub.loc[fig_id]
    number = None if pd.isna(row["number"]) else float(row["number"])
    return formula.Figure(fig_id, number, row["as_of"], row["value"], row["bound"])


def _name(where: _Where, name: str, key: str, names: dict) -> None:
    if not name.isidentifier() or keyword.iskeyword(name) or name in formula.FUNCTIONS or name in formula.FIGURE_FUNCTIONS or name == "value":
        raise where.fail(key, f"{name!r} cannot name a value; allowed: a word of letters, digits and _ that is not a function or 'value'")
    if name in names:
        raise where.fail(key, f"{name!r} is already defined")


def _check(where: _Where, key: str, used, names: dict, extra: tuple[str, ...] = ()) -> list[str]:
    try:
        found = used()
    except formula.FormulaError as exc:
        raise where.fail(key, str(exc)) from None
    for n in found:
        if n not in names and n not in extra:
            raise where.fail(key, f"names {n!r}, which is not defined; allowed: {', '.join([*names, *extra]) or 'nothing yet'}")
    return found


def _figures(where: _Where, table: dict, pub: pd.DataFrame) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, fig_id in table.items():
        _name(where, name, f"figures.{name}", out)
        fig_id = where.get(table, name, str, f"figures.{name}")
        if fig_id not in pub.index:
            raise where.fail(f"figures.{name}", f"{fig_id!r} is not a figure of {paths.relative(paths.PUBLISHED_CSV)}")
        out[name] = fig_id
    return out


def _reading(where: _Where, table: Any, k: int, names: dict, figures: dict[str, str], pub: pd.DataFrame) -> Reading:
    key = f"reading[{k}]"
    table = where.get({"x": table}, "x", dict, key)
    where.known(table, READING_KEYS, f"{key}.")
    get = lambda name, kind=str, **kw: where.get(table, name, kind, f"{key}.{name}", **kw)  # noqa: E731
    value, says = get("value"), get("says")
    if (value is None) == (says is None):
        raise where.fail(key, "needs exactly one of 'value' (an expression) and 'says' (a figure whose published words the claim's test reads)")
    used = _check(where, f"{key}.value", lambda: formula.names_in(value), names) if value is not None else []
    if says is not None:
        if says not in figures:
            raise where.fail(f"{key}.says", f"{says!r} is not a name in [figures]; allowed: {', '.join(figures)}")
        used = [says]
    unit = get("unit", default="")
    if value is not None:
        where.choice(unit, READING_UNITS, f"{key}.unit")
    bound = get("bound")
    if bound is not None:
        where.choice(bound, BOUNDS, f"{key}.bound")
    listed = tuple(get("figures", list, default=[n for n in used if n in figures]))
    for n in listed:
        if n not in figures:
            raise where.fail(f"{key}.figures", f"{n!r} is not a name in [figures]; allowed: {', '.join(figures)}")
    texts = {t: get(t, default="") for t in ("arithmetic", "note", "unfaithful", "would")}
    if not texts["arithmetic"]:
        raise where.fail(f"{key}.arithmetic", "missing")
    for t in ("arithmetic", "note", "would"):
        _check(where, f"{key}.{t}", lambda s=texts[t]: formula.check_template(s), names, ("value",))
    return Reading(universe=get("universe", required=True), value=value, unit=unit, bound=bound, says=says,
                   figures=tuple(figures[n] for n in listed), **texts)


def _measure(where: _Where, table: Any, key: str, names: dict, base: Measure | None = None) -> Measure:
    table = where.get({"x": table}, "x", dict, key)
    allowed = HISTORY_KEYS if base else MEASURE_KEYS
    where.known(table, allowed, f"{key}.")
    get = lambda name, kind=str, **kw: where.get(table, name, kind, f"{key}.{name}", **kw)  # noqa: E731
    inherit = (lambda name, default=None: getattr(base, name)) if base else (lambda name, default=None: default)
    metric = where.choice(get("metric", required=base is None, default=inherit("metric")), METRICS, f"{key}.metric")
    universe = get("universe", (str, list), default=inherit("universe", "all"))
    if isinstance(universe, list):
        bad = [u for u in universe if not isinstance(u, str) or not _REPO_ID.match(u)]
        if bad or not universe:
            raise where.fail(f"{key}.universe", f"{bad[0] if bad else 'an empty list'!r} is not a repo id; allowed: "
                             f"{', '.join(UNIVERSES)}, or a list of repo ids namespace/name")
        universe = tuple(universe)
    else:
        where.choice(universe, UNIVERSES, f"{key}.universe")
    attribution = where.choice(get("attribution", default=inherit("attribution", "uploader")), metrics.ATTRIBUTIONS, f"{key}.attribution")
    by = where.choice(get("by", default=inherit("by", "family")), metrics.GROUPINGS, f"{key}.by")
    test = base.test if base else where.choice(get("test", required=True), TESTS, f"{key}.test")
    against = get("against", list, default=list(inherit("against", ())))
    quantity = get("quantity")
    if quantity is None and base is not None:
        quantity = "ratio" if "against" in table else base.quantity
    if quantity is None:
        quantity = {"share-over": "share", "more-than": "ratio"}.get(test, "ratio" if against else "downloads")
    where.choice(quantity, QUANTITIES, f"{key}.quantity")
    subject = get("subject", required=base is None and quantity in ("downloads", "share", "ratio", "next"), default=inherit("subject", ""))
    for k, name in enumerate([subject, *against] if subject else against):
        _group_name(where, name, by, f"{key}.{'subject' if subject and k == 0 else 'against'}")
    if quantity == "ratio" and not against:
        raise where.fail(f"{key}.against", f"missing: quantity 'ratio' (and test {test!r}) compares the subject with the sum of 'against'")
    value = None if base else get("value", (int, float), default=None)
    if base is None and test != "more-than" and value is None:
        raise where.fail(f"{key}.value", f"missing: test {test!r} compares with a value")
    if base is None and test == "share-over" and not 0 < value < 1:
        raise where.fail(f"{key}.value", f"is {value}; allowed: a share between 0 and 1 (0.5 for 50%)")
    within = base.within if base else float(get("within", (int, float), default=ABOUT))
    extras = {}
    for name, kind, needed in (("top", (int, float), "top-share"), ("threshold", (int, float), "below"), ("count", int, "next")):
        extras[name] = get(name, kind, default=inherit(name))
        if quantity == needed and extras[name] is None:
            raise where.fail(f"{key}.{name}", f"missing: quantity {quantity!r} needs it")
    if extras["top"] is not None and not 0 < extras["top"] < 1:
        raise where.fail(f"{key}.top", f"is {extras['top']}; allowed: a fraction of repos between 0 and 1 (0.015 for 1.5%)")
    period = get("period", default=inherit("period", ""))
    _period(where, period, metric, f"{key}.period")
    compare = get("compare")
    if compare is not None:
        _check(where, f"{key}.compare", lambda: formula.names_in(compare), names)
    beside = ()
    if base is None:
        beside = tuple(_beside(where, b, f"{key}.beside[{k}]") for k, b in enumerate(get("beside", list, default=[])))
    m = Measure(metric=metric, universe=universe, attribution=attribution, by=by, subject=subject, test=test, quantity=quantity,
                period=period, against=tuple(against), value=float(value) if value is not None else None, within=within,
                top=extras["top"], threshold=extras["threshold"], count=extras["count"], note=get("note", default=""),
                compare=compare, figure=get("figure", default=""), what=get("what", default=""), beside=beside)
    if base is None and beside:
        m = replace(m, beside=tuple(replace(m, beside=(), note="", compare=None, **b) for b in beside))
    return m


def _beside(where: _Where, table: Any, key: str) -> dict[str, Any]:
    table = where.get({"x": table}, "x", dict, key)
    where.known(table, BESIDE_KEYS, f"{key}.")
    out = {}
    for k, v in table.items():
        v = where.get(table, k, str, f"{key}.{k}")
        where.choice(v, {"universe": UNIVERSES, "attribution": metrics.ATTRIBUTIONS, "by": metrics.GROUPINGS}[k], f"{key}.{k}")
        out[k] = v
    return out


def _group_name(where: _Where, name: Any, by: str, key: str) -> None:
    if not isinstance(name, str):
        raise where.fail(key, f"is {_kind(name)}; allowed: text")
    if by == "family":
        known = [*reference_families(), metrics.OTHER]
        if name not in known:
            raise where.fail(key, f"{name!r} is not a family; allowed (by = \"family\"): {', '.join(known)}")
    elif by == "region":
        if name not in reference.REGIONS:
            raise where.fail(key, f"{name!r} is not a region; allowed (by = \"region\"): {', '.join(reference.REGIONS)}")
    elif not _NAMESPACE.match(name):
        raise where.fail(key, f"{name!r} is not a Hub organisation name; allowed (by = \"org\"): a namespace such as Qwen or meta-llama")


def reference_families() -> list[str]:
    """The family names of ``data/reference/families.csv``, in its order."""
    from .. import families

    return families.load_rules().families


def _period(where: _Where, period: str, metric: str, key: str) -> None:
    if metric == "month":
        first, sep, last = period.partition("..")
        ok = bool(_MONTH.match(first)) and (not sep or bool(_MONTH.match(last)) and last >= first)
        allowed = "a month YYYY-MM or a span YYYY-MM..YYYY-MM"
    elif metric == "all-time":
        ok = bool(_MONTH.match(period) or _DAY.match(period) and _valid_day(period))
        allowed = "a date YYYY-MM-DD (00:00 UTC that day) or a month YYYY-MM (its end)"
    else:
        ok = period == "" or bool(_MONTH.match(period) or _DAY.match(period) and _valid_day(period))
        allowed = "empty (the snapshot in use), a date YYYY-MM-DD or a month YYYY-MM (its end)"
    if not ok:
        raise where.fail(key, f"{'missing' if not period else repr(period) + ' does not parse'}: metric {metric!r} takes {allowed}")


def _valid_day(text: str) -> bool:
    try:
        pd.Timestamp(text)
    except ValueError:
        return False
    return True
