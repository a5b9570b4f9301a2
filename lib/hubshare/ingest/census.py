"""``hubshare import hub-stats``: a day of the public census dataset as a standard snapshot.

The dataset ``cfahlgren1/hub-stats`` holds ``models.parquet``, every public model of the Hub with
its 30-day and all-time downloads, refreshed daily, one dataset commit per refresh. Past days are
reachable by revision: ``HfApi.list_repo_commits`` lists the commits with their times, and
``hf_hub_download`` fetches the file at one commit (through the Hub cache, honouring
``HF_ENDPOINT`` and ``HF_TOKEN``).

Columns are mapped by name (``CENSUS_COLUMNS``): ``downloads`` → ``downloads_30d``, ``downloadsAllTime``
→ ``downloads_all_time``, ``baseModels.relation`` → ``base_relation``, ``baseModels.models[].id``
→ ``base_models``, and so on. Columns hubshare does not use are not read. An absent optional
column becomes null, with one warning; an absent ``id`` or ``downloads`` column, an unreadable or
truncated file, or a file whose bytes do not match the Hub's checksum is a ``CensusError`` and
leaves nothing behind. The file is read one row group at a time, so only the columns kept are
ever held in memory.

>>> path = import_file("models.parquet", "data/snapshots", taken_at="2026-02-01T00:00:00Z")  # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .. import corrections, paths, snapshot, times
from ..errors import CensusError, SnapshotError
from .ranges import RevisionGone, first_line, hub_call

log = logging.getLogger(__name__)

DATASET = "cfahlgren1/hub-stats"
FILENAME = "models.parquet"
ALL_TIME_SINCE = "2025-02-27"
"""The first day whose census files carry all-time counters."""

# Source column → snapshot column, for the columns copied as they are (after a cast).
CENSUS_COLUMNS = {
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
OPTIONAL_SILENT = ("gated",)
"""Optional columns whose absence is normal (the real file may have no ``gated``): no warning."""
_FALSE = ("", "false", "0", "no", "none")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class Conversion:
    """What a conversion found: the rows, and the lines a user should read."""

    table: pa.Table
    warnings: list[str]
    absent: list[str]
    all_time: bool
    left_out: list[str] = field(default_factory=list)
    """Source columns present in the file but not read (``tags`` in a read by ranges)."""


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
    for src, dst in CENSUS_COLUMNS.items():
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


def convert(path: Path | str, leave_out: tuple[str, ...] = ()) -> Conversion:
    """Read a hub-stats ``models.parquet`` on disk into snapshot rows (not sorted, not saved)."""
    path = Path(path)
    try:
        pf = pq.ParquetFile(path)
    except (OSError, pa.ArrowInvalid) as exc:
        raise CensusError(f"{path}: not a readable parquet file, or truncated ({exc})") from None
    return convert_parquet(pf, str(path), leave_out)


def convert_parquet(pf: pq.ParquetFile, where: str, leave_out: tuple[str, ...] = ()) -> Conversion:
    """Snapshot rows from an open census file, reading only the columns hubshare maps (less
    ``leave_out``, source names: those become null and are listed in ``Conversion.left_out``)."""
    names = set(pf.schema_arrow.names)
    lacking = [c for c in REQUIRED if c not in names]
    if lacking:
        raise CensusError(f"{where}: column(s) {', '.join(lacking)} absent: not a hub-stats models file")
    wanted = [c for c in [*CENSUS_COLUMNS, BASE_MODELS] if c not in leave_out]
    absent = [c for c in wanted if c not in names and c not in OPTIONAL_SILENT]
    warnings = []
    if absent:
        warnings.append(f"{where}: column(s) {', '.join(absent)} absent: left empty in the snapshot")
    read = [c for c in wanted if c in names]
    parts, unknown = [], 0
    try:
        for batch in pf.iter_batches(batch_size=1 << 17, columns=read, use_threads=True):
            part, bad = _batch(batch, set(read))
            parts.append(part)
            unknown += bad
    except (OSError, pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
        raise CensusError(f"{where}: the census rows do not parse ({first_line(exc)})") from None
    table = pa.concat_tables(parts) if parts else snapshot.SCHEMA.empty_table()
    if unknown:
        warnings.append(f"{where}: {unknown} rows have a base-model relation other than {', '.join(snapshot.RELATIONS)}: kept without relation")
    all_time = "downloadsAllTime" in names and table.column("downloads_all_time").null_count < table.num_rows
    if "downloadsAllTime" in names and not all_time:
        warnings.append(f"{where}: column downloadsAllTime is empty (census files carry all-time counters from {ALL_TIME_SINCE} on)")
    return Conversion(table=table, warnings=warnings, absent=absent, all_time=all_time, left_out=[c for c in leave_out if c in names])


def _iso(ts: datetime | str) -> str:
    try:
        return times.iso(ts)
    except ValueError as exc:
        raise CensusError(str(exc)) from None


def import_file(path: Path | str, out: Path | str = paths.SNAPSHOTS, label: str | None = None, *, taken_at: datetime | str,
                overwrite: bool = False, source: dict[str, Any] | None = None, census: bool = False,
                warn: Callable[[str], None] = log.warning) -> Path:
    """Convert a hub-stats ``models.parquet`` on disk and save it as snapshot ``out/label``.

    ``taken_at`` is when the census was taken (the dataset commit's time); ``label`` defaults to
    ``hub-stats-YYYY-MM-DD`` of that time. ``source`` adds to the manifest's source record. A file
    far smaller than a census of its time is recorded as a subset (``coverage_of``) unless
    ``census``.
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
    record = {"dataset": DATASET, "file": FILENAME, "sha256": digest, "size": size, "bytes_read": size, **(source or {})}
    if coverage_of(conv.table.num_rows, taken, census) == "subset":
        warn(f"{path}: {conv.table.num_rows:,} rows, far fewer than a census of {taken[:10]}: imported as a subset "
             "(shares are those of its repos); --census if it is the whole census")
    return _save(conv, target, taken, record, overwrite=overwrite, where=str(path), census=census)


ATTRIBUTION = "hub-stats census dataset (huggingface.co/datasets/cfahlgren1/hub-stats), Apache-2.0"
"""The notice a chart of a census snapshot carries (the dataset's licence, as its downstream users state it)."""
SUBSET_BELOW = 1_000_000
"""Rows under which a hub-stats file of 2025 or later is a subset of a census, not a census: the Hub
had 2.43 million public models in January 2026 (Hugging Face's summer 2026 report)."""
SUBSET_FROM = "2025-01-01"


def coverage_of(rows: int, taken: str, census: bool = False) -> str:
    """``census``, or ``subset`` for a file far smaller than a census of its time (``SUBSET_BELOW``
    rows from ``SUBSET_FROM`` on), unless ``census`` says it is whole.

    >>> coverage_of(4_167, "2026-02-01T13:16:13Z"), coverage_of(4_167, "2026-02-01T13:16:13Z", census=True)
    ('subset', 'census')
    """
    return "census" if census or rows >= SUBSET_BELOW or taken < SUBSET_FROM else "subset"


def _save(conv: Conversion, target: Path, taken: str, record: dict[str, Any], *, overwrite: bool, where: str,
          extra: dict[str, Any] | None = None, census: bool = False) -> Path:
    coverage = coverage_of(conv.table.num_rows, taken, census)
    manifest = snapshot.build_manifest(
        conv.table, label=target.name, source=record, created_at=taken,
        extra={"census": coverage == "census", "coverage": coverage, "sample": False, "all_time": conv.all_time,
               "attribution": ATTRIBUTION, "columns_absent": conv.absent,
               "columns_left_out": conv.left_out, **(extra or {})},
    )
    try:
        return snapshot.save(conv.table, target, manifest, overwrite=overwrite)
    except SnapshotError as exc:
        raise CensusError(f"{where}: the census rows do not fit the snapshot format: {exc}") from None


def _check_label(label: str) -> None:
    if not snapshot.plain_label(label):
        raise CensusError(f"label {label!r} must be a plain folder name (letters, digits, '.', '_', '-')")


# --------------------------------------------------------------------------- the dataset on the Hub


@dataclass(frozen=True)
class Commit:
    """One dataset commit: its id, time (UTC) and title."""

    id: str
    time: pd.Timestamp
    title: str = ""

    @property
    def uploads_models(self) -> bool:
        """Whether this commit uploaded ``models.parquet`` (each upload is its own commit, titled
        ``Upload FILE with huggingface_hub``); any other commit serves the file of the last one that did."""
        return re.search(rf"(^|[\s/]){re.escape(FILENAME)}\b", self.title) is not None

    @property
    def day(self) -> str:
        """The UTC day of the commit, ``YYYY-MM-DD``."""
        return self.time.strftime("%Y-%m-%d")

    @property
    def text(self) -> str:
        """The commit for messages: its short id, then its time (UTC)."""
        return f"{self.id[:10]} ({self.time.strftime('%Y-%m-%d %H:%M')} UTC)"

    @property
    def label(self) -> str:
        """The snapshot name of this census: ``hub-stats-YYYY-MM-DD`` of its UTC day."""
        return f"hub-stats-{self.day}"


def day_start(day: str) -> pd.Timestamp:
    """``YYYY-MM-DD`` as 00:00 UTC of that day; a ``CensusError`` for anything else."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day or ""):
        raise CensusError(f"--date {day!r} is not a day YYYY-MM-DD")
    try:
        return pd.Timestamp(day, tz="UTC")
    except ValueError as exc:
        raise CensusError(f"--date {day!r} is not a day ({exc})") from None


def census_days(commit_list: list[Commit]) -> list[Commit]:
    """The census of each UTC day, oldest first: the day's latest commit that uploaded
    ``models.parquet``. Days without such a commit have no census, whatever else was committed.

    >>> t = pd.Timestamp("2026-02-18 13:17", tz="UTC")
    >>> days = census_days([Commit("a" * 40, t, "Upload models.parquet with huggingface_hub"),
    ...                     Commit("b" * 40, t + pd.Timedelta(hours=3), "Upload models.parquet with huggingface_hub"),
    ...                     Commit("c" * 40, t + pd.Timedelta(minutes=2), "Upload daily_papers.parquet with huggingface_hub")])
    >>> [(d.day, d.id[0]) for d in days]
    [('2026-02-18', 'b')]
    """
    latest: dict[str, Commit] = {}
    for c in commit_list:
        if c.uploads_models and (c.day not in latest or c.time > latest[c.day].time):
            latest[c.day] = c
    return [latest[d] for d in sorted(latest)]


def _hub_call(what: str, func, *args, **kwargs):
    """Run a huggingface_hub call on the census dataset; its failures become one ``CensusError``."""
    return hub_call(what, func, *args, repo=DATASET, filename=FILENAME, **kwargs)


def _api(endpoint: str | None):
    from huggingface_hub import HfApi

    return HfApi(endpoint=endpoint, library_name="hubshare")


def commits(endpoint: str | None = None) -> list[Commit]:
    """Every commit of the dataset's main branch (``list_repo_commits`` pages to the first one),
    newest first."""
    items = _hub_call(f"listing the commits of {DATASET}", _api(endpoint).list_repo_commits, DATASET, repo_type="dataset")
    return [Commit(c.commit_id, pd.Timestamp(c.created_at).tz_convert("UTC"), c.title or "") for c in items]


def file_commit(revision: str, endpoint: str | None = None) -> Commit:
    """The last commit that uploaded ``models.parquet`` as of ``revision`` (``get_paths_info``
    with ``expand=True``): the census that revision serves."""
    infos = _hub_call(f"reading {FILENAME} at {revision[:10]}", _api(endpoint).get_paths_info, DATASET, [FILENAME],
                      expand=True, revision=revision, repo_type="dataset")
    info = next((i for i in infos if getattr(i, "path", None) == FILENAME), None)
    if info is None or getattr(info, "last_commit", None) is None:
        raise CensusError(f"{FILENAME} is not in {DATASET} at {revision[:10]}, or the Hub gave no last commit for it")
    last = info.last_commit
    return Commit(last.oid, pd.Timestamp(last.date).tz_convert("UTC"), last.title or "")


def resolve_revision(commit_list: list[Commit], revision: str, endpoint: str | None = None,
                     say: Callable[[str], None] = log.info) -> Commit:
    """The census a ``--revision`` names: that commit if it uploaded the file, else the file's own
    last commit as of it (said)."""
    rev = revision.strip().lower()
    if len(rev) < 7 or not re.fullmatch(r"[0-9a-f]+", rev):
        raise CensusError(f"--revision {revision!r} is not a commit id (at least 7 hex digits)")
    hits = [c for c in commit_list if c.id.startswith(rev)]
    if len(hits) != 1:
        raise CensusError(f"--revision {revision}: {'no commit' if not hits else 'several commits'} of {DATASET}'s main branch")
    commit = hits[0]
    if commit.uploads_models:
        return commit
    own = file_commit(commit.id, endpoint)
    say(f"{commit.text} did not upload {FILENAME} ({commit.title or 'no title'!r}); it serves the file of {own.text}: importing that census")
    return own


def relocate(commit: Commit, endpoint: str | None = None, say: Callable[[str], None] = log.info) -> Commit:
    """The same census after the dataset's history was rewritten: listed again and matched by
    its time and title (commit ids are not permanent keys)."""
    fresh = [c for c in commits(endpoint) if c.uploads_models and abs(c.time - commit.time) <= pd.Timedelta(seconds=1)]
    if len(fresh) != 1:
        raise CensusError(f"{commit.text}: no longer in {DATASET}'s history, and no census at the same time in a new listing")
    say(f"{DATASET}'s history was rewritten: the census of {commit.time.strftime('%Y-%m-%d %H:%M:%S')} UTC is now commit {fresh[0].id[:10]}")
    return fresh[0]


def _public(endpoint: str | None) -> str:
    from huggingface_hub import constants

    from .refresh import public_endpoint

    return public_endpoint((endpoint or constants.ENDPOINT).rstrip("/"))


SNAPSHOT_LEAVES_OUT = ("tags",)
"""Source columns a snapshot read by ranges leaves out: no Definition reads ``tags`` (18% of a real
file's bytes); the exercise that does falls back on ``library_name`` and says so."""
JUDGE_COLUMNS = ("id", "downloads", "downloadsAllTime")
"""What a day read only to judge a bracket reads (``corrections.check_days``)."""


class RemoteCensus:
    """The census file of one commit on the Hub, read by byte ranges (``ranges.RemoteFile``):
    its footer at once, then only the columns asked for."""

    def __init__(self, commit: Commit, endpoint: str | None = None, say: Callable[[str], None] = log.info, file=None):
        from huggingface_hub import constants, hf_hub_url

        from .ranges import RemoteFile

        if file is not None:  # a file object with the same interface (the benchmark counts a local file's bytes)
            self.commit, self.endpoint, self.what, self.file = commit, endpoint, f"{FILENAME} at {commit.text}", file
            self._open()
            return
        if constants.HF_HUB_OFFLINE:
            raise CensusError(f"reading {FILENAME} at {commit.text}: HF_HUB_OFFLINE is set: importing a census day needs the network "
                              "(unset HF_HUB_OFFLINE)")
        self.commit = commit
        self.endpoint = endpoint
        self.what = f"{FILENAME} at {commit.text}"
        try:
            self.file = RemoteFile(hf_hub_url(DATASET, FILENAME, repo_type="dataset", revision=commit.id, endpoint=endpoint), what=self.what,
                                   repo=DATASET)
        except RevisionGone:
            self.commit = relocate(commit, endpoint, say)
            self.what = f"{FILENAME} at {self.commit.text}"
            self.file = RemoteFile(hf_hub_url(DATASET, FILENAME, repo_type="dataset", revision=self.commit.id, endpoint=endpoint),
                                   what=self.what, repo=DATASET)
        self._open()

    def _open(self) -> None:
        try:
            meta = self._footer()
            # Column chunks read together (pre_buffer) for a snapshot; one by one to judge a day, so
            # that the small columns between the ones asked for are not fetched with them.
            self.parquet = pq.ParquetFile(self.file, metadata=meta, pre_buffer=True)
            self.columns_only = pq.ParquetFile(self.file, metadata=meta, pre_buffer=False)
        except (OSError, pa.ArrowInvalid) as exc:
            if isinstance(exc.__context__, CensusError):
                raise exc.__context__ from None
            raise CensusError(f"{self.what}: not a readable parquet file ({first_line(exc)})") from None

    def _footer(self) -> pq.FileMetaData:
        """The file's metadata, read exactly: its length from the last 8 bytes, then the footer
        alone (pyarrow's own reader would take the last 64 KB at once)."""
        f = self.file
        if f.size < 12:
            raise CensusError(f"{self.what}: not a parquet file ({f.size} bytes)")
        f.seek(f.size - 8)
        tail = f.read(8)
        if tail[4:] != b"PAR1":
            raise CensusError(f"{self.what}: not a parquet file (no PAR1 footer), or truncated")
        n = int.from_bytes(tail[:4], "little")
        if n + 12 > f.size:
            raise CensusError(f"{self.what}: not a readable parquet file (footer of {n:,} bytes in a file of {f.size:,})")
        f.seek(f.size - 8 - n)
        return pq.read_metadata(pa.BufferReader(b"PAR1" + f.read(n) + tail))

    @property
    def rows(self) -> int:
        """Rows of the census file, from its parquet footer."""
        return self.parquet.metadata.num_rows

    def _guard(self, func):
        try:
            return func()
        except CensusError:
            raise
        except (OSError, pa.ArrowInvalid) as exc:
            if isinstance(exc.__context__, CensusError):
                raise exc.__context__ from None
            raise CensusError(f"{self.what}: the census rows do not parse ({first_line(exc)})") from None

    def counters(self) -> corrections.Counters:
        """Ids and counters only, to judge the day."""
        def read() -> pa.Table:
            names = set(self.parquet.schema_arrow.names)
            if "downloadsAllTime" not in names:
                raise CensusError(f"{self.what}: no downloadsAllTime column (census files carry all-time counters from {ALL_TIME_SINCE} on)")
            return self.columns_only.read(columns=list(JUDGE_COLUMNS), use_threads=True)

        t = self._guard(read)
        try:
            t = pa.table({"id": t.column("id").cast(pa.string()), "downloads_all_time": t.column("downloadsAllTime").cast(pa.int64()),
                          "downloads_30d": t.column("downloads").cast(pa.int64())}).sort_by("id")
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise CensusError(f"{self.what}: the census rows do not parse ({first_line(exc)})") from None
        return corrections.Counters.of_table(self.commit.label, self.commit.time, t)

    def convert(self) -> Conversion:
        """The snapshot's rows: every column hubshare maps, less ``SNAPSHOT_LEAVES_OUT``."""
        return self._guard(lambda: convert_parquet(self.parquet, self.what, SNAPSHOT_LEAVES_OUT))

    def record(self) -> dict[str, Any]:
        """The source record for the manifest: revision, commit, bytes read of the file's size."""
        return {"revision": self.commit.id, "commit_time": _iso(self.commit.time), "commit_title": self.commit.title,
                "endpoint": _public(self.endpoint), "read": "byte ranges", "size": self.file.size, "bytes_read": self.file.bytes_read,
                "range_requests": self.file.requests, "etag": self.file.etag}


def download(commit: Commit, endpoint: str | None = None, say: Callable[[str], None] = log.info) -> tuple[Path, dict[str, Any]]:
    """Fetch the whole ``models.parquet`` at ``commit`` through the Hub cache and check it against
    the Hub's checksum (``--full``). Returns the cached path and the file's record for the manifest."""
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
    return path, {"revision": commit.id, "commit_time": _iso(commit.time), "commit_title": commit.title, "endpoint": _public(endpoint),
                  "read": "whole file", "expected_sha256": expected if _SHA256.match(expected) else None}


def _forget(path: Path) -> None:
    """Remove a cached file and the blob it links to, so the next run downloads it again."""
    blob = path.resolve()
    for p in {path, blob}:
        try:
            p.unlink()
        except OSError:
            pass


# --------------------------------------------------------------------------- choosing census days


class Census:
    """The dataset's census days, listed once, with what a run has read of them (cached)."""

    def __init__(self, endpoint: str | None = None, say: Callable[[str], None] = log.info, commit_list: list[Commit] | None = None):
        self.endpoint = endpoint
        self.say = say
        self.commit_list = commit_list if commit_list is not None else commits(endpoint)
        self.days = census_days(self.commit_list)
        self._remote: dict[str, RemoteCensus] = {}
        self._counters: dict[str, corrections.Counters] = {}
        self.judged_bytes = 0

    def remote(self, commit: Commit) -> RemoteCensus:
        """The census file one commit serves, read by byte ranges (one reader per commit)."""
        if commit.id not in self._remote:
            self._remote[commit.id] = RemoteCensus(commit, self.endpoint, self.say)
        return self._remote[commit.id]

    def counters(self, commit: Commit) -> corrections.Counters:
        """Ids and counters of the census one commit serves (for the day checks), read once."""
        if commit.id not in self._counters:
            r = self.remote(commit)
            before = r.file.bytes_read
            self._counters[commit.id] = r.counters()
            self.judged_bytes += r.file.bytes_read - before
        return self._counters[commit.id]

    def history(self, days: list[Commit]):
        """These census days as a history whose entries read their counters from the Hub."""
        from .. import history

        entries = []
        for c in days:
            entries.append(history.Entry(label=c.label, taken_at=c.time, rows=self.remote(c).rows,
                                         reader=lambda c=c: self.counters(c)))
        return history.History(entries, source=f"{DATASET} on the Hub")

    def boundary(self, when: pd.Timestamp, max_bracket: pd.Timedelta | None = None):
        """How the census measures ``when``, as ``history.History.boundary`` does on a folder, with
        the days around it judged from their ids and counters; returns ``(boundary, history)``.
        The window of days judged widens while a day it would use is bad."""

        max_bracket = max_bracket if max_bracket is not None else times.MAX_BRACKET
        if not self.days:
            raise CensusError(f"{DATASET} has no commit that uploaded {FILENAME}")
        k = sum(1 for d in self.days if d.time <= when)  # days[:k] are at or before `when`
        lo, hi = max(0, k - 3), min(len(self.days), k + 3)
        reach = max(max_bracket, times.WINDOW) + pd.Timedelta(days=corrections.LASTING_AFTER)
        while True:
            h = self.history(self.days[lo:hi])
            b = h.boundary(when, max_bracket=max_bracket)
            checks = h.checks()
            bad_first, bad_last = checks[0].bad if checks else False, checks[-1].bad if checks else False
            grow_lo = lo > 0 and (bad_first or (b.before is None and not b.measured)) and when - self.days[lo].time <= reach
            grow_hi = hi < len(self.days) and (bad_last or (b.after is None and not b.measured)) and self.days[hi - 1].time - when <= reach
            if not (grow_lo or grow_hi):
                return b, h
            lo, hi = lo - grow_lo, hi + grow_hi


def _local(out: Path) -> dict[str, Path]:
    """Snapshots already in ``out``, by the census time they were taken (commit ids can change)."""
    found: dict[str, Path] = {}
    if not out.is_dir():
        return found
    for sub in sorted(p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")):
        try:
            manifest = json.loads((sub / snapshot.MANIFEST_FILE).read_text(encoding="utf-8"))
            found[_iso(pd.Timestamp(manifest["created_at"]))] = sub
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return found


def import_census(census: Census, commit: Commit, out: Path | str = paths.SNAPSHOTS, label: str | None = None, *,
                  full: bool = False, overwrite: bool = False, extra: dict[str, Any] | None = None,
                  warn: Callable[[str], None] = log.warning) -> Path:
    """Import one census day (``commit`` uploaded the file) as snapshot ``out/label`` (default
    ``hub-stats-YYYY-MM-DD`` of its day): by byte ranges, or the whole file with ``full``."""
    out = Path(out)
    label = label or commit.label
    _check_label(label)
    target = out / label
    if target.exists() and not overwrite:
        raise CensusError(f"{paths.relative(target)} exists already: choose another --label, or pass --overwrite to replace it")
    if full:
        path, record = download(commit, census.endpoint, census.say)
        conv = convert(path)
        record = {"dataset": DATASET, "file": FILENAME, "sha256": snapshot.sha256_file(path), "size": path.stat().st_size,
                  "bytes_read": path.stat().st_size, **record}
        where = str(path)
    else:
        remote = census.remote(commit)
        before = remote.file.bytes_read
        conv = remote.convert()
        record = {"dataset": DATASET, "file": FILENAME, **remote.record(), "bytes_read": remote.file.bytes_read - before}
        commit, where = remote.commit, remote.what
        census.say(f"{remote.what}: read {record['bytes_read'] / 1e6:,.1f} MB of {remote.file.size / 1e6:,.1f} MB "
                   f"({record['bytes_read'] / max(remote.file.size, 1):.0%}) by byte ranges")
    for line in conv.warnings:
        warn(line)
    return _save(conv, target, _iso(commit.time), record, overwrite=overwrite, where=where, extra=extra)


def import_boundary(census: Census, when: pd.Timestamp, out: Path | str = paths.SNAPSHOTS, *, full: bool = False,
                    max_bracket: pd.Timedelta | None = None, bounds: bool = False,
                    warn: Callable[[str], None] = log.warning) -> tuple[list[Path], Any]:
    """Import the census days that measure ``when`` (00:00 UTC of a day, say), those not in ``out``
    yet: the census within an hour of it, else the good pair around it, else the good census
    within 36 h; bad days are passed over and recorded. When ``when`` cannot be measured it is a
    ``CensusError`` naming the gap, or with ``bounds`` the good censuses on either side of the gap
    are imported. Returns ``(written, boundary)``."""
    out = Path(out)
    b, h = census.boundary(when, max_bracket)
    if not b.measured and not bounds:
        raise CensusError(f"{when.strftime('%Y-%m-%d %H:%M')} UTC cannot be measured from {DATASET}: {b.reason} "
                          "(--bounds imports the censuses on either side of the gap, for a lower and an upper bound)")
    used = [e for e in (b.before, b.after) if e is not None] if b.how in ("interpolated", "missing") else [b.used]
    passed = [{"census": e.text, "kind": c.kind, "why": c.why} for e, c in zip(h.entries, h.checks()) if c.bad]
    local = _local(out)
    by_label = {c.label: c for c in census.days}
    written = []
    for e in used:
        commit = next(c for c in census.days if c.time == e.taken_at and c.label == e.label) if e.label in by_label else None
        if commit is None:
            continue
        if _iso(commit.time) in local:
            census.say(f"{commit.text}: in {paths.relative(out)} already ({local[_iso(commit.time)].name})")
            continue
        label = commit.label if not (out / commit.label).exists() else f"{commit.label}T{commit.time.strftime('%H%M')}"
        extra = {"day_check": h.check(e).to_dict(), "passed_over": passed,
                 "judged_against": [x.text for x in h.entries if x is not e]}
        census.say(f"{commit.text}: importing the census of {commit.day} ({b.how} boundary {when.strftime('%Y-%m-%d %H:%M')} UTC)")
        written.append(import_census(census, commit, out, label, full=full, extra=extra, warn=warn))
    return written, b


def import_date(out: Path | str = paths.SNAPSHOTS, *, date: str, endpoint: str | None = None, full: bool = False,
                max_bracket: pd.Timedelta | None = None, bounds: bool = False, warn: Callable[[str], None] = log.warning,
                say: Callable[[str], None] = log.info) -> tuple[list[Path], Any]:
    """``hubshare import hub-stats --date D``: the census days that measure D's 00:00 UTC
    (``import_boundary``)."""
    when = day_start(date)  # a bad date is refused before any request
    return import_boundary(Census(endpoint, say), when, out, full=full, max_bracket=max_bracket, bounds=bounds, warn=warn)


def import_revision(out: Path | str = paths.SNAPSHOTS, label: str | None = None, *, revision: str, endpoint: str | None = None,
                    full: bool = False, overwrite: bool = False, warn: Callable[[str], None] = log.warning,
                    say: Callable[[str], None] = log.info) -> Path:
    """``hubshare import hub-stats --revision SHA``: the census that commit serves."""
    census = Census(endpoint, say)
    commit = resolve_revision(census.commit_list, revision, endpoint, say)
    return import_census(census, commit, out, label, full=full, overwrite=overwrite, warn=warn)


def ensure_boundaries(times: list[pd.Timestamp], out: Path | str = paths.SNAPSHOTS, *, endpoint: str | None = None,
                      full: bool = False, max_bracket: pd.Timedelta | None = None, bounds: bool = False,
                      warn: Callable[[str], None] = log.warning, say: Callable[[str], None] = log.info) -> list[Path]:
    """Import what each boundary needs (``import_boundary``), listing the dataset's commits once;
    a boundary that cannot be measured is said, and its months will be missing (or bounded)."""
    census = Census(endpoint, say)
    written = []
    for when in times:
        b, _ = census.boundary(when, max_bracket)
        if not b.measured and not bounds:
            say(f"{when.strftime('%Y-%m-%d %H:%M')} UTC: cannot be measured: {b.reason}")
            continue
        paths_, b = import_boundary(census, when, out, full=full, max_bracket=max_bracket, bounds=bounds, warn=warn)
        say(f"{when.strftime('%Y-%m-%d %H:%M')} UTC: {b.text}")
        written += paths_
    if census.judged_bytes:
        say(f"judging census days around the boundaries read {census.judged_bytes / 1e6:,.1f} MB (ids and counters only)")
    return written
