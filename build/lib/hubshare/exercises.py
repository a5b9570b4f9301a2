"""Answer checks for ``notebooks/09-exercises.ipynb``.

Each exercise has an expected answer computed from the library on the snapshot in use, so the
checks stay right on any snapshot. ``check(n, answer, snap)`` says whether an answer is right.
"""

from __future__ import annotations

import numpy as np

from . import families, metrics
from .snapshot import Snapshot

TOLERANCE = 0.005  # answers are shares; half a percentage point either way counts as right


def has_tags(snap: Snapshot) -> bool:
    """Whether the snapshot holds tags (a census read by byte ranges leaves them out)."""
    return snap.column("tags").null_count < len(snap)


def gguf_share(snap: Snapshot) -> float:
    """Exercise 1: the share of 30-day downloads that go to GGUF repos (a ``gguf`` tag or library;
    the library alone on a snapshot without tags)."""
    d = np.asarray(snap.column("downloads_30d").fill_null(0), dtype=np.int64)
    return float(d[metrics.gguf_mask(snap)].sum() / d.sum())


def derivative_share(snap: Snapshot, family: str) -> float:
    """Exercise 2: of the downloads attributed to ``family`` by lineage, the share that goes to
    derivatives (repos outside the family's organisations)."""
    c = families.classify(snap)
    d = np.asarray(snap.column("downloads_30d").fill_null(0), dtype=np.int64)
    mine = (c["lineage_family"] == family).to_numpy(dtype=bool, na_value=False)
    first = (c["party"] == "first-party").to_numpy(dtype=bool) & (c["uploader_family"] == family).to_numpy(dtype=bool, na_value=False)
    total = d[mine].sum()
    return float(d[mine & ~first].sum() / total) if total else 0.0


def text_generation_share(snap: Snapshot, family: str = "Qwen") -> float:
    """Exercise 3: ``family``'s share of 30-day downloads among ``text-generation`` repos only,
    attributed by lineage (a Definition of your own: an explicit list of repo ids)."""
    tg = snap.models.loc[snap.models["pipeline_tag"] == "text-generation", "id"]
    d = metrics.Definition("list", "lineage", "downloads_30d", ids=tuple(tg))
    return metrics.shares(snap, d).share_of(family)


EXPECTED = {1: gguf_share, 2: lambda s: derivative_share(s, "Qwen"), 3: text_generation_share}


def check(n: int, answer, snap: Snapshot) -> str:
    """A sentence telling the learner whether ``answer`` (a share between 0 and 1) is right."""
    if answer is None:
        return f"Exercise {n}: not answered yet."
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return f"Exercise {n}: give a number between 0 and 1, not {answer!r}."
    if value > 1:
        return f"Exercise {n}: {value} is above 1; give the share as a fraction (0.25 for 25%)."
    expected = EXPECTED[n](snap)
    basis = " (this snapshot has no tags: GGUF repos are counted by library_name alone)" if n == 1 and not has_tags(snap) else ""
    if abs(value - expected) <= TOLERANCE:
        return f"Exercise {n}: right ({100 * value:.1f}%){basis}."
    hint = "too high" if value > expected else "too low"
    return f"Exercise {n}: not yet: {100 * value:.1f}% is {hint}. Check the universe and the metric{basis}."
