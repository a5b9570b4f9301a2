import pandas as pd
import pytest

from hubshare import intervals, metrics, snapshot
from hubshare.errors import DefinitionError
from hubshare.metrics import Definition

from conftest import make_snapshot


def test_presets_cover_the_grid():
    assert len(metrics.PRESETS) == 12 and len(metrics.grid(universes=("all", "llm"))) == 8
    assert metrics.PRESETS["atom-uploader-30d"].label.startswith("ATOM's tracked models")
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
    assert grid["share"].notna().sum() == 6 and grid["note"].str.contains("lacks").sum() == 6


def test_to_dict_has_the_documented_keys(small):
    d = metrics.shares(small, metrics.PRESETS["all-uploader-30d"]).to_dict()
    assert {"definition", "snapshot", "total", "rows"} <= set(d)
    assert set(d["rows"][0]) >= {"name", "downloads", "share", "rank"}


def test_interval_downloads_flags_new_gone_and_fell(tmp_path):
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
    iv = intervals.interval_downloads(a, b).set_index("id")
    assert iv.loc["Qwen/A", "downloads"] == 60 and iv.loc["Qwen/A", "status"] == "both"
    assert iv.loc["Qwen/B", "downloads"] == -5 and bool(iv.loc["Qwen/B", "fell"])  # not clipped
    assert iv.loc["Qwen/new", "downloads"] == 30 and iv.loc["Qwen/new", "status"] == "new"
    assert pd.isna(iv.loc["x/gone", "downloads"]) and iv.loc["x/gone", "status"] == "gone"
    by = intervals.interval_by(a, b).set_index("name")
    assert by.loc["Qwen", "downloads"] == 85 and by.loc["Qwen", "new"] == 1 and by.loc["Qwen", "fell"] == 1
    assert by.loc["no family", "gone"] == 1
    with pytest.raises(DefinitionError, match="before"):
        intervals.interval_downloads(b, a)


def test_atom_universe_counts_only_the_tracked_list(small):
    t = metrics.shares(small, metrics.PRESETS["atom-uploader-alltime"])
    from hubshare import reference

    listed = set(reference.atom_ids())
    expected = {m: v for m, v in zip(small.models["id"], small.models["downloads_all_time"]) if m in listed}
    assert t.total == sum(expected.values()) and t.models_counted == len(expected)
    assert "Qwen/Qwen3-8B" in listed and t.downloads_of("Qwen") == expected["Qwen/Qwen3-8B"] + expected.get("Qwen/Qwen3-VL-2B", 0)


def test_by_org_follows_the_uploader_or_the_lineage_root(small):
    up = metrics.shares(small, metrics.PRESETS["all-uploader-30d"], by="org").rows.set_index("name")["downloads"]
    assert up["Qwen"] == 150 and up["unsloth"] == 40 and up["deepseek-ai"] == 20 and up["sentence-transformers"] == 200
    lin = metrics.shares(small, metrics.PRESETS["all-lineage-30d"], by="org").rows.set_index("name")["downloads"]
    assert lin["Qwen"] == 150 + 40 + 20  # the GGUF and the distill lead to Qwen's namespace
    assert "unsloth" not in lin.index and "deepseek-ai" not in lin.index
    assert sum(lin) == sum(up) == 500


def test_interval_by_org_and_universe(tmp_path):
    a = snapshot.load(make_snapshot(tmp_path / "a", [
        {"id": "Qwen/A", "downloads_all_time": 100}, {"id": "x/gone", "downloads_all_time": 7},
        {"id": "u/A-GGUF", "downloads_all_time": 10, "base_models": ["Qwen/A"], "pipeline_tag": None},
    ], label="a", created_at="2026-02-01T00:00:00Z"))
    b = snapshot.load(make_snapshot(tmp_path / "b", [
        {"id": "Qwen/A", "downloads_all_time": 160}, {"id": "u/A-GGUF", "downloads_all_time": 25, "base_models": ["Qwen/A"], "pipeline_tag": None},
        {"id": "v/new", "downloads_all_time": 3},
    ], label="b", created_at="2026-03-01T00:00:00Z"))
    org = intervals.interval_by(a, b, by="org", attribution="uploader").set_index("name")
    assert org.loc["Qwen", "downloads"] == 60 and org.loc["u", "downloads"] == 15 and org.loc["v", "new"] == 1 and org.loc["x", "gone"] == 1
    lin = intervals.interval_by(a, b, by="org", attribution="lineage").set_index("name")
    assert lin.loc["Qwen", "downloads"] == 75
    llm = intervals.interval_by(a, b, by="family", attribution="uploader", universe="llm").set_index("name")
    assert llm["downloads"].sum() == 63 and "x" not in llm.index


def test_interval_needs_all_time_counts_in_both(sample, tmp_path):
    b = snapshot.load(make_snapshot(tmp_path / "b", [{"id": "Qwen/A", "downloads_all_time": 1}], created_at="2026-06-01T00:00:00Z"))
    with pytest.raises(DefinitionError, match="no downloads_all_time"):
        intervals.interval(sample, b)


def test_region_follows_the_organisation_under_both_attributions(small):
    up = metrics.shares(small, metrics.PRESETS["all-uploader-30d"], by="region").rows.set_index("name")["downloads"]
    # Qwen 150 (china); meta-llama 30, google 60 (us); deepseek-ai 20 (china); unsloth and sentence-transformers: unknown
    assert up["china"] == 170 and up["us"] == 90 and up["unknown"] == 40 + 200
    lin = metrics.shares(small, metrics.PRESETS["all-lineage-30d"], by="region").rows.set_index("name")["downloads"]
    assert lin["china"] == 150 + 40 + 20 and lin["unknown"] == 200  # the GGUF and the distill lead to Qwen's organisation


def test_every_model_of_atoms_list_has_an_organisation_and_a_region():
    from hubshare import reference, snapshot

    from conftest import rows

    ids = list(reference.atom_ids())
    snap = snapshot.from_table(snapshot.to_table(rows([{"id": i, "downloads_30d": 1} for i in ids])), {"label": "atom", "created_at": "2026-03-27T00:00:00Z"})
    t = metrics.shares(snap, metrics.PRESETS["atom-uploader-30d"], by="region")
    assert t.models_counted == len(ids) == 1617
    regions = t.rows.set_index("name")["models"]
    assert set(regions.index) <= set(reference.REGIONS)
    atom = reference.atom_regions()
    expected = pd.Series([atom[i.split("/")[0]] for i in ids]).value_counts()
    assert regions.sort_index().to_dict() == expected.sort_index().to_dict()
    orgs = metrics.shares(snap, metrics.PRESETS["atom-uploader-30d"], by="org").rows
    assert orgs["models"].sum() == 1617 and len(orgs) == 36


def test_a_share_table_is_the_same_as_lists_and_as_a_frame(sample):
    t = metrics.shares(sample, metrics.PRESETS["all-uploader-30d"], by="family")
    rows = t.rows
    assert rows.columns.tolist() == ["name", "downloads", "share", "rank", "models"]
    assert [str(d) for d in rows.dtypes] == ["str", "int64", "float64", "Int64", "int64"]
    assert rows["name"].tolist() == t.names and rows["downloads"].tolist() == t.downloads and rows["models"].tolist() == t.models
    assert rows["rank"].isna().tolist() == [r is None for r in t.rank] == [n == metrics.OTHER for n in t.names]
    assert t.rank[:-1] == list(range(1, len(t.names))) and t.names[-1] == metrics.OTHER
    assert t.downloads[:-1] == sorted(t.downloads[:-1], reverse=True) and sum(t.downloads) == t.total
    assert t.share == [d / t.total for d in t.downloads]
    assert t.share_of("Qwen") == t.share[t.names.index("Qwen")] and t.downloads_of("no such family") == 0


def test_family_sums_are_the_same_in_any_order_and_with_missing_counts(tmp_path):
    # The family tables of the all and llm universes share their bins, weights and repo counts
    # between Definitions; a repo without a count is left out of that count's table only.
    records = [
        {"id": "Qwen/Qwen3-8B", "downloads_30d": 100, "downloads_all_time": None},
        {"id": "Qwen/Qwen3-VL-2B", "downloads_30d": 50, "downloads_all_time": 500, "pipeline_tag": "image-text-to-text"},
        {"id": "unsloth/Qwen3-8B-GGUF", "downloads_30d": None, "downloads_all_time": 400, "base_models": ["Qwen/Qwen3-8B"]},
        {"id": "meta-llama/Llama-3.1-8B", "downloads_30d": 30, "downloads_all_time": 3000},
        {"id": "google/vit-base", "downloads_30d": 60, "downloads_all_time": None, "pipeline_tag": "image-classification"},
        {"id": "x/plain", "downloads_30d": 7, "downloads_all_time": 70},
    ]
    path = make_snapshot(tmp_path / "gaps", records)
    grid = metrics.grid(universes=("all", "llm"))

    def tables(order):
        snap = snapshot.load(path)
        return {d.key: (t.names, t.downloads, t.models, t.models_without_metric)
                for d in order for t in [metrics.shares(snap, d)]}

    forward, backward = tables(grid), tables(grid[::-1])
    assert forward == backward
    for d in grid:
        alone = tables([d])[d.key]
        assert alone == forward[d.key]
        masked = metrics.totals(snapshot.load(path), d.universe, d.attribution, "family", d.metric)
        assert {n: v for n, v in zip(alone[0], alone[1]) if v} == {n: v for n, v in masked.items() if v}
    assert forward["all-uploader-30d"][3] == 1 and forward["all-uploader-alltime"][3] == 2
    assert dict(zip(*forward["all-lineage-alltime"][:2]))["Qwen"] == 500 + 400
    assert dict(zip(*forward["llm-lineage-30d"][:2]))["Qwen"] == 100 + 50  # the GGUF has no 30-day count
