"""``hubshare import hub-stats``: a day of the public census dataset as a standard snapshot.

The dataset ``cfahlgren1/hub-stats`` holds ``models.parquet``, every public model of the Hub with
its 30-day and all-time downloads, refreshed daily, one dataset commit per refresh. Past days are
reachable by revision: ``HfApi.list_repo_commits`` lists the commits with their times, and
``hf_hub_download`` fetches the file at one commit (through the Hub cache, honouring
``HF_ENDPOINT`` and ``HF_TOKEN``).

Columns are mapped by name (``COLUMNS``): ``downloads`` → ``downloads_30d``, ``downloadsAllTime``
→ ``downloads_all_time``, ``baseModels.relation`` → ``base_relation``, ``baseModels.models[].id``
→ ``base_models``, and so on. Columns hubshare does not use are not read. A missing optional
column becomes null, with one warning; a missing ``id`` or ``downloads`` column, an unreadable or
truncated file, or a file whose bytes do not match the Hub's checksum is a ``CensusError`` and
leaves nothing behind. The file is read one row group at a time, so only the columns kept are
ever held in memory.

>>> path = import_file("models.parquet", "data/snapshots", taken_at="2026-02-01T00:00:00Z")  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .. import paths, snapshot
from ..errors import CensusError, SnapshotError

log = logging.getLogger(__name__)

DATASET = "cfahlgren1/hub-stats"
FILENAME = "models.parquet"
WINDOW = pd.Timedelta(hours=36)
"""How far from a day's 00:00 UTC a census commit may lie and still stand for that day."""
ALL_TIME_SINCE = "2025-02-27"
"""The first day whose census files carry all-time counters."""

# Source column → snapshot column, for the columns copied as they are (after a cast).
COLUMNS = {
    "id": "id",
    "author": "author",
    "createdAt": "created_at",
    "lastModified": "last_modified",
    "downloads": "downloads_30d",
    "downloadsAllTime": "downloads_all_time",
    "likes": "likes",
    "pipeline_tag": "pipeline_tag",
    "library_name": "library_name",
    "tags": "tags",
    "gated": "gated",
}
BASE_MODELS = "baseModels"  # struct: relation (string), models (list of struct with id)
REQUIRED = ("id", "downloads")
_FALSE = ("", "false", "0", "no", "none")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class Conversion:
    """What a conversion found: the rows, and the lines a user should read."""

    table: pa.Table
    warnings: list[str]
    missing: list[str]
    all_time: bool


def _timestamps(col: pa.Array) -> pa.Array:
    target = snapshot.SCHEMA.field("created_at").type
    if pa.types.is_timestamp(col.type) or pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        return col.cast(target)
    raise pa.ArrowInvalid(f"expected a timestamp or an ISO date string, got {col.type}")


def _gated(col: pa.Array) -> pa.Array:
    """The Hub says ``false``, ``"auto"`` or ``"manual"``; a census may store it as bool or text."""
    if pa.types.is_boolean(col.type):
        return col
    text = pc.utf8_lower(pc.utf8_trim_whitespace(col.cast(pa.string())))
    return pc.invert(pc.is_in(text, value_set=pa.array(_FALSE)))


def _base_models(col: pa.Array) -> tuple[pa.Array, pa.Array, int]:
    """``(base_relation, base_models, rows with an unknown relation)`` from the ``baseModels`` struct."""
    n = len(col)
    names = {col.type.field(i).name for i in range(col.type.num_fields)}
    if "relation" in names:
        rel = pc.utf8_lower(pc.struct_field(col, "relation").cast(pa.string()))
        known = pc.is_in(rel, value_set=pa.array(snapshot.RELATIONS))
        unknown = int(pc.sum(pc.and_(pc.is_valid(rel), pc.invert(known))).as_py() or 0)
        rel = pc.if_else(known, rel, pa.scalar(None, pa.string()))
    else:
        rel, unknown = pa.nulls(n, pa.string()), 0
    if "models" not in names:
        return rel, pa.nulls(n, pa.list_(pa.string())), unknown
    models = pc.struct_field(col, "models")
    lengths = np.asarray(pc.list_value_length(models).fill_null(0), dtype=np.int32)
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    flat = pc.list_flatten(models)
    ids = pc.struct_field(flat, "id") if pa.types.is_struct(flat.type) else flat
    return rel, pa.ListArray.from_arrays(pa.array(offsets), ids.cast(pa.string())), unknown


def _batch(batch: pa.RecordBatch, present: set[str]) -> tuple[pa.Table, int]:
    n = batch.num_rows
    out: dict[str, pa.Array] = {}
    for src, dst in COLUMNS.items():
        kind = snapshot.SCHEMA.field(dst).type
        if src not in present:
            out[dst] = pa.nulls(n, kind)
            continue
        col = batch.column(src)
        if isinstance(col, pa.ChunkedArray):
            col = col.combine_chunks()
        if dst in ("created_at", "last_modified"):
            out[dst] = _timestamps(col)
        elif dst == "gated":
            out[dst] = _gated(col)
        else:
            out[dst] = col.cast(kind)
    unknown = 0
    if BASE_MODELS in present:
        out["base_relation"], out["base_models"], unknown = _base_models(batch.column(BASE_MODELS))
    else:
        out["base_relation"], out["base_models"] = pa.nulls(n, pa.string()), pa.nulls(n, pa.list_(pa.string()))
    return pa.table({c: out[c] for c in snapshot.COLUMNS}, schema=snapshot.SCHEMA), unknown


def convert(path: Path | str) -> Conversion:
    """Read a hub-stats ``models.parquet`` into snapshot rows (not sorted, not saved)."""
    path = Path(path)
    where = str(path)
    try:
        pf = pq.ParquetFile(path)
        schema = pf.schema_arrow
    except (OSError, pa.ArrowInvalid) as exc:
        raise CensusError(f"{where}: not a readable parquet file, or truncated ({exc})") from None
    names = set(schema.names)
    lacking = [c for c in REQUIRED if c not in names]
    if lacking:
        raise CensusError(f"{where}: column(s) {', '.join(lacking)} missing: not a hub-stats models file")
    missing = [c for c in [*COLUMNS, BASE_MODELS] if c not in names]
    warnings = []
    if missing:
        warnings.append(f"{where}: column(s) {', '.join(missing)} missing: left empty in the snapshot")
    read = [c for c in [*COLUMNS, BASE_MODELS] if c in names]
    parts, unknown = [], 0
    try:
        for batch in pf.iter_batches(batch_size=1 << 17, columns=read, use_threads=True):
            part, bad = _batch(batch, set(read))
            parts.append(part)
            unknown += bad
    except (OSError, pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
        raise CensusError(f"{where}: cannot be converted ({exc})") from None
    table = pa.concat_tables(parts) if parts else snapshot.SCHEMA.empty_table()
    if unknown:
        warnings.append(f"{where}: {unknown} rows have a base-model relation other than {', '.join(snapshot.RELATIONS)}: kept without relation")
    all_time = "downloadsAllTime" in names and table.column("downloads_all_time").null_count < table.num_rows
    if "downloadsAllTime" in names and not all_time:
        warnings.append(f"{where}: column downloadsAllTime is empty (census files carry all-time counters from {ALL_TIME_SINCE} on)")
    return Conversion(table=table, warnings=warnings, missing=missing, all_time=all_time)


def _iso(ts: datetime | str) -> str:
    t = pd.Timestamp(ts)
    if t.tzinfo is None:
        raise CensusError(f"time {ts!s} has no time zone (write it like 2026-02-01T00:00:00Z)")
    return t.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def import_file(path: Path | str, out: Path | str = paths.SNAPSHOTS, label: str | None = None, *, taken_at: datetime | str,
                overwrite: bool = False, source: dict[str, Any] | None = None,
                warn: Callable[[str], None] = log.warning) -> Path:
    """Convert a hub-stats ``models.parquet`` on disk and save it as snapshot ``out/label``.

    ``taken_at`` is when the census was taken (the dataset commit's time); ``label`` defaults to
    ``hub-stats-YYYY-MM-DD`` of that time. ``source`` adds to the manifest's source record.
    """
    path = Path(path)
    if not path.is_file():
        raise CensusError(f"{path}: no such file")
    try:
        taken = _iso(taken_at)
    except ValueError as exc:
        raise CensusError(f"--taken-at {taken_at!r} is not an ISO time ({exc})") from None
    label = label or f"hub-stats-{taken[:10]}"
    _check_label(label)
    target = Path(out) / label
    if target.exists() and not overwrite:
        raise CensusError(f"{paths.relative(target)} exists already: choose another --label, or pass --overwrite to replace it")
    digest, size = snapshot.sha256_file(path), path.stat().st_size
    conv = convert(path)
    for line in conv.warnings:
        warn(line)
    record = {"dataset": DATASET, "file": FILENAME, "sha256": digest, "size": size, **(source or {})}
    manifest = snapshot.build_manifest(
        conv.table, label=label, source=record, created_at=taken,
        extra={"census": True, "sample": False, "all_time": conv.all_time, "columns_missing": conv.missing},
    )
    try:
        return snapshot.save(conv.table, target, manifest, overwrite=overwrite)
    except SnapshotError as exc:
        raise CensusError(f"{path}: the census rows do not fit the snapshot format: {exc}") from None


def _check_label(label: str) -> None:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", label):
        raise CensusError(f"label {label!r} must be a plain folder name (letters, digits, '.', '_', '-')")


# --------------------------------------------------------------------------- the dataset on the Hub


@dataclass(frozen=True)
class Commit:
    """One dataset commit: its id and time (UTC)."""

    id: str
    time: pd.Timestamp

    @property
    def text(self) -> str:
        return f"{self.id[:10]} ({self.time.strftime('%Y-%m-%d %H:%M')} UTC)"


def day_start(day: str) -> pd.Timestamp:
    """``YYYY-MM-DD`` as 00:00 UTC of that day; a ``CensusError`` for anything else."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day or ""):
        raise CensusError(f"--date {day!r} is not a day YYYY-MM-DD")
    try:
        return pd.Timestamp(day, tz="UTC")
    except ValueError as exc:
        raise CensusError(f"--date {day!r} is not a day ({exc})") from None


def nearest(commits: list[Commit], when: pd.Timestamp, window: pd.Timedelta = WINDOW) -> Commit:
    """The commit nearest to ``when`` (the earlier one on a tie), at most ``window`` away.

    Raises ``CensusError`` naming the nearest commits before and after when none is close enough.
    """
    if not commits:
        raise CensusError(f"{DATASET} has no commits")
    best = min(commits, key=lambda c: (abs(c.time - when), c.time))
    if abs(best.time - when) <= window:
        return best
    before = max((c for c in commits if c.time <= when), key=lambda c: c.time, default=None)
    after = min((c for c in commits if c.time > when), key=lambda c: c.time, default=None)
    around = "; ".join(f"{side} {c.text}" for side, c in (("before:", before), ("after:", after)) if c is not None)
    first = min(commits, key=lambda c: c.time)
    raise CensusError(
        f"no commit of {DATASET} within {window.total_seconds() / 3600:g} h of {when.strftime('%Y-%m-%d %H:%M')} UTC "
        f"(nearest {around}; history starts {first.time.strftime('%Y-%m-%d')})"
    )


def _hub_call(what: str, func, *args, **kwargs):
    """Run a huggingface_hub call; its failures become one readable ``CensusError``."""
    import httpx2
    from huggingface_hub import errors as hf_errors

    try:
        return func(*args, **kwargs)
    except hf_errors.OfflineModeIsEnabled:
        raise CensusError(f"{what}: HF_HUB_OFFLINE is set: importing a census day needs the network (unset HF_HUB_OFFLINE)") from None
    except hf_errors.RepositoryNotFoundError:
        raise CensusError(f"{what}: dataset {DATASET} not found (or not visible with this token)") from None
    except hf_errors.RevisionNotFoundError:
        raise CensusError(f"{what}: no such revision in {DATASET}") from None
    except hf_errors.EntryNotFoundError:
        raise CensusError(f"{what}: {FILENAME} is not in {DATASET} at that revision") from None
    except hf_errors.LocalEntryNotFoundError as exc:
        raise CensusError(f"{what}: the Hub cannot be reached and the file is not cached ({_first_line(exc)})") from None
    except hf_errors.HfHubHTTPError as exc:
        if exc.response is not None and exc.response.status_code == 429:
            # huggingface_hub has waited for the rate-limit window several times already.
            raise CensusError(f"{what}: still rate-limited by the Hub after waiting for its window; run the command again "
                              "later, or set HF_TOKEN for a higher limit") from None
        raise CensusError(f"{what}: {_first_line(exc)}") from None
    except (httpx2.HTTPError, OSError) as exc:
        raise CensusError(f"{what}: {type(exc).__name__}: {_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def commits(endpoint: str | None = None) -> list[Commit]:
    """Every commit of the dataset's main branch, newest first."""
    from huggingface_hub import HfApi

    api = HfApi(endpoint=endpoint, library_name="hubshare")
    items = _hub_call(f"listing the commits of {DATASET}", api.list_repo_commits, DATASET, repo_type="dataset")
    return [Commit(c.commit_id, pd.Timestamp(c.created_at).tz_convert("UTC")) for c in items]


def _etag(commit: Commit, endpoint: str | None) -> str:
    from huggingface_hub import get_hf_file_metadata, hf_hub_url

    url = hf_hub_url(DATASET, FILENAME, repo_type="dataset", revision=commit.id, endpoint=endpoint)
    return (_hub_call(f"reading the metadata of {FILENAME} at {commit.text}", get_hf_file_metadata, url).etag or "").strip('"')


def fresh_nearest(commit_list: list[Commit], when: pd.Timestamp, endpoint: str | None = None,
                  say: Callable[[str], None] = log.info) -> Commit:
    """The commit nearest ``when`` (within 36 h) whose file differs from the commit before it.

    A census day that failed to refresh commits the previous day's file again: the Hub gives the
    same checksum for both. Such a stale day is passed over when another commit in the window is
    fresh; if every one is stale, the nearest is taken and said to be stale.
    """
    first = nearest(commit_list, when)
    ordered = sorted(commit_list, key=lambda c: c.time)
    near = sorted((c for c in commit_list if abs(c.time - when) <= WINDOW), key=lambda c: (abs(c.time - when), c.time))
    for c in near:
        k = ordered.index(c)
        if k == 0 or _etag(c, endpoint) != _etag(ordered[k - 1], endpoint):
            return c
        say(f"{c.text}: {FILENAME} is the file of {ordered[k - 1].text} again (a stale census day): passed over")
    say(f"{first.text}: every census commit within 36 h is stale; taking the nearest")
    return first


def resolve(commit_list: list[Commit], *, date: str | None = None, revision: str | None = None, endpoint: str | None = None,
            say: Callable[[str], None] = log.info) -> Commit:
    """The commit a ``--date`` (the nearest fresh one) or ``--revision`` names."""
    if (date is None) == (revision is None):
        raise CensusError("give exactly one of --date and --revision")
    if date is not None:
        return fresh_nearest(commit_list, day_start(date), endpoint, say)
    rev = revision.strip().lower()
    if len(rev) < 7 or not re.fullmatch(r"[0-9a-f]+", rev):
        raise CensusError(f"--revision {revision!r} is not a commit id (at least 7 hex digits)")
    hits = [c for c in commit_list if c.id.startswith(rev)]
    if len(hits) != 1:
        raise CensusError(f"--revision {revision}: {'no commit' if not hits else 'several commits'} of {DATASET}'s main branch")
    return hits[0]


def download(commit: Commit, endpoint: str | None = None, say: Callable[[str], None] = log.info) -> tuple[Path, dict[str, Any]]:
    """Fetch ``models.parquet`` at ``commit`` through the Hub cache and check it against the Hub's
    checksum. Returns the cached path and the file's record for the manifest."""
    from huggingface_hub import get_hf_file_metadata, hf_hub_download, hf_hub_url

    what = f"downloading {FILENAME} at {commit.text}"
    url = hf_hub_url(DATASET, FILENAME, repo_type="dataset", revision=commit.id, endpoint=endpoint)
    meta = _hub_call(what, get_hf_file_metadata, url)
    if meta.size is not None:
        say(f"{what}: {meta.size / 1e6:,.1f} MB")
    path = Path(_hub_call(what, hf_hub_download, DATASET, FILENAME, repo_type="dataset", revision=commit.id, endpoint=endpoint))
    digest = snapshot.sha256_file(path)
    expected = (meta.etag or "").strip('"').lower()
    if _SHA256.match(expected) and digest != expected:
        _forget(path)
        raise CensusError(f"{what}: checksum mismatch (the Hub says {expected[:12]}…, the file is {digest[:12]}…); "
                          "the damaged copy was removed from the cache: run the command again")
    return path, {"revision": commit.id, "commit_time": _iso(commit.time), "endpoint": _public(endpoint),
                  "expected_sha256": expected if _SHA256.match(expected) else None}


def _forget(path: Path) -> None:
    """Remove a cached file and the blob it links to, so the next run downloads it again."""
    blob = path.resolve()
    for p in {path, blob}:
        try:
            p.unlink()
        except OSError:
            pass


def _public(endpoint: str | None) -> str:
    from huggingface_hub import constants

    from .refresh import _clean

    return _clean((endpoint or constants.ENDPOINT).rstrip("/"))


def import_day(out: Path | str = paths.SNAPSHOTS, label: str | None = None, *, date: str | None = None, revision: str | None = None,
               endpoint: str | None = None, overwrite: bool = False, warn: Callable[[str], None] = log.warning,
               commit_list: list[Commit] | None = None, say: Callable[[str], None] = log.info) -> Path:
    """Import the census of one day (``date``: the commit nearest its 00:00 UTC) or one commit
    (``revision``) as snapshot ``out/label`` (default ``hub-stats-YYYY-MM-DD``). ``commit_list``
    saves listing the dataset's commits again when several days are imported."""
    if date is not None:
        day_start(date)  # a bad date is refused before any request
    label = label or (f"hub-stats-{date}" if date else None)
    if label:
        _check_label(label)
        if (Path(out) / label).exists() and not overwrite:
            raise CensusError(f"{paths.relative(Path(out) / label)} exists already: choose another --label, or pass --overwrite to replace it")
    commit = resolve(commit_list if commit_list is not None else commits(endpoint), date=date, revision=revision, endpoint=endpoint, say=say)
    path, record = download(commit, endpoint, say)
    return import_file(path, out, label, taken_at=commit.time, overwrite=overwrite, source=record, warn=warn)


def ensure_days(days: list[str], out: Path | str = paths.SNAPSHOTS, *, endpoint: str | None = None,
                warn: Callable[[str], None] = log.warning, say: Callable[[str], None] = log.info) -> list[Path]:
    """Import each day (``YYYY-MM-DD``) that no snapshot in ``out`` stands for yet (one within
    36 h of its 00:00 UTC with all-time counts); returns the snapshots written."""
    from .. import history

    wanted = [d for d in days if history.History.from_folder(out).at(day_start(d)) is None] if Path(out).is_dir() else list(days)
    for d in days:
        if d not in wanted:
            say(f"{d}: a snapshot in {paths.relative(Path(out))} stands for it already")
    written = []
    if wanted:
        listing = commits(endpoint)
        for d in wanted:
            say(f"{d}: importing the census commit nearest to it")
            written.append(import_day(out, date=d, endpoint=endpoint, warn=warn, commit_list=listing, say=say))
    return written
