"""The notebooks as products: names, clean committed runs, parameters, figures, verdicts."""

import json
import re
import subprocess
import sys

import nbformat
import pytest

from hubshare import claims, paths, report

from conftest import run_cli

NOTEBOOKS = report.notebooks()
SERIES = [
    "00-overview", "01-what-counts-as-a-download", "02-who-made-it", "03-a-billion-downloads",
    "04-half-of-all-downloads", "05-153-million-in-a-month", "06-more-than-llama-and-deepseek",
    "07-how-definitions-move-the-answer", "08-take-your-own-snapshot", "09-exercises", "10-over-time", "11-the-summer-report",
]
CLAIM_NOTEBOOKS = {c.id: c.notebook for c in claims.load() if c.notebook}
"""Each claim's notebook, as its claim file names it."""


def load(path):
    return nbformat.read(path, as_version=4)


def outputs_text(nb):
    parts = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if o.get("output_type") == "stream":
                parts.append(o["text"])
            for key, value in o.get("data", {}).items():
                if key.startswith("text/"):
                    parts.append(value if isinstance(value, str) else "".join(value))
    return "\n".join(parts)


def test_the_series_is_complete_and_named_nn_slug():
    assert [p.stem for p in NOTEBOOKS] == SERIES
    stray = [p for p in paths.ROOT.rglob("*.ipynb")
             if not any(part.startswith(".") for part in p.relative_to(paths.ROOT).parts)
             and paths.REPORTS not in p.parents  # executed copies of a report on other data
             and (p.parent != paths.NOTEBOOKS or not report.NOTEBOOK_NAME.match(p.name))]
    assert stray == [], f"notebooks outside the NN-slug series: {stray}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_outputs_come_from_one_clean_run(path):
    nb = load(path)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1)), "execution counts must be 1..n: rerun make report"
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            assert o["output_type"] != "error", f"error output in {path.name}"
            assert not (o["output_type"] == "stream" and o.get("name") == "stderr"), f"stderr output in {path.name}: {o['text'][:200]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_machine_details_and_no_path_hacks(path):
    raw = path.read_text()
    import socket

    for pattern in (r"/(root|home|tmp|work|Users)/", r"sys\.path", r"os\.chdir", r"0x[0-9a-f]{8,}"):
        assert not re.search(pattern, raw), f"{path.name} contains {pattern}"
    assert socket.gethostname() not in outputs_text(load(path))
    sources = "\n".join(c.source for c in load(path).cells if c.cell_type == "code")
    assert re.search(r"^from hubshare import", sources, re.M)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_one_parameter_cell_defaulting_to_the_shipped_sample(path):
    nb = load(path)
    # Parameters come from the environment (HUBSHARE_SNAPSHOT, HUBSHARE_SNAPSHOTS), read in one
    # cell; no cell carries papermill's "parameters" tag, which would promise another mechanism.
    assert not any("parameters" in c.metadata.get("tags", []) for c in nb.cells)
    tagged = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith("# Parameters")]
    assert len(tagged) == 1
    assert "SNAPSHOT = paths.default_snapshot()" in tagged[0].source or "SNAPSHOTS = paths.default_history()" in tagged[0].source
    assert f'figures.setup_notebook("{path.stem}")' in nb.cells[1].source  # charts are named after the notebook


CHART_NAME = re.compile(r'figures\.chart\((?:(?!figures\.chart\().)*?\bname="([a-z0-9-]+)"', re.S)
"""The file name of every chart a notebook draws (``figures.chart(..., name="...")``)."""


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_figure_a_notebook_saves_exists(path):
    nb = load(path)
    sources = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    text = outputs_text(nb)
    # Charts named in the cells, and those a helper names (one verdict board per claim set).
    names = list(dict.fromkeys([*CHART_NAME.findall(sources), *re.findall(rf"saved figures/{path.stem}-([a-z0-9-]+)\.png", text)]))
    assert names, f"{path.name} saves no figure"
    for name in names:
        for ext in ("png", "svg", "csv"):
            assert (paths.SHIPPED_FIGURES / f"{path.stem}-{name}.{ext}").is_file()
        assert f"saved figures/{path.stem}-{name}.png" in text
    for ref in re.findall(r"figures/[a-z0-9-]+\.(?:png|svg)", text + "\n".join(c.source for c in nb.cells)):
        assert (paths.ROOT / ref).is_file(), ref
    assert any("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", [])), "no figure shown inline"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_are_prose_with_one_call_per_idea(path):
    for k, cell in enumerate(load(path).cells):
        if cell.cell_type != "code":
            continue
        assert len(cell.source.splitlines()) <= 8, f"cell {k} has more than 8 lines"
        # Charts only through hubshare.figures: no matplotlib calls or colour values in a notebook.
        assert not re.search(r"\bax\.|\bplt\.|matplotlib|#[0-9A-Fa-f]{6}\b|\bcolou?rs?=", cell.source), f"cell {k} draws by hand"


def test_every_committed_figure_comes_from_a_notebook():
    made = set()
    for path in NOTEBOOKS:
        nb = load(path)
        sources = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        made |= {f"{path.stem}-{n}" for n in CHART_NAME.findall(sources)}
        made |= set(re.findall(r"saved figures/([a-z0-9-]+)\.png", outputs_text(nb)))  # charts a helper names (a board per claim set)
    on_disk = {p.stem for p in paths.SHIPPED_FIGURES.glob("*.png")}
    assert on_disk == made == {p.stem for p in paths.SHIPPED_FIGURES.glob("*.csv")}


@pytest.mark.parametrize("cid,slug", CLAIM_NOTEBOOKS.items())
def test_claim_notebooks_end_with_the_cli_verdict(cid, slug):
    cli = {c["id"]: c for c in json.loads(run_cli("claims", "--json").stdout)}[cid]
    verdict = cli["verdict"] + (", secondary-only" if "secondary-only" in cli["qualifiers"] else "")
    nb = load(paths.NOTEBOOKS / f"{slug}.ipynb")
    last = [c for c in nb.cells if c.cell_type == "code"][-1]
    text = "".join(o.get("text", "") for o in last.outputs)
    line = f'{cid} "{cli["words"]}": {verdict}'
    # A notebook of one claim ends with its verdict; of several, with each of theirs.
    assert text.startswith(line) if list(CLAIM_NOTEBOOKS.values()).count(slug) == 1 else f"{line}\n" in text + "\n"
    assert nb.cells[-2].source.startswith("## Verdict")


def test_overview_shows_every_verdict():
    cli = json.loads(run_cli("claims", "--json").stdout)
    text = outputs_text(load(paths.NOTEBOOKS / "00-overview.ipynb"))
    for c in cli:
        assert c["id"] in text and c["verdict"] in text


def test_readme_tours_every_notebook():
    readme = (paths.ROOT / "README.md").read_text()
    for slug in SERIES:
        assert f"notebooks/{slug}.ipynb" in readme


def test_bad_snapshot_parameter_stops_report_with_one_line(tmp_path):
    before = {p: p.read_bytes() for p in NOTEBOOKS}
    r = subprocess.run([sys.executable, "-m", "hubshare.report"], capture_output=True, text=True, cwd=paths.ROOT,
                       env={**__import__("os").environ, "HUBSHARE_SNAPSHOT": str(tmp_path / "nowhere")}, timeout=120)
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and "HUBSHARE_SNAPSHOT" in r.stderr and "no such directory" in r.stderr
    assert all(p.read_bytes() == b for p, b in before.items())


def test_a_history_folder_without_counts_stops_report_before_any_notebook(tmp_path):
    bad = tmp_path / "not-a-history"
    bad.mkdir()
    (bad / "notes.txt").write_text("no snapshots here")
    r = subprocess.run([sys.executable, "-m", "hubshare.report"], capture_output=True, text=True, cwd=paths.ROOT,
                       env={**__import__("os").environ, "HUBSHARE_SNAPSHOTS": str(bad)}, timeout=120)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "HUBSHARE_SNAPSHOTS" in r.stderr and "all-time" in r.stderr, r.stderr
    assert not (paths.REPORTS / bad.name).exists()  # nothing of a report was written


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_synthetic_outputs_carry_no_published_figure_nor_difference(path):
    text = outputs_text(load(path))
    if "SYNTHETIC" not in text:
        return
    assert "vs published" not in text and "<th>difference</th>" not in text and "<th>published</th>" not in text


def test_html_export_and_index(tmp_path):
    page = report.export_html(paths.NOTEBOOKS / "03-a-billion-downloads.ipynb", tmp_path)
    html = page.read_text()
    assert "nearly 1 billion" in html and "data:image/png;base64" in html
    from hubshare import claims

    results = claims.evaluate()
    index = report.write_index(tmp_path, [page], results, paths.SHIPPED_FIGURES).read_text()
    # The verdict board and the claims table come before the list of notebooks.
    board, table, listed = index.index("00-overview-verdicts.svg"), index.index("<table"), index.index("href='03-a-billion-downloads.html'")
    assert board < table < listed
    assert "does-not-hold" in index and "holds-narrowly, secondary-only" in index
    named = report.write_index(tmp_path, [page], results, paths.SHIPPED_FIGURES, data="Measured on X: a subset of 4,167 models of 2026-02-01.").read_text()
    assert "Measured on X: a subset of 4,167 models" in named and "<th>measured on</th>" in named
    assert "C1: did Qwen have nearly 1 billion cumulative downloads by March 2026?" in index


def test_every_notebook_states_its_question():
    for nb in NOTEBOOKS:
        title, question = report.notebook_question(nb)
        assert title and question.endswith("?"), nb.name


def test_saved_png_is_byte_identical_on_rerun(tmp_path):
    from hubshare import figures

    def draw():
        fig, ax = figures.new()
        figures.hbars(ax, ["Qwen", "Llama"], [3e6, 1e6])
        return figures.save(fig, "99-test", "bars", source="test", folder=tmp_path)

    first = draw().png.read_bytes()
    assert draw().png.read_bytes() == first
    assert b"matplotlib version" not in first


def test_a_failing_cell_is_named(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("1 / 0")]
    path = tmp_path / "98-broken.ipynb"
    nbformat.write(nb, path)
    before = path.read_bytes()
    with pytest.raises(RuntimeError, match=r"98-broken.ipynb: cell 1 failed: ZeroDivisionError"):
        report.execute(path)
    assert path.read_bytes() == before  # a failed run leaves the notebook as it was


def test_history_notebooks_read_hubshare_snapshots(tmp_path):
    """With HUBSHARE_SNAPSHOTS, notebook 10 reads that folder (here: synthetic snapshots saved to
    disk, which it must still call SYNTHETIC, from their manifests)."""
    import shutil

    from hubshare import snapshot, synthetic

    folder = tmp_path / "snaps"
    for s in synthetic.monthly_snapshots(3_000, first="2026-01", last="2026-04", seed=5):
        snapshot.save(s.table, folder / s.label, s.manifest)
    copy = tmp_path / "10-over-time.ipynb"
    shutil.copy(paths.NOTEBOOKS / "10-over-time.ipynb", copy)
    import os

    before = {p: p.read_bytes() for p in paths.SHIPPED_FIGURES.glob("10-*.png")}
    old = dict(os.environ)
    os.environ.update(HUBSHARE_SNAPSHOTS=str(folder), HUBSHARE_FIGURES=str(tmp_path / "figures"))
    try:
        report.execute(copy)
    finally:
        os.environ.clear()
        os.environ.update(old)
    assert {p: p.read_bytes() for p in paths.SHIPPED_FIGURES.glob("10-*.png")} == before  # the committed charts are untouched
    assert (tmp_path / "figures" / "10-over-time-cumulative.png").is_file()
    text = outputs_text(load(copy))
    assert "SYNTHETIC history: 4 snapshots with all-time counts, 2026-01-01 to 2026-04-01" in text
    assert f"synthetic snapshots in {folder}" in text


def test_printed_text_is_one_output_however_the_kernel_split_it():
    import nbformat

    split = [nbformat.v4.new_output("stream", name="stdout", text="a\n"), nbformat.v4.new_output("stream", name="stdout", text="b\n"),
             nbformat.v4.new_output("stream", name="stderr", text="c\n"), nbformat.v4.new_output("stream", name="stderr", text="d\n")]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print()", outputs=split, metadata={"execution": {"iopub.status.busy": "2026-12-03T00:00:00Z"}})])
    cell = report.tidy(nb).cells[0]
    assert [(o["name"], o["text"]) for o in cell.outputs] == [("stdout", "a\nb\n"), ("stderr", "c\nd\n")]
    assert "execution" not in cell.metadata
