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
    r = import_file(tmp_path / "models.parquet", tmp_path / "snaps")
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
    r = import_file(tmp_path / "m.parquet", tmp_path / "s")
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("warning:") == 1 and "library_name, baseModels" in r.stderr
    snap = snapshot.load(tmp_path / "s" / "hub-stats-2026-02-01")
    assert snap.table.column("library_name").null_count == len(snap)
    assert snap.manifest["columns_missing"] == ["library_name", "baseModels"]


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


def test_nearest_commit_within_36_hours():
    import pandas as pd

    day = pd.Timestamp("2026-02-01", tz="UTC")
    commits = [census.Commit("a" * 40, day - pd.Timedelta(hours=37)), census.Commit("b" * 40, day + pd.Timedelta(hours=35))]
    assert census.nearest(commits, day).id == "b" * 40
    with pytest.raises(census.CensusError, match=r"no commit .* within 36 h .*before: aaaaaaaaaa \(2026-01-30 11:00 UTC\)"):
        census.nearest(commits[:1], day)


# --------------------------------------------------------------------------- through the fake Hub


@pytest.fixture
def hubstats(fakehub, tmp_path):
    """The fake Hub with a hub-stats dataset of three census days (2,000 models each)."""
    days = {}
    for k, (date, stamp) in enumerate([("2026-01-01", "2026-01-01T01:10:00Z"), ("2026-02-01", "2026-02-02T10:00:00Z"),
                                       ("2026-03-01", "2026-03-01T00:20:00Z")]):
        path = tmp_path / f"census-{date}.parquet"
        census_file(path, n=2_000, seed=40 + k)
        days[date] = (fakehub.add_commit(DATASET, stamp, {"models.parquet": path.read_bytes()}), path)
    fakehub.commits_page = 2  # the listing pages, as the Hub's does
    return fakehub, days


def hub_import(hub, tmp_path, *args, env_extra=None):
    env = refresh_env(hub, HF_HUB_CACHE=str(tmp_path / "cache"), **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "hubshare", "import", "hub-stats", "--out", str(tmp_path / "snaps"), "--quiet", *args],
                          capture_output=True, text=True, env=env, timeout=120)


def test_date_picks_the_nearest_commit_and_downloads_it(hubstats, tmp_path):
    hub, days = hubstats
    r = hub_import(hub, tmp_path, "--date", "2026-02-01")
    assert r.returncode == 0, r.stderr
    snap = snapshot.load(tmp_path / "snaps" / "hub-stats-2026-02-01")
    sha, path = days["2026-02-01"]
    m = snap.manifest
    assert m["created_at"] == "2026-02-02T10:00:00Z" and m["source"]["revision"] == sha
    assert m["source"]["sha256"] == snapshot.sha256_file(path) == m["source"]["expected_sha256"]
    assert snap.table.equals(census.convert(path).table.sort_by("id").cast(snapshot.SCHEMA))
    assert any(req.path.endswith("/commits/main") for req in hub.requests)
    gets = [req for req in hub.file_requests if req.method == "GET"]
    assert [req.status for req in gets] == [200] and sha in gets[0].path
    heads = {req.path.split("/resolve/")[1].split("/")[0] for req in hub.file_requests if req.method == "HEAD"}
    assert heads == {sha, days["2026-01-01"][0]}  # its checksum is compared with the commit before it (stale days)


def test_a_day_too_far_from_any_commit_names_the_nearest(hubstats, tmp_path):
    hub, days = hubstats
    r = hub_import(hub, tmp_path, "--date", "2026-02-15")
    assert r.returncode == 1 and r.stderr.count("\n") == 1
    assert "within 36 h" in r.stderr and "before: " + days["2026-02-01"][0][:10] in r.stderr and "after: " + days["2026-03-01"][0][:10] in r.stderr
    assert not (tmp_path / "snaps").exists() or not any((tmp_path / "snaps").iterdir())
    assert hub.file_requests == []


def test_revision_takes_one_commit_exactly(hubstats, tmp_path):
    hub, days = hubstats
    sha = days["2026-01-01"][0]
    r = hub_import(hub, tmp_path, "--revision", sha[:12])
    assert r.returncode == 0, r.stderr
    snap = snapshot.load(tmp_path / "snaps" / "hub-stats-2026-01-01")
    assert snap.manifest["source"]["revision"] == sha and snap.manifest["created_at"] == "2026-01-01T01:10:00Z"
    r = hub_import(hub, tmp_path, "--revision", "0123456789abcdef")
    assert r.returncode == 1 and "no commit" in r.stderr


def test_a_dropped_download_is_resumed_to_the_same_snapshot(hubstats, tmp_path):
    hub, days = hubstats
    hub.file_fault("drop")
    r = hub_import(hub, tmp_path, "--date", "2026-03-01")
    assert r.returncode == 0, r.stderr
    dropped = next(k for k, req in enumerate(hub.file_requests) if req.fault == "drop")
    assert any(req.status in (200, 206) for req in hub.file_requests[dropped + 1:]), "the dropped download was not retried"
    snap = snapshot.load(tmp_path / "snaps" / "hub-stats-2026-03-01")
    assert snap.manifest["source"]["sha256"] == snapshot.sha256_file(days["2026-03-01"][1])


def test_bytes_that_do_not_match_the_checksum_are_refused(hubstats, tmp_path):
    hub, _ = hubstats
    hub.file_fault("corrupt")
    r = hub_import(hub, tmp_path, "--date", "2026-03-01")
    assert r.returncode == 1 and "checksum mismatch" in r.stderr and r.stderr.count("\n") == 1
    assert not (tmp_path / "snaps").exists() or not any((tmp_path / "snaps").iterdir())
    r = hub_import(hub, tmp_path, "--date", "2026-03-01")  # the damaged copy is not reused
    assert r.returncode == 0, r.stderr


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
    r = hub_import(fakehub, tmp_path, "--date", "2026-02-30")
    assert r.returncode == 1 and "not a day" in r.stderr and fakehub.requests[-1].path != "/api/datasets"


def test_import_json_manifest_has_no_token_or_local_path(hubstats, tmp_path):
    hub, _ = hubstats
    assert hub_import(hub, tmp_path, "--date", "2026-01-01").returncode == 0
    manifest = json.loads((tmp_path / "snaps" / "hub-stats-2026-01-01" / "manifest.json").read_text())
    assert str(tmp_path) not in json.dumps(manifest)


def test_reproduce_imports_only_the_days_missing_and_measures_the_claims(fakehub, tmp_path):
    from hubshare import reference

    listed = list(reference.atom_ids()[:40])
    for k, stamp in enumerate(["2026-02-01T00:30:00Z", "2026-03-01T01:00:00Z", "2026-04-01T00:10:00Z"]):
        table = synthetic.generate(300, seed=60 + k)
        # Put some of ATOM's listed ids in, so the atom universe is not empty.
        ids = table.column("id").to_pylist()
        ids[:40] = listed
        table = snapshot.to_table(table.set_column(0, "id", pa.array(ids)).set_column(1, "author", pa.array([i.split("/")[0] for i in ids])))
        table = table.set_column(table.schema.get_field_index("downloads_all_time"), "downloads_all_time",
                                 pa.array([1000 * (k + 1) + i for i in range(table.num_rows)], pa.int64()))
        path = tmp_path / f"c{k}.parquet"
        census_file(path, table=table)
        fakehub.add_commit(DATASET, stamp, {"models.parquet": path.read_bytes()})
    census.import_file(tmp_path / "c0.parquet", tmp_path / "snaps", "mine", taken_at="2026-02-01T00:30:00Z")
    env = refresh_env(fakehub, HF_HUB_CACHE=str(tmp_path / "cache"))
    r = subprocess.run([sys.executable, "-m", "hubshare", "reproduce", "--out", str(tmp_path / "snaps"), "--quiet"],
                       capture_output=True, text=True, env=env, timeout=180)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (tmp_path / "snaps").iterdir()) == ["hub-stats-2026-03-01", "hub-stats-2026-04-01", "mine"]
    assert len({q.path for q in fakehub.file_requests if q.method == "GET"}) == 2  # only the two days not held yet
    assert "Qwen's downloads in the month (February 2026; atom × uploader): " in r.stdout and "vs published 153.6M" in r.stdout
    assert "HUBSHARE_SNAPSHOTS=" in r.stdout and "2026-02" in r.stdout


def test_a_stale_census_day_is_passed_over_for_a_fresh_one(fakehub, tmp_path):
    census_file(tmp_path / "jan31.parquet", n=500, seed=1)
    census_file(tmp_path / "feb1.parquet", n=500, seed=2)
    jan31 = fakehub.add_commit(DATASET, "2026-01-30T06:00:00Z", {"models.parquet": (tmp_path / "jan31.parquet").read_bytes()})
    stale = fakehub.add_commit(DATASET, "2026-02-01T00:20:00Z", {"models.parquet": (tmp_path / "jan31.parquet").read_bytes()})
    fresh = fakehub.add_commit(DATASET, "2026-02-02T06:00:00Z", {"models.parquet": (tmp_path / "feb1.parquet").read_bytes()})
    r = hub_import(fakehub, tmp_path, "--date", "2026-02-01")
    assert r.returncode == 0, r.stderr
    assert snapshot.load(tmp_path / "snaps" / "hub-stats-2026-02-01").manifest["source"]["revision"] == fresh
    assert stale != jan31
    # Alone at the boundary, a stale day is taken, and said to be stale.
    fakehub.datasets[DATASET] = [c for c in fakehub.datasets[DATASET] if c["id"] != fresh]
    r = subprocess.run([sys.executable, "-m", "hubshare", "import", "hub-stats", "--out", str(tmp_path / "s2"), "--date", "2026-02-01"],
                       capture_output=True, text=True, env=refresh_env(fakehub, HF_HUB_CACHE=str(tmp_path / "cache"), HF_HUB_DISABLE_PROGRESS_BARS="1"), timeout=120)
    assert r.returncode == 0 and "every census commit within 36 h is stale" in r.stderr
    assert snapshot.load(tmp_path / "s2" / "hub-stats-2026-02-01").manifest["source"]["revision"] == stale


def test_the_commit_listing_waits_for_the_rate_limit_window(hubstats, tmp_path):
    hub, days = hubstats
    hub.limit(1, 1, scope="api")  # the listing has two pages: the second is refused until the window resets
    r = hub_import(hub, tmp_path, "--date", "2026-03-01")
    assert r.returncode == 0, r.stderr
    listing = [q for q in hub.requests if "/commits/" in q.path]
    assert any(q.status == 429 for q in listing) and listing[-1].status == 200
    assert snapshot.load(tmp_path / "snaps" / "hub-stats-2026-03-01").manifest["source"]["revision"] == days["2026-03-01"][0]
