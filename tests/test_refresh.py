"""hubshare refresh against the fake Hub, run as a subprocess with the real huggingface_hub client."""

import json
import signal
import subprocess
import time

import pytest

from hubshare import snapshot, synthetic
from hubshare.ingest import refresh as hubmod

from conftest import refresh_cmd, refresh_env, run_cli
from fakehub.server import FAULT_KINDS


def run(hub, out, label, *args, env_extra=None, timeout=120):
    return subprocess.run(refresh_cmd(out, label, *args), capture_output=True, text=True,
                          env=refresh_env(hub, **(env_extra or {})), timeout=timeout)


def sha(folder):
    return snapshot.sha256_file(folder / "models.parquet")


def test_refresh_returns_exactly_the_servers_models_and_fields(fakehub, tmp_path):
    r = run(fakehub, tmp_path, "all", "--all", "--page-size", "250")
    assert r.returncode == 0, r.stderr
    snap = snapshot.load(tmp_path / "all")
    expected = synthetic.generate(2_000, seed=7)
    assert snap.table.equals(expected), "the snapshot differs from the fake Hub's models"
    m = snap.manifest
    assert m["requests"] == 8 == len(fakehub.model_requests) and m["retries"] == 0
    assert m["pages"] == 8 and m["rows"] == 2_000 and not m["sample"]
    assert m["source"]["endpoint"] == fakehub.url


def test_one_request_per_page_and_none_per_model(fakehub, tmp_path):
    r = run(fakehub, tmp_path, "q", "--author", "Qwen", "--author", "meta-llama", "--top", "450", "--page-size", "100")
    assert r.returncode == 0, r.stderr
    snap = snapshot.load(tmp_path / "q")
    records = fakehub.records
    n_qwen = sum(1 for x in records if x["id"].startswith("Qwen/"))
    n_llama = sum(1 for x in records if x["id"].startswith("meta-llama/"))
    pages = -(-n_qwen // 100) + -(-n_llama // 100) + 5
    assert len(fakehub.model_requests) == pages == snap.manifest["requests"]
    assert all(req.path == "/api/models" for req in fakehub.requests)
    top = sorted(records, key=lambda x: (-x["downloads"], x["id"]))[:450]
    ids = set(snap.models["id"])
    assert {x["id"] for x in top} <= ids
    assert len(ids) == len({x["id"] for x in top} | {x["id"] for x in records if x["id"].split("/")[0] in ("Qwen", "meta-llama")})
    first = dict(fakehub.model_requests[0].query)
    assert first["author"] == "Qwen" and first["limit"] == "100"
    assert {v for k, v in fakehub.model_requests[0].query if k == "expand"} >= {"downloadsAllTime", "tags", "downloads"}


def test_done_when_command_and_downstream_commands(fakehub, tmp_path):
    r = run(fakehub, tmp_path, "test", "--author", "Qwen", "--author", "meta-llama", "--top", "500")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "" and r.stderr == ""  # --quiet prints nothing but errors
    path = str(tmp_path / "test")
    assert run_cli("validate", path).returncode == 0
    shares = run_cli("shares", "--snapshot", path, "--metric", "downloads_all_time", "--json")
    assert shares.returncode == 0 and json.loads(shares.stdout)["total"] > 0
    claims = run_cli("claims", "--snapshot", path, "--json")
    assert claims.returncode == 0
    c1 = json.loads(claims.stdout)[0]
    assert c1["measured"]["value"] is not None  # all-time counts are there


def unlimited_sha(tmp_path_factory, page_size: int) -> str:
    """The snapshot's checksum from an undisturbed run of the same listing."""
    from fakehub import FakeHub

    out = tmp_path_factory.mktemp(f"clean{page_size}")
    with FakeHub(models=2_000, seed=7) as hub:
        r = run(hub, out, "x", "--all", "--page-size", str(page_size))
        assert r.returncode == 0, r.stderr
    return sha(out / "x")


@pytest.fixture(scope="module")
def clean_sha(tmp_path_factory):
    return unlimited_sha(tmp_path_factory, 400)


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_each_fault_is_survived_with_an_identical_snapshot(fakehub, tmp_path, clean_sha, kind):
    fakehub.fault(2, kind, seconds=3.0)
    r = run(fakehub, tmp_path, "x", "--all", "--page-size", "400", "--timeout", "1")
    assert r.returncode == 0, r.stderr
    assert sha(tmp_path / "x") == clean_sha
    m = snapshot.load(tmp_path / "x").manifest
    limited = kind.startswith("429")  # waiting for the rate limit is not a failure: no retry used up
    assert m["requests"] == 6 == len(fakehub.model_requests)
    assert (m["retries"], m["rate_limit_waits"]) == ((0, 1) if limited else (1, 0))
    assert fakehub.model_requests[1].fault == kind


def test_retry_after_is_honoured(fakehub, tmp_path):
    fakehub.fault(1, "429", times=2)
    start = time.monotonic()
    r = run(fakehub, tmp_path, "x", "--author", "Qwen")
    assert r.returncode == 0, r.stderr
    assert time.monotonic() - start >= 2.0  # two waits of Retry-After: 1


def test_persistent_fault_fails_cleanly_with_no_snapshot(fakehub, tmp_path):
    fakehub.fault(3, "503", times=-1)
    r = run(fakehub, tmp_path, "x", "--all", "--page-size", "400", "--max-retries", "2")
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert "page 3" in r.stderr and "HTTP 503" in r.stderr and "gave up after 3 attempts" in r.stderr
    assert "--resume" in r.stderr
    assert not (tmp_path / "x").exists()
    assert len(fakehub.model_requests) == 2 + 3


def test_existing_snapshot_is_never_touched_without_overwrite(fakehub, tmp_path):
    assert run(fakehub, tmp_path, "x", "--author", "Qwen").returncode == 0
    before = sha(tmp_path / "x")
    n = len(fakehub.model_requests)
    r = run(fakehub, tmp_path, "x", "--all")
    assert r.returncode == 1 and "exists already" in r.stderr
    assert len(fakehub.model_requests) == n  # nothing fetched
    assert sha(tmp_path / "x") == before
    fakehub.fault(n + 1, "500", times=-1)
    r = run(fakehub, tmp_path, "x", "--all", "--overwrite", "--max-retries", "1")
    assert r.returncode == 1 and sha(tmp_path / "x") == before  # a failed refresh keeps the old one


def _wait_for_pages(work, pages, proc, limit=60):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            if json.loads((work / "state.json").read_text())["pages"] >= pages:
                return
        except (OSError, ValueError):
            pass
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    raise AssertionError("the refresh did not get far enough")


@pytest.mark.parametrize("how", ["kill", "term"])
def test_resume_after_interruption_gives_the_identical_snapshot(fakehub, tmp_path, clean_sha, how):
    fakehub.fault(4, "slow", seconds=20)
    proc = subprocess.Popen(refresh_cmd(tmp_path, "x", "--all", "--page-size", "400", "--timeout", "60"),
                            env=refresh_env(fakehub), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    work = tmp_path / ".x.refresh"
    _wait_for_pages(work, 3, proc)
    time.sleep(0.3)  # the 4th request is now hanging
    proc.send_signal(signal.SIGKILL if how == "kill" else signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    if how == "term":
        assert proc.returncode == 130 and "--resume" in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()
    assert json.loads((work / "state.json").read_text())["pages"] == 3
    fakehub.faults.clear()
    n = len(fakehub.model_requests)
    r = run(fakehub, tmp_path, "x", "--all", "--page-size", "400")
    assert r.returncode == 1 and "--resume" in r.stderr  # an interrupted refresh is not silently restarted
    r = run(fakehub, tmp_path, "x", "--all", "--page-size", "400", "--resume")
    assert r.returncode == 0, r.stderr
    assert sha(tmp_path / "x") == clean_sha
    assert not work.exists()
    resumed = fakehub.model_requests[n:]
    assert len(resumed) == 2 and "cursor" in dict(resumed[0].query)  # only the pages left
    # Requests sent: the three kept pages, the interrupted one when SIGTERM let the state be written, two more.
    assert snapshot.load(tmp_path / "x").manifest["requests"] == (5 if how == "kill" else 6)


def test_resume_with_another_query_is_refused(fakehub, tmp_path):
    fakehub.fault(2, "500", times=-1)
    assert run(fakehub, tmp_path, "x", "--all", "--page-size", "400", "--max-retries", "0").returncode == 1
    r = run(fakehub, tmp_path, "x", "--author", "Qwen", "--resume")
    assert r.returncode == 1 and "another query" in r.stderr


def test_token_is_sent_but_never_written(fakehub, tmp_path):
    token = "hf_FakeTokenForTests0123456789"
    fakehub.fault(2, "500", times=-1)
    r = run(fakehub, tmp_path, "x", "--all", "--page-size", "400", "--max-retries", "0", env_extra={"HF_TOKEN": token})
    assert r.returncode == 1
    fakehub.faults.clear()
    r = run(fakehub, tmp_path, "x", "--all", "--page-size", "400", "--resume", env_extra={"HF_TOKEN": token})
    assert r.returncode == 0, r.stderr
    assert fakehub.model_requests[0].headers.get("authorization") == f"Bearer {token}"
    for f in tmp_path.rglob("*"):
        if f.is_file():
            assert token.encode() not in f.read_bytes(), f


def test_offline_mode_gives_a_clear_error(fakehub, tmp_path):
    r = run(fakehub, tmp_path, "x", "--author", "Qwen", env_extra={"HF_HUB_OFFLINE": "1"})
    assert r.returncode == 1 and "HF_HUB_OFFLINE" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "x").exists() and len(fakehub.model_requests) == 0


@pytest.mark.parametrize("args,code,text", [
    ([], 1, "nothing to fetch"),
    (["--family", "Nope"], 1, "unknown family"),
    (["--top", "0"], 1, "positive"),
    (["--all", "--page-size", "5000"], 1, "page-size"),
    (["--top", "ten"], 2, "invalid int"),
])
def test_bad_refresh_options(fakehub, tmp_path, args, code, text):
    r = run(fakehub, tmp_path, "x", *args)
    assert r.returncode == code and text in r.stderr and r.stderr.count("\n") == 1


def test_plan_deduplicates_and_expands_families():
    srcs = hubmod.plan(authors=["Qwen", "Qwen"], family_names=["llama"], top=10)
    assert [s.name for s in srcs] == ["author Qwen", "author meta-llama", "author facebook", "top 10"]
    assert hubmod.plan(authors=["Qwen"], everything=True) == [hubmod.Listing("all")]
    assert len(hubmod.plan(tracked=True)) == len(set(hubmod.families.load_rules().table["org"]))


def test_parse_base_tags():
    assert hubmod.parse_base_tags(["base_model:Qwen/A", "base_model:quantized:Qwen/A", "base_model:finetune:x/B", "gguf"]) == (["Qwen/A", "x/B"], "quantized")
    assert hubmod.parse_base_tags(None) == ([], None)


def test_rows_from_items_parses_hub_records():
    expected = synthetic.generate(100, seed=2)
    assert snapshot.to_table(hubmod.rows_from_items(synthetic.api_records(expected))).equals(expected)



# --------------------------------------------------------------------------- rate limits


@pytest.fixture(scope="module")
def clean_sha_60(tmp_path_factory):
    return unlimited_sha(tmp_path_factory, 60)


def test_a_refresh_under_a_rate_limit_finishes_without_a_single_429(fakehub, tmp_path, clean_sha_60):
    fakehub.limit(5, 2)  # 34 pages at 5 requests per 2 s; the headers announce the limit on every answer
    r = run(fakehub, tmp_path, "x", "--all", "--page-size", "60")
    assert r.returncode == 0, r.stderr
    assert sha(tmp_path / "x") == clean_sha_60
    assert [q.status for q in fakehub.model_requests].count(429) == 0
    m = snapshot.load(tmp_path / "x").manifest
    assert m["pages"] == 34 and m["requests"] == 34 and m["retries"] == 0 and m["rate_limit_waits"] >= 6


def test_429s_without_retry_after_are_waited_out_not_counted_as_failures(fakehub, tmp_path, clean_sha_60):
    fakehub.limit(5, 2, retry_after=False, headers="429")
    r = run(fakehub, tmp_path, "x", "--all", "--page-size", "60", "--max-retries", "1")
    assert r.returncode == 0, r.stderr
    assert sha(tmp_path / "x") == clean_sha_60
    refused = [q for q in fakehub.model_requests if q.status == 429]
    assert len(refused) >= 6  # more than --max-retries allows, yet it finished
    m = snapshot.load(tmp_path / "x").manifest
    assert m["retries"] == 0 and m["rate_limit_waits"] == len(refused) and m["requests"] == len(fakehub.model_requests)


def test_max_wait_exceeded_is_one_clear_error_and_resume_continues(fakehub, tmp_path, clean_sha):
    fakehub.limit(2, 30, headers="429")
    r = run(fakehub, tmp_path, "x", "--all", "--page-size", "400", "--max-wait", "3")
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert "page 3" in r.stderr and "--max-wait 3 s" in r.stderr and "--resume" in r.stderr and "waited 0 s so far" in r.stderr
    assert not (tmp_path / "x").exists()
    fakehub.unlimit()
    r = run(fakehub, tmp_path, "x", "--all", "--page-size", "400", "--resume")
    assert r.returncode == 0, r.stderr
    assert sha(tmp_path / "x") == clean_sha


def test_a_refresh_killed_during_a_wait_resumes_to_the_same_snapshot(fakehub, tmp_path, clean_sha):
    fakehub.limit(2, 30, headers="429")
    proc = subprocess.Popen(refresh_cmd(tmp_path, "x", "--all", "--page-size", "400"), env=refresh_env(fakehub),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for_pages(tmp_path / ".x.refresh", 2, proc)
    deadline = time.monotonic() + 20
    while not any(q.status == 429 for q in fakehub.model_requests) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # now waiting for the window
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert not (tmp_path / "x").exists()
    fakehub.unlimit()
    r = run(fakehub, tmp_path, "x", "--all", "--page-size", "400", "--resume")
    assert r.returncode == 0, r.stderr
    assert sha(tmp_path / "x") == clean_sha


def test_progress_for_a_person_and_plain_lines_for_logs(fakehub, tmp_path):
    fakehub.limit(3, 2)
    cmd = [c for c in refresh_cmd(tmp_path, "x", "--all", "--page-size", "40") if c != "--quiet"]
    r = subprocess.run(cmd, capture_output=True, text=True, env=refresh_env(fakehub), timeout=120)
    assert r.returncode == 0, r.stderr
    lines = r.stderr.splitlines()
    assert lines[0].startswith("refresh: about 74,000 pages (about 2.96 million public models in August 2026); at 500 requests per 5 min at least")
    assert "set HF_TOKEN for a higher limit" in lines[0]
    assert "refresh: 25 pages, 1,000 models" in lines and any(line.startswith("refresh: waiting ") and "rate-limit window" in line for line in lines)
    assert "\r" not in r.stderr  # not a terminal: no redrawn bar
    assert r.stdout.startswith("wrote ") and "rate-limit waits" in r.stdout


def test_the_plan_line_for_lists_of_organisations():
    line = hubmod.plan_line([hubmod.Listing("author", "Qwen"), hubmod.Listing("top", 2500)], 1000)
    assert line == "refresh: 3 pages for the top list; one page per 1,000 models of each of 1 organisation"


def test_progress_after_resume_counts_this_runs_pages_apart(capsys):
    shown = hubmod.Progress("lines", "x")
    shown.EVERY = 1
    shown.page(4, 1000, 0)  # three pages were done by the interrupted run
    shown.page(5, 1000, 1)
    err = capsys.readouterr().err.splitlines()
    assert err == ["refresh: 1 page, 1,000 models (resumed after 3 pages)", "refresh: 2 pages, 2,000 models (resumed after 3 pages)"]


def test_a_refresh_refused_before_any_request_prints_one_line(fakehub, tmp_path):
    assert run(fakehub, tmp_path, "x", "--author", "Qwen").returncode == 0
    cmd = [c for c in refresh_cmd(tmp_path, "x", "--author", "Qwen") if c != "--quiet"]
    r = subprocess.run(cmd, capture_output=True, text=True, env=refresh_env(fakehub), timeout=120)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and r.stderr.startswith("error: "), r.stderr  # no plan line first
