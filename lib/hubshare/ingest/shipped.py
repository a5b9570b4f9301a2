"""Converters from shipped source files to the snapshot format.

The one source so far is the transcription of the Hub's 1,000 trending models of 2026-05-16
(``data/raw/hub_trending_2026-05-16.csv``, provenance in ``data/README.md``). ``make sample``
rebuilds ``data/snapshots/2026-05-16-trending-sample`` from it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import paths, snapshot
from ..errors import SnapshotError

TRENDING_COLUMNS = (
    "rank", "id", "author", "downloads_30d", "likes", "trending_score", "pipeline_tag", "library_name",
    "created_at", "last_modified", "base_model_relation", "base_models", "license", "format_tags",
)
TRENDING_SOURCE = {
    "endpoint": "https://huggingface.co",
    "query": "GET /api/models (default sort = trending), 1,000 models",
    "fetched_at": "2026-05-16T14:01:12.789Z",
    "transcription": "data/raw/hub_trending_2026-05-16.csv",
    "via": "github.com/0motionguy/starscreener, data/huggingface-trending.json "
    "at commit 075d321ea4ca2f122027ea58d5de3e5cbcc74020 (MIT License, (c) 2026 Mirko Basil Dolger)",
}
TRENDING_ATTRIBUTION = "trending list from starscreener (github.com/0motionguy/starscreener), MIT License, (c) 2026 Mirko Basil Dolger"
"""What the MIT notice of the source asks to keep: every chart of this snapshot carries it."""
TRENDING_NOTE = (
    "A sample, not a census: the Hub's 1,000 trending models on 2026-05-16. downloads_all_time "
    "is null (the source lacks it); tags hold only licence, base-model and format tags; gated is unknown."
)


def _split(col: pd.Series) -> list[list[str]]:
    return [s.split("|") if s else [] for s in col]


def trending_table(csv_path: Path | str | None = None) -> pa.Table:
    """Rows of the trending transcription in the snapshot schema.

    A repo with several relation words (for example quantized and finetune) keeps the first in the
    order merge, adapter, quantized, finetune: the relation that says most about how it was made.
    """
    csv_path = Path(csv_path) if csv_path else paths.TRENDING_CSV
    raw = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    missing = [c for c in TRENDING_COLUMNS if c not in raw.columns]
    if missing:
        raise SnapshotError(f"{paths.relative(csv_path)}: column(s) {', '.join(missing)} missing")
    relations = _split(raw["base_model_relation"])
    bases = _split(raw["base_models"])
    order = snapshot.RELATION_PRIORITY
    relation = [next((r for r in order if r in rels), None) for rels in relations]
    # Rebuild the tags the transcription kept: licence, format tags and base-model tags.
    tags = []
    for lic, fmt, rels, base in zip(raw["license"], _split(raw["format_tags"]), relations, bases):
        t = list(fmt)
        if lic:
            t.append(f"license:{lic}")
        rel = next((r for r in order if r in rels), None)
        t.extend(f"base_model:{rel}:{b}" if rel else f"base_model:{b}" for b in base)
        tags.append(t)
    frame = pd.DataFrame(
        {
            "id": raw["id"],
            "author": raw["author"],
            "created_at": pd.to_datetime(raw["created_at"], utc=True),
            "last_modified": pd.to_datetime(raw["last_modified"], utc=True),
            "downloads_30d": pd.array(raw["downloads_30d"].astype(np.int64), dtype="Int64"),
            "downloads_all_time": pd.array([pd.NA] * len(raw), dtype="Int64"),
            "likes": pd.array(raw["likes"].astype(np.int64), dtype="Int64"),
            "pipeline_tag": raw["pipeline_tag"].replace("", None),
            "library_name": raw["library_name"].replace("", None),
            "tags": tags,
            "base_models": bases,
            "base_relation": relation,
            "gated": pd.array([pd.NA] * len(raw), dtype="boolean"),
        }
    )
    return snapshot.to_table(frame)


def build_trending_sample(out: Path | str | None = None, *, overwrite: bool = True) -> Path:
    """Write the trending sample snapshot (default: ``data/snapshots/2026-05-16-trending-sample``)."""
    table = trending_table()
    manifest = snapshot.build_manifest(
        table,
        label=paths.SAMPLE_LABEL,
        source=TRENDING_SOURCE,
        created_at="2026-05-16T14:01:12Z",
        hub_version="none (transcribed from a JSON file, not fetched with huggingface_hub)",
        extra={"sample": True, "note": TRENDING_NOTE, "attribution": TRENDING_ATTRIBUTION},
    )
    return snapshot.save(table, Path(out) if out else paths.SAMPLE_SNAPSHOT, manifest, overwrite=overwrite)
