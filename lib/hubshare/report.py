"""``make report``: execute every notebook in order, write figures and an HTML export.

``python -m hubshare.report`` runs each ``notebooks/NN-slug.ipynb`` in place with nbclient (the
outputs are saved back into the notebook), exports each to ``reports/NN-slug.html``, writes the
claims table to ``reports/claims.txt`` and ``reports/claims.json``, and an index page
``reports/index.html``. A failing cell stops the run with the notebook and cell named.

``HUBSHARE_SNAPSHOT`` (a snapshot) and ``HUBSHARE_SNAPSHOTS`` (a folder of snapshots, the history)
select other data. Then nothing in the repository changes: executed copies of the notebooks,
their charts and the HTML report go to ``reports/LABEL/``.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

from . import paths

NOTEBOOK_NAME = re.compile(r"^\d\d-[a-z0-9-]+\.ipynb$")


def notebooks(folder: Path | None = None) -> list[Path]:
    """The series' notebooks in order (``NN-slug.ipynb``)."""
    folder = folder or paths.NOTEBOOKS
    return sorted(p for p in folder.glob("*.ipynb") if NOTEBOOK_NAME.match(p.name))


def execute(path: Path, timeout: int = 600) -> None:
    """Run one notebook top to bottom in place, with the notebooks folder as working directory."""
    import nbclient
    import nbformat

    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
        # The kernel runs on this machine only; its warning about unencrypted local TCP is noise here.
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
    )
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as exc:
        index = next(
            (i for i, c in enumerate(nb.cells) if any(o.get("output_type") == "error" for o in c.get("outputs", []))),
            None,
        )
        ename = getattr(exc, "ename", "error")
        evalue = getattr(exc, "evalue", "")
        raise RuntimeError(f"{path.name}: cell {index} failed: {ename}: {evalue}") from None
    nbformat.write(tidy(nb), path)


def tidy(nb):
    """An executed notebook as it is committed: no run-specific metadata (it would change on
    every run), and adjacent outputs of one stream merged (how a kernel splits printed text into
    messages depends on timing; nbconvert's ``CoalesceStreamsPreprocessor``)."""
    from nbconvert.preprocessors import CoalesceStreamsPreprocessor

    for cell in nb.cells:
        cell.get("metadata", {}).pop("execution", None)
    nb, _ = CoalesceStreamsPreprocessor().preprocess(nb, {})
    return nb


def run_all(series: list[Path], workers: int | None = None) -> list[tuple[Path, float]]:
    """Execute notebooks, as many at once as there are cores (each has its own kernel process);
    returns each notebook with its seconds, in order. The first failure stops the run. The last
    notebooks of the series, which read the most, start first."""
    from concurrent.futures import ThreadPoolExecutor

    def one(nb: Path) -> tuple[Path, float]:
        start = time.perf_counter()
        execute(nb)
        return nb, time.perf_counter() - start

    with ThreadPoolExecutor(max_workers=workers or max(1, min(len(series), os.cpu_count() or 1))) as pool:
        futures = {nb: pool.submit(one, nb) for nb in reversed(series)}
        return [futures[nb].result() for nb in series]


SAVED = re.compile(r"saved (\S+?)\.png, \.svg and \.csv \(the numbers drawn\)")
"""How a chart's files are named in a notebook's output (``figures.Saved``)."""


def export_html(path: Path, out_dir: Path) -> Path:
    """``out_dir/NN-slug.html``: the executed notebook, each chart's line of files turned into
    links to its PNG, SVG and CSV."""
    import nbconvert
    import nbformat

    nb = nbformat.read(path, as_version=4)
    body, _ = nbconvert.HTMLExporter().from_notebook_node(nb)
    out = out_dir / (path.stem + ".html")
    out.write_text(link_charts(body, out_dir), encoding="utf-8")
    return out


def link_charts(body: str, out_dir: Path) -> str:
    """Each ``saved figures/NAME.png, .svg and .csv`` line of an HTML page as three links."""
    def links(m: re.Match) -> str:
        base = os.path.relpath(paths.ROOT / m.group(1), out_dir)
        name = html.escape(Path(m.group(1)).name)
        return (f"chart {name}: <a href='{html.escape(base)}.png'>PNG</a>, <a href='{html.escape(base)}.svg'>SVG</a>, "
                f"<a href='{html.escape(base)}.csv'>the numbers drawn (CSV)</a>")

    return SAVED.sub(links, body)


def data_line(snap, hist=None) -> str:
    """The data a report measures, in one line: the snapshot (what it covers) and the history.

    >>> from hubshare import snapshot
    >>> data_line(snapshot.load(paths.SAMPLE_SNAPSHOT))[:72]
    'Measured on 2026-05-16-trending-sample: a sample of 1,000 models of 2026'
    """
    what = {"synthetic": "a synthetic snapshot"}.get(snap.coverage, f"a {snap.coverage}")
    line = f"Measured on {snap.label}: {what} of {len(snap):,} models of {snap.date}"
    if hist is not None:
        line += f"; {hist.describe().splitlines()[0]}"
    else:
        line += "; history: the seeded SYNTHETIC one of hubshare.synthetic (notebooks 03, 05, 06, 10, 11)"
    return line + "."


def write_claims(out_dir: Path, hist=None) -> list:
    """``claims.json`` and ``claims.txt`` in ``out_dir``; returns the results."""
    from . import claims, snapshot

    snap = snapshot.load(paths.default_snapshot())
    results = claims.evaluate(snap, hist=hist)
    (out_dir / "claims.json").write_text(json.dumps([r.to_dict() for r in results], indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    (out_dir / "claims.txt").write_text(claims.table(results).to_string(index=False) + "\n", encoding="utf-8")
    return results


STYLE = (
    "body{font-family:sans-serif;max-width:64em;margin:2em auto;padding:0 1em;line-height:1.5;color:#222}"
    "img{width:100%}table{border-collapse:collapse;font-size:0.9em}"
    "th,td{border-bottom:1px solid #ccc;padding:0.35em 0.6em;text-align:left;vertical-align:top}"
    "th{background:#f2f2f2}dt{font-weight:bold;margin-top:0.6em}dd{margin-left:1.5em}"
)


def notebook_question(path: Path) -> tuple[str, str]:
    """A notebook's title (its first ``#`` heading) and the question it answers (its metadata
    ``hubshare.question``; empty when it has none)."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    title = next((line.lstrip("# ").strip() for c in nb.cells if c.cell_type == "markdown"
                  for line in c.source.splitlines() if line.startswith("# ")), path.stem)
    return title, nb.metadata.get("hubshare", {}).get("question", "")


def write_index(out_dir: Path, pages: list[Path], results: list, figures_dir: Path, notebooks_dir: Path | None = None,
                data: str = "") -> Path:
    """``index.html``: for each claim set (the claims of one source), its verdict board and its
    claims table; then every notebook with the question it answers."""
    from . import claims, figures

    esc = html.escape
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>hubshare report</title>",
             f"<style>{STYLE}</style></head><body><h1>Claims about open-model downloads on the Hugging Face Hub, checked</h1>",
             f"<p><strong>{esc(data)}</strong></p>" if data else "",
             f"<p>{len(results)} claims from {len(figures.board_names(results))} sources, each a file in <code>data/claims/</code>, "
             "judged against the published figures of <code>data/published/figures.csv</code>. A verdict counts faithful readings "
             "only: <em>holds</em> under every one, <em>holds-narrowly</em> under some, <em>does-not-hold</em> under none; "
             "<em>secondary-only</em> when its support is someone else's summary of a source.</p>"]
    for name, group in figures.board_names(results):
        whose = group[0].claim.whose
        title = esc(whose.text[:1].upper() + whose.text[1:])
        head = f"<a href='{esc(whose.url)}'>{title}</a>" if whose.url else title
        parts.append(f"<h2>{head}</h2>")
        board = figures_dir / f"00-overview-{name}.svg"
        if board.exists():
            rel = os.path.relpath(board, out_dir)
            parts.append(f"<p><img src='{esc(rel)}' alt='Verdict board: each claim of this source under every reading the published figures allow'></p>")
            parts.append(f"<p>The board's numbers: <a href='{esc(rel.removesuffix('.svg'))}.csv'>{esc(board.stem)}.csv</a>.</p>")
        parts.append(claims.table(group).drop(columns=["whose"]).to_html(index=False, border=0, escape=True, na_rep=""))
    parts.append("<p>Also as <a href='claims.txt'>claims.txt</a> and <a href='claims.json'>claims.json</a>.</p><h2>Notebooks</h2><dl>")
    for p in pages:
        title, question = notebook_question((notebooks_dir or paths.NOTEBOOKS) / (p.stem + ".ipynb"))
        parts.append(f"<dt><a href='{esc(p.name)}'>{esc(p.stem[:2])} · {esc(title)}</a></dt>" + (f"<dd>{esc(question)}</dd>" if question else ""))
    parts.append("</dl></body></html>\n")
    out = out_dir / "index.html"
    out.write_text("".join(parts), encoding="utf-8")
    return out


def _other_data() -> tuple[str | None, object]:
    """The label of a report on data other than the shipped data (None for the shipped data) and
    the history it reads; a bad snapshot or folder raises before any notebook runs."""
    from . import history, snapshot

    snap = snapshot.load(paths.default_snapshot())
    folder = paths.default_history()
    hist = history.History.from_folder(folder, required=True) if folder is not None else None
    parts = [snap.label if os.environ.get("HUBSHARE_SNAPSHOT") else "", folder.resolve().name if folder is not None else ""]
    label = "-".join(p for p in parts if p) or None
    return label, hist


def main() -> int:
    """``make report``: run every notebook, write the claims table, the charts and the HTML report; its exit
    code."""
    try:
        label, hist = _other_data()
    except Exception as exc:
        names = [n for n in ("HUBSHARE_SNAPSHOT", "HUBSHARE_SNAPSHOTS") if os.environ.get(n)]
        print(f"error{' (' + ', '.join(names) + ')' if names else ''}: {exc}", file=sys.stderr)
        return 1
    out_dir = paths.REPORTS / label if label else paths.REPORTS
    out_dir.mkdir(parents=True, exist_ok=True)
    figures_dir = out_dir / "figures" if label else paths.FIGURES
    if label:  # the kernels inherit this: charts of other data stay out of figures/
        os.environ["HUBSHARE_FIGURES"] = str(figures_dir)
    figures_dir.mkdir(parents=True, exist_ok=True)
    try:
        results = write_claims(out_dir, hist)
        series = notebooks()
        if label:
            (out_dir / "notebooks").mkdir(exist_ok=True)
            series = [Path(shutil.copy(nb, out_dir / "notebooks" / nb.name)) for nb in series]
        for nb, secs in run_all(series):
            print(f"  ran {nb.name} in {secs:.1f} s")
        from . import snapshot

        index = write_index(out_dir, [export_html(nb, out_dir) for nb in series], results, figures_dir, series[0].parent if series else None,
                            data=data_line(snapshot.load(paths.default_snapshot()), hist))
    except Exception as exc:  # one line for the user; the notebook and cell are named
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"claims table: {paths.relative(out_dir / 'claims.txt')}")
    print(f"figures:      {paths.relative(figures_dir)}/")
    print(f"HTML report:  {paths.relative(index)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
