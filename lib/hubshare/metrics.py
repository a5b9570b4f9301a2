"""Shares and totals under an explicit Definition, and downloads between two snapshots.

A ``Definition`` is universe × attribution × metric:

- universe: ``all`` models; ``llm``, language models (pipeline tag ``text-generation`` or
  ``image-text-to-text``); ``atom``, the ATOM Project's tracked-models list of 2026-03-27; or
  ``list``, an explicit list of repo ids.
- attribution: ``uploader``, to the family of the organisation that uploaded the repo (first-party
  repos only; everything else is "no family"); or ``lineage``, to the family its ``base_models``
  lineage leads to (derivatives count for the family they derive from).
- metric: ``downloads_30d`` (the Hub's rolling 30-day count) or ``downloads_all_time``, both read
  from one snapshot; or ``calendar_month``, the downloads of calendar months, each the difference
  of the all-time counters at its two boundaries (``history.months``), with ``months`` naming the
  month or the span (``2026-02``, ``2026-01..2026-08``) when there is one.

Totals are grouped ``by`` family, ``org`` (the organisation, i.e. Hub namespace, of the repo under
uploader attribution, of its lineage root under lineage attribution) or ``region`` (that
organisation's region in ``data/reference/regions.csv``: china, us, eu, other or unknown).

>>> from hubshare import snapshot
>>> from hubshare import paths, snapshot
>>> table = shares(snapshot.load(paths.SAMPLE_SNAPSHOT), PRESETS["all-uploader-30d"])
>>> table.rows.head(3)
    name  downloads     share  rank  models
0   Qwen  348057127  0.253890     1      54
1  Gemma   33548006  0.024472     2      24
2  Llama   28110711  0.020505     3       8
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import arrays, families, reference
from .corrections import appeared as appeared_repos
from .corrections import match_renames
from .errors import DefinitionError
from .snapshot import Snapshot

UNIVERSES = ("all", "llm", "atom", "gguf", "list")
PRESET_UNIVERSES = ("all", "llm", "atom")
GROUPINGS = ("family", "region", "org")
REGIONS = reference.ATOM_REGIONS
ATTRIBUTIONS = ("uploader", "lineage")
METRICS = ("downloads_30d", "downloads_all_time")
"""The metrics a snapshot holds as columns."""
CALENDAR_MONTH = "calendar_month"
"""The metric of months: differences of all-time counters between month boundaries."""
LLM_TAGS = ("text-generation", "image-text-to-text")
OTHER = "no family"

_UNIVERSE_TEXT = {"all": "all models", "llm": "language models (text-generation, image-text-to-text)",
                  "atom": f"ATOM's tracked models (list of {reference.ATOM_LIST_DATE})",
                  "gguf": "GGUF repos (library or tag gguf)", "list": "listed models"}
ATTRIBUTION_TEXT = {"uploader": "uploader's organisation", "lineage": "lineage family"}
_METRIC_TEXT = {"downloads_30d": "30-day downloads", "downloads_all_time": "all-time downloads"}
_METRIC_SHORT = {"downloads_30d": "30d", "downloads_all_time": "alltime", CALENDAR_MONTH: "month"}


@dataclass(frozen=True)
class Definition:
    """What counts (universe), to whom (attribution), and which count (metric).

    >>> Definition("llm", "lineage", "downloads_30d").key
    'llm-lineage-30d'
    """

    universe: str = "all"
    attribution: str = "uploader"
    metric: str = "downloads_30d"
    ids: tuple[str, ...] | None = None
    name: str | None = None
    months: str | None = None
    """With the ``calendar_month`` metric: the month (``2026-02``) or span (``2026-01..2026-08``)."""

    def __post_init__(self) -> None:
        if self.universe not in UNIVERSES:
            raise DefinitionError(f"unknown universe {self.universe!r} (choose from {', '.join(UNIVERSES)})")
        if self.attribution not in ATTRIBUTIONS:
            raise DefinitionError(f"unknown attribution {self.attribution!r} (choose from {', '.join(ATTRIBUTIONS)})")
        if self.metric not in (*METRICS, CALENDAR_MONTH):
            raise DefinitionError(f"unknown metric {self.metric!r} (choose from {', '.join((*METRICS, CALENDAR_MONTH))})")
        if self.months is not None and self.metric != CALENDAR_MONTH:
            raise DefinitionError(f"months go with the metric {CALENDAR_MONTH!r}, not {self.metric!r}")
        if (self.universe == "list") != (self.ids is not None):
            raise DefinitionError("universe 'list' needs ids, and ids need universe 'list'")

    @property
    def key(self) -> str:
        """Short name: ``universe-attribution-metric`` (or the given ``name``)."""
        if self.name:
            return self.name
        return f"{self.universe}-{self.attribution}-{_METRIC_SHORT[self.metric]}"

    @property
    def label(self) -> str:
        """Readable text for tables and figure footnotes."""
        return f"{self.universe_label} · by {ATTRIBUTION_TEXT[self.attribution]} · {self.metric_label}"

    @property
    def universe_label(self) -> str:
        """What counts, in words: ``all models``, ``ATOM's tracked models (list of ...)``, ..."""
        return f"{len(self.ids or ())} listed models" if self.universe == "list" else _UNIVERSE_TEXT[self.universe]

    @property
    def metric_label(self) -> str:
        """Which count, in words; for months, which months and how they are measured.

        >>> Definition(metric="calendar_month", months="2026-01..2026-08").metric_label
        'calendar months 2026-01 to 2026-08 (differences of all-time counters)'
        """
        if self.metric != CALENDAR_MONTH:
            return _METRIC_TEXT[self.metric]
        span = (self.months or "").split("..")
        which = f"calendar months {span[0]} to {span[1]}" if len(span) == 2 else f"calendar month {span[0]}" if span[0] else "calendar months"
        return f"{which} (differences of all-time counters)"

    @property
    def column(self) -> str:
        """The snapshot column the metric is read from (months: the all-time counters)."""
        return "downloads_all_time" if self.metric == CALENDAR_MONTH else self.metric

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"key": self.key, "universe": self.universe, "attribution": self.attribution, "metric": self.metric, "label": self.label}
        if self.months is not None:
            d["months"] = self.months
        if self.ids is not None:
            d["ids"] = list(self.ids)
        return d

    @classmethod
    def parse(cls, key: str) -> Definition:
        """A preset by key, e.g. ``"all-lineage-alltime"``."""
        try:
            return PRESETS[key]
        except KeyError:
            raise DefinitionError(f"unknown definition {key!r} (presets: {', '.join(PRESETS)})") from None


PRESETS: dict[str, Definition] = {
    d.key: d
    for d in (Definition(u, a, m) for u, a, m in itertools.product(PRESET_UNIVERSES, ATTRIBUTIONS, METRICS))
}


def grid(metrics: tuple[str, ...] = METRICS, universes: tuple[str, ...] = PRESET_UNIVERSES) -> list[Definition]:
    """Every preset (universe × attribution × metric) for the metrics and universes given."""
    return [d for d in PRESETS.values() if d.metric in metrics and d.universe in universes]


@dataclass
class ShareTable:
    """Totals, shares and ranks under one Definition.

    ``rows`` has columns ``name``, ``downloads``, ``share`` (0–1), ``rank`` (families ranked,
    "no family" last and unranked) and ``models`` (repos counted).
    """

    definition: Definition
    by: str
    total: int
    rows: pd.DataFrame
    snapshot_label: str = ""
    snapshot_date: str = ""
    models_counted: int = 0
    models_without_metric: int = 0
    coverage: str = "census"
    """What the snapshot covers (``Snapshot.coverage``): shares of a sample or subset are of its repos."""

    def share_of(self, name: str) -> float:
        """Share (0–1) of one name (family, organisation or region); 0 when absent."""
        hit = self.rows.loc[self.rows["name"] == name, "share"]
        return float(hit.iloc[0]) if len(hit) else 0.0

    def downloads_of(self, name: str) -> int:
        hit = self.rows.loc[self.rows["name"] == name, "downloads"]
        return int(hit.iloc[0]) if len(hit) else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "definition": self.definition.to_dict(),
            "snapshot": {"label": self.snapshot_label, "date": self.snapshot_date},
            "coverage": self.coverage,
            "by": self.by,
            "total": self.total,
            "models_counted": self.models_counted,
            "models_without_metric": self.models_without_metric,
            "rows": [
                {"name": r.name, "downloads": int(r.downloads), "share": float(r.share), "rank": None if pd.isna(r.rank) else int(r.rank), "models": int(r.models)}
                for r in self.rows.itertuples(index=False)
            ],
        }


# --------------------------------------------------------------------------- per-snapshot frame


def _counts(snap: Snapshot) -> dict[str, Any]:
    """Counts, their validity and the language-model mask as arrays, computed once per snapshot."""

    def make() -> dict[str, Any]:
        n = len(snap)
        names = set(snap.column_names)
        snap.select([c for c in ("pipeline_tag", *METRICS) if c in names])  # read together
        out: dict[str, Any] = {}
        if "pipeline_tag" in names:
            tag = snap.column("pipeline_tag")
            out["llm"] = np.asarray(pc.is_in(tag, value_set=pa.array(LLM_TAGS)).fill_null(False), dtype=bool)
        else:
            out["llm"] = np.zeros(n, dtype=bool)
        out["llm_models"] = int(out["llm"].sum())
        for m in METRICS:
            if m not in names:  # a snapshot loaded with fewer columns lacks it
                out[f"valid_{m}"], out[m] = np.zeros(n, dtype=bool), np.zeros(n, dtype=np.int64)
                continue
            col = snap.column(m)
            out[f"valid_{m}"] = np.asarray(pc.is_valid(col), dtype=bool)
            out[m] = np.asarray(col.fill_null(0), dtype=np.int64)
        return out

    return snap.cached("metric_counts", make)


def _frame(snap: Snapshot) -> dict[str, Any]:
    """``_counts`` and the family code of every model under each attribution, computed once per
    snapshot."""

    def make() -> dict[str, Any]:
        rules = families.load_rules()
        cls = families.codes(snap, None)
        fams = [*rules.families, OTHER]
        out: dict[str, Any] = {**_counts(snap), "families": fams}
        for att, codes in (("uploader", cls.uploader), ("lineage", cls.lineage)):
            # Family codes index the rules' families; -1 (none) becomes OTHER, the last name.
            codes = codes.astype(np.int64)
            codes[codes < 0] = len(fams) - 1
            out[f"family_{att}"] = codes
        return out

    return snap.cached("metric_frame", make)


def universe_mask(snap: Snapshot, universe: str | tuple[str, ...] = "all", ids: tuple[str, ...] | None = None) -> np.ndarray:
    """Which models of ``snap`` are in a universe (``list`` takes ``ids``; a tuple of repo ids is
    that list).

    >>> from hubshare import paths, snapshot
    >>> int(universe_mask(snapshot.load(paths.SAMPLE_SNAPSHOT), "atom").sum())
    76
    """
    if isinstance(universe, tuple):
        return _in_ids(snap, universe)
    if universe not in UNIVERSES:
        raise DefinitionError(f"unknown universe {universe!r} (choose from {', '.join(UNIVERSES)})")
    if universe == "gguf":
        frame = _frame(snap)
        if "gguf" not in frame:
            frame["gguf"] = gguf_mask(snap)
        return frame["gguf"]
    if universe == "all":
        return np.ones(len(snap), dtype=bool)
    if universe == "llm":
        return _frame(snap)["llm"]
    if universe == "atom":
        frame = _frame(snap)
        if "atom" not in frame:
            frame["atom"] = _in_ids(snap, reference.atom_ids())
        return frame["atom"]
    return _in_ids(snap, ids or ())


def gguf_mask(snap: Snapshot) -> np.ndarray:
    """GGUF repos: a ``gguf`` tag or ``library_name`` (the library alone on a snapshot without tags,
    as a census read by byte ranges is)."""
    tagged = np.zeros(len(snap), dtype=bool)
    names = set(snap.column_names)
    if "tags" in names and snap.column("tags").null_count < len(snap):
        tags = snap.column("tags").combine_chunks()
        hit = np.asarray(pc.equal(pc.list_flatten(tags), "gguf").fill_null(False), dtype=bool)
        tagged[np.asarray(pc.list_parent_indices(tags))[hit]] = True
    if "library_name" in names:
        tagged |= np.asarray(pc.equal(snap.column("library_name"), "gguf").fill_null(False), dtype=bool)
    return tagged


def _in_ids(snap: Snapshot, ids: tuple[str, ...]) -> np.ndarray:
    return np.asarray(pc.is_in(snap.column("id"), value_set=pa.array(list(ids), pa.string())), dtype=bool)


def group_codes(snap: Snapshot, by: str, attribution: str) -> tuple[np.ndarray, list[str]]:
    """Each model's group under ``attribution`` as codes into the returned names.

    ``by`` family: the family it is attributed to, "no family" for none; ``org``: the namespace of
    the repo (uploader) or of its lineage root (lineage); ``region``: that organisation's region
    (``reference.regions()``, ``unknown`` for an organisation not in the table).
    """
    if by not in GROUPINGS:
        raise DefinitionError(f"unknown grouping {by!r} (choose from {', '.join(GROUPINGS)})")
    if attribution not in ATTRIBUTIONS:
        raise DefinitionError(f"unknown attribution {attribution!r} (choose from {', '.join(ATTRIBUTIONS)})")
    frame = _frame(snap)
    if by == "family":
        return frame[f"family_{attribution}"], frame["families"]
    if by == "region":
        key = ("region", attribution)
        if key not in frame:
            org_codes, org_names = group_codes(snap, "org", attribution)
            table = reference.regions()
            index = {r: k for k, r in enumerate(REGIONS)}
            per_org = np.array([index[table.get(o, "unknown")] for o in org_names] + [index["unknown"]], dtype=np.int64)
            frame[key] = (per_org[org_codes], list(REGIONS))
        return frame[key]
    key = ("org", attribution)
    if key not in frame:
        cls = families.codes(snap)
        if attribution == "uploader":
            ns = families.split_ids(cls.ids.combine_chunks() if len(cls.ids.chunks) != 1 else cls.ids.chunk(0))[0]
            enc = pc.dictionary_encode(ns)
            frame[key] = (np.asarray(enc.indices, dtype=np.int64), enc.dictionary.to_pylist())
        else:
            pool = pa.chunked_array([*cls.ids.chunks, cls.uniq], pa.string()).combine_chunks()
            enc = pc.dictionary_encode(families.split_ids(pool)[0])
            frame[key] = (np.asarray(enc.indices, dtype=np.int64)[cls.root_index], enc.dictionary.to_pylist())
    return frame[key]


def shares(snap: Snapshot, definition: Definition, by: str = "family") -> ShareTable:
    """Totals, shares and ranks by family, organisation or region under ``definition``.

    Raises ``DefinitionError`` when no model of the universe has the metric (for example
    all-time downloads on a source that lacks them).

    >>> from hubshare import paths, snapshot
    >>> t = shares(snapshot.load(paths.SAMPLE_SNAPSHOT), PRESETS["llm-lineage-30d"])
    >>> round(t.share_of("Qwen"), 3)
    0.721
    """
    if definition.metric == CALENDAR_MONTH:
        raise DefinitionError("a calendar month is the difference of two snapshots' counters: history.months measures it")
    codes, names = group_codes(snap, by, definition.attribution)
    frame = _frame(snap)
    if by != "family" or definition.universe not in ("all", "llm"):
        mask = universe_mask(snap, definition.universe, definition.ids)
        valid = frame[f"valid_{definition.metric}"]
        counted = mask & valid
        totals = np.bincount(codes[counted], weights=frame[definition.metric][counted].astype(np.float64), minlength=len(names))
        models = np.bincount(codes[counted], minlength=len(names))
        in_universe = int(mask.sum())
    else:
        sums, counts = _grouped(frame, by, definition.attribution, definition.metric)
        pick = slice(None) if definition.universe == "all" else 1
        totals = sums.sum(axis=1) if definition.universe == "all" else sums[:, pick]
        models = counts.sum(axis=1) if definition.universe == "all" else counts[:, pick]
        in_universe = len(snap) if definition.universe == "all" else frame["llm_models"]
    if in_universe and not models.sum():
        raise DefinitionError(
            f"snapshot {snap.label} has no {definition.metric} for the models of this universe "
            "(its source lacks that count)"
        )
    # Integer sums: float weights are exact below 2**53, far above any download total.
    totals = np.rint(totals).astype(np.int64)
    total = int(totals.sum())
    rows = pd.DataFrame({"name": names, "downloads": totals, "models": models})
    rows = rows[(rows["models"] > 0) | (rows["name"] == OTHER)]
    rows["share"] = rows["downloads"] / total if total else 0.0
    named = rows[rows["name"] != OTHER].sort_values(["downloads", "name"], ascending=[False, True])
    named = named.assign(rank=pd.array(np.arange(1, len(named) + 1), dtype="Int64"))
    other = rows[rows["name"] == OTHER].assign(rank=pd.array([pd.NA] * int((rows["name"] == OTHER).sum()), dtype="Int64"))
    rows = pd.concat([named, other], ignore_index=True)[["name", "downloads", "share", "rank", "models"]]
    return ShareTable(
        definition=definition,
        by=by,
        total=total,
        rows=rows,
        snapshot_label=snap.label,
        snapshot_date=snap.date,
        models_counted=int(models.sum()),
        models_without_metric=int(in_universe - models.sum()),
        coverage=snap.coverage,
    )


def _grouped(frame: dict[str, Any], by: str, attribution: str, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Sums and model counts per family × (not a language model, language model),
    computed once per snapshot for each attribution and metric: both universes read from it."""
    key = ("grouped", by, attribution, metric)
    if key not in frame:
        k = len(frame["families"])
        both = frame[f"{by}_{attribution}"] * 2 + frame["llm"]
        valid = frame[f"valid_{metric}"]
        values = frame[metric]
        if not valid.all():
            both, values = both[valid], values[valid]
        sums = np.bincount(both, weights=values.astype(np.float64), minlength=2 * k).reshape(k, 2)
        counts = np.bincount(both, minlength=2 * k).reshape(k, 2)
        frame[key] = (sums, counts)
    return frame[key]


def totals(snap: Snapshot, universe: str, attribution: str, by: str, metric: str) -> dict[str, int]:
    """The sum of ``metric`` per group (only groups with a count), without ranks or shares."""
    codes, names = group_codes(snap, by, attribution)
    frame = _frame(snap)
    sel = universe_mask(snap, universe) & frame[f"valid_{metric}"]
    sums = np.bincount(codes[sel], weights=frame[metric][sel].astype(np.float64), minlength=len(names))
    counts = np.bincount(codes[sel], minlength=len(names))
    return {names[k]: int(round(sums[k])) for k in np.flatnonzero(counts)}


def share_grid(snap: Snapshot, family: str, definitions: list[Definition] | None = None) -> pd.DataFrame:
    """One family's share under each Definition the snapshot can measure.

    Definitions whose metric the snapshot lacks appear with ``share`` empty and a ``note``.
    """
    records = []
    for d in definitions or grid():
        try:
            t = shares(snap, d)
            records.append({"definition": d.key, "universe": d.universe, "attribution": d.attribution, "metric": d.metric, "downloads": t.downloads_of(family), "total": t.total, "share": t.share_of(family), "note": ""})
        except DefinitionError as exc:
            records.append({"definition": d.key, "universe": d.universe, "attribution": d.attribution, "metric": d.metric, "downloads": pd.NA, "total": pd.NA, "share": np.nan, "note": str(exc)})
    return pd.DataFrame.from_records(records)


def breakdown(snap: Snapshot, column: str, metric: str = "downloads_30d", top: int = 10) -> pd.DataFrame:
    """Downloads by the values of one column (``pipeline_tag``, ``library_name``, ...).

    The ``top`` values by downloads, then the rest summed as "(other)" and missing values as
    "(none)". Columns: ``value``, ``downloads``, ``share``, ``models``.
    """
    frame = pd.DataFrame({"value": snap.column(column).to_pandas(), "downloads": snap.column(metric).to_pandas()})
    frame["value"] = frame["value"].astype(object).where(frame["value"].notna(), "(none)")
    g = frame.groupby("value", sort=False).agg(downloads=("downloads", "sum"), models=("downloads", "size"))
    g = g.sort_values(["downloads"], ascending=False)
    head = g[g.index != "(none)"].head(top)
    rest = g.drop(head.index)
    extra = []
    if "(none)" in rest.index:
        extra.append(rest.loc[["(none)"]])
        rest = rest.drop(index="(none)")
    if len(rest):
        extra.append(pd.DataFrame({"downloads": [rest["downloads"].sum()], "models": [rest["models"].sum()]}, index=["(other)"]))
    out = pd.concat([head, *extra]).rename_axis("value").reset_index()
    total = out["downloads"].sum()
    out["share"] = out["downloads"] / total if total else 0.0
    out["downloads"] = out["downloads"].astype("int64")
    return out[["value", "downloads", "share", "models"]]


def concentration(snap: Snapshot, metric: str = "downloads_30d") -> tuple[pd.DataFrame, np.ndarray]:
    """How concentrated downloads are: shares of the top 1, 10, 100 models and top 1% / 10%.

    Returns the summary table and the cumulative share curve (models sorted by downloads,
    largest first), for plotting.
    """
    values = np.sort(np.asarray(snap.column(metric).drop_null(), dtype=np.float64))[::-1]
    total = values.sum()
    curve = np.cumsum(values) / total if total else np.zeros(len(values))
    n = len(values)
    rows = []
    for label, k in (("top model", 1), ("top 10 models", 10), ("top 100 models", 100), ("top 1% of models", max(1, n // 100)), ("top 10% of models", max(1, n // 10))):
        k = min(k, n)
        rows.append({"group": label, "models": k, "share": float(curve[k - 1]) if n else 0.0})
    return pd.DataFrame(rows), curve


# --------------------------------------------------------------------------- intervals


@dataclass
class Interval:
    """Per-model downloads between snapshot ``a`` and a later snapshot ``b``, as arrays.

    ``value``, ``counted``, ``new``, ``fell`` and ``pos`` follow ``b``'s rows: the difference of
    the counters (the whole counter for a repo new in ``b``), whether the row has a value, whether
    the repo is new, whether its counter fell, and its row in ``a`` (-1: new). ``missing`` follows
    ``a``'s rows: repos gone from ``b``.
    """

    a: Snapshot
    b: Snapshot
    metric: str
    value: np.ndarray
    counted: np.ndarray
    new: np.ndarray
    fell: np.ndarray
    missing: np.ndarray
    pos: np.ndarray
    renamed: np.ndarray | None = None
    appeared: np.ndarray | None = None
    renames: pd.DataFrame | None = None
    ambiguous: pd.DataFrame | None = None

    @property
    def created(self) -> np.ndarray:
        """New repos created inside the interval (the rest of the new ones ``appeared``)."""
        return self.new & ~self.appeared


def has_metric(snap: Snapshot, metric: str = "downloads_all_time") -> bool:
    """Whether any model of ``snap`` has the count ``metric``."""
    return bool(_counts(snap)[f"valid_{metric}"].any()) if len(snap) else False


def interval(a: Snapshot, b: Snapshot, metric: str = "downloads_all_time", *, corrections: bool = True) -> Interval:
    """Downloads between ``a`` and a later ``b`` for every model (see ``Interval``).

    With ``corrections`` (the default), a repo renamed between the two (``corrections.match_renames``) counts the
    difference of its new and old counters and keeps its history under the new id; and a new repo
    whose ``created_at`` precedes ``a`` is marked ``appeared`` (counted whole, reported apart).
    Raises ``DefinitionError`` when ``b`` was taken before ``a``, or when either lacks the metric.
    """
    if metric not in METRICS:
        raise DefinitionError(f"unknown metric {metric!r}")
    if b.taken_at < a.taken_at:
        raise DefinitionError(f"snapshot {b.label} was taken before {a.label}: give the earlier one first")
    for s in (a, b):
        if not has_metric(s, metric):
            raise DefinitionError(f"snapshot {s.label} has no {metric} (its source lacks that count): "
                                  "downloads between two snapshots need it in both")
    fa, fb = _counts(a), _counts(b)
    pos = arrays.positions(b.column("id"), a.column("id"))
    missing = np.ones(len(a), dtype=bool)
    missing[pos[pos >= 0]] = False
    renamed = np.zeros(len(b), dtype=bool)
    renames = ambiguous = None
    if corrections:
        gone = fa[f"valid_{metric}"] & (fa[metric] > 0)
        renames, ambiguous = match_renames(
            a, b, pos, missing, fa[metric], fb[metric], fb[f"valid_{metric}"],
            np.where(fb["valid_downloads_30d"], fb["downloads_30d"], 0), gone)
        if len(renames):
            new_rows, old_rows = renames["new_row"].to_numpy(np.int64), renames["old_row"].to_numpy(np.int64)
            pos[new_rows] = old_rows
            missing[old_rows] = False
            renamed[new_rows] = True
    in_a = pos >= 0
    safe = np.where(in_a, pos, 0)
    value = fb[metric] - np.where(in_a, fa[metric][safe] if len(a) else 0, 0)
    counted = fb[f"valid_{metric}"] & (~in_a | fa[f"valid_{metric}"][safe] if len(a) else ~in_a)
    appeared = appeared_repos(a, b, in_a) if corrections else np.zeros(len(b), dtype=bool)
    return Interval(a=a, b=b, metric=metric, value=np.where(counted, value, 0), counted=counted, new=~in_a,
                    fell=in_a & counted & (value < 0), missing=missing, pos=pos, renamed=renamed, appeared=appeared,
                    renames=renames, ambiguous=ambiguous)


def interval_downloads(a: Snapshot, b: Snapshot, metric: str = "downloads_all_time") -> pd.DataFrame:
    """Downloads between snapshot ``a`` and a later snapshot ``b``, one row per model.

    ``interval`` = b's counter − a's counter. Columns ``status`` (``both``, ``new`` in b,
    ``missing`` in b) and ``negative`` (the counter went down, which the Hub's all-time counter
    sometimes does) flag what a plain difference hides; nothing is clipped. A model new in b
    counts its whole counter (it was created, or first listed, after a).

    >>> iv = interval_downloads(snap_feb_1, snap_mar_1)            # doctest: +SKIP
    >>> iv.loc[iv.status == "both", "interval"].sum()               # doctest: +SKIP
    """
    iv = interval(a, b, metric)
    fa, fb = _counts(a), _counts(b)

    def counts(values: np.ndarray, valid: np.ndarray):
        out = pd.array(values, dtype="Int64")
        out[~valid] = pd.NA
        return out

    in_a = iv.pos >= 0
    safe = np.where(in_a, iv.pos, 0)
    ids_b = b.column("id").to_pandas()
    before = counts(fa[metric][safe] if len(a) else np.zeros(len(b), dtype=np.int64), in_a & (fa[f"valid_{metric}"][safe] if len(a) else False))
    after = counts(fb[metric], fb[f"valid_{metric}"])
    value = counts(iv.value, iv.counted)
    later = pd.DataFrame({"id": ids_b, "downloads_a": before, "downloads_b": after, "interval": value,
                          "status": np.where(iv.new, "new", "both"), "negative": iv.fell})
    gone_ids = a.column("id").to_pandas()[iv.missing]
    gone_before = counts(fa[metric][iv.missing], fa[f"valid_{metric}"][iv.missing])
    gone = pd.DataFrame({"id": gone_ids, "downloads_a": gone_before, "downloads_b": pd.array([pd.NA] * len(gone_ids), dtype="Int64"),
                         "interval": pd.array([pd.NA] * len(gone_ids), dtype="Int64"), "status": "missing", "negative": False})
    out = pd.concat([later, gone], ignore_index=True)
    out["status"] = pd.Categorical(out["status"], categories=["both", "new", "missing"])
    out["negative"] = out["negative"].astype(bool)
    out["id"] = out["id"].astype(str)
    return out.sort_values("id", ignore_index=True)


def interval_by(a: Snapshot, b: Snapshot, by: str = "family", attribution: str = "uploader", metric: str = "downloads_all_time",
                universe: str = "all") -> pd.DataFrame:
    """Interval downloads summed per family, region or organisation, classified with snapshot
    ``b``'s metadata (a model gone from ``b`` is counted under ``a``'s).

    Columns: ``name``, ``interval`` (sum over models in both and new), ``models``, ``new``,
    ``missing``, ``negative`` (counts of models), ``share``; the new models split into ``created``
    and ``appeared`` (created before ``a``: counted whole, their sum in ``appeared_downloads``), and
    ``renamed`` (counted as the difference of the new and the old id's counters).
    """
    return interval_table(interval(a, b, metric), by, attribution, universe)


def interval_table(iv: Interval, by: str = "family", attribution: str = "uploader", universe: str = "all") -> pd.DataFrame:
    """``interval_by`` from an ``Interval`` already computed."""
    codes_b, names_b = group_codes(iv.b, by, attribution)
    sel = universe_mask(iv.b, universe) & iv.counted
    k = len(names_b)
    sums = np.bincount(codes_b[sel], weights=iv.value[sel].astype(np.float64), minlength=k)
    counted = np.bincount(codes_b[sel], minlength=k)
    new = np.bincount(codes_b[sel & iv.new], minlength=k)
    fell = np.bincount(codes_b[sel & iv.fell], minlength=k)
    appeared = iv.appeared if iv.appeared is not None else np.zeros(len(iv.b), dtype=bool)
    renamed = iv.renamed if iv.renamed is not None else np.zeros(len(iv.b), dtype=bool)
    out = pd.DataFrame({"name": names_b, "interval": np.rint(sums).astype(np.int64), "counted": counted, "new": new, "negative": fell,
                        "appeared": np.bincount(codes_b[sel & appeared], minlength=k),
                        "appeared_downloads": np.rint(np.bincount(codes_b[sel & appeared], weights=iv.value[sel & appeared].astype(np.float64), minlength=k)).astype(np.int64),
                        "renamed": np.bincount(codes_b[sel & renamed], minlength=k)})
    gone = universe_mask(iv.a, universe) & iv.missing
    if gone.any():
        codes_a, names_a = group_codes(iv.a, by, attribution)
        per = np.bincount(codes_a[gone], minlength=len(names_a))
        miss = pd.DataFrame({"name": names_a, "missing": per})
        miss = miss[miss["missing"] > 0]
        out = out.merge(miss, on="name", how="outer")
    else:
        out["missing"] = 0
    extra = ("appeared", "appeared_downloads", "renamed")
    out = out.fillna({c: 0 for c in ("interval", "counted", "new", "negative", "missing", *extra)})
    for c in ("interval", "counted", "new", "negative", "missing", *extra):
        out[c] = out[c].astype(np.int64)
    out["created"] = out["new"] - out["appeared"]
    out["models"] = out["counted"] + out["missing"]
    out = out[out["models"] > 0]
    total = int(out["interval"].sum())
    out["share"] = out["interval"] / total if total else 0.0
    out = out.assign(_other=out["name"] == OTHER).sort_values(["_other", "interval", "name"], ascending=[True, False, True], ignore_index=True)
    return out[["name", "interval", "models", "new", "missing", "negative", "share", "created", "appeared", "appeared_downloads", "renamed"]]
