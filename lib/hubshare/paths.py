"""Every path the project uses, built from the package location.

The package is installed in editable mode from the repository root, so the data folders are
found beside it. ``HUBSHARE_ROOT`` points elsewhere (for example a copy of the data).
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT = Path(os.environ.get("HUBSHARE_ROOT", PACKAGE_DIR.parent.parent)).resolve()

DATA = ROOT / "data"
RAW = DATA / "raw"
REFERENCE = DATA / "reference"
PUBLISHED = DATA / "published"
SNAPSHOTS = DATA / "snapshots"

FAMILIES_CSV = REFERENCE / "families.csv"
REGIONS_CSV = REFERENCE / "regions.csv"
PUBLISHED_CSV = PUBLISHED / "figures.csv"
CLAIMS = DATA / "claims"
TRENDING_CSV = RAW / "hub_trending_2026-05-16.csv"
ATOM = RAW / "atom"
ATOM_MODELS_CSV = ATOM / "tracked-models-2026-03-27.csv"
ATOM_REGIONS_CSV = ATOM / "organization-regions-2026-08-17.csv"

SNAPSHOT_MODELS = "models.parquet"
SNAPSHOT_MANIFEST = "manifest.json"
"""The two files of a snapshot folder (``hubshare.snapshot``)."""

SAMPLE_LABEL = "2026-05-16-trending-sample"
SAMPLE_SNAPSHOT = SNAPSHOTS / SAMPLE_LABEL

NOTEBOOKS = ROOT / "notebooks"
SHIPPED_FIGURES = ROOT / "figures"
"""The committed charts: those of the shipped data."""
# Charts go to figures/ on the shipped data; a report on other data, and make test, point this elsewhere.
FIGURES = Path(os.environ["HUBSHARE_FIGURES"]).resolve() if os.environ.get("HUBSHARE_FIGURES") else ROOT / "figures"
REPORTS = ROOT / "reports"
STYLE = PACKAGE_DIR / "house.mplstyle"


def default_snapshot() -> Path:
    """The snapshot notebooks and commands use unless told otherwise.

    ``HUBSHARE_SNAPSHOT`` overrides the shipped trending sample.

    >>> default_snapshot().name  # without HUBSHARE_SNAPSHOT
    '2026-05-16-trending-sample'
    """
    env = os.environ.get("HUBSHARE_SNAPSHOT")
    return Path(env) if env else SAMPLE_SNAPSHOT


def default_history() -> Path | None:
    """The folder of snapshots the history notebooks read: ``HUBSHARE_SNAPSHOTS``, or None for the
    seeded synthetic history (``hubshare.history.default``).

    >>> default_history() is None or default_history().is_dir()
    True
    """
    env = os.environ.get("HUBSHARE_SNAPSHOTS")
    return Path(env) if env else None


def relative(path: Path | str) -> str:
    """``path`` relative to the repository root when it lies inside it (for messages and outputs)."""
    p = Path(path).resolve()
    try:
        return str(p.relative_to(ROOT))
    except ValueError:
        return str(path)
