import pandas as pd
import pytest

from hubshare import metrics, snapshot
from hubshare.errors import DefinitionError
from hubshare.metrics import Definition

from conftest import make_snapshot


def test_presets_cover_the_grid():
    assert len(metrics.PRESETS) == 8
    assert metrics.PRESETS["llm-lineage-alltime"] == Definition("llm", "lineage", "downloads_all_time")
    assert "language models" in Definition("llm").label
    with pytest.raises(DefinitionError):
        Definition("galaxy")
    with pytest.raises(DefinitionError):
        Definition.parse("nope")


def test_uploader_versus_lineage(small):
    up = metrics.shares(small, metrics.PRESETS["all-uploader-30d"])
    assert up.total == 500
    assert up.downloads_of("Qwen") == 150
    assert up.downloads_of("DeepSeek") == 20
    assert up.downloads_of("no family") == 40 + 60 + 200
    lin = metrics.shares(small, metrics.PRESETS["all-lineage-30d"])
    assert lin.downloads_of("Qwen") == 150 + 40 + 20  # the GGUF and the distill follow lineage
    assert lin.downloads_of("DeepSeek") == 0
    assert lin.share_of("Qwen") == pytest.approx(210 / 500)
    ranks = lin.rows.set_index("name")["rank"]
    assert ranks["Qwen"] == 1 and pd.isna(ranks["no family"])


def test_language_model_universe(small):
    t = metrics.shares(small, metrics.PRESETS["llm-uploader-30d"])
    assert t.total == 100 + 50 + 30 + 20
    assert t.models_counted == 4


def test_list_universe_and_region(small):
    d = Definition("list", "lineage", "downloads_all_time", ids=("Qwen/Qwen3-8B", "meta-llama/Llama-3.1-8B"))
    t = metrics.shares(small, d, by="region")
    assert t.total == 4000
    assert t.downloads_of("china") == 1000 and t.downloads_of("us") == 3000
    assert t.rows["share"].sum() == pytest.approx(1.0)


def test_missing_metric_is_an_error_not_a_zero(sample):
    with pytest.raises(DefinitionError, match="no downloads_all_time"):
        metrics.shares(sample, metrics.PRESETS["all-uploader-alltime"])
    grid = metrics.share_grid(sample, "Qwen")
    assert grid["share"].notna().sum() == 4 and grid["note"].str.contains("lacks").sum() == 4


def test_to_dict_has_the_documented_keys(small):
    d = metrics.shares(small, metrics.PRESETS["all-uploader-30d"]).to_dict()
    assert {"definition", "snapshot", "total", "rows"} <= set(d)
    assert set(d["rows"][0]) >= {"name", "downloads", "share", "rank"}


def test_interval_downloads_flags_new_missing_and_negative(tmp_path):
    a = snapshot.load(make_snapshot(tmp_path / "a", [
        {"id": "Qwen/A", "downloads_all_time": 100},
        {"id": "Qwen/B", "downloads_all_time": 50},
        {"id": "x/gone", "downloads_all_time": 7},
    ], label="a", created_at="2026-02-01T00:00:00Z"))
    b = snapshot.load(make_snapshot(tmp_path / "b", [
        {"id": "Qwen/A", "downloads_all_time": 160},
        {"id": "Qwen/B", "downloads_all_time": 45},
        {"id": "Qwen/new", "downloads_all_time": 30},
    ], label="b", created_at="2026-03-01T00:00:00Z"))
    iv = metrics.interval_downloads(a, b).set_index("id")
    assert iv.loc["Qwen/A", "interval"] == 60 and iv.loc["Qwen/A", "status"] == "both"
    assert iv.loc["Qwen/B", "interval"] == -5 and bool(iv.loc["Qwen/B", "negative"])  # not clipped
    assert iv.loc["Qwen/new", "interval"] == 30 and iv.loc["Qwen/new", "status"] == "new"
    assert pd.isna(iv.loc["x/gone", "interval"]) and iv.loc["x/gone", "status"] == "missing"
    by = metrics.interval_by(a, b).set_index("name")
    assert by.loc["Qwen", "interval"] == 85 and by.loc["Qwen", "new"] == 1 and by.loc["Qwen", "negative"] == 1
    assert by.loc["no family", "missing"] == 1
    with pytest.raises(DefinitionError, match="before"):
        metrics.interval_downloads(b, a)
