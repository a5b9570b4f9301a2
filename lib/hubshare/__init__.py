"""hubshare: who gets the downloads of open models on the Hugging Face Hub.

Public API (see README.md):

- ``snapshot.load``, ``snapshot.save``, ``snapshot.validate``: the snapshot format.
- ``families.classify``, ``families.classify_ids``: family, organisation, party and lineage.
- ``metrics.Definition``, ``metrics.PRESETS``, ``metrics.shares``, ``intervals.interval_downloads``.
- ``published.load``: the published figures.
- ``claims.evaluate``: every claim file of ``data/claims`` judged, with its verdict.
"""

import os
from importlib.metadata import PackageNotFoundError, version

# huggingface_hub otherwise sends a request of its own (agent detection for its user agent) on
# first use; a refresh must make list requests only. Set before huggingface_hub is imported.
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

try:
    __version__ = version("hubshare")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"

from .errors import CensusError, DefinitionError, HistoryError, HubshareError, ReferenceDataError, RefreshError, SnapshotError  # noqa: E402

__all__ = ["HubshareError", "SnapshotError", "ReferenceDataError", "DefinitionError", "RefreshError", "CensusError", "HistoryError", "__version__"]
