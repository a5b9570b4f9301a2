"""What a write-up needs beside a chart or a table: its numbers, with the data and Definition they
come from; months as a Definition; an address (or the reason for none) for every published figure."""

import io
import json
import re

import pandas as pd
import pytest
from test_history import day, folder

from hubshare import claims, figures, history, metrics, paths, published, report, snapshot
from hubshare.errors import DefinitionError, ReferenceDataError

from conftest import make_snapshot, run_cli

SAMPLE = snapshot.load(paths.SAMPLE_SNAPSHOT)


def read_csv(text: str) -> tuple[str, pd.DataFrame]:
    first, _, rest = text.partition("\n")
    return first, pd.read_csv(io.StringIO(text), comment="#")


def test_a_chart_writes_its_numbers_beside_it_byte_for_byte(tmp_path):
    table = metrics.shares(SAMPLE, metrics.PRESETS["all-uploader-30d"])

    def draw():
        return figures.chart(figures.shares_bar, table, top=5, name="bars", title="Five families", source=SAMPLE.source_text,
                             snapshot=SAMPLE, definition=table.definition, notebook="99-test", folder=tmp_path)

    saved = draw()
    first_bytes = saved.csv.read_bytes()
    assert draw().csv.read_bytes() == first_bytes
    first, frame = read_csv(saved.csv.read_text(encoding="utf-8"))
    footnote = figures.footnote_text(SAMPLE.source_text, SAMPLE, table.definition)
    assert first == f"# {footnote}" and "a sample, not a census" in first
    assert list(frame.columns) == ["name", "downloads (30-day)", "share"]
    assert frame["name"].tolist()[:5] == table.rows["name"].tolist()[:5] and frame["name"].iloc[-1] == "other"
    assert frame["downloads (30-day)"].sum() == table.total  # the five and the rest: every download drawn
    assert frame["downloads (30-day)"].dtype.kind == "i"  # whole numbers stay whole
    assert "and .csv (the numbers drawn)" in repr(saved)


def test_a_drawing_that_returns_no_numbers_is_refused(tmp_path):
    def draw(ax):
        ax.plot([1, 2], [3, 4])

    with pytest.raises(TypeError, match="returned no numbers"):
        figures.chart(draw, name="x", title="x", source="x", notebook="99-test", folder=tmp_path)


def test_sample_and_subset_charts_say_so_in_the_title(tmp_path):
    assert figures.coverage_title(SAMPLE) == "\non a sample of 1,000 models"
    assert figures.coverage_title(None) == "" and figures.coverage_title("2026-02-01") == ""


def test_lines_that_coincide_stay_visible_and_say_so(tmp_path):
    table = pd.DataFrame({"a × uploader": [0.1, 0.2], "a × lineage": [0.1, 0.2], "b": [0.3, 0.1]}, index=["2026-01", "2026-02"])
    fig, ax = figures.new()
    drawn = figures.month_lines(ax, table, percent=True)
    labels = ax.get_legend_handles_labels()[1]
    assert "a × lineage (the same as a × uploader)" in labels and "b" in labels
    assert list(drawn.columns) == ["month", "a × uploader", "a × lineage", "b"]


def test_every_notebook_chart_has_its_csv_and_the_html_links_it(tmp_path):
    pngs = sorted(paths.SHIPPED_FIGURES.glob("*.png"))
    assert pngs and all(p.with_suffix(".csv").is_file() for p in pngs)
    for p in pngs:
        first, frame = read_csv(p.with_suffix(".csv").read_text(encoding="utf-8"))
        assert first.startswith("# ") and "Source: " in first and len(frame), p.name
    page = report.export_html(paths.NOTEBOOKS / "01-what-counts-as-a-download.ipynb", tmp_path)
    links = re.findall(r"href='([^']+\.csv)'", page.read_text(encoding="utf-8"))
    assert len(links) == 3
    assert all((tmp_path / link).resolve().is_file() for link in links)


def test_synthetic_csvs_carry_no_published_figure():
    for p in paths.SHIPPED_FIGURES.glob("*.csv"):
        text = p.read_text(encoding="utf-8")
        if "SYNTHETIC" in text.splitlines()[0]:
            assert "published figure" not in text, p.name


@pytest.mark.parametrize("args", [
    ("shares",),
    ("shares", "--universe", "llm", "--by", "region"),
    ("classify", "Qwen/Qwen3-8B", "meta-llama/Llama-3.1-8B"),
    ("classify", "--snapshot", str(paths.SAMPLE_SNAPSHOT)),
    ("claims", "--snapshot", str(paths.SAMPLE_SNAPSHOT)),
])
def test_table_commands_print_csv(args):
    r = run_cli(*args, "--csv")
    assert r.returncode == 0, r.stderr
    first, frame = read_csv(r.stdout)
    assert first.startswith("# ") and len(frame)
    if args[0] == "shares":
        as_json = json.loads(run_cli(*args, "--json").stdout)
        assert frame["downloads"].sum() == as_json["total"] and "a sample" in first and "by uploader's organisation" in first
    if args[:2] == ("classify", "--snapshot"):
        assert len(frame) == 1000 and "lineage through 2026-05-16-trending-sample" in first
    if args[0] == "claims":
        assert frame["claim"].tolist() == [c.id for c in claims.load()] and "(2026-05-16, sample)" in first


def test_months_and_diff_print_csv(tmp_path):
    snaps = folder(tmp_path, {"2026-02-01T00:20:00Z": day({"Qwen/A": 100, "meta-llama/L": 80}),
                              "2026-03-01T00:10:00Z": day({"Qwen/A": 160, "meta-llama/L": 100})})
    r = run_cli("months", "--snapshots", str(snaps), "--csv")
    assert r.returncode == 0, r.stderr
    first, frame = read_csv(r.stdout)
    assert "calendar month 2026-02 (differences of all-time counters)" in first and "grouped by family" in first
    assert dict(zip(frame["name"], frame["downloads"])) == {"Qwen": 60, "Llama": 20}
    a, b = sorted(p for p in snaps.iterdir())
    r = run_cli("diff", str(a), str(b), "--csv")
    first, frame = read_csv(r.stdout)
    assert r.returncode == 0 and frame["downloads"].sum() == 80 and first.startswith("# downloads between")
    both = run_cli("shares", "--json", "--csv")
    assert both.returncode == 2 and both.stderr.count("\n") == 1


def test_months_are_a_definition_of_their_own(tmp_path):
    d = metrics.Definition("atom", "uploader", metrics.CALENDAR_MONTH, months="2026-02")
    assert d.key == "atom-uploader-month" and d.label.endswith("calendar month 2026-02 (differences of all-time counters)")
    with pytest.raises(DefinitionError, match="history.months"):
        metrics.shares(SAMPLE, d)
    with pytest.raises(DefinitionError, match="months go with"):
        metrics.Definition(metric="downloads_30d", months="2026-02")
    snaps = folder(tmp_path, {"2026-01-01T00:20:00Z": day({"Qwen/A": 10}), "2026-02-01T00:20:00Z": day({"Qwen/A": 100}),
                              "2026-03-01T00:10:00Z": day({"Qwen/A": 160})})
    m = history.months(history.History.from_folder(snaps), by="org")
    assert m.definition.metric == "calendar_month" and m.definition.months == "2026-01..2026-02"
    assert m.label == "all models · by uploader's organisation · calendar months 2026-01 to 2026-02 (differences of all-time counters) · grouped by organisation"
    assert "all-time downloads at each month's end" in m.cumulative_label


def test_no_caller_patches_a_label():
    sources = [p.read_text(encoding="utf-8") for p in (paths.ROOT / "lib").rglob("*.py")]
    sources += [json.dumps(json.loads(p.read_text(encoding="utf-8"))["cells"]) for p in paths.NOTEBOOKS.glob("*.ipynb")]
    for text in sources:
        assert "label.split(" not in text and 'replace(\\"all-time downloads\\"' not in text and 'replace("all-time downloads"' not in text


def test_a_census_history_names_its_census_and_licence(tmp_path):
    from hubshare.ingest import census

    out = tmp_path / "census"
    for when in ("2026-02-01T13:16:00Z", "2026-03-01T13:16:00Z"):
        path = make_snapshot(out / when[:10], day({"Qwen/A": 100}), label=when[:10], created_at=when)
        manifest = json.loads((path / "manifest.json").read_text())
        manifest.update(source={"dataset": census.DATASET, "file": "models.parquet", "revision": "0" * 40}, attribution=census.ATTRIBUTION)
        (path / "manifest.json").write_text(json.dumps(manifest))
    text = history.History.from_folder(out).source_text
    assert f"census days of {census.DATASET}" in text and census.ATTRIBUTION in text and "trending" not in text


def test_every_published_figure_has_an_address_or_says_why_not(tmp_path):
    pub = published.load()
    assert ((pub["url"] != "") != (pub["url_note"] != "")).all()
    assert (pub.loc[pub["url"] != "", "url"].str.startswith("https://")).all()
    for fig_id in ("atom-china-cum-2026-03", "alibaba-qwen-cum-1b", "xinhua-qwen-cum-2026-01"):
        assert pub.loc[fig_id, "url"], fig_id
    bad = tmp_path / "figures.csv"
    text = paths.PUBLISHED_CSV.read_text(encoding="utf-8")
    row = next(r for r in text.splitlines() if r.startswith("atom-qwen-month-2026-02,"))
    assert row.endswith("talk.html,,primary,exact")
    bad.write_text(text.replace(row, row.replace("talk.html,,", "talk.html,a reason,")), encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="exactly one of 'url' and 'url_note'"):
        published.load(bad)


def test_no_notebook_writes_a_source_by_hand():
    for path in paths.NOTEBOOKS.glob("*.ipynb"):
        code = "\n".join("".join(c["source"]) for c in json.loads(path.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code")
        assert not re.search(r"\bsource=\s*[\"']", code), path.name  # sources come from the data: snap, hist, published.sources
        assert "shipped sample" not in code.split("paths.default")[-1], path.name


def test_published_sources_name_each_publisher_once():
    text = published.sources(["modelpulse-hub-2026-01", "modelpulse-hub-2026-02", "modelpulse-hub-2026-03", "atom-qwen-month-2026-02"])
    assert text == "data/published/figures.csv: Model Pulse, 2026-01 to 2026-03 (derived); ATOM, 2026-02 (primary)"
    with pytest.raises(ReferenceDataError, match="no-such"):
        published.sources(["no-such"])


def test_a_universe_without_downloads_has_no_share(tmp_path):
    snap = snapshot.load(make_snapshot(tmp_path / "s", [{"id": "Qwen/not-listed", "downloads_30d": 5, "downloads_all_time": 9},
                                                        {"id": "x/y", "downloads_30d": 5, "downloads_all_time": 9}]))
    grid = metrics.share_grid(snap, "Qwen", metrics.grid(("downloads_30d",)))
    atom = grid[grid["universe"] == "atom"]
    assert atom["share"].isna().all() and atom["note"].str.contains("no downloads in this universe").all()
    assert grid.loc[grid["universe"] == "all", "share"].tolist() == [0.5, 0.5]
    fig, ax = figures.new()
    drawn = figures.definitions_heatmap(ax, grid)
    assert drawn.loc[drawn["universe"] == "ATOM's tracked list", "Qwen's share"].isna().all()
    assert "n/a" in [t.get_text() for t in ax.texts]
