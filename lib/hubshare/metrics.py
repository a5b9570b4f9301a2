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
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import arrays, families, reference
from .errors import DefinitionError
from .snapshot import Snapshot

if TYPE_CHECKING:
    import pandas as pd

UNIVERSES = ("all", "llm", "atom", "gguf", "list")
PRESET_UNIVERSES = ("all", "llm", "atom")
GROUPINGS = ("family", "region", "org")
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
        """The JSON form: key, universe, attribution, metric, label (and months, ids when set)."""
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
    """Totals, shares and ranks under one Definition, one entry per name (family, organisation
    or region) in rank order: ``names``, ``downloads``, ``share`` (0–1), ``rank`` (from 1; None
    for "no family", last and unranked) and ``models`` (repos counted). ``rows`` is the same as
    a DataFrame.
    """

    definition: Definition
    by: str
    total: int
    names: list[str]
    downloads: list[int]
    share: list[float]
    rank: list[int | None]
    models: list[int]
    snapshot_label: str = ""
    snapshot_date: str = ""
    models_counted: int = 0
    models_without_metric: int = 0
    coverage: str = "census"
    """What the snapshot covers (``Snapshot.coverage``): shares of a sample or subset are of its repos."""

    @cached_property
    def rows(self) -> pd.DataFrame:
        """The table as a DataFrame: columns ``name``, ``downloads``, ``share``, ``rank``
        (nullable integers) and ``models``."""
        import pandas as pd

        return pd.DataFrame({
            "name": pd.array(self.names, dtype="str"),
            "downloads": np.array(self.downloads, dtype=np.int64),
            "share": np.array(self.share, dtype=np.float64),
            "rank": pd.array(self.rank, dtype="Int64"),
            "models": np.array(self.models, dtype=np.int64),
        })

    def _at(self, name: str) -> int | None:
        return next((k for k, n in enumerate(self.names) if n == name), None)

    def share_of(self, name: str) -> float:
        """Share (0–1) of one name (family, organisation or region); 0 when absent."""
        k = self._at(name)
        return 0.0 if k is None else self.share[k]

    def downloads_of(self, name: str) -> int:
        """Downloads of one name (family, organisation or region); 0 when absent."""
        k = self._at(name)
        return 0 if k is None else self.downloads[k]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``shares --json``): Definition, snapshot, coverage, totals and rows."""
        return {
            "definition": self.definition.to_dict(),
            "snapshot": {"label": self.snapshot_label, "date": self.snapshot_date},
            "coverage": self.coverage,
            "by": self.by,
            "total": self.total,
            "models_counted": self.models_counted,
            "models_without_metric": self.models_without_metric,
            "rows": [
                {"name": n, "downloads": d, "share": s, "rank": r, "models": m}
                for n, d, s, r, m in zip(self.names, self.downloads, self.share, self.rank, self.models)
            ],
        }


# --------------------------------------------------------------------------- per-snapshot arrays


@dataclass
class Counts:
    """One snapshot's counts as arrays, in its row order: each metric (0 where absent), where it
    is present (``valid``), and which repos are language models (``llm``, read from the pipeline
    tags the first time it is asked for: months over every repo never ask)."""

    values: dict[str, np.ndarray]
    valid: dict[str, np.ndarray]
    snap: Callable[[], Snapshot | None] = field(repr=False, default=lambda: None)
    _llm: np.ndarray | None = field(default=None, repr=False)

    @property
    def llm(self) -> np.ndarray:
        """Which repos are language models (a pipeline tag of ``LLM_TAGS``)."""
        if self._llm is None:
            snap = self.snap()
            if snap is None:
                raise RuntimeError("the snapshot these counts were read from is gone")
            self._llm = np.zeros(len(snap), dtype=bool)
            if "pipeline_tag" in snap.column_names:
                # Needed only for the mask, so read encoded (a few dozen tags) and not kept.
                self._llm = arrays.is_in_encoded(snap.encoded("pipeline_tag"), pa.array(LLM_TAGS))
        return self._llm

    @property
    def llm_models(self) -> int:
        """How many repos are language models."""
        return int(self.llm.sum())

    @classmethod
    def of(cls, snap: Snapshot) -> Counts:
        """Read from ``snap`` (the metric columns, together)."""
        n = len(snap)
        names = set(snap.column_names)
        table = snap.select([m for m in METRICS if m in names])
        values, valid = {}, {}
        for m in METRICS:
            if m not in names:  # a snapshot loaded with fewer columns lacks it
                valid[m], values[m] = np.zeros(n, dtype=bool), np.zeros(n, dtype=np.int64)
                continue
            col = table.column(m)
            if col.null_count:
                valid[m] = np.asarray(pc.is_valid(col), dtype=bool)
                col = col.fill_null(0)
            else:  # a census has every count: no mask to compute and no column to copy first
                valid[m] = np.ones(n, dtype=bool)
            values[m] = np.asarray(col, dtype=np.int64)
        return cls(values, valid, weakref.ref(snap))


class Frame:
    """What every Definition reads of one snapshot, each part made once on first use: its
    ``counts``, each repo's family code under each attribution (``family``), the repos of each
    universe (``mask``), each repo's group (``groups``) and per-group sums (``grouped``).

    Made by ``frame(snap)``, from the snapshot's classification (``families.codes``).
    """

    def __init__(self, snap: Snapshot, classification: families.Classification):
        # Weakly: the frame lives as long as its snapshot (``frame`` keeps it in a weak mapping).
        self._snap = weakref.ref(snap)
        self.rows = len(snap)
        self.counts = counts(snap)
        self.families = [*families.load_rules().families, OTHER]
        self.family: dict[str, np.ndarray] = {}
        for att, codes in (("uploader", classification.uploader), ("lineage", classification.lineage)):
            # Family codes index the rules' families; -1 (none) becomes OTHER, the last name.
            codes = codes.astype(np.int16)  # a few dozen families: small codes, a quarter of the memory
            codes[codes < 0] = len(self.families) - 1
            self.family[att] = codes
        self._classification = classification
        self._masks: dict[str, np.ndarray] = {}
        self._groups: dict[tuple[str, str], tuple[np.ndarray, list[str]]] = {}
        self._grouped: dict[tuple[str, str, str], tuple[np.ndarray, np.ndarray]] = {}
        # What ``grouped`` shares between Definitions: each grouping's bins and each metric's
        # weights, in the types ``np.bincount`` takes (it would cast a copy at every call).
        self._bins: dict[tuple[str, str], np.ndarray] = {}
        self._weights: dict[str, np.ndarray] = {}
        self._per: dict[tuple[str, str], np.ndarray] = {}

    def mask(self, universe: str) -> np.ndarray:
        """The repos of a named universe (``all``, ``llm``, ``atom``, ``gguf``)."""
        if universe == "all":
            return np.ones(self.rows, dtype=bool)
        if universe == "llm":
            return self.counts.llm
        if universe not in self._masks:
            if universe == "atom":
                self._masks[universe] = in_ids(self._snap(), reference.atom_ids())
            elif universe == "gguf":
                self._masks[universe] = gguf_mask(self._snap())
            else:
                raise DefinitionError(f"unknown universe {universe!r} (choose from {', '.join(UNIVERSES)})")
        return self._masks[universe]

    def groups(self, by: str, attribution: str) -> tuple[np.ndarray, list[str]]:
        """Each repo's group under ``attribution`` as codes into the returned names (``group_codes``)."""
        if by == "family":
            return self.family[attribution], self.families
        key = (by, attribution)
        if key not in self._groups:
            self._groups[key] = self._regions(attribution) if by == "region" else self._orgs(attribution)
        return self._groups[key]

    def _orgs(self, attribution: str) -> tuple[np.ndarray, list[str]]:
        cls = self._classification
        if attribution == "uploader":
            ns = families.split_ids(cls.ids.combine_chunks() if len(cls.ids.chunks) != 1 else cls.ids.chunk(0))[0]
            enc = pc.dictionary_encode(ns)
            return np.asarray(enc.indices, dtype=np.int64), enc.dictionary.to_pylist()
        pool = pa.chunked_array([*cls.ids.chunks, cls.uniq], pa.string()).combine_chunks()
        enc = pc.dictionary_encode(families.split_ids(pool)[0])
        return np.asarray(enc.indices, dtype=np.int64)[cls.root_index], enc.dictionary.to_pylist()

    def _regions(self, attribution: str) -> tuple[np.ndarray, list[str]]:
        org_codes, org_names = self.groups("org", attribution)
        table = reference.regions()
        index = {r: k for k, r in enumerate(reference.REGIONS)}
        per_org = np.array([index[table.get(o, "unknown")] for o in org_names] + [index["unknown"]], dtype=np.int64)
        return per_org[org_codes], list(reference.REGIONS)

    def grouped(self, by: str, attribution: str, metric: str) -> tuple[np.ndarray, np.ndarray]:
        """Sums and repo counts per group × (not a language model, language model): both the
        ``all`` and the ``llm`` universe read from it."""
        key = (by, attribution, metric)
        if key not in self._grouped:
            codes, names = self.groups(by, attribution)
            k = len(names)
            if (by, attribution) not in self._bins:
                both = codes.astype(np.intp)
                both *= 2
                both += self.counts.llm
                self._bins[by, attribution] = both
            both = self._bins[by, attribution]
            if metric not in self._weights:
                self._weights[metric] = self.counts.values[metric].astype(np.float64)
            values = self._weights[metric]
            valid = self.counts.valid[metric]
            if valid.all():
                if (by, attribution) not in self._per:
                    self._per[by, attribution] = np.bincount(both, minlength=2 * k).reshape(k, 2)
                per = self._per[by, attribution]
            else:
                both, values = both[valid], values[valid]
                per = np.bincount(both, minlength=2 * k).reshape(k, 2)
            sums = np.bincount(both, weights=values, minlength=2 * k).reshape(k, 2)
            self._grouped[key] = (sums, per)
        return self._grouped[key]


# Each snapshot's arrays, owned here and kept as long as the snapshot lives.
_COUNTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_FRAMES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def counts(snap: Snapshot) -> Counts:
    """``snap``'s counts as arrays (``Counts``), read once per snapshot."""
    if snap not in _COUNTS:
        _COUNTS[snap] = Counts.of(snap)
    return _COUNTS[snap]


def frame(snap: Snapshot, earlier: tuple[Snapshot, np.ndarray] | None = None) -> Frame:
    """``snap``'s ``Frame``, made once per snapshot. ``earlier`` (an earlier snapshot and each
    row's position in it, as ``families.codes`` takes) lets its classification save work."""
    if snap not in _FRAMES:
        _FRAMES[snap] = Frame(snap, families.codes(snap, None, earlier=earlier))
    return _FRAMES[snap]


def universe_mask(snap: Snapshot, universe: str | tuple[str, ...] = "all", ids: tuple[str, ...] | None = None) -> np.ndarray:
    """Which models of ``snap`` are in a universe (``list`` takes ``ids``; a tuple of repo ids is
    that list).

    >>> from hubshare import paths, snapshot
    >>> int(universe_mask(snapshot.load(paths.SAMPLE_SNAPSHOT), "atom").sum())
    76
    """
    if isinstance(universe, tuple):
        return in_ids(snap, universe)
    if universe not in UNIVERSES:
        raise DefinitionError(f"unknown universe {universe!r} (choose from {', '.join(UNIVERSES)})")
    if universe == "list":
        return in_ids(snap, ids or ())
    if universe == "all":
        return np.ones(len(snap), dtype=bool)
    if universe == "llm":
        return counts(snap).llm
    return frame(snap).mask(universe)


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


def in_ids(snap: Snapshot, ids: tuple[str, ...]) -> np.ndarray:
    """Which models of ``snap`` have one of ``ids``."""
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
    return frame(snap).groups(by, attribution)


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
    f = frame(snap)
    if by != "family" or definition.universe not in ("all", "llm"):
        mask = universe_mask(snap, definition.universe, definition.ids)
        counted = mask & f.counts.valid[definition.metric]
        totals = np.bincount(codes[counted], weights=f.counts.values[definition.metric][counted].astype(np.float64), minlength=len(names))
        models = np.bincount(codes[counted], minlength=len(names))
        in_universe = int(mask.sum())
    else:
        sums, per = f.grouped(by, definition.attribution, definition.metric)
        totals = sums.sum(axis=1) if definition.universe == "all" else sums[:, 1]
        models = per.sum(axis=1) if definition.universe == "all" else per[:, 1]
        in_universe = len(snap) if definition.universe == "all" else f.counts.llm_models
    if in_universe and not models.sum():
        raise DefinitionError(
            f"snapshot {snap.label} has no {definition.metric} for the models of this universe "
            "(its source lacks that count)"
        )
    # Integer sums: float weights are exact below 2**53, far above any download total.
    totals = np.rint(totals).astype(np.int64)
    total = int(totals.sum())
    # Names with a count, ranked by downloads then name; "no family" last, unranked, always shown.
    named = sorted((k for k, name in enumerate(names) if models[k] > 0 and name != OTHER), key=lambda k: (-totals[k], names[k]))
    order = named + [k for k, name in enumerate(names) if name == OTHER]
    return ShareTable(
        definition=definition,
        by=by,
        total=total,
        names=[names[k] for k in order],
        downloads=[int(totals[k]) for k in order],
        share=[int(totals[k]) / total if total else 0.0 for k in order],
        rank=[k + 1 if k < len(named) else None for k in range(len(order))],
        models=[int(models[k]) for k in order],
        snapshot_label=snap.label,
        snapshot_date=snap.date,
        models_counted=int(models.sum()),
        models_without_metric=int(in_universe - models.sum()),
        coverage=snap.coverage,
    )


def totals(snap: Snapshot, universe: str, attribution: str, by: str, metric: str) -> dict[str, int]:
    """The sum of ``metric`` per group (only groups with a count), without ranks or shares."""
    codes, names = group_codes(snap, by, attribution)
    c = counts(snap)
    sel = universe_mask(snap, universe) & c.valid[metric]
    sums = np.bincount(codes[sel], weights=c.values[metric][sel].astype(np.float64), minlength=len(names))
    per = np.bincount(codes[sel], minlength=len(names))
    return {names[k]: int(round(sums[k])) for k in np.flatnonzero(per)}


def share_grid(snap: Snapshot, family: str, definitions: list[Definition] | None = None) -> pd.DataFrame:
    """One family's share under each Definition the snapshot can measure.

    Definitions whose metric the snapshot lacks, or whose universe has no downloads on it, appear
    with ``share`` empty and a ``note``.
    """
    import pandas as pd

    records = []
    for d in definitions or grid():
        try:
            t = shares(snap, d)
            if not t.total:  # a share of nothing is no number (a subset without ATOM's repos, say)
                records.append({"definition": d.key, "universe": d.universe, "attribution": d.attribution, "metric": d.metric, "downloads": 0,
                                "total": 0, "share": np.nan, "note": f"no downloads in this universe on {snap.label}"})
                continue
            records.append({"definition": d.key, "universe": d.universe, "attribution": d.attribution, "metric": d.metric, "downloads": t.downloads_of(family), "total": t.total, "share": t.share_of(family), "note": ""})
        except DefinitionError as exc:
            records.append({"definition": d.key, "universe": d.universe, "attribution": d.attribution, "metric": d.metric, "downloads": pd.NA, "total": pd.NA, "share": np.nan, "note": str(exc)})
    return pd.DataFrame.from_records(records)


def breakdown(snap: Snapshot, column: str, metric: str = "downloads_30d", top: int = 10) -> pd.DataFrame:
    """Downloads by the values of one column (``pipeline_tag``, ``library_name``, ...).

    The ``top`` values by downloads, then the rest summed as "(other)" and missing values as
    "(none)". Columns: ``value``, ``downloads``, ``share``, ``models``.
    """
    import pandas as pd

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
    import pandas as pd

    values = np.sort(np.asarray(snap.column(metric).drop_null(), dtype=np.float64))[::-1]
    total = values.sum()
    curve = np.cumsum(values) / total if total else np.zeros(len(values))
    n = len(values)
    rows = []
    for label, k in (("top model", 1), ("top 10 models", 10), ("top 100 models", 100), ("top 1% of models", max(1, n // 100)), ("top 10% of models", max(1, n // 10))):
        k = min(k, n)
        rows.append({"group": label, "models": k, "share": float(curve[k - 1]) if n else 0.0})
    return pd.DataFrame(rows), curve


def has_metric(snap: Snapshot, metric: str = "downloads_all_time") -> bool:
    """Whether any model of ``snap`` has the count ``metric``."""
    return bool(counts(snap).valid[metric].any()) if len(snap) else False
