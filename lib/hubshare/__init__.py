"""hubshare: who gets the downloads of open models on the Hugging Face Hub.

Public API (see README.md):

- ``snapshot.load``, ``snapshot.save``, ``snapshot.validate``: the snapshot format.
- ``families.classify``, ``families.classify_ids``: family, organisation, party and lineage.
- ``metrics.Definition``, ``metrics.PRESETS``, ``metrics.shares``, ``intervals.interval_downloads``.
- ``published.load``: the published figures.
- ``claims.evaluate``: every claim file of ``data/claims`` judged, with its verdict.
"""

import os
import sys

# huggingface_hub otherwise sends a request of its own (agent detection for its user agent) on
# first use; a refresh must make list requests only. Set before huggingface_hub is imported.
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
# Arrow's C++ code (the parquet reader, Acero's joins) allocates from the pool this names, read when
# pyarrow is imported; ``arrays._memory_pool`` says why the system allocator. Set only when pyarrow
# is not imported yet: after that it would change nothing here and only be inherited.
if "pyarrow" not in sys.modules:
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

from .errors import CensusError, DefinitionError, HistoryError, HubshareError, ReferenceDataError, RefreshError, SnapshotError  # noqa: E402

__all__ = ["HubshareError", "SnapshotError", "ReferenceDataError", "DefinitionError", "RefreshError", "CensusError", "HistoryError", "__version__"]


def __getattr__(name: str) -> str:
    # ``__version__`` is read from the installed metadata on first use: importing importlib.metadata
    # takes a twentieth of a second, at every command's start otherwise.
    if name != "__version__":
        raise AttributeError(f"module 'hubshare' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("hubshare")
    except PackageNotFoundError:  # running from a source tree that was not installed
        found = "0.0.0"
    globals()["__version__"] = found
    return found
