"""Downloads between two snapshots: the difference of each repo's all-time counter.

``interval(a, b)`` pairs the repos of a snapshot ``a`` with those of a later ``b`` (renamed repos
matched to their old ids, repos that appeared with an earlier creation date marked) and gives
each repo's downloads between the two as arrays; ``interval_table`` sums them per family, region
or organisation under a universe and attribution (the groups of ``metrics``), classified with
``b``. ``history.months`` measures calendar months with it.

Words: a repo of ``a`` absent from ``b`` is *gone*; a repo of ``b`` absent from ``a`` is *new*
(*created* inside the interval, or *appeared* with an earlier creation date); a repo whose
counter went down *fell*.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import arrays, metrics
from .corrections import appeared as appeared_repos
from .corrections import match_renames
from .errors import DefinitionError
from .metrics import OTHER, group_codes, universe_mask
from .snapshot import Snapshot


@dataclass
class Interval:
    """Per-model downloads between snapshot ``a`` and a later snapshot ``b``, as arrays.

    ``value``, ``counted``, ``new``, ``fell`` and ``pos`` follow ``b``'s rows: the difference of
    the counters (the whole counter for a repo new in ``b``), whether the row has a value, whether
    the repo is new, whether its counter fell, and its row in ``a`` (-1: new). ``gone`` follows
    ``a``'s rows: repos absent from ``b``.
    """

    a: Snapshot
    b: Snapshot
    metric: str
    value: np.ndarray
    counted: np.ndarray
    new: np.ndarray
    fell: np.ndarray
    gone: np.ndarray
    pos: np.ndarray
    renamed: np.ndarray | None = None
    appeared: np.ndarray | None = None
    renames: pd.DataFrame | None = None
    ambiguous: pd.DataFrame | None = None

    @property
    def created(self) -> np.ndarray:
        """New repos created inside the interval (the rest of the new ones ``appeared``)."""
        return self.new & ~self.appeared


def interval(a: Snapshot, b: Snapshot, metric: str = "downloads_all_time", *, corrections: bool = True,
             positions: np.ndarray | None = None) -> Interval:
    """Downloads between ``a`` and a later ``b`` for every model (see ``Interval``).

    With ``corrections`` (the default), a repo renamed between the two (``corrections.match_renames``) counts the
    difference of its new and old counters and keeps its history under the new id; and a new repo
    whose ``created_at`` precedes ``a`` is marked ``appeared`` (counted whole, reported apart).
    ``positions``, when already computed, is ``arrays.positions`` of b's ids among a's (it is
    not checked). Raises ``DefinitionError`` when ``b`` was taken before ``a``, or when either lacks
    the metric.
    """
    if metric not in metrics.METRICS:
        raise DefinitionError(f"unknown metric {metric!r}")
    if b.taken_at < a.taken_at:
        raise DefinitionError(f"snapshot {b.label} was taken before {a.label}: give the earlier one first")
    for s in (a, b):
        if not metrics.has_metric(s, metric):
            raise DefinitionError(f"snapshot {s.label} has no {metric} (its source lacks that count): "
                                  "downloads between two snapshots need it in both")
    ca, cb = metrics.counts(a), metrics.counts(b)
    pos = arrays.positions(b.column("id"), a.column("id"), a.ids_sorted and b.ids_sorted) if positions is None else positions.copy()
    gone = np.ones(len(a), dtype=bool)
    gone[pos[pos >= 0]] = False
    renamed = np.zeros(len(b), dtype=bool)
    renames = ambiguous = None
    if corrections:
        counting = ca.valid[metric] & (ca.values[metric] > 0)
        renames, ambiguous = match_renames(
            a, b, pos, gone, ca.values[metric], cb.values[metric], cb.valid[metric],
            np.where(cb.valid["downloads_30d"], cb.values["downloads_30d"], 0), counting)
        if len(renames):
            new_rows, old_rows = renames["new_row"].to_numpy(np.int64), renames["old_row"].to_numpy(np.int64)
            pos[new_rows] = old_rows
            gone[old_rows] = False
            renamed[new_rows] = True
    in_a = pos >= 0
    safe = np.where(in_a, pos, 0)
    value = cb.values[metric] - np.where(in_a, ca.values[metric][safe] if len(a) else 0, 0)
    counted = cb.valid[metric] & (~in_a | ca.valid[metric][safe] if len(a) else ~in_a)
    appeared = appeared_repos(a, b, in_a) if corrections else np.zeros(len(b), dtype=bool)
    return Interval(a=a, b=b, metric=metric, value=np.where(counted, value, 0), counted=counted, new=~in_a,
                    fell=in_a & counted & (value < 0), gone=gone, pos=pos, renamed=renamed, appeared=appeared,
                    renames=renames, ambiguous=ambiguous)


def interval_downloads(a: Snapshot, b: Snapshot, metric: str = "downloads_all_time") -> pd.DataFrame:
    """Downloads between snapshot ``a`` and a later snapshot ``b``, one row per model.

    Columns ``id``, ``counter_a`` and ``counter_b`` (the counter in each snapshot), ``downloads``
    (b's counter − a's counter; the whole counter for a model new in b), ``status`` (``both``,
    ``new`` in b, ``gone`` from b) and ``fell`` (the counter went down, which the Hub's all-time
    counter sometimes does): they flag what a plain difference hides; nothing is clipped.

    >>> iv = interval_downloads(snap_feb_1, snap_mar_1)            # doctest: +SKIP
    >>> iv.loc[iv.status == "both", "downloads"].sum()              # doctest: +SKIP
    """
    iv = interval(a, b, metric)
    ca, cb = metrics.counts(a), metrics.counts(b)

    def counter(values: np.ndarray, valid: np.ndarray):
        out = pd.array(values, dtype="Int64")
        out[~valid] = pd.NA
        return out

    in_a = iv.pos >= 0
    safe = np.where(in_a, iv.pos, 0)
    before = counter(ca.values[metric][safe] if len(a) else np.zeros(len(b), dtype=np.int64),
                     in_a & (ca.valid[metric][safe] if len(a) else False))
    later = pd.DataFrame({"id": b.column("id").to_pandas(), "counter_a": before, "counter_b": counter(cb.values[metric], cb.valid[metric]),
                          "downloads": counter(iv.value, iv.counted), "status": np.where(iv.new, "new", "both"), "fell": iv.fell})
    none = pd.array([pd.NA] * int(iv.gone.sum()), dtype="Int64")
    gone = pd.DataFrame({"id": a.column("id").to_pandas()[iv.gone], "counter_a": counter(ca.values[metric][iv.gone], ca.valid[metric][iv.gone]),
                         "counter_b": none, "downloads": none, "status": "gone", "fell": False})
    out = pd.concat([later, gone], ignore_index=True)
    out["status"] = pd.Categorical(out["status"], categories=["both", "new", "gone"])
    out["fell"] = out["fell"].astype(bool)
    out["id"] = out["id"].astype(str)
    return out.sort_values("id", ignore_index=True)


def interval_by(a: Snapshot, b: Snapshot, by: str = "family", attribution: str = "uploader", metric: str = "downloads_all_time",
                universe: str = "all") -> pd.DataFrame:
    """Interval downloads summed per family, region or organisation, classified with snapshot
    ``b``'s metadata (a model gone from ``b`` is counted under ``a``'s).

    Columns: ``name``, ``downloads`` (sum over models in both and new), ``models``, ``new``,
    ``gone``, ``fell`` (counts of models), ``share``; the new models split into ``created``
    and ``appeared`` (created before ``a``: counted whole, their sum in ``appeared_downloads``), and
    ``renamed`` (counted as the difference of the new and the old id's counters).
    """
    return interval_table(interval(a, b, metric), by, attribution, universe)


def interval_table(iv: Interval, by: str = "family", attribution: str = "uploader", universe: str = "all") -> pd.DataFrame:
    """``interval_by`` from an ``Interval`` already computed. ``b`` is classified with what
    ``a``'s classification, when made, knows of the ids both hold."""
    metrics.frame(iv.b, earlier=(iv.a, np.where(iv.renamed, -1, iv.pos) if iv.renamed is not None else iv.pos))
    codes_b, names_b = group_codes(iv.b, by, attribution)
    sel = universe_mask(iv.b, universe) & iv.counted
    k = len(names_b)
    sums = np.bincount(codes_b[sel], weights=iv.value[sel].astype(np.float64), minlength=k)
    counted = np.bincount(codes_b[sel], minlength=k)
    new = np.bincount(codes_b[sel & iv.new], minlength=k)
    fell = np.bincount(codes_b[sel & iv.fell], minlength=k)
    appeared = iv.appeared if iv.appeared is not None else np.zeros(len(iv.b), dtype=bool)
    renamed = iv.renamed if iv.renamed is not None else np.zeros(len(iv.b), dtype=bool)
    out = pd.DataFrame({"name": names_b, "downloads": np.rint(sums).astype(np.int64), "counted": counted, "new": new, "fell": fell,
                        "appeared": np.bincount(codes_b[sel & appeared], minlength=k),
                        "appeared_downloads": np.rint(np.bincount(codes_b[sel & appeared], weights=iv.value[sel & appeared].astype(np.float64), minlength=k)).astype(np.int64),
                        "renamed": np.bincount(codes_b[sel & renamed], minlength=k)})
    gone = universe_mask(iv.a, universe) & iv.gone
    if gone.any():
        codes_a, names_a = group_codes(iv.a, by, attribution)
        per = np.bincount(codes_a[gone], minlength=len(names_a))
        left = pd.DataFrame({"name": names_a, "gone": per})
        out = out.merge(left[left["gone"] > 0], on="name", how="outer")
    else:
        out["gone"] = 0
    numbers = ("downloads", "counted", "new", "fell", "gone", "appeared", "appeared_downloads", "renamed")
    out = out.fillna({c: 0 for c in numbers})
    for c in numbers:
        out[c] = out[c].astype(np.int64)
    out["created"] = out["new"] - out["appeared"]
    out["models"] = out["counted"] + out["gone"]
    out = out[out["models"] > 0]
    total = int(out["downloads"].sum())
    out["share"] = out["downloads"] / total if total else 0.0
    out = out.assign(other=out["name"] == OTHER).sort_values(["other", "downloads", "name"], ascending=[True, False, True], ignore_index=True)
    return out[["name", "downloads", "models", "new", "gone", "fell", "share", "created", "appeared", "appeared_downloads", "renamed"]]
