"""Shares and totals under an explicit Definition, and downloads between two snapshots.

A ``Definition`` is universe × attribution × metric:

- universe: ``all`` models; ``llm``, language models (pipeline tag ``text-generation`` or
  ``image-text-to-text``); or ``list``, an explicit list of repo ids.
- attribution: ``uploader``, to the family of the organisation that uploaded the repo (first-party
  repos only; everything else is "no family"); or ``lineage``, to the family its ``base_models``
  lineage leads to (derivatives count for the family they derive from).
- metric: ``downloads_30d`` (the Hub's rolling 30-day count) or ``downloads_all_time``.

>>> from hubshare import snapshot
>>> table = shares(snapshot.load(), PRESETS["all-uploader-30d"])   # doctest: +SKIP
>>> table.rows.head(3)                                              # doctest: +SKIP
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import families
from .errors import DefinitionError
from .snapshot import Snapshot

UNIVERSES = ("all", "llm", "list")
ATTRIBUTIONS = ("uploader", "lineage")
METRICS = ("downloads_30d", "downloads_all_time")
LLM_TAGS = ("text-generation", "image-text-to-text")
OTHER = "no family"

_UNIVERSE_TEXT = {"all": "all models", "llm": "language models (text-generation, image-text-to-text)", "list": "listed models"}
_ATTRIBUTION_TEXT = {"uploader": "uploader's organisation", "lineage": "lineage family"}
_METRIC_TEXT = {"downloads_30d": "30-day downloads", "downloads_all_time": "all-time downloads"}
_METRIC_SHORT = {"downloads_30d": "30d", "downloads_all_time": "alltime"}


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

    def __post_init__(self) -> None:
        if self.universe not in UNIVERSES:
            raise DefinitionError(f"unknown universe {self.universe!r} (choose from {', '.join(UNIVERSES)})")
        if self.attribution not in ATTRIBUTIONS:
            raise DefinitionError(f"unknown attribution {self.attribution!r} (choose from {', '.join(ATTRIBUTIONS)})")
        if self.metric not in METRICS:
            raise DefinitionError(f"unknown metric {self.metric!r} (choose from {', '.join(METRICS)})")
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
        universe = _UNIVERSE_TEXT[self.universe]
        if self.universe == "list":
            universe = f"{len(self.ids or ())} listed models"
        return f"{universe} · by {_ATTRIBUTION_TEXT[self.attribution]} · {_METRIC_TEXT[self.metric]}"

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"key": self.key, "universe": self.universe, "attribution": self.attribution, "metric": self.metric, "label": self.label}
        if self.ids is not None:
            d["ids"] = list(self.ids)
        return d

    @classmethod
    def parse(cls, key: str) -> "Definition":
        """A preset by key, e.g. ``"all-lineage-alltime"``."""
        try:
            return PRESETS[key]
        except KeyError:
            raise DefinitionError(f"unknown definition {key!r} (presets: {', '.join(PRESETS)})") from None


PRESETS: dict[str, Definition] = {
    d.key: d
    for d in (Definition(u, a, m) for u, a, m in itertools.product(("all", "llm"), ATTRIBUTIONS, METRICS))
}


def grid(metrics: tuple[str, ...] = METRICS) -> list[Definition]:
    """Every preset (universe all/llm × attribution × metric) for the metrics given."""
    return [d for d in PRESETS.values() if d.metric in metrics]


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
    extra: dict[str, Any] = field(default_factory=dict)

    def share_of(self, name: str) -> float:
        """Share (0–1) of one family or region; 0 when absent."""
        hit = self.rows.loc[self.rows["name"] == name, "share"]
        return float(hit.iloc[0]) if len(hit) else 0.0

    def downloads_of(self, name: str) -> int:
        hit = self.rows.loc[self.rows["name"] == name, "downloads"]
        return int(hit.iloc[0]) if len(hit) else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "definition": self.definition.to_dict(),
            "snapshot": {"label": self.snapshot_label, "date": self.snapshot_date},
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


def _frame(snap: Snapshot) -> dict[str, Any]:
    """Arrays every Definition needs, computed once per snapshot and cached on it."""
    cache = snap._cache
    if "metric_frame" in cache:
        return cache["metric_frame"]
    rules = families.load_rules()
    cls = families.codes(snap, None)
    fams = [*rules.families, OTHER]
    region_names = [*dict.fromkeys(rules.region_of[f] for f in rules.families), OTHER]
    region_of = {f: rules.region_of[f] for f in rules.families} | {OTHER: OTHER}
    out: dict[str, Any] = {"families": fams, "regions": region_names}
    region_code = np.asarray([region_names.index(region_of[f]) for f in fams], dtype=np.int64)
    for att, codes in (("uploader", cls.uploader), ("lineage", cls.lineage)):
        # Family codes index the rules' families; -1 (none) becomes OTHER, the last name.
        codes = codes.astype(np.int64)
        codes[codes < 0] = len(fams) - 1
        out[f"family_{att}"] = codes
        out[f"region_{att}"] = region_code[codes]
    tag = snap.table.column("pipeline_tag")
    out["llm"] = np.asarray(pc.is_in(tag, value_set=pa.array(LLM_TAGS)).fill_null(False), dtype=bool)
    out["llm_models"] = int(out["llm"].sum())
    for m in METRICS:
        col = snap.table.column(m)
        out[f"valid_{m}"] = np.asarray(pc.is_valid(col), dtype=bool)
        out[m] = np.asarray(col.fill_null(0), dtype=np.int64)
    cache["metric_frame"] = out
    return out


def _universe_mask(snap: Snapshot, frame: dict[str, Any], definition: Definition) -> np.ndarray:
    if definition.universe == "all":
        return np.ones(len(snap), dtype=bool)
    if definition.universe == "llm":
        return frame["llm"]
    ids = snap.table.column("id")
    return np.asarray(pc.is_in(ids, value_set=pa.array(list(definition.ids or ()), pa.string())), dtype=bool)


def shares(snap: Snapshot, definition: Definition, by: str = "family") -> ShareTable:
    """Totals, shares and ranks by family (or region) under ``definition``.

    Raises ``DefinitionError`` when no model of the universe has the metric (for example
    all-time downloads on a source that lacks them).

    >>> t = shares(snapshot.load(), PRESETS["llm-lineage-30d"])    # doctest: +SKIP
    >>> round(t.share_of("Qwen"), 3)                                # doctest: +SKIP
    """
    if by not in ("family", "region"):
        raise DefinitionError(f"unknown grouping {by!r} (choose family or region)")
    frame = _frame(snap)
    names = frame["families"] if by == "family" else frame["regions"]
    if definition.universe == "list":
        mask = _universe_mask(snap, frame, definition)
        valid = frame[f"valid_{definition.metric}"]
        counted = mask & valid
        codes = frame[f"{by}_{definition.attribution}"]
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
    )


def _grouped(frame: dict[str, Any], by: str, attribution: str, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Sums and model counts per (family or region) × (not a language model, language model),
    computed once per snapshot for each attribution and metric: both universes read from it."""
    key = ("grouped", by, attribution, metric)
    if key not in frame:
        k = len(frame["families"] if by == "family" else frame["regions"])
        both = frame[f"{by}_{attribution}"] * 2 + frame["llm"]
        valid = frame[f"valid_{metric}"]
        values = frame[metric]
        if not valid.all():
            both, values = both[valid], values[valid]
        sums = np.bincount(both, weights=values.astype(np.float64), minlength=2 * k).reshape(k, 2)
        counts = np.bincount(both, minlength=2 * k).reshape(k, 2)
        frame[key] = (sums, counts)
    return frame[key]


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
    frame = pd.DataFrame({"value": snap.table.column(column).to_pandas(), "downloads": snap.table.column(metric).to_pandas()})
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
    values = np.sort(np.asarray(snap.table.column(metric).drop_null(), dtype=np.float64))[::-1]
    total = values.sum()
    curve = np.cumsum(values) / total if total else np.zeros(len(values))
    n = len(values)
    rows = []
    for label, k in (("top model", 1), ("top 10 models", 10), ("top 100 models", 100), ("top 1% of models", max(1, n // 100)), ("top 10% of models", max(1, n // 10))):
        k = min(k, n)
        rows.append({"group": label, "models": k, "share": float(curve[k - 1]) if n else 0.0})
    return pd.DataFrame(rows), curve


# --------------------------------------------------------------------------- intervals


def interval_downloads(a: Snapshot, b: Snapshot, metric: str = "downloads_all_time") -> pd.DataFrame:
    """Downloads between snapshot ``a`` and a later snapshot ``b``, per model.

    ``interval`` = b's counter − a's counter. Columns ``status`` (``both``, ``new`` in b,
    ``missing`` in b) and ``negative`` (the counter went down, which the Hub's all-time counter
    sometimes does) flag what a plain difference hides; nothing is clipped. A model new in b
    counts its whole counter (it was created, or first listed, after a).

    >>> iv = interval_downloads(snap_feb_1, snap_mar_1)            # doctest: +SKIP
    >>> iv.loc[iv.status == "both", "interval"].sum()               # doctest: +SKIP
    """
    if metric not in METRICS:
        raise DefinitionError(f"unknown metric {metric!r}")
    if b.taken_at < a.taken_at:
        raise DefinitionError(f"snapshot {b.label} was taken before {a.label}: give the earlier one first")
    left = pd.DataFrame({"id": a.table.column("id").to_pandas(), "downloads_a": a.table.column(metric).to_pandas().astype("Int64")})
    right = pd.DataFrame({"id": b.table.column("id").to_pandas(), "downloads_b": b.table.column(metric).to_pandas().astype("Int64")})
    both = left.merge(right, on="id", how="outer", indicator=True)
    status = both["_merge"].map({"both": "both", "right_only": "new", "left_only": "missing"}).astype(str)
    interval = both["downloads_b"] - both["downloads_a"].where(status == "both", 0)
    interval = interval.where(status != "missing")
    out = pd.DataFrame(
        {
            "id": both["id"].astype(str),
            "downloads_a": both["downloads_a"],
            "downloads_b": both["downloads_b"],
            "interval": interval.astype("Int64"),
            "status": pd.Categorical(status, categories=["both", "new", "missing"]),
            "negative": (interval < 0).fillna(False).astype(bool),
        }
    )
    return out.sort_values("id", ignore_index=True)


def interval_by(a: Snapshot, b: Snapshot, by: str = "family", attribution: str = "lineage", metric: str = "downloads_all_time") -> pd.DataFrame:
    """Interval downloads summed per family (or region) of snapshot ``b``'s classification.

    Columns: ``name``, ``interval`` (sum over models in both and new), ``models``, ``new``,
    ``missing``, ``negative`` (counts of models), ``share``. Missing models are attributed with
    snapshot ``a``'s classification.
    """
    iv = interval_downloads(a, b, metric)
    keycol = "uploader_family" if attribution == "uploader" else "lineage_family"
    rules = families.load_rules()
    cls = pd.concat([families.classify(b)[["id", keycol]], families.classify(a)[["id", keycol]]]).drop_duplicates("id")
    iv = iv.merge(cls, on="id", how="left")
    name = iv[keycol].astype(object).where(iv[keycol].notna(), OTHER)
    if by == "region":
        name = name.map(rules.region_of).fillna(OTHER)
    elif by != "family":
        raise DefinitionError(f"unknown grouping {by!r} (choose family or region)")
    iv["name"] = name
    grouped = iv.groupby("name", sort=False)
    out = pd.DataFrame(
        {
            "interval": grouped["interval"].sum(min_count=1).fillna(0).astype("int64"),
            "models": grouped["id"].size(),
            "new": grouped["status"].apply(lambda s: int((s == "new").sum())),
            "missing": grouped["status"].apply(lambda s: int((s == "missing").sum())),
            "negative": grouped["negative"].sum().astype(int),
        }
    ).reset_index()
    total = out["interval"].sum()
    out["share"] = out["interval"] / total if total else 0.0
    out = out.assign(_other=out["name"] == OTHER).sort_values(["_other", "interval", "name"], ascending=[True, False, True], ignore_index=True)
    return out.drop(columns="_other")
