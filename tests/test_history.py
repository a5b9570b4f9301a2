"""Calendar months from a folder of snapshots: boundaries, gaps, new, gone and falling counters."""

import json

import pandas as pd
import pytest

from hubshare import history, paths
from hubshare.errors import HistoryError

from conftest import make_snapshot, run_cli


def day(records_by_id: dict[str, int], **extra) -> list[dict]:
    return [{"id": i, "downloads_all_time": v, **extra.get(i, {})} for i, v in records_by_id.items()]


def folder(tmp_path, days: dict[str, list[dict]]):
    """A folder of snapshots, one per ISO time."""
    out = tmp_path / "snaps"
    for when, records in days.items():
        label = "s-" + when.replace(":", "").replace("T", "-").removesuffix("Z")
        make_snapshot(out / label, records, label=label, created_at=when)
    return out


@pytest.fixture
def three_months(tmp_path):
    """Snapshots at the boundaries of January and February 2026 (35 h off at most), none near
    1 April, so March is missing; and a snapshot with no all-time counts."""
    out = folder(tmp_path, {
        "2026-01-01T03:00:00Z": day({"Qwen/A": 100, "Qwen/B": 50, "meta-llama/L": 80, "x/gone": 9}),
        "2026-02-02T11:00:00Z": day({"Qwen/A": 160, "Qwen/B": 45, "meta-llama/L": 100, "u/A-GGUF": 30},
                                    **{"u/A-GGUF": {"base_models": ["Qwen/A"], "pipeline_tag": None}}),  # 35 h after 1 Feb
        "2026-02-27T00:00:00Z": day({"Qwen/A": 170}),  # not a boundary: ignored
        "2026-02-28T11:00:00Z": day({"Qwen/A": 200, "Qwen/B": 60, "meta-llama/L": 101, "u/A-GGUF": 70, "Qwen/C": 5},
                                    **{"u/A-GGUF": {"base_models": ["Qwen/A"], "pipeline_tag": None}}),  # 13 h before 1 March
        "2026-04-02T13:00:00Z": day({"Qwen/A": 400}),  # 37 h after 1 April: too far
    })
    make_snapshot(out / "no-all-time", [{"id": "Qwen/A", "downloads_all_time": None}], label="no-all-time", created_at="2026-03-01T00:00:00Z")
    return out


def test_months_measured_and_missing(three_months):
    h = history.History.from_folder(three_months)
    assert ("no-all-time", "no all-time counts") in h.skipped
    result = history.months(h, "2026-01", "2026-03")
    assert [m.month for m in result.months if m.measured] == ["2026-01", "2026-02"]
    assert [m for m, _ in result.missing] == ["2026-03"]
    assert "no good census within 36 h of 2026-04-01 00:00 UTC" in result.missing[0][1]
    assert "the first after is s-2026-04-02-130000 (2026-04-02 13:00 UTC), 37.0 h after" in result.missing[0][1]
    # One census a month: each boundary stands on the census within 36 h, marked approximate with its offset.
    jan_month = result.months[0]
    assert jan_month.approximate and jan_month.end.how == "approximate" and "35.0 h after the boundary" in jan_month.end.text
    jan = result.rows[result.rows["month"] == "2026-01"].set_index("name")
    # Qwen: A +60, B -5 (fell, counted, not clipped); Llama +20; the GGUF is new (whole 30) and has no family by uploader
    assert jan.loc["Qwen", "downloads"] == 55 and jan.loc["Qwen", "models_fell"] == 1
    assert jan.loc["Llama", "downloads"] == 20
    assert jan.loc["no family", "downloads"] == 30 and jan.loc["no family", "models_new"] == 1 and jan.loc["no family", "models_gone"] == 1
    assert jan.loc["Qwen", "cumulative_end"] == 160 + 45
    assert jan["share"].sum() == pytest.approx(1.0) and jan.loc["Qwen", "share"] == pytest.approx(55 / 105)
    assert set(jan["start"]) == {"2026-01-01T03:00:00Z"} and set(jan["end"]) == {"2026-02-02T11:00:00Z"}
    feb = result.rows[result.rows["month"] == "2026-02"].set_index("name")
    assert feb.loc["Qwen", "downloads"] == 40 + 15 + 5 and feb.loc["Qwen", "models_new"] == 1
    lineage = history.months(h, "2026-02", "2026-02", attribution="lineage").rows.set_index("name")
    assert lineage.loc["Qwen", "downloads"] == 60 + 40  # the GGUF's 40 follow its lineage


def test_months_read_pipeline_tags_only_for_language_models(three_months, monkeypatch):
    from hubshare import snapshot

    read = []
    real = snapshot.read_parquet
    monkeypatch.setattr(snapshot, "read_parquet", lambda path, columns=None, **k: read.append(tuple(columns or ())) or real(path, columns, **k))
    h = history.History.from_folder(three_months)
    every = history.months(h, "2026-01", "2026-02", attribution="lineage")
    assert not any("pipeline_tag" in cols for cols in read)
    # Under the language-model universe the tags are read, also of snapshots whose other columns
    # were let go after their month: the GGUF (no pipeline tag) leaves the universe.
    llm = history.months(h, "2026-01", "2026-02", universe="llm", attribution="lineage")
    assert any("pipeline_tag" in cols for cols in read)
    every, llm = (r.rows.set_index(["month", "name"])["downloads"] for r in (every, llm))
    assert every[("2026-02", "Qwen")] == 100 and llm[("2026-02", "Qwen")] == 60


def test_boundary_35_hours_away_counts_and_37_does_not(tmp_path):
    out = folder(tmp_path, {"2026-01-30T13:00:00Z": day({"Qwen/A": 1}),  # 35 h before 1 Feb
                            "2026-03-02T13:00:00Z": day({"Qwen/A": 9})})  # 37 h after 1 Mar
    h = history.History.from_folder(out)
    assert h.at(pd.Timestamp("2026-02-01", tz="UTC")).label == "s-2026-01-30-130000"
    assert h.at(pd.Timestamp("2026-03-01", tz="UTC")) is None
    result = history.months(h, "2026-02", "2026-02")
    assert result.rows.empty and "2026-03-01 00:00 UTC" in result.missing[0][1]


def test_a_gap_month_is_listed_not_interpolated(tmp_path):
    out = folder(tmp_path, {"2026-01-01T00:00:00Z": day({"Qwen/A": 1}), "2026-02-01T00:00:00Z": day({"Qwen/A": 5}),
                            "2026-04-01T00:00:00Z": day({"Qwen/A": 50}), "2026-05-01T00:00:00Z": day({"Qwen/A": 60})})
    result = history.months(history.History.from_folder(out))
    assert [m.month for m in result.months] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert [m for m, _ in result.missing] == ["2026-02", "2026-03"]
    assert list(result.pivot()["Qwen"]) == [4, 10]


def test_by_org_and_atom_universe(three_months):
    h = history.History.from_folder(three_months)
    org = history.months(h, "2026-01", "2026-01", by="org").rows.set_index("name")
    assert org.loc["Qwen", "downloads"] == 55 and org.loc["u", "downloads"] == 30 and org.loc["meta-llama", "downloads"] == 20
    atom = history.months(h, "2026-01", "2026-01", universe="atom").rows
    assert "no family" not in set(atom.loc[atom["downloads"] != 0, "name"])  # u/A-GGUF is not on ATOM's list


def test_cumulative_at_a_boundary(three_months):
    h = history.History.from_folder(three_months)
    table, entry = history.cumulative(h, "2026-03-01")
    assert entry.label == "s-2026-02-28-110000" and table.downloads_of("Qwen") == 265
    with pytest.raises(HistoryError, match=r"not measurable: no good census within 36 h of 2026-06-01.*snapshots cover"):
        history.cumulative(h, "2026-06-01")


def test_months_cli_json_and_text(three_months):
    r = run_cli("months", "--snapshots", str(three_months), "--from", "2026-01", "--to", "2026-03", "--json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    keys = {"month", "name", "downloads", "share", "start", "end", "models_new", "models_gone", "models_fell", "cumulative_end"}
    assert all(keys <= set(row) for row in rows)
    assert {row["month"] for row in rows if row["missing"]} == {"2026-03"}
    text = run_cli("months", "--snapshots", str(three_months), "--by", "org")
    assert text.returncode == 0 and "2026-01" in text.stdout and "left out: no-all-time" in text.stdout
    assert "2026-03: missing" in text.stdout


@pytest.mark.parametrize("args,code", [(["--from", "2026-13"], 2), (["--from", "2026-03", "--to", "2026-01"], 1), (["--snapshots", "/nonexistent"], 1)])
def test_months_bad_input(three_months, args, code):
    base = [] if "--snapshots" in args else ["--snapshots", str(three_months)]
    r = run_cli("months", *base, *args)
    assert r.returncode == code and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


def test_months_of_snapshots_without_all_time_counts_is_one_error():
    r = run_cli("months", "--snapshots", str(paths.SNAPSHOTS))
    assert r.returncode == 1 and r.stdout == "" and r.stderr.count("\n") == 1
    assert "no snapshot with all-time counts" in r.stderr and "left out: 2026-05-16-trending-sample (no all-time counts)" in r.stderr


@pytest.fixture
def feb_march(tmp_path):
    """Boundaries of February and March 2026 with repos on ATOM's list and one off it."""
    ids = {"Qwen/Qwen3-8B": (100, 250, 400), "meta-llama/Llama-3.1-8B-Instruct": (50, 80, 100),
           "deepseek-ai/DeepSeek-R1": (20, 40, 50), "google/gemma-3-4b-it": (10, 15, 20), "Qwen/not-on-the-list": (5, 25, 30),
           "x/other": (1000, 1100, 1200)}
    times = ["2026-02-01T02:00:00Z", "2026-03-01T02:00:00Z", "2026-04-01T02:00:00Z"]
    return folder(tmp_path, {t: day({i: v[k] for i, v in ids.items()}) for k, t in enumerate(times)})


def test_claims_measured_from_a_history(feb_march):
    from hubshare import claims

    h = history.History.from_folder(feb_march)
    res = {r.claim.id: r.from_history for r in claims.evaluate(hist=h)}
    c1 = {f.universe: f for f in res["C1"]}
    assert c1["atom"].value == pytest.approx(400 / 1e6) and c1["all"].value == pytest.approx(430 / 1e6)
    assert c1["atom"].figure_value == 942.1 and c1["atom"].difference == pytest.approx(400 / 1e6 / 942.1 - 1)
    c3 = {f.universe: f for f in res["C3"]}
    assert c3["atom"].value == pytest.approx(150 / 1e6) and c3["all"].value == pytest.approx(170 / 1e6)
    c2 = [f for f in res["C2"] if f.period == "February 2026"]
    assert {f.universe: round(f.value, 2) for f in c2}["atom"] == round(100 * 150 / (150 + 30 + 20 + 5), 2)
    c4 = {(f.what, f.universe): f for f in res["C4"]}
    assert c4[("Qwen ÷ (Llama + DeepSeek)", "atom")].value == pytest.approx(150 / 50)
    eight = c4[("the next eight organisations combined", "atom")]
    assert eight.value == pytest.approx((30 + 20 + 5) / 1e6) and "meta-llama, deepseek-ai, google" in eight.note


def test_claims_history_not_covered_says_what_it_has(feb_march):
    from hubshare import claims

    only_march = history.History.from_folder(feb_march)
    only_march.entries = only_march.entries[1:]
    res = {r.claim.id: r.from_history for r in claims.evaluate(hist=only_march)}
    c3 = res["C3"][0]
    assert c3.value is None and c3.text.endswith("snapshots cover 2026-03-01, 2026-04-01")
    assert "not measurable: no good census within 36 h of 2026-02-01 00:00 UTC" in c3.text
    r = run_cli("claims", "--snapshots", str(feb_march), "--json")
    assert r.returncode == 0 and json.loads(r.stdout)[2]["history"][0]["value"] == pytest.approx(150 / 1e6)
