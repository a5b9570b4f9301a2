import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hubshare import paths, snapshot
from hubshare.errors import SnapshotError

from conftest import make_snapshot, rows, run_cli

GOOD = [
    {"id": "Qwen/Qwen3-8B", "downloads_30d": 10, "downloads_all_time": 100, "tags": ["a", "b"]},
    {"id": "unsloth/Qwen3-8B-GGUF", "downloads_30d": 5, "downloads_all_time": None, "base_models": ["Qwen/Qwen3-8B"], "base_relation": "quantized"},
]


def test_round_trip_keeps_rows_types_and_manifest(tmp_path):
    folder = make_snapshot(tmp_path / "s", GOOD, label="s")
    snap = snapshot.load(folder)
    assert snap.label == "s" and len(snap) == 2
    m = snap.models
    assert list(m.columns) == list(snapshot.COLUMNS)
    assert m["id"].tolist() == ["Qwen/Qwen3-8B", "unsloth/Qwen3-8B-GGUF"]
    assert str(m["downloads_30d"].dtype) == "Int64"
    assert m["downloads_all_time"].isna().tolist() == [False, True]
    assert str(m["created_at"].dt.tz) == "UTC"
    assert list(m.loc[1, "base_models"]) == ["Qwen/Qwen3-8B"]
    manifest = json.loads((folder / "manifest.json").read_text())
    for key in snapshot.MANIFEST_KEYS:
        assert key in manifest
    assert manifest["sha256"] == snapshot.sha256_file(folder / "models.parquet")
    assert manifest["rows"] == 2


def test_save_is_deterministic(tmp_path):
    a = make_snapshot(tmp_path / "a", GOOD)
    b = make_snapshot(tmp_path / "b", list(reversed(GOOD)))
    assert snapshot.sha256_file(a / "models.parquet") == snapshot.sha256_file(b / "models.parquet")


def test_save_refuses_to_replace_without_overwrite(tmp_path):
    folder = make_snapshot(tmp_path / "s", GOOD)
    before = snapshot.sha256_file(folder / "models.parquet")
    with pytest.raises(SnapshotError, match="exists already"):
        make_snapshot(tmp_path / "s", GOOD[:1])
    assert snapshot.sha256_file(folder / "models.parquet") == before


def test_failed_save_leaves_no_partial_snapshot(tmp_path, monkeypatch):
    folder = make_snapshot(tmp_path / "s", GOOD)
    before = snapshot.sha256_file(folder / "models.parquet")

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(pq, "write_table", boom)
    table = snapshot.to_table(rows(GOOD[:1]))
    with pytest.raises(OSError):
        snapshot.save(table, folder, {"schema_version": 1, "label": "s", "created_at": "2026-01-01T00:00:00Z", "source": {}, "huggingface_hub_version": "x"}, overwrite=True)
    with pytest.raises(OSError):
        snapshot.save(table, tmp_path / "new", {"schema_version": 1, "label": "n", "created_at": "2026-01-01T00:00:00Z", "source": {}, "huggingface_hub_version": "x"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s"]
    assert snapshot.sha256_file(folder / "models.parquet") == before


def test_save_rejects_bad_rows_before_writing(tmp_path):
    bad = GOOD + [{"id": "Qwen/Qwen3-8B", "downloads_30d": -1}]
    with pytest.raises(SnapshotError) as err:
        make_snapshot(tmp_path / "s", bad)
    assert "repeats" in str(err.value) and "negative" in str(err.value)
    assert not (tmp_path / "s").exists()


def _rewrite(folder, table, fix_checksum=True):
    pq.write_table(table, folder / "models.parquet")
    if fix_checksum:
        m = json.loads((folder / "manifest.json").read_text())
        m["sha256"] = snapshot.sha256_file(folder / "models.parquet")
        m["rows"] = table.num_rows
        (folder / "manifest.json").write_text(json.dumps(m))


@pytest.fixture
def good(tmp_path):
    return make_snapshot(tmp_path / "good", GOOD)


def _table(folder):
    return pq.read_table(folder / "models.parquet")


BAD_CASES = {
    "duplicate ids": (lambda t: pa.concat_tables([t, t.slice(0, 1)]), ["'id'", "2 rows share an id"]),
    "negative counts": (lambda t: t.set_column(t.schema.get_field_index("likes"), "likes", pa.array([-3, -1], pa.int64())), ["'likes'", "negative in 2 rows"]),
    "wrong types": (lambda t: t.set_column(t.schema.get_field_index("downloads_30d"), "downloads_30d", pa.array(["10", "5"])), ["'downloads_30d'", "type string", "2 rows"]),
    "wrong type, read later": (lambda t: t.set_column(t.schema.get_field_index("pipeline_tag"), "pipeline_tag", pa.array([1, 2])), ["'pipeline_tag'", "type int64", "2 rows"]),
    "missing columns": (lambda t: t.drop_columns(["gated", "tags"]), ["'gated' is missing", "'tags' is missing"]),
}


@pytest.mark.parametrize("case", list(BAD_CASES))
def test_bad_snapshot_gives_one_clear_error(good, case):
    change, expected = BAD_CASES[case]
    _rewrite(good, change(_table(good)))
    with pytest.raises(SnapshotError) as err:
        snapshot.load(good)
    message = str(err.value)
    assert "models.parquet" in message
    for part in expected:
        assert part in message
    result = run_cli("validate", str(good))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    for part in expected:
        assert part in result.stderr


def test_checksum_mismatch(good):
    _rewrite(good, _table(good).slice(0, 1), fix_checksum=False)
    with pytest.raises(SnapshotError, match="checksum mismatch"):
        snapshot.load(good)
    result = run_cli("shares", "--snapshot", str(good))
    assert result.returncode == 1 and "checksum mismatch" in result.stderr and "Traceback" not in result.stderr
    assert "says 2 rows" in result.stderr


def test_unreadable_parquet(good):
    (good / "models.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(SnapshotError, match="unreadable parquet"):
        snapshot.load(good)
    result = run_cli("claims", "--snapshot", str(good))
    assert result.returncode == 1 and "unreadable parquet" in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.parametrize("content,expected", [(None, "manifest.json: file is missing"), ("{nope", "not valid JSON"), ('{"label": "x"}', "key 'sha256' is missing")])
def test_bad_manifest(good, content, expected):
    if content is None:
        (good / "manifest.json").unlink()
    else:
        (good / "manifest.json").write_text(content)
    assert any(expected in p for p in snapshot.validate(good))
    with pytest.raises(SnapshotError, match=expected.split(":")[-1].strip()):
        snapshot.load(good)


def test_missing_folder_and_missing_parquet(tmp_path, good):
    with pytest.raises(SnapshotError, match="no such directory"):
        snapshot.load(tmp_path / "nowhere")
    (good / "models.parquet").unlink()
    assert any("models.parquet: file is missing" in p for p in snapshot.validate(good))


def test_validate_reports_every_problem(good):
    t = _table(good)
    t = pa.concat_tables([t, t.slice(0, 1)])
    t = t.set_column(t.schema.get_field_index("likes"), "likes", pa.array([-1, -1, -1], pa.int64()))
    _rewrite(good, t, fix_checksum=False)
    problems = snapshot.validate(good)
    assert len(problems) >= 3  # checksum, duplicates, negative counts (and row count)
    result = run_cli("validate", str(good))
    assert result.returncode == 1 and f"{len(problems)} problem(s)" in result.stderr


def test_shipped_sample_is_valid_and_marked_as_sample(sample):
    assert snapshot.validate(paths.SAMPLE_SNAPSHOT) == []
    assert len(sample) == 1000 and sample.is_sample
    assert "not a census" in sample.manifest["note"]
    assert sample.models["downloads_all_time"].isna().all()
    assert int(sample.models["downloads_30d"].sum()) == 1_370_896_679


def test_sample_rebuilds_from_raw_transcription(tmp_path):
    from hubshare.ingest import shipped

    rebuilt = snapshot.load(shipped.build_trending_sample(tmp_path / "s"))
    shipped = snapshot.load(paths.SAMPLE_SNAPSHOT)
    assert rebuilt.table.equals(shipped.table)
    by_author = rebuilt.models.groupby("author")["downloads_30d"].agg(["size", "sum"])
    assert tuple(by_author.loc["Qwen"]) == (54, 348_057_127)
    assert tuple(by_author.loc["meta-llama"]) == (8, 28_110_711)
    assert tuple(by_author.loc["deepseek-ai"]) == (12, 17_078_124)


def test_no_token_in_manifest_source(tmp_path):
    folder = make_snapshot(tmp_path / "s", GOOD)
    assert "hf_" not in (folder / "manifest.json").read_text()


@pytest.mark.parametrize("bad", ["ab", "/ab", "ab/", "a/b/c", "a b/c", "a/b\tc", "", "a//b", "a\x0b/b", "é/b", "a/\u00a0"])
def test_id_form_is_checked_from_bytes_as_the_pattern_says(bad):
    import pyarrow.compute as pc

    ids = pa.array(["x/y", bad, "z/w"])
    expected = sum(not ok for ok in pc.match_substring_regex(ids, snapshot.ID_FORM).to_pylist())
    assert snapshot._bad_ids(pa.chunked_array([ids, ids.slice(1)])) == 2 * expected


def test_columns_other_than_ids_and_counts_are_read_on_first_use(good, monkeypatch):
    read = []
    real = snapshot.read_parquet
    monkeypatch.setattr(snapshot, "read_parquet", lambda path, columns=None, **k: read.append(tuple(columns or ())) or real(path, columns, **k))
    snap = snapshot.load(good)
    assert read == [snapshot.EAGER]
    assert snap.column_names == list(snapshot.COLUMNS)
    assert snap.select(["id", "base_models"]).column_names == ["id", "base_models"]
    assert read[-1] == ("base_models",)
    assert snap.table.column_names == list(snapshot.COLUMNS)  # the rest, read together
    assert len(read) == 3 and snap.models["likes"].notna().any()


def test_a_bad_column_is_reported_when_first_read(good):
    t = _table(good)
    _rewrite(good, t.set_column(t.schema.get_field_index("base_relation"), "base_relation", pa.array(["fork", None])))
    snap = snapshot.load(good)  # ids and counts are fine
    with pytest.raises(SnapshotError, match="'base_relation' holds a value other than"):
        snap.column("base_relation")
    assert "base_relation" in snapshot.validate(good)[0]


def test_a_file_changed_after_loading_is_not_read(good):
    snap = snapshot.load(good)
    _rewrite(good, _table(good).slice(0, 1))
    with pytest.raises(SnapshotError, match="changed after the snapshot was loaded"):
        snap.column("tags")


def test_a_column_needed_once_is_read_without_being_kept(good, monkeypatch):
    read = []
    real = snapshot.read_parquet
    monkeypatch.setattr(snapshot, "read_parquet", lambda path, columns=None, **k: read.append(tuple(columns or ())) or real(path, columns, **k))
    snap = snapshot.load(good)
    part = snap.select(["id", "base_models"], keep=False)
    assert part.column_names == ["id", "base_models"] and part.column("base_models").to_pylist() == [[], ["Qwen/Qwen3-8B"]]
    assert "base_models" not in snap._table.column_names and "base_models" in snap.column_names
    snap.select(["base_models"], keep=False)
    assert read.count(("base_models",)) == 2  # read again: nothing was kept
    _rewrite(good, _table(good).slice(0, 1))
    with pytest.raises(SnapshotError, match="changed after the snapshot was loaded"):
        snap.select(["tags"], keep=False)


def test_a_released_column_is_read_again_on_next_use(good):
    snap = snapshot.load(good, columns=("base_models", "downloads_30d"))
    snap.release(["base_models", "id"])  # ids are never let go
    assert snap._table.column_names == ["id", "downloads_30d"]
    assert "base_models" in snap.column_names
    assert snap.column("base_models").to_pylist() == [[], ["Qwen/Qwen3-8B"]]
    _rewrite(good, _table(good).slice(0, 1))
    snap.release(["base_models"])
    with pytest.raises(SnapshotError, match="changed after the snapshot was loaded"):
        snap.column("base_models")
    # A snapshot made in memory has nowhere to read from again: it keeps its columns.
    mem = snapshot.Snapshot(path=None, manifest=snap.manifest, table=snapshot.to_table(rows(GOOD)))
    mem.release(["base_models"])
    assert "base_models" in mem.table.column_names


def test_whether_ids_are_in_order_is_known_once_and_used_by_matching(good, monkeypatch):
    from hubshare import arrays

    checked = []
    monkeypatch.setattr(arrays, "increasing", lambda arr, real=arrays.increasing: checked.append(len(arr)) or real(arr))
    snap = snapshot.load(good)
    assert snap.ids_sorted is True  # a saved snapshot is sorted by id
    assert checked == [len(snap)]  # once, when the ids were checked for repeats at load
    monkeypatch.setattr(arrays, "increasing", lambda arr: pytest.fail("checked again"))
    assert snap.ids_sorted is True
    table = snapshot.to_table(rows(GOOD))
    mem = snapshot.Snapshot(path=None, manifest=snap.manifest, table=table.take(pa.array([1, 0])))
    monkeypatch.undo()
    assert mem.ids_sorted is False
    # Told the order, matching takes it; unsorted ids are matched by a hash lookup, all the same.
    ids = mem.column("id")
    assert arrays.positions(ids, snap.column("id"), False).tolist() == [1, 0]
    assert arrays.positions(snap.column("id"), snap.column("id"), True).tolist() == [0, 1]


def test_a_column_read_encoded_holds_the_same_values_and_is_not_kept(good):
    snap = snapshot.load(good)
    encoded = snap.encoded("pipeline_tag")
    assert pa.types.is_dictionary(encoded.type)
    assert "pipeline_tag" not in snap._table.column_names  # read for a mask, not kept
    plain = snap.column("pipeline_tag")
    assert encoded.cast(pa.string()).to_pylist() == plain.to_pylist()
    assert snap.encoded("pipeline_tag").cast(pa.string()).to_pylist() == plain.to_pylist()  # and once read, from the column
    with pytest.raises(KeyError):
        snap.encoded("downloads_30d")


def test_a_column_of_a_source_that_lacks_it_reads_encoded_as_all_null(good):
    from hubshare import metrics

    table = pq.read_table(good / "models.parquet")
    at = table.schema.get_field_index("pipeline_tag")
    _rewrite(good, table.set_column(at, pa.field("pipeline_tag", pa.null()), pa.nulls(table.num_rows)))
    snap = snapshot.load(good)
    encoded = snap.encoded("pipeline_tag")
    assert encoded.null_count == len(snap) == len(encoded)
    assert not metrics.counts(snap).llm.any()


def test_read_parquet_reads_row_groups_as_read_table_does_without_pyarrow_dataset(tmp_path):
    import subprocess
    import sys

    from hubshare import synthetic

    table = synthetic.generate(3000, seed=3)
    path = tmp_path / "m.parquet"
    pq.write_table(table, path, row_group_size=700)
    for columns in (None, ["id", "base_models", "downloads_30d"]):
        got = snapshot.read_parquet(path, columns)
        assert got.equals(pq.read_table(path, columns=columns)) and got.column(0).num_chunks == 5
    got = snapshot.read_parquet(path, ["pipeline_tag"], read_dictionary=["pipeline_tag"])
    assert pa.types.is_dictionary(got.column(0).type) and got.column(0).cast(pa.string()).equals(table.column("pipeline_tag"))
    with pytest.raises(pa.ArrowInvalid, match="no column nope"):
        snapshot.read_parquet(path, ["id", "nope"])
    assert snapshot.read_parquet(path, ["id", "nope"], missing_ok=True).column_names == ["id"]
    # Loading never imports pyarrow.dataset (pq.read_table would): importing it makes Arrow
    # import pandas, which a command's first read would then wait for.
    code = "import sys; from hubshare import paths, snapshot; snapshot.load(paths.SAMPLE_SNAPSHOT); print('pyarrow.dataset' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


PARENTS = [
    {"id": "Qwen/Qwen3-8B", "downloads_30d": 10},
    {"id": "a/merge", "downloads_30d": 1, "base_models": ["Qwen/Qwen3-8B", "gone/repo", "", None, "a/merge"]},
    {"id": "b/none", "downloads_30d": 1, "base_models": None},
    {"id": "c/empty", "downloads_30d": 1, "base_models": []},
    {"id": "z/ft", "downloads_30d": 1, "base_models": ["a/merge"]},
]


def test_save_writes_each_base_models_row_beside_it(tmp_path):
    folder = make_snapshot(tmp_path / "s", PARENTS)
    stored = _table(folder).column(snapshot.PARENT_ROWS).to_pylist()
    # Rows in id order; -1 for a repo not in the file and for entries that name none.
    assert stored == [[], [0, -1, -1, -1, 1], None, [], [1]]
    snap = snapshot.load(folder)
    assert snap.parent_rows().to_pylist() == stored
    assert snapshot.PARENT_ROWS not in snap.column_names and snapshot.PARENT_ROWS not in snap.table.column_names
    assert snapshot.validate(folder) == []
    # Rows saved again are searched again: a row removed moves the others.
    again = make_snapshot(tmp_path / "t", [r for r in PARENTS if r["id"] != "Qwen/Qwen3-8B"])
    assert _table(again).column(snapshot.PARENT_ROWS).to_pylist() == [[-1, -1, -1, -1, 0], None, [], [0]]


def test_a_snapshot_written_before_the_stored_rows_is_searched(tmp_path):
    from hubshare import families

    folder = make_snapshot(tmp_path / "s", PARENTS)
    with_rows = families.codes(snapshot.load(folder))
    _rewrite(folder, _table(folder).drop_columns([snapshot.PARENT_ROWS]))
    before = snapshot.load(folder)
    assert before.parent_rows() is None and snapshot.validate(folder) == []
    searched = families.codes(before)
    assert searched.parents.pos.tolist() == with_rows.parents.pos.tolist() == [0, -1, 1, 1]
    assert searched.family.tolist() == with_rows.family.tolist()


def _set_rows(table, rows):
    at = table.schema.get_field_index(snapshot.PARENT_ROWS)
    return table.set_column(at, pa.field(snapshot.PARENT_ROWS, snapshot.PARENT_ROWS_TYPE), pa.array(rows, snapshot.PARENT_ROWS_TYPE))


@pytest.mark.parametrize("rows, where, expected", [
    ([[], [0, -1, -1, -1, 1], None, [], [3]], "validate", "disagrees with the ids for 1 base models"),
    ([[], [0, -1, -1, -1, 1], None, [], [7]], "load", "holds a row that is not in the file"),
    ([[], [0, -1, -1, 1], None, [], [1]], "load", "does not list one row per base model"),
])
def test_stored_rows_that_do_not_fit_are_one_clear_error(tmp_path, rows, where, expected):
    from hubshare import families

    folder = make_snapshot(tmp_path / "s", PARENTS)
    _rewrite(folder, _set_rows(_table(folder), rows))
    if where == "load":
        with pytest.raises(SnapshotError, match=expected):
            families.codes(snapshot.load(folder))
    problems = snapshot.validate(folder)
    assert len(problems) == 1 and expected in problems[0] and "models.parquet" in problems[0]
    r = run_cli("validate", str(folder))
    assert r.returncode == 1 and expected in r.stderr and "Traceback" not in r.stderr


def test_stored_rows_of_the_wrong_type_are_reported(tmp_path):
    folder = make_snapshot(tmp_path / "s", PARENTS)
    t = _table(folder)
    t = t.set_column(t.schema.get_field_index(snapshot.PARENT_ROWS), snapshot.PARENT_ROWS, pa.array([[], ["x"], None, [], ["y"]], pa.list_(pa.string())))
    _rewrite(folder, t)
    with pytest.raises(SnapshotError, match="has type list<element: string>"):
        snapshot.load(folder).parent_rows()
    assert "has type list<element: string>" in snapshot.validate(folder)[0]
