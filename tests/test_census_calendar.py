"""Months from the census as it really is: the fake Hub replays hub-stats' real commit calendar of
20 January to 15 June 2026 (one commit per file, models uploaded at about 13:16 UTC, the 31 January
papers-only day, the April and May-June gaps, two uploads on some days) with census files of the
real column mix whose counters grow at known rates (``synthetic.CensusPopulation``), and bad days
where the real census had them: a partial census, a stall, a rollback."""

import json
import subprocess
import sys

import pandas as pd
import pyarrow.parquet as pq
import pytest

from hubshare import history, paths, snapshot, synthetic
from hubshare.ingest import census

from conftest import refresh_env, run_cli

DATASET = census.DATASET
BAD_DAYS = {"2026-02-01": "partial", "2026-03-31": "stalled",
            "2026-06-12": "rolled-back", "2026-06-13": "rolled-back", "2026-06-14": "rolled-back"}


@pytest.fixture(scope="module")
def population():
    return synthetic.CensusPopulation(12_000, seed=11)


@pytest.fixture(scope="module")
def calendar_hub(population):
    from fakehub import FakeHub

    hub = FakeHub(models=100).start()
    uploads = hub.replay_calendar(DATASET, lambda stamp: population.census_file(stamp, BAD_DAYS.get(stamp[:10], "good")))
    hub.uploads = uploads
    yield hub
    hub.stop()


def run(hub, tmp_path, *args, cache="cache"):
    env = refresh_env(hub, HF_HUB_CACHE=str(tmp_path / cache), HF_HUB_DISABLE_PROGRESS_BARS="1")
    return subprocess.run([sys.executable, "-m", "hubshare", *args], capture_output=True, text=True, env=env, timeout=300)


def totals(folder, *args) -> dict:
    r = run_cli("months", "--snapshots", str(folder), "--json", *args)
    assert r.returncode == 0, r.stderr
    out: dict = {}
    for row in json.loads(r.stdout):
        if row["name"] is not None:
            out[row["month"]] = out.get(row["month"], 0) + row["downloads"]
    return out


def test_census_days_are_the_models_uploads(calendar_hub, monkeypatch):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)  # this test's one listing goes to the fake Hub on 127.0.0.1
    days = census.census_days(census.commits(calendar_hub.url))
    by_day = {d.day: d for d in days}
    assert len(calendar_hub.datasets[DATASET]) > 5 * len(days)  # most commits upload other files
    assert "2026-01-31" not in by_day and "2026-03-17" not in by_day and not any("2026-05-24" <= d <= "2026-06-10" for d in by_day)
    assert by_day["2026-02-18"].time == pd.Timestamp("2026-02-18 16:23:14", tz="UTC")  # the later of two uploads
    assert by_day["2026-02-01"].time == pd.Timestamp("2026-02-01 13:16:13", tz="UTC")


@pytest.fixture(scope="module")
def reproduced(calendar_hub, population, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reproduce")
    r = run(calendar_hub, tmp, "reproduce", "--out", str(tmp / "snaps"), "--file", str(paths.CLAIMS / "01-nearly-a-billion.toml"),
            "--file", str(paths.CLAIMS / "03-153-million.toml"), "--month", "2026-03")
    assert r.returncode == 0, r.stderr
    return tmp / "snaps", r


def test_february_and_march_are_exact_within_half_a_percent(reproduced, population):
    folder, r = reproduced
    got = totals(folder)
    for month in ("2026-02", "2026-03"):
        exact = population.month_total(month)
        assert got[month] == pytest.approx(exact, rel=0.005), (month, got[month], exact)
    # Census to census, February runs from 30 Jan 13:37 to 28 Feb 13:16 (1 Feb is partial): 28.98 days, and says so.
    census_months = json.loads(run_cli("months", "--snapshots", str(folder), "--json", "--boundaries", "census").stdout)
    feb = [x for x in census_months if x["month"] == "2026-02" and x["name"]]
    assert feb[0]["days"] == pytest.approx(28.985, abs=0.001) and feb[0]["start"] == "2026-01-30T13:37:59Z"
    assert sum(x["downloads"] for x in feb) > 1.02 * population.month_total("2026-02")
    assert "2026-02 (measured): start 2026-02-01 00:00 UTC interpolated between hub-stats-2026-01-30 (2026-01-30 13:37 UTC), 34.4 h before " \
           "and hub-stats-2026-02-02 (2026-02-02 13:16 UTC), 37.3 h after" in r.stdout


def test_bad_days_are_passed_over_and_reported(reproduced):
    folder, r = reproduced
    assert sorted(p.name for p in folder.iterdir()) == ["hub-stats-2026-01-30", "hub-stats-2026-02-02", "hub-stats-2026-02-28",
                                                        "hub-stats-2026-03-01", "hub-stats-2026-03-30", "hub-stats-2026-04-01"]
    assert "2026-02: passed over hub-stats-2026-02-01 (2026-02-01 13:16 UTC): partial" in r.stdout
    assert "2026-03: passed over hub-stats-2026-03-31 (2026-03-31 13:18 UTC): stalled" in r.stdout
    text = run_cli("months", "--snapshots", str(folder)).stdout
    assert "passed over hub-stats-2026-02-01" in text and "passed over hub-stats-2026-03-31" in text
    rows = json.loads(run_cli("months", "--snapshots", str(folder), "--json").stdout)
    march = next(x for x in rows if x["month"] == "2026-03" and x["name"])
    assert any("stalled" in line for line in march["passed_over"]) and march["end_how"]["how"] == "interpolated"
    assert march["end_how"]["censuses"] == ["2026-03-30T13:18:26Z", "2026-04-01T13:19:32Z"]


def test_a_snapshot_reads_at_most_35_percent_and_a_judging_day_10(reproduced, calendar_hub):
    folder, _ = reproduced
    imported = set()
    for sub in folder.iterdir():
        src = snapshot.load(sub).manifest["source"]
        assert src["read"] == "byte ranges" and src["bytes_read"] <= 0.35 * src["size"], (sub.name, src["bytes_read"], src["size"])
        imported.add(src["revision"])
    served: dict[str, int] = {}
    for q in calendar_hub.file_requests:
        if q.method == "GET":
            rev = q.path.split("/resolve/")[1].split("/")[0]
            served[rev] = served.get(rev, 0) + q.bytes
    judged = {rev: n for rev, n in served.items() if rev not in imported}
    assert len(judged) >= 4  # the neighbours of each boundary were read to judge it
    sizes = {c["id"]: len(calendar_hub.files_at(DATASET, c)["models.parquet"][0].data) for c in calendar_hub.datasets[DATASET] if c["id"] in judged}
    for rev, n in judged.items():
        assert n <= 0.10 * sizes[rev], (rev, n, sizes[rev])


def test_reproduce_imports_the_days_a_claim_file_needs(calendar_hub, tmp_path):
    claim = tmp_path / "spring.toml"
    claim.write_text((paths.CLAIMS / "03-153-million.toml").read_text(encoding="utf-8").replace('period = "2026-02"', 'period = "2026-03..2026-04"')
                     .replace('id = "C3"', 'id = "R1"'), encoding="utf-8")
    r = run(calendar_hub, tmp_path, "reproduce", "--file", str(claim), "--out", str(tmp_path / "spring"), "--quiet")
    assert r.returncode == 0, r.stderr
    h = history.History.from_folder(tmp_path / "spring")
    for when in ("2026-03-01", "2026-04-01", "2026-05-01"):
        assert h.boundary(when).measured, when
    assert not h.boundary("2026-02-01").measured  # February is not the claim's: nothing was imported for it
    assert "R1  " in r.stdout and "March–April 2026" in r.stdout


def test_import_date_for_each_boundary_gives_the_months_of_reproduce(calendar_hub, reproduced, tmp_path):
    folder, _ = reproduced
    for day in ("2026-02-01", "2026-03-01"):
        r = run(calendar_hub, tmp_path, "import", "hub-stats", "--date", day, "--out", str(tmp_path / "mine"), "--quiet")
        assert r.returncode == 0, r.stderr
    assert totals(tmp_path / "mine")["2026-02"] == totals(folder)["2026-02"]
    again = run(calendar_hub, tmp_path, "import", "hub-stats", "--date", "2026-02-01", "--out", str(tmp_path / "mine"))
    assert again.returncode == 0 and "nothing to import" in again.stdout  # only the days missing locally


def test_a_month_in_the_may_june_gap_is_missing_or_bounded(calendar_hub, population, tmp_path):
    out = str(tmp_path / "gap")
    assert run(calendar_hub, tmp_path, "import", "hub-stats", "--date", "2026-05-01", "--out", out, "--quiet").returncode == 0
    r = run(calendar_hub, tmp_path, "import", "hub-stats", "--date", "2026-06-01", "--out", out, "--quiet")
    assert r.returncode == 1 and "2026-06-01 00:00 UTC cannot be measured" in r.stderr and "8.4 days before" in r.stderr
    assert run(calendar_hub, tmp_path, "import", "hub-stats", "--date", "2026-06-01", "--out", out, "--bounds", "--quiet").returncode == 0
    rows = json.loads(run_cli("months", "--snapshots", out, "--from", "2026-05", "--to", "2026-05", "--json").stdout)
    assert [x["name"] for x in rows] == [None] and "2026-05-23 13:20 UTC" in rows[0]["missing"] and rows[0]["bounds"] is None
    bounded = json.loads(run_cli("months", "--snapshots", out, "--from", "2026-05", "--to", "2026-05", "--json", "--bounds").stdout)
    low, high = (sum(b[k] for b in bounded[0]["bounds"]) for k in ("low", "high"))
    assert bounded[0]["downloads"] is None and low < population.month_total("2026-05") < high
    text = run_cli("months", "--snapshots", out, "--from", "2026-05", "--to", "2026-05", "--bounds").stdout
    assert "2026-05: bounds: total between" in text


def test_a_rollback_is_passed_over_and_reported(calendar_hub, tmp_path):
    r = run(calendar_hub, tmp_path, "import", "hub-stats", "--date", "2026-06-13", "--out", str(tmp_path / "s"))
    assert r.returncode == 0, r.stderr
    # 12-14 June are rolled back; 11 June 14:12 is the good census within 36 h of 13 June: approximate.
    assert "approximate: census hub-stats-2026-06-11 (2026-06-11 14:12 UTC) 33.8 h before the boundary" in r.stdout
    m = snapshot.load(tmp_path / "s" / "hub-stats-2026-06-11").manifest
    kinds = {p["census"][:20]: p["kind"] for p in m["passed_over"]}
    assert kinds == {"hub-stats-2026-06-12": "rolled-back", "hub-stats-2026-06-13": "rolled-back", "hub-stats-2026-06-14": "rolled-back"}
    assert any("came back at hub-stats-2026-06-15" in p["why"] for p in m["passed_over"])


def test_a_rewritten_history_is_listed_again_and_matched_by_date(calendar_hub, tmp_path):
    out = str(tmp_path / "s")
    assert run(calendar_hub, tmp_path, "import", "hub-stats", "--date", "2026-03-01", "--out", out, "--quiet").returncode == 0
    before = {p.name: snapshot.load(p).manifest["source"]["revision"] for p in (tmp_path / "s").iterdir()}
    calendar_hub.rewrite_history(DATASET)  # every commit id changes between the two runs
    r = run(calendar_hub, tmp_path, "import", "hub-stats", "--date", "2026-03-01", "--out", out)
    assert r.returncode == 0 and "nothing to import" in r.stdout  # the snapshots already imported stay valid
    # Within one run: the history is rewritten right after it was listed; reads re-list and match by date.
    calendar_hub.rewrite_history(DATASET, after_listings=1)
    r = run(calendar_hub, tmp_path, "import", "hub-stats", "--date", "2026-02-01", "--out", out)
    assert r.returncode == 0, r.stderr
    assert "history was rewritten: the census of 2026-01-30 13:37:59 UTC is now commit" in r.stderr
    now = {c["date"]: c["id"] for c in calendar_hub.datasets[DATASET]}
    assert snapshot.load(tmp_path / "s" / "hub-stats-2026-01-30").manifest["source"]["revision"] == now["2026-01-30T13:37:59Z"]
    assert before["hub-stats-2026-02-28"] not in now.values()


def test_census_files_carry_the_real_types(population, tmp_path):
    for k, day in enumerate(["2026-02-01T13:16:13Z", "2026-02-02T13:16:37Z"]):
        (tmp_path / f"d{k}.parquet").write_bytes(population.census_file(day))
    a, b = (pq.read_schema(tmp_path / f"d{k}.parquet") for k in (0, 1))
    assert str(a.field("createdAt").type) == "timestamp[us]" and str(a.field("trendingScore").type) == "double"
    assert str(a.field("baseModels").type.field("models").type) == "list<element: struct<_id: string, id: string>>"
    assert str(a.field("cardData").type) == "string" and str(a.field("gguf").type) == "string" and "gated" not in a.names
    assert a.field("safetensors").type != b.field("safetensors").type  # the fields of safetensors vary by day
    for k in (0, 1):
        r = run_cli("import", "hub-stats", "--file", str(tmp_path / f"d{k}.parquet"), "--taken-at", f"2026-02-0{k + 1}T13:16:00Z",
                    "--out", str(tmp_path / "s"), "--quiet", "--census")  # a small population standing for a census
        assert r.returncode == 0 and r.stderr == "", r.stderr
    snap = snapshot.load(tmp_path / "s" / "hub-stats-2026-02-01")
    assert str(snap.table.column("created_at").type) == "timestamp[us, tz=UTC]" and snap.table.column("gated").null_count == len(snap)
    # createdAt without a zone holds UTC: the values are unchanged, only marked as UTC.
    raw = pq.read_table(tmp_path / "d0.parquet", columns=["id", "createdAt"]).sort_by("id")
    assert snap.table.column("created_at").cast("int64").equals(raw.column("createdAt").cast("int64"))
    h = history.History.from_folder(tmp_path / "s")
    assert [h.check(e).kind for e in h.entries] == ["good", "good"]
