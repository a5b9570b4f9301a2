"""hubshare import hub-stats: census files in the hub-stats layout, on disk and from the fake Hub."""

import json
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hubshare import snapshot, synthetic
from hubshare.ingest import census

from conftest import refresh_env, run_cli

DATASET = census.DATASET


def census_file(path, n=1_500, seed=3, *, drop=(), extra=False, all_time=True, table=None):
    """Write a census file in exactly the hub-stats layout; returns the snapshot rows it holds."""
    rows = table if table is not None else synthetic.generate(n, seed=seed)
    layout = synthetic.to_census(rows, all_time=all_time)
    if drop:
        layout = layout.drop_columns(list(drop))
    if extra:
        layout = layout.append_column("someNewField", pa.array([f"x{i}" for i in range(layout.num_rows)]))
    pq.write_table(layout, path, row_group_size=400)
    return rows


def import_file(path, out, *args, taken_at="2026-02-01T00:00:00Z"):
    extra = ["--taken-at", taken_at] if taken_at else []
    return run_cli("import", "hub-stats", "--file", str(path), *extra, "--out", str(out), "--quiet", *args)


def test_file_import_keeps_every_row_and_field(tmp_path):
    rows = census_file(tmp_path / "models.parquet", extra=True)
    r = import_file(tmp_path / "models.parquet", tmp_path / "snaps", "--census")
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""  # the extra column is ignored without a word
    snap = snapshot.load(tmp_path / "snaps" / "hub-stats-2026-02-01")
    assert snap.table.equals(rows)
    m = snap.manifest
    assert m["created_at"] == "2026-02-01T00:00:00Z" and m["census"] and m["all_time"] and not m["sample"]
    assert m["source"]["dataset"] == DATASET
    assert m["source"]["sha256"] == snapshot.sha256_file(tmp_path / "models.parquet")
    assert m["source"]["size"] == (tmp_path / "models.parquet").stat().st_size
    assert "with all-time counts" in r.stdout


def test_a_small_file_is_a_subset_everywhere_it_is_shown(tmp_path):
    census_file(tmp_path / "models.parquet", n=4_167)
    r = import_file(tmp_path / "models.parquet", tmp_path / "snaps")
    assert r.returncode == 0 and "4,167 rows, far fewer than a census of 2026-02-01: imported as a subset" in r.stderr
    snap = tmp_path / "snaps" / "hub-stats-2026-02-01"
    m = snapshot.load(snap).manifest
    assert m["coverage"] == "subset" and m["census"] is False
    shares = run_cli("shares", "--snapshot", str(snap))
    assert "a subset, not a census: shares are shares of the subset's repos" in shares.stdout
    assert json.loads(run_cli("shares", "--snapshot", str(snap), "--json").stdout)["coverage"] == "subset"
    c2 = next(c for c in json.loads(run_cli("claims", "--snapshot", str(snap), "--json").stdout) if c["id"] == "C2")
    assert "subset of a census" in c2["measured"]["note"]
    assert "A subset of a census" in snapshot.load(snap).describe()
    from hubshare import figures

    note = figures.footnote_text(snapshot.load(snap).source_text, snapshot.load(snap))
    assert "hub-stats census (cfahlgren1/hub-stats, models.parquet of 2026-02-01" in note and "Apache-2.0" in note
    assert "(a subset of a census)" in note and "starscreener" not in note and "trending" not in note
    r = import_file(tmp_path / "models.parquet", tmp_path / "whole", "--census")
    assert snapshot.load(tmp_path / "whole" / "hub-stats-2026-02-01").coverage == "census"
    assert import_file(tmp_path / "models.parquet", tmp_path / "x", "--census", taken_at=None).returncode == 2


def test_nested_base_models_and_list_tags_are_mapped(tmp_path):
    from conftest import rows as make_rows

    records = make_rows([
        {"id": "Qwen/Qwen3-8B", "tags": ["text-generation", "qwen3"]},
        {"id": "unsloth/Qwen3-8B-GGUF", "base_models": ["Qwen/Qwen3-8B"], "base_relation": "quantized", "tags": ["gguf", "base_model:quantized:Qwen/Qwen3-8B"]},
        {"id": "x/merge", "base_models": ["Qwen/Qwen3-8B", "meta-llama/Llama-3.1-8B"], "base_relation": "merge"},
    ])
    census_file(tmp_path / "m.parquet", table=snapshot.to_table(records))
    layout = pq.read_table(tmp_path / "m.parquet")
    assert layout.schema.field("baseModels").type.field("models").type == pa.list_(pa.struct([("id", pa.string())]))
    assert import_file(tmp_path / "m.parquet", tmp_path).returncode == 0
    got = snapshot.load(tmp_path / "hub-stats-2026-02-01").models.set_index("id")
    assert list(got.loc["x/merge", "base_models"]) == ["Qwen/Qwen3-8B", "meta-llama/Llama-3.1-8B"]
    assert got.loc["unsloth/Qwen3-8B-GGUF", "base_relation"] == "quantized"
    assert list(got.loc["Qwen/Qwen3-8B", "tags"]) == ["text-generation", "qwen3"]
    assert len(got.loc["Qwen/Qwen3-8B", "base_models"]) == 0


def test_missing_taken_at_is_a_usage_error(tmp_path):
    census_file(tmp_path / "m.parquet", n=100)
    r = import_file(tmp_path / "m.parquet", tmp_path, taken_at=None)
    assert r.returncode == 2 and "--taken-at" in r.stderr and r.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == [tmp_path / "m.parquet"]


@pytest.mark.parametrize("args", [["--date", "2026-02-01", "--file", "x"], [], ["--taken-at", "2026-02-01T00:00:00Z", "--date", "2026-02-01"]])
def test_conflicting_sources_are_usage_errors(tmp_path, args):
    r = run_cli("import", "hub-stats", "--out", str(tmp_path), *args)
    assert r.returncode == 2 and r.stderr.count("\n") == 1


def test_a_missing_optional_column_becomes_null_with_one_warning(tmp_path):
    census_file(tmp_path / "m.parquet", drop=["library_name", "baseModels"])
    r = import_file(tmp_path / "m.parquet", tmp_path / "s", "--census")
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("warning:") == 1 and "library_name, baseModels" in r.stderr
    snap = snapshot.load(tmp_path / "s" / "hub-stats-2026-02-01")
    assert snap.table.column("library_name").null_count == len(snap)
    assert snap.manifest["columns_absent"] == ["library_name", "baseModels"]


def test_older_file_without_all_time_counts_says_so(tmp_path):
    census_file(tmp_path / "m.parquet", all_time=False)
    r = import_file(tmp_path / "m.parquet", tmp_path / "s", taken_at="2025-01-01T00:00:00Z")
    assert r.returncode == 0 and "downloadsAllTime" in r.stderr and "WITHOUT all-time counts" in r.stdout
    path = tmp_path / "s" / "hub-stats-2025-01-01"
    assert snapshot.load(path).manifest["all_time"] is False
    shares = run_cli("shares", "--snapshot", str(path), "--metric", "downloads_all_time")
    assert shares.returncode == 1 and "lacks that count" in shares.stderr


@pytest.mark.parametrize("column", ["id", "downloads"])
def test_a_missing_required_column_is_one_error_and_nothing_written(tmp_path, column):
    census_file(tmp_path / "m.parquet", drop=[column])
    r = import_file(tmp_path / "m.parquet", tmp_path / "s")
    assert r.returncode == 1 and column in r.stderr and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert not (tmp_path / "s").exists() or not any((tmp_path / "s").iterdir())


def test_a_truncated_file_is_one_error_and_leaves_nothing(tmp_path):
    census_file(tmp_path / "m.parquet")
    data = (tmp_path / "m.parquet").read_bytes()
    (tmp_path / "m.parquet").write_bytes(data[: len(data) * 2 // 3])
    r = import_file(tmp_path / "m.parquet", tmp_path / "s")
    assert r.returncode == 1 and "truncated" in r.stderr and r.stderr.count("\n") == 1
    assert not (tmp_path / "s").exists() or not any((tmp_path / "s").iterdir())


def test_an_existing_snapshot_is_kept_without_overwrite(tmp_path):
    census_file(tmp_path / "m.parquet", n=200)
    assert import_file(tmp_path / "m.parquet", tmp_path / "s").returncode == 0
    before = snapshot.sha256_file(tmp_path / "s" / "hub-stats-2026-02-01" / "models.parquet")
    census_file(tmp_path / "m.parquet", n=300, seed=9)
    r = import_file(tmp_path / "m.parquet", tmp_path / "s")
    assert r.returncode == 1 and "exists already" in r.stderr
    assert snapshot.sha256_file(tmp_path / "s" / "hub-stats-2026-02-01" / "models.parquet") == before
    assert import_file(tmp_path / "m.parquet", tmp_path / "s", "--overwrite").returncode == 0
    assert len(snapshot.load(tmp_path / "s" / "hub-stats-2026-02-01")) == 300


def test_unknown_relations_are_kept_without_relation(tmp_path):
    from conftest import rows as make_rows

    records = snapshot.to_table(make_rows([{"id": "a/b", "base_models": ["Qwen/Qwen3-8B"], "base_relation": "finetune"}, {"id": "c/d"}]))
    layout = synthetic.to_census(records)
    bm = layout.column("baseModels").combine_chunks()
    odd = pa.StructArray.from_arrays([pa.array(["distillation", None]), bm.field("models")], names=["relation", "models"], mask=pa.array([False, True]))
    pq.write_table(layout.set_column(layout.schema.get_field_index("baseModels"), "baseModels", odd), tmp_path / "m.parquet")
    r = import_file(tmp_path / "m.parquet", tmp_path / "s")
    assert r.returncode == 0 and "1 rows have a base-model relation other than" in r.stderr
    got = snapshot.load(tmp_path / "s" / "hub-stats-2026-02-01").models.set_index("id")
    assert got.loc["a/b", "base_relation"] is None or got.loc["a/b", "base_relation"] != got.loc["a/b", "base_relation"]
    assert list(got.loc["a/b", "base_models"]) == ["Qwen/Qwen3-8B"]


def test_the_census_of_a_day_is_its_latest_models_upload():
    import pandas as pd

    t = pd.Timestamp("2026-02-18 13:17:22", tz="UTC")
    up = "Upload models.parquet with huggingface_hub"
    listing = [census.Commit("a" * 40, t, up), census.Commit("b" * 40, t + pd.Timedelta(minutes=186), up),
               census.Commit("c" * 40, t + pd.Timedelta(minutes=3), "Upload daily_papers.parquet with huggingface_hub"),
               census.Commit("d" * 40, t + pd.Timedelta(days=1), "Upload spaces.parquet with huggingface_hub"),
               census.Commit("e" * 40, t + pd.Timedelta(days=2), "Update README.md")]
    days = census.census_days(listing)
    assert [(d.day, d.id[0]) for d in days] == [("2026-02-18", "b")]  # the day after has uploads, but no census
    assert days[0].label == "hub-stats-2026-02-18" and not listing[2].uploads_models


# --------------------------------------------------------------------------- through the fake Hub


UPLOAD = "Upload models.parquet with huggingface_hub"


@pytest.fixture
def hubstats(fakehub, tmp_path):
    """The fake Hub with a hub-stats dataset of three census days (2,000 models each), each models
    upload followed by a papers upload, as on the real dataset."""
    days = {}
    for k, (date, stamp) in enumerate([("2026-01-01", "2026-01-01T00:10:00Z"), ("2026-02-01", "2026-02-02T10:00:00Z"),
                                       ("2026-03-01", "2026-03-01T00:20:00Z")]):
        path = tmp_path / f"census-{date}.parquet"
        census_file(path, n=2_000, seed=40 + k)
        days[date] = (fakehub.add_commit(DATASET, stamp, {"models.parquet": path.read_bytes()}), path)
        fakehub.add_commit(DATASET, stamp.replace(":00Z", ":45Z"), {"daily_papers.parquet": b"papers"})
    fakehub.commits_page = 2  # the listing pages, as the Hub's does
    return fakehub, days


def hub_import(hub, tmp_path, *args, env_extra=None):
    env = refresh_env(hub, HF_HUB_CACHE=str(tmp_path / "cache"), **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "hubshare", "import", "hub-stats", "--out", str(tmp_path / "snaps"), "--quiet", *args],
                          capture_output=True, text=True, env=env, timeout=120)


def test_date_imports_the_census_standing_for_it_by_byte_ranges(hubstats, tmp_path):
    hub, days = hubstats
    r = hub_import(hub, tmp_path, "--date", "2026-02-01")
    assert r.returncode == 0, r.stderr
    # No census within 1 h of 1 Feb and no pair within 72 h: the census 34 h after stands for it (approximate).
    assert "approximate: census hub-stats-2026-02-02 (2026-02-02 10:00 UTC) 34.0 h after the boundary" in r.stdout
    snap = snapshot.load(tmp_path / "snaps" / "hub-stats-2026-02-02")
    sha, path = days["2026-02-01"]
    m = snap.manifest
    assert m["created_at"] == "2026-02-02T10:00:00Z" and m["source"]["revision"] == sha and m["source"]["read"] == "byte ranges"
    assert m["source"]["commit_title"] == UPLOAD and m["columns_left_out"] == ["tags"]
    assert m["source"]["size"] == path.stat().st_size and 0 < m["source"]["bytes_read"] < m["source"]["size"]
    full = census.convert(path).table.sort_by("id").cast(snapshot.SCHEMA)
    assert snap.table.drop_columns(["tags"]).equals(full.drop_columns(["tags"]))
    assert snap.table.column("tags").null_count == len(snap)
    gets = [req for req in hub.file_requests if req.method == "GET"]
    assert gets and all(req.status == 206 and "range" in req.headers for req in gets)
    assert {req.path.split("/resolve/")[1].split("/")[0] for req in gets} <= {d[0] for d in days.values()}


def test_full_downloads_the_whole_file_and_checks_it(hubstats, tmp_path):
    hub, days = hubstats
    r = hub_import(hub, tmp_path, "--date", "2026-03-01", "--full")
    assert r.returncode == 0, r.stderr
    m = snapshot.load(tmp_path / "snaps" / "hub-stats-2026-03-01").manifest
    sha, path = days["2026-03-01"]
    assert m["source"]["read"] == "whole file" and m["source"]["sha256"] == snapshot.sha256_file(path) == m["source"]["expected_sha256"]
    assert m["columns_left_out"] == [] and m["created_at"] == "2026-03-01T00:20:00Z"


def test_a_day_that_cannot_be_measured_names_the_gap(hubstats, tmp_path):
    hub, days = hubstats
    r = hub_import(hub, tmp_path, "--date", "2026-02-15")
    assert r.returncode == 1 and r.stderr.count("\n") == 1
    assert "2026-02-15 00:00 UTC cannot be measured" in r.stderr and "hub-stats-2026-02-02 (2026-02-02 10:00 UTC), 12.6 days before" in r.stderr
    assert "hub-stats-2026-03-01 (2026-03-01 00:20 UTC), 14.0 days after" in r.stderr
    assert not (tmp_path / "snaps").exists() or not any((tmp_path / "snaps").iterdir())
    r = hub_import(hub, tmp_path, "--date", "2026-02-15", "--bounds")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (tmp_path / "snaps").iterdir()) == ["hub-stats-2026-02-02", "hub-stats-2026-03-01"]


def test_revision_takes_the_census_that_commit_serves(hubstats, tmp_path):
    hub, days = hubstats
    sha = days["2026-01-01"][0]
    r = hub_import(hub, tmp_path, "--revision", sha[:12])
    assert r.returncode == 0, r.stderr
    snap = snapshot.load(tmp_path / "snaps" / "hub-stats-2026-01-01")
    assert snap.manifest["source"]["revision"] == sha and snap.manifest["created_at"] == "2026-01-01T00:10:00Z"
    # A papers commit serves the models file of the upload before it: that census is imported, and said so.
    papers = next(c["id"] for c in hub.datasets[DATASET] if c["date"] == "2026-02-02T10:00:45Z")
    r = subprocess.run([sys.executable, "-m", "hubshare", "import", "hub-stats", "--out", str(tmp_path / "s2"), "--revision", papers],
                       capture_output=True, text=True, env=refresh_env(hub, HF_HUB_CACHE=str(tmp_path / "cache")), timeout=120)
    assert r.returncode == 0, r.stderr
    assert f"did not upload models.parquet ('Upload daily_papers.parquet with huggingface_hub'); it serves the file of {days['2026-02-01'][0][:10]}" in r.stderr
    assert snapshot.load(tmp_path / "s2" / "hub-stats-2026-02-02").manifest["source"]["revision"] == days["2026-02-01"][0]
    assert any(q.path.endswith("/paths-info/" + papers) for q in hub.requests)
    r = hub_import(hub, tmp_path, "--revision", "0123456789abcdef")
    assert r.returncode == 1 and "no commit" in r.stderr


def test_a_dropped_download_is_resumed_to_the_same_snapshot(hubstats, tmp_path):
    hub, days = hubstats
    hub.file_fault("drop", on="whole")
    r = hub_import(hub, tmp_path, "--date", "2026-03-01", "--full")
    assert r.returncode == 0, r.stderr
    dropped = next(k for k, req in enumerate(hub.file_requests) if req.fault == "drop")
    assert any(req.status in (200, 206) for req in hub.file_requests[dropped + 1:]), "the dropped download was not retried"
    snap = snapshot.load(tmp_path / "snaps" / "hub-stats-2026-03-01")
    assert snap.manifest["source"]["sha256"] == snapshot.sha256_file(days["2026-03-01"][1])


def test_a_dropped_range_read_is_retried(hubstats, tmp_path):
    hub, days = hubstats
    hub.file_fault("drop", on="range")
    r = hub_import(hub, tmp_path, "--date", "2026-03-01")
    assert r.returncode == 0, r.stderr
    assert any(req.fault == "drop" for req in hub.file_requests)
    assert len(snapshot.load(tmp_path / "snaps" / "hub-stats-2026-03-01")) == 2_000


def test_bytes_that_do_not_match_the_checksum_are_refused(hubstats, tmp_path):
    hub, _ = hubstats
    hub.file_fault("corrupt", on="whole")
    r = hub_import(hub, tmp_path, "--date", "2026-03-01", "--full")
    assert r.returncode == 1 and "checksum mismatch" in r.stderr and r.stderr.count("\n") == 1
    assert not (tmp_path / "snaps").exists() or not any((tmp_path / "snaps").iterdir())
    r = hub_import(hub, tmp_path, "--date", "2026-03-01", "--full")  # the damaged copy is not reused
    assert r.returncode == 0, r.stderr


def test_a_file_that_changes_while_read_is_one_error(hubstats, tmp_path):
    hub, _ = hubstats
    for _ in range(3):
        hub.file_fault("change")  # the file is replaced, ETag and all, after the first reads
    hub.file_faults.insert(0, (None, "any"))
    r = hub_import(hub, tmp_path, "--date", "2026-03-01")
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "changed while it was read" in r.stderr
    assert not (tmp_path / "snaps").exists() or not any((tmp_path / "snaps").iterdir())


def test_census_rows_that_do_not_parse_are_one_error(fakehub, tmp_path):
    layout = synthetic.to_census(synthetic.generate(300, seed=2))
    bad = layout.set_column(layout.schema.get_field_index("downloads"), "downloads", pa.array(["many"] * layout.num_rows))
    pq.write_table(bad, tmp_path / "bad.parquet")
    fakehub.add_commit(DATASET, "2026-03-01T00:20:00Z", {"models.parquet": (tmp_path / "bad.parquet").read_bytes()})
    r = hub_import(fakehub, tmp_path, "--date", "2026-03-01")
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "do not parse" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "snaps").exists() or not any((tmp_path / "snaps").iterdir())


def test_token_is_sent_and_never_written(hubstats, tmp_path):
    hub, _ = hubstats
    token = "hf_FakeTokenForCensusTests0123456789"
    r = hub_import(hub, tmp_path, "--date", "2026-01-01", env_extra={"HF_TOKEN": token})
    assert r.returncode == 0, r.stderr
    assert all(req.headers.get("authorization") == f"Bearer {token}" for req in hub.requests)
    for f in tmp_path.rglob("*"):
        if f.is_file():
            assert token.encode() not in f.read_bytes(), f


def test_offline_and_missing_dataset_are_clear_errors(fakehub, tmp_path):
    r = hub_import(fakehub, tmp_path, "--date", "2026-02-01", env_extra={"HF_HUB_OFFLINE": "1"})
    assert r.returncode == 1 and "HF_HUB_OFFLINE" in r.stderr and r.stderr.count("\n") == 1
    r = hub_import(fakehub, tmp_path, "--date", "2026-02-01")
    assert r.returncode == 1 and "not found" in r.stderr and r.stderr.count("\n") == 1
    n = len(fakehub.requests)
    r = hub_import(fakehub, tmp_path, "--date", "2026-02-30")
    assert r.returncode == 2 and "is not a date YYYY-MM-DD" in r.stderr  # bad usage, as a bad month is
    assert len(fakehub.requests) == n  # refused before any request


def test_import_json_manifest_has_no_token_or_local_path(hubstats, tmp_path):
    hub, _ = hubstats
    assert hub_import(hub, tmp_path, "--date", "2026-01-01").returncode == 0
    manifest = json.loads((tmp_path / "snaps" / "hub-stats-2026-01-01" / "manifest.json").read_text())
    assert str(tmp_path) not in json.dumps(manifest)


def test_a_stale_census_day_is_passed_over_for_a_good_one(fakehub, tmp_path):
    """Daily censuses around 1 Feb; the one of 1 Feb repeats the counters of 31 Jan (the job ran
    but the Hub's counters had not been refreshed)."""
    table = synthetic.generate(1_200, seed=2)
    at = table.schema.get_field_index("downloads_all_time")
    totals = table.column("downloads_all_time").to_numpy().astype("int64")
    d30 = table.column("downloads_30d").to_numpy().astype("int64")
    grow = [0, 1, 1, 2, 3]  # days of growth at each upload: 1 Feb repeats 31 Jan
    stamps = ["2026-01-30T23:35:00Z", "2026-01-31T23:35:00Z", "2026-02-01T23:35:00Z", "2026-02-02T23:35:00Z", "2026-02-03T23:35:00Z"]
    for k, (stamp, g) in enumerate(zip(stamps, grow)):
        day_table = table.set_column(at, "downloads_all_time", pa.array(totals + d30 // 30 * g + g))
        census_file(tmp_path / f"d{k}.parquet", table=day_table)
        fakehub.add_commit(DATASET, stamp, {"models.parquet": (tmp_path / f"d{k}.parquet").read_bytes()})
    r = hub_import(fakehub, tmp_path, "--date", "2026-02-02")
    assert r.returncode == 0, r.stderr
    # 1 Feb 23:35 lies 25 min before 2 Feb 00:00, but it is stale: 2 Feb is interpolated between 31 Jan and 2 Feb.
    assert "interpolated between hub-stats-2026-01-31" in r.stdout and "hub-stats-2026-02-02 (2026-02-02 23:35 UTC)" in r.stdout
    assert sorted(p.name for p in (tmp_path / "snaps").iterdir()) == ["hub-stats-2026-01-31", "hub-stats-2026-02-02"]
    m = snapshot.load(tmp_path / "snaps" / "hub-stats-2026-02-02").manifest
    assert m["day_check"]["kind"] == "good" and [p["kind"] for p in m["passed_over"]] == ["stale"]
    v = run_cli("validate", str(tmp_path / "snaps" / "hub-stats-2026-02-02"))
    assert "passed over when imported: hub-stats-2026-02-01 (2026-02-01 23:35 UTC): stale" in v.stdout


def test_the_commit_listing_waits_for_the_rate_limit_window(hubstats, tmp_path):
    hub, days = hubstats
    hub.limit(1, 1, scope="api")  # the listing has several pages: the second is refused until the window resets
    r = hub_import(hub, tmp_path, "--date", "2026-03-01")
    assert r.returncode == 0, r.stderr
    listing = [q for q in hub.requests if "/commits/" in q.path]
    assert any(q.status == 429 for q in listing) and listing[-1].status == 200
    assert snapshot.load(tmp_path / "snaps" / "hub-stats-2026-03-01").manifest["source"]["revision"] == days["2026-03-01"][0]
