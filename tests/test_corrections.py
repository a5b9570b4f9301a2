"""Months you can trust: renamed repos, stale census days, repos that appear rather than are created.

Each case is a folder of census files in the hub-stats layout, imported with ``hubshare import``,
and the month is checked against the arithmetic done by hand in the test's comments."""

import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

from hubshare import arrays, history, intervals, snapshot, synthetic
from hubshare.ingest import census

from conftest import rows, run_cli


def census_day(folder, when: str, records: list[dict]) -> None:
    """Write one census day (hub-stats layout) and import it into ``folder``."""
    table = snapshot.to_table(rows(records))
    path = folder.parent / f"census-{when[:13]}.parquet"
    pq.write_table(synthetic.to_census(table), path)
    census.import_file(path, folder, "day-" + when[:13].replace(":", ""), taken_at=when)


def r(i, total, d30=0, created="2025-06-01", **kw):
    return {"id": i, "downloads_all_time": total, "downloads_30d": d30, "created_at": pd.Timestamp(created, tz="UTC"), **kw}


@pytest.fixture
def renamed_month(tmp_path):
    """February 2026. On 1 Feb: Qwen/Old-Name (1,000,000), Qwen/Moved (500,000), a/one (10).
    By 1 Mar: Qwen/Old-Name is Qwen/New-Name (renamed, 1,200,000); Qwen/Moved is
    Qwen-Archive/Moved (moved to another owner, 540,000); a/one is 15."""
    f = tmp_path / "snaps"
    census_day(f, "2026-02-01T01:00:00Z", [r("Qwen/Old-Name", 1_000_000, 300_000), r("Qwen/Moved", 500_000, 60_000), r("a/one", 10, 5)])
    census_day(f, "2026-03-01T01:00:00Z", [r("Qwen/New-Name", 1_200_000, 220_000), r("Qwen-Archive/Moved", 540_000, 45_000), r("a/one", 15, 5)])
    return f


def test_renamed_repos_count_their_difference_not_their_whole_counter(renamed_month):
    h = history.History.from_folder(renamed_month)
    result = history.months(h, "2026-02", "2026-02", by="org")
    by = result.rows.set_index("name")
    # By hand: New-Name 1,200,000 − 1,000,000 = 200,000 under Qwen; Moved 540,000 − 500,000 = 40,000
    # under its new owner; a/one 5. Without the correction February would hold 1,740,005.
    assert by.loc["Qwen", "downloads"] == 200_000 and by.loc["Qwen-Archive", "downloads"] == 40_000 and by.loc["a", "downloads"] == 5
    assert by["downloads"].sum() == 240_005 and by["models_new"].sum() == 0 and by["models_gone"].sum() == 0
    assert by.loc["Qwen", "renamed"] == 1 and by.loc["Qwen-Archive", "renamed"] == 1
    renames = result.renames.set_index("new_id")
    assert renames.loc["Qwen/New-Name", "old_id"] == "Qwen/Old-Name" and renames.loc["Qwen/New-Name", "kind"] == "renamed"
    assert renames.loc["Qwen-Archive/Moved", "old_id"] == "Qwen/Moved" and renames.loc["Qwen-Archive/Moved", "kind"] == "moved"
    uncorrected = intervals.interval_table(intervals.interval(h.entries[0].load(), h.entries[1].load(), corrections=False), "org", "uploader")
    assert uncorrected["downloads"].sum() == 1_740_005
    # Months match the ids of a month's snapshots ahead of it (``positions``): the same interval,
    # and the matched rows given are not changed by the renames.
    a, b = h.entries[0].load(), h.entries[1].load()
    given = arrays.positions(b.column("id"), a.column("id"))
    before = given.copy()
    iv = intervals.interval(a, b, positions=given)
    assert given.tolist() == before.tolist() and iv.pos.tolist() == intervals.interval(a, b).pos.tolist() != before.tolist()


def test_renames_between_consecutive_days_need_an_equal_count(tmp_path):
    f = tmp_path / "snaps"
    census_day(f, "2026-02-01T01:00:00Z", [r("Qwen/Old", 1_000_000, 300_000), r("Qwen/Other", 800_000, 1_000)])
    # A day later: Qwen/Renamed within 1% of Old; Qwen/Unrelated new, 5% above Other: not a rename.
    census_day(f, "2026-02-02T01:00:00Z", [r("Qwen/Renamed", 1_009_000, 300_000), r("Qwen/Unrelated", 840_000, 1_000, created="2026-02-01T12:00:00")])
    h = history.History.from_folder(f)
    iv = intervals.interval(h.entries[0].load(), h.entries[1].load())
    assert list(iv.renames["new_id"]) == ["Qwen/Renamed"] and iv.renames["before"].iloc[0] == 1_000_000
    assert iv.new.sum() == 1 and iv.gone.sum() == 1  # Unrelated is new, Other is gone


def test_two_candidates_for_one_old_id_are_left_alone_and_reported(tmp_path):
    f = tmp_path / "snaps"
    census_day(f, "2026-02-01T01:00:00Z", [r("Qwen/Old", 1_000_000, 300_000)])
    census_day(f, "2026-03-01T01:00:00Z", [r("Qwen/Copy-A", 1_100_000, 200_000), r("Qwen/Copy-B", 1_150_000, 200_000)])
    result = history.months(history.History.from_folder(f), "2026-02", "2026-02")
    assert result.renames.empty
    assert list(result.ambiguous["old_id"]) == ["Qwen/Old"] and list(result.ambiguous["candidates"].iloc[0]) == ["Qwen/Copy-A", "Qwen/Copy-B"]
    qwen = result.rows.set_index("name").loc["Qwen"]
    assert qwen["downloads"] == 2_250_000 and qwen["models_new"] == 2 and qwen["models_gone"] == 1  # counted as new and gone
    text = run_cli("months", "--snapshots", str(f))
    assert "Qwen/Old gone, several rename candidates left unmatched: Qwen/Copy-A, Qwen/Copy-B" in text.stdout


def test_repos_that_appear_are_reported_apart_from_those_created(tmp_path):
    f = tmp_path / "snaps"
    census_day(f, "2026-02-01T01:00:00Z", [r("Qwen/A", 100, 10)])
    census_day(f, "2026-03-01T01:00:00Z", [r("Qwen/A", 150, 10), r("Qwen/Born-In-Feb", 40, 40, created="2026-02-10"),
                                           r("Qwen/Was-Private", 9_000, 300, created="2025-03-01")])
    result = history.months(history.History.from_folder(f), "2026-02", "2026-02")
    qwen = result.rows.set_index("name").loc["Qwen"]
    # Both new repos count whole (50 + 40 + 9,000); the one created in 2025 appeared, adding 9,000.
    assert qwen["downloads"] == 9_090 and qwen["models_new"] == 2 and qwen["created"] == 1
    assert qwen["appeared"] == 1 and qwen["appeared_downloads"] == 9_000
    record = next(x for x in result.to_records() if x["name"] == "Qwen")
    assert record["appeared_downloads"] == 9_000 and record["renamed"] == 0
    diff = run_cli("diff", *(str(p) for p in sorted(f.iterdir())), "--json")
    data = json.loads(diff.stdout)
    assert (data["created"], data["appeared"], data["appeared_downloads"]) == (1, 1, 9_000)


def test_a_stale_day_is_passed_over_and_the_boundary_interpolated_around_it(tmp_path):
    f = tmp_path / "snaps"
    active = [r(f"org/m{i}", 1_000 + i, 500) for i in range(50)]
    census_day(f, "2026-01-30T10:00:00Z", active)  # 38 h before 1 Feb
    # 1 Feb 00:30: the census did not refresh (every counter as the day before); 1 Feb 22:00: fresh.
    census_day(f, "2026-02-01T00:30:00Z", active)
    census_day(f, "2026-02-01T22:00:00Z", [dict(x, downloads_all_time=x["downloads_all_time"] + 20) for x in active])
    census_day(f, "2026-03-01T00:30:00Z", [dict(x, downloads_all_time=x["downloads_all_time"] + 600) for x in active])
    h = history.History.from_folder(f)
    assert [h.check(e).kind for e in h.entries] == ["good", "stale", "good", "good"]
    feb = history.plan(h, "2026-02", "2026-02")[0]
    # The stale day lies within the hour of tolerance but is never used: 1 Feb is interpolated
    # between 30 Jan 10:00 and 1 Feb 22:00 (38 of 60 h: +20 × 38/60 = 12.7, rounded 13 a repo).
    assert feb.start.how == "interpolated" and feb.start.before.label == "day-2026-01-30T10" and feb.start.after.label == "day-2026-02-01T22"
    assert feb.end.how == "census" and feb.end.used.label == "day-2026-03-01T00"
    assert any("day-2026-02-01T00" in line and "stale" in line for line in feb.passed_over)
    result = history.months(h, "2026-02", "2026-02")
    assert result.rows["downloads"].sum() == 50 * (600 - 13)  # the stale day would give 50 × 600
    v = run_cli("validate", str(f / "day-2026-02-01T00"))
    assert v.returncode == 0 and "census day: stale: 100.0% of active repos kept the all-time counters of day-2026-01-30T10" in v.stdout
    text = run_cli("months", "--snapshots", str(f), "--from", "2026-02", "--to", "2026-02")
    assert "2026-02: passed over day-2026-02-01T00 (2026-02-01 00:30 UTC): stale" in text.stdout
    # Without the fresh day, the stale one is still never a boundary: February is missing, and says why.
    import shutil

    shutil.rmtree(f / "day-2026-02-01T22")
    result = history.months(history.History.from_folder(f), "2026-02", "2026-02")
    assert result.rows.empty and "2026-02-01 00:00 UTC" in result.missing[0][1] and "stale" in result.missing[0][1]
    record = next(x for x in result.to_records() if x["month"] == "2026-02")
    assert record["missing"] and record["passed_over"]


def test_corrections_summary_says_what_each_changed(renamed_month):
    result = history.months(history.History.from_folder(renamed_month), "2026-02", "2026-02")
    c = result.corrections().set_index("month").loc["2026-02"]
    assert (c["renamed"], c["rename_effect"], c["appeared"], c["passed_over"]) == (2, 1_500_000, 0, 0)
    assert result.corrections_text().startswith("Over 1 month: 2 renamed repos") and "1.5M" in result.corrections_text()


def daily_history(kinds: dict[int, str], days: int = 12, fall_for: range = range(0)):
    """Daily census snapshots (in memory) of one population from 1 March 2026 at 13:16 UTC; day k
    is ``kinds.get(k, 'good')``; on the days of ``fall_for`` 30% of repos keep a lower counter."""
    pop = synthetic.CensusPopulation(3_000, seed=4)
    snaps = []
    for k in range(days):
        when = pd.Timestamp("2026-03-01 13:16", tz="UTC") + pd.Timedelta(days=k)
        table = pop.table(when, "rolled-back" if k in fall_for else kinds.get(k, "good"))
        snaps.append(snapshot.from_table(table, {"label": f"day-{k:02d}", "created_at": when.isoformat()}))
    return history.History.from_snapshots(snaps)


def test_each_kind_of_bad_day_is_found():
    h = daily_history({3: "partial", 6: "stalled"}, fall_for=range(8, 10))
    kinds = [c.kind for c in h.checks()]
    assert kinds[3] == "partial" and kinds[6] == "stalled" and kinds[8:10] == ["rolled-back", "rolled-back"]
    assert [k for i, k in enumerate(kinds) if i not in (3, 6, 8, 9)] == ["good"] * 8
    assert "came back at day-10" in h.checks()[8].why


def test_a_fall_that_never_comes_back_is_a_lasting_correction():
    h = daily_history({}, days=12, fall_for=range(2, 12))
    kinds = [c.kind for c in h.checks()]
    assert kinds[2] == "lasting" and "did not come back within 8 censuses" in h.checks()[2].why
    assert not h.checks()[2].bad and kinds.count("rolled-back") == 0
