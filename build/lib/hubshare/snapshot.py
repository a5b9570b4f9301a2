"""The snapshot format: one folder holding ``models.parquet`` and ``manifest.json``.

A snapshot is what the Hub listed at one moment, one row per model repo. ``save()`` writes it
atomically; ``load()`` verifies checksum and schema before anything reads it, and reads the other
columns' values (checking them too) when first used; ``validate()`` lists every problem instead of
stopping at the first.

>>> snap = load(paths.SAMPLE_SNAPSHOT)
>>> snap.label, len(snap.models)
('2026-05-16-trending-sample', 1000)
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import arrays, paths
from .errors import SnapshotError

if TYPE_CHECKING:
    import pandas as pd

# pandas is imported where rows become a DataFrame, not here: loading a snapshot needs Arrow only,
# so the command line can load one while pandas imports (``cli.loading``).

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
MODELS_FILE = "models.parquet"
MANIFEST_FILE = "manifest.json"
ROW_GROUP = 1 << 18
RELATIONS = ("finetune", "quantized", "adapter", "merge")

_TS = pa.timestamp("us", tz="UTC")
SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("author", pa.string()),
        pa.field("created_at", _TS),
        pa.field("last_modified", _TS),
        pa.field("downloads_30d", pa.int64()),
        pa.field("downloads_all_time", pa.int64()),
        pa.field("likes", pa.int64()),
        pa.field("pipeline_tag", pa.string()),
        pa.field("library_name", pa.string()),
        pa.field("tags", pa.list_(pa.string())),
        pa.field("base_models", pa.list_(pa.string())),
        pa.field("base_relation", pa.string()),
        pa.field("gated", pa.bool_()),
    ]
)
COLUMNS = tuple(SCHEMA.names)
ID_FORM = r"^[^/\s]+/[^/\s]+$"  # namespace/name, no spaces
COUNT_COLUMNS = ("downloads_30d", "downloads_all_time", "likes")
EAGER = ("id", *COUNT_COLUMNS)  # what ``load`` reads at once: small, and what every measure needs
MANIFEST_KEYS = (
    "schema_version",
    "label",
    "created_at",
    "source",
    "huggingface_hub_version",
    "rows",
    "sha256",
)


class Snapshot:
    """A loaded, verified snapshot.

    ``table`` is the Arrow table as stored; ``models`` the same rows as a pandas DataFrame.
    ``load`` reads ids and counts; every other column is read, and its values checked, the first
    time something asks for it (``column``, ``select``, ``table``), so work that needs a few
    columns never decodes the rest. Work derived from the rows (classification, metric arrays)
    is computed once per snapshot and kept with it through ``cached``.
    """

    def __init__(self, path: Path | None, manifest: dict[str, Any], table: pa.Table, unread: tuple[str, ...] = ()):
        self.path = path
        self.manifest = manifest
        self._table = table
        self._unread = tuple(c for c in unread if c not in table.column_names)
        self._stat = _stat(path / MODELS_FILE) if path is not None and self._unread else None
        self._lock = threading.Lock()
        self._cache: dict[Any, Any] = {}

    def __repr__(self) -> str:
        return f"Snapshot(path={self.path!r}, label={self.label!r}, rows={len(self)})"

    @property
    def table(self) -> pa.Table:
        """Every column."""
        if self._unread:
            self._read(self._unread)
        return self._table

    @property
    def column_names(self) -> list[str]:
        """The columns of the snapshot, read or not."""
        return [c for c in COLUMNS if c in self._table.column_names or c in self._unread] + \
            [c for c in self._table.column_names if c not in COLUMNS]

    def column(self, name: str) -> pa.ChunkedArray:
        """One column, read on first use."""
        return self.select([name]).column(0)

    def select(self, names: list[str] | tuple[str, ...]) -> pa.Table:
        """A table of the named columns, reading the unread ones together (``KeyError`` for a
        column the snapshot does not have)."""
        missing = [c for c in names if c in self._unread]
        if missing:
            self._read(tuple(missing))
        return self._table.select(list(names))

    def _read(self, names: tuple[str, ...]) -> None:
        with self._lock:
            names = tuple(c for c in names if c in self._unread)
            if not names:
                return
            assert self.path is not None
            ppath = self.path / MODELS_FILE
            where = paths.relative(ppath)
            if _stat(ppath) != self._stat:
                raise SnapshotError(f"{where}: the file changed after the snapshot was loaded; load it again")
            try:
                part = pq.read_table(ppath, columns=list(names))
            except (pa.ArrowInvalid, OSError) as exc:
                raise SnapshotError(f"{where}: unreadable parquet ({exc})") from None
            problems = _problems_in_table(part, where, names)
            if problems:
                raise SnapshotError(problems)
            part = part.cast(pa.schema([SCHEMA.field(c) for c in names]))
            have = {c: self._table.column(c) for c in self._table.column_names}
            have.update({c: part.column(c) for c in names})
            order = [c for c in COLUMNS if c in have] + [c for c in have if c not in COLUMNS]
            self._table = pa.table({c: have[c] for c in order}, schema=pa.schema([SCHEMA.field(c) if c in COLUMNS else self._table.schema.field(c) for c in order]))
            self._unread = tuple(c for c in self._unread if c not in names)

    def describe(self) -> str:
        """What the snapshot is, in a line or two: label, size, date, and whether it is a sample."""
        text = f"{self.label}: {len(self):,} models listed on {self.date}"
        if self.is_sample:
            text += "\nA sample, not a census: totals and shares below are those of the sample's repos."
        return text

    def cached(self, key: Any, make: Callable[[], Any]) -> Any:
        """The value stored under ``key`` for this snapshot, made by ``make()`` the first time.

        >>> s = Snapshot(None, {}, pa.table({"id": ["a/b"]}))
        >>> s.cached("rows", lambda: s.table.num_rows), s.cached("rows", lambda: 0)
        (1, 1)
        """
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def is_cached(self, key: Any) -> bool:
        """Whether ``cached`` already holds a value for ``key``."""
        return key in self._cache

    @property
    def label(self) -> str:
        return self.manifest.get("label", "")

    @property
    def attribution(self) -> str:
        """The notice the data's licence asks for (the manifest's ``attribution``), or ''."""
        return str(self.manifest.get("attribution", ""))

    @property
    def taken_at(self) -> pd.Timestamp:
        """When the Hub was listed (the manifest's ``created_at``), UTC."""
        import pandas as pd

        return pd.Timestamp(self.manifest["created_at"]).tz_convert("UTC")

    @property
    def date(self) -> str:
        """The listing date as ``YYYY-MM-DD``, for footnotes."""
        return self.taken_at.strftime("%Y-%m-%d")

    @property
    def is_sample(self) -> bool:
        return bool(self.manifest.get("sample", False))

    @cached_property
    def models(self) -> pd.DataFrame:
        return to_pandas(self.table)

    def __len__(self) -> int:
        return self._table.num_rows


def to_pandas(table: pa.Table) -> pd.DataFrame:
    """Arrow rows to pandas with explicit dtypes: nullable integers, UTC timestamps, lists."""
    import pandas as pd

    return table.to_pandas(
        types_mapper={pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}.get,
    )


def _stat(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------- building tables


def to_table(models: pd.DataFrame | pa.Table) -> pa.Table:
    """Cast rows to the snapshot schema, sorted by ``id``.

    Raises ``SnapshotError`` when a column is missing or cannot be cast.
    """
    import pandas as pd

    if isinstance(models, pd.DataFrame):
        missing = [c for c in COLUMNS if c not in models.columns]
        if missing:
            raise SnapshotError(f"rows to save lack column(s) {', '.join(missing)}")
        frame = models[list(COLUMNS)]
        try:
            table = pa.Table.from_pandas(frame, schema=SCHEMA, preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as exc:
            raise SnapshotError(f"rows to save do not fit the schema: {exc}") from None
    else:
        missing = [c for c in COLUMNS if c not in models.column_names]
        if missing:
            raise SnapshotError(f"rows to save lack column(s) {', '.join(missing)}")
        try:
            table = models.select(list(COLUMNS)).cast(SCHEMA)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise SnapshotError(f"rows to save do not fit the schema: {exc}") from None
    table = table.replace_schema_metadata(None)
    return table.sort_by("id")


# --------------------------------------------------------------------------- checking


def _duplicate_rows(ids) -> int:
    """Rows whose id is shared with another row. Saved snapshots are sorted by id, so a strictly
    increasing column (checked in one pass) has none; anything else is counted with a hash table."""
    if arrays.increasing(ids):
        return 0
    counts = pc.value_counts(ids.drop_null())
    return pc.sum(pc.filter(counts.field("counts"), pc.greater(counts.field("counts"), 1))).as_py() or 0


def _well_formed(chunk: pa.Array) -> bool:
    r"""Whether every id of a chunk is of ``ID_FORM``, shown from its bytes at once: every id holds a
    slash, none starts or ends with one, there are as many slashes as ids, and no byte is a space
    or a control character (a superset of what ``\s`` matches). False means "look closer", not
    that an id is bad."""
    if chunk.null_count or chunk.type != pa.string() or not len(chunk):
        return False
    if not pc.all(pc.greater_equal(pc.find_substring(chunk, "/"), 0)).as_py():
        return False
    if pc.any(pc.or_(pc.starts_with(chunk, "/"), pc.ends_with(chunk, "/"))).as_py():
        return False
    offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32, count=len(chunk) + 1, offset=4 * chunk.offset)
    data = np.frombuffer(chunk.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
    return np.count_nonzero(data == ord("/")) == len(chunk) and not (data <= ord(" ")).any()


def _bad_ids(ids) -> int:
    """Non-null ids not of the form ``namespace/name``."""

    def one(chunk: pa.Array) -> int:
        if _well_formed(chunk):
            return 0
        return pc.sum(pc.invert(pc.match_substring_regex(chunk.drop_null(), ID_FORM))).as_py() or 0

    return sum(arrays.each_chunk(one, ids))


def _problems_in_table(table: pa.Table, where: str, columns: tuple[str, ...] = COLUMNS, rows: int | None = None) -> list[str]:
    """Schema and value problems of an Arrow table (in ``columns``), each naming file, column and row
    count. ``rows`` is the row count to report when ``table`` holds the schema only."""
    problems: list[str] = []
    names = table.column_names
    missing = [c for c in columns if c not in names]
    for col in missing:
        problems.append(f"{where}: column '{col}' is missing")
    for col in columns:
        if col in missing:
            continue
        expected = SCHEMA.field(col).type
        actual = table.schema.field(col).type
        if actual == expected:
            continue
        if pa.types.is_null(actual):
            continue  # an all-null column of a source that lacks the field
        if col in COUNT_COLUMNS and pa.types.is_integer(actual):
            continue
        if pa.types.is_timestamp(expected) and pa.types.is_timestamp(actual) and actual.tz in ("UTC", "+00:00"):
            continue
        problems.append(
            f"{where}: column '{col}' has type {actual}, expected {expected} "
            f"({table.num_rows if rows is None else rows} rows of the wrong type)"
        )
    typed = {c for c in columns if c not in missing and not any(f"'{c}'" in p for p in problems)}

    if "id" in typed:
        ids = table.column("id")
        nulls = ids.null_count
        if nulls:
            problems.append(f"{where}: column 'id' is empty in {nulls} rows")
        dup_rows = _duplicate_rows(ids)
        if dup_rows:
            problems.append(f"{where}: column 'id' repeats: {dup_rows} rows share an id with another row")
        bad_form = _bad_ids(ids)
        if bad_form:
            problems.append(f"{where}: column 'id' is not of the form 'namespace/name' in {bad_form} rows")
    for col in COUNT_COLUMNS:
        if col in typed:
            neg = pc.sum(pc.less(table.column(col), 0)).as_py() or 0
            if neg:
                problems.append(f"{where}: column '{col}' is negative in {neg} rows")
    if "base_relation" in typed:
        rel = table.column("base_relation")
        bad = pc.sum(pc.invert(pc.is_in(rel.drop_null(), value_set=pa.array(RELATIONS)))).as_py() or 0
        if bad:
            problems.append(
                f"{where}: column 'base_relation' holds a value other than {', '.join(RELATIONS)} in {bad} rows"
            )
    return problems


def _read_manifest(folder: Path) -> tuple[dict[str, Any] | None, list[str]]:
    mpath = folder / MANIFEST_FILE
    where = paths.relative(mpath)
    if not mpath.is_file():
        return None, [f"{where}: file is missing"]
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return None, [f"{where}: not valid JSON ({exc})"]
    if not isinstance(manifest, dict):
        return None, [f"{where}: expected a JSON object"]
    problems = [f"{where}: key '{k}' is missing" for k in MANIFEST_KEYS if k not in manifest]
    version = manifest.get("schema_version")
    if version is not None and version != SCHEMA_VERSION:
        problems.append(f"{where}: schema_version {version} is not supported (this hubshare reads {SCHEMA_VERSION})")
    if "created_at" in manifest:
        try:
            ts = datetime.fromisoformat(manifest["created_at"])
            if ts.tzinfo is None:
                raise ValueError("no time zone")
        except (ValueError, TypeError) as exc:
            problems.append(f"{where}: key 'created_at' is not an ISO timestamp with time zone ({exc})")
    return manifest, problems


def check(folder: Path | str, columns: tuple[str, ...] | None = None) -> tuple[dict[str, Any] | None, pa.Table | None, list[str]]:
    """Read a snapshot folder and return ``(manifest, table, problems)`` without raising.

    With ``columns``, only those columns are read and checked (the checksum covers the whole file).
    """
    folder = Path(folder)
    if not folder.is_dir():
        return None, None, [f"{paths.relative(folder)}: not a snapshot folder (no such directory)"]
    manifest, problems = _read_manifest(folder)
    ppath = folder / MODELS_FILE
    where = paths.relative(ppath)
    if not ppath.is_file():
        return manifest, None, problems + [f"{where}: file is missing"]
    wanted = tuple(columns) if columns else COLUMNS
    with ThreadPoolExecutor(max_workers=1) as pool:  # the checksum is computed while the rows are read
        digest = pool.submit(sha256_file, ppath) if manifest is not None and "sha256" in manifest else None
        try:
            if columns:
                present = set(pq.read_schema(ppath).names)
                table = pq.read_table(ppath, columns=[c for c in wanted if c in present])
            else:
                table = pq.read_table(ppath)
            unreadable = None
        except (pa.ArrowInvalid, OSError) as exc:
            table, unreadable = None, f"{where}: unreadable parquet ({exc})"
        if digest is not None and (actual := digest.result()) != manifest["sha256"]:
            problems.append(
                f"{where}: checksum mismatch (manifest says {str(manifest['sha256'])[:12]}…, file is {actual[:12]}…)"
            )
    if table is None:
        return manifest, None, problems + [unreadable]
    problems += _problems_in_table(table, where, wanted)
    if manifest is not None and isinstance(manifest.get("rows"), int) and manifest["rows"] != table.num_rows:
        problems.append(
            f"{paths.relative(folder / MANIFEST_FILE)}: says {manifest['rows']} rows, {where} has {table.num_rows}"
        )
    return manifest, table, problems


def validate(folder: Path | str) -> list[str]:
    """Every problem of a snapshot folder, as readable lines; an empty list means valid.

    >>> validate(paths.SAMPLE_SNAPSHOT)
    []
    """
    return check(folder)[2]


def load(folder: Path | str | None = None, columns: tuple[str, ...] | None = None) -> Snapshot:
    """Load and verify a snapshot folder (default: ``paths.default_snapshot()``).

    The checksum covers the whole file and the schema every column; ids and counts (``EAGER``) are
    read and checked now, every other column when first used (see ``Snapshot``). ``columns`` reads those columns
    now (``id`` always) and makes them the only ones, for work that needs no others. Raises one
    ``SnapshotError`` listing every problem found.
    """
    folder = Path(folder) if folder is not None else paths.default_snapshot()
    wanted = tuple(dict.fromkeys(["id", *columns])) if columns else EAGER
    manifest, table, problems = check(folder, wanted)
    unread: tuple[str, ...] = ()
    if table is not None and not columns:
        ppath = folder / MODELS_FILE
        unread = tuple(c for c in COLUMNS if c not in wanted)
        stored = pq.read_schema(ppath)
        empty = pa.schema([stored.field(c) for c in unread if c in stored.names]).empty_table()
        problems += _problems_in_table(empty, paths.relative(ppath), unread, rows=table.num_rows)
    if problems:
        raise SnapshotError(problems)
    assert manifest is not None and table is not None
    schema = pa.schema([SCHEMA.field(c) for c in wanted])
    table = table.select(list(wanted))
    table = table.cast(schema) if table.schema != schema else table
    log.info("loaded snapshot %s (%d models)", manifest.get("label"), table.num_rows)
    return Snapshot(path=folder, manifest=manifest, table=table, unread=unread)


def has_all_time(folder: Path | str) -> bool:
    """Whether a snapshot folder's models carry all-time counts, read from the parquet metadata
    (no rows are read)."""
    ppath = Path(folder) / MODELS_FILE
    meta = pq.ParquetFile(ppath).metadata
    if meta.num_rows == 0:
        return False
    col = meta.schema.to_arrow_schema().get_field_index("downloads_all_time")
    if col < 0:
        return False
    nulls = 0
    for g in range(meta.num_row_groups):
        stats = meta.row_group(g).column(col).statistics
        if stats is None or not stats.has_null_count:
            return pq.read_table(ppath, columns=["downloads_all_time"]).column(0).null_count < meta.num_rows
        nulls += stats.null_count
    return nulls < meta.num_rows


# --------------------------------------------------------------------------- writing


def build_manifest(
    table: pa.Table,
    *,
    label: str,
    source: dict[str, Any],
    created_at: datetime | str | None = None,
    hub_version: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The manifest of ``table`` (without ``sha256``, which ``save`` fills in)."""
    if created_at is None:
        created_at = datetime.now(UTC)
    if isinstance(created_at, datetime):
        created_at = created_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if hub_version is None:
        import huggingface_hub

        hub_version = huggingface_hub.__version__
    manifest: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "label": label,
        "created_at": created_at,
        "source": source,
        "huggingface_hub_version": hub_version,
        "rows": table.num_rows,
    }
    if extra:
        manifest.update(extra)
    return manifest


def save(
    models: pd.DataFrame | pa.Table,
    folder: Path | str,
    manifest: dict[str, Any],
    *,
    overwrite: bool = False,
) -> Path:
    """Write a snapshot folder atomically and return its path.

    Rows are cast to the schema, sorted by id and checked before anything is written. The files go
    to a temporary folder beside ``folder`` that is renamed into place only when complete, so a
    failure never leaves a half-written snapshot; an existing snapshot is replaced only with
    ``overwrite=True``.
    """
    folder = Path(folder)
    table = to_table(models)
    problems = _problems_in_table(table, "rows to save")
    if problems:
        raise SnapshotError(problems)
    if folder.exists() and not overwrite:
        raise SnapshotError(f"{paths.relative(folder)}: a snapshot exists already (use overwrite to replace it)")
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.partial-", dir=folder.parent))
    try:
        # Parquet bytes are deterministic for the same rows and library versions (no creation
        # time inside); fixed-size row groups keep that and let readers decode them in parallel.
        pq.write_table(table, tmp / MODELS_FILE, compression="zstd", row_group_size=ROW_GROUP)
        manifest = dict(manifest)
        manifest["rows"] = table.num_rows
        manifest["sha256"] = sha256_file(tmp / MODELS_FILE)
        missing = [k for k in MANIFEST_KEYS if k not in manifest]
        if missing:
            raise SnapshotError(f"manifest lacks key(s) {', '.join(missing)}")
        (tmp / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.chmod(tmp, 0o755)
        if folder.exists():
            old = folder.with_name(f".{folder.name}.replaced-{os.getpid()}")
            folder.rename(old)
            tmp.rename(folder)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("saved snapshot %s (%d models)", folder, table.num_rows)
    return folder


def from_table(table: pa.Table, manifest: dict[str, Any]) -> Snapshot:
    """An in-memory snapshot (for synthetic data and tests); nothing is written."""
    table = to_table(table)
    manifest = dict(manifest, rows=table.num_rows)
    return Snapshot(path=None, manifest=manifest, table=table)
