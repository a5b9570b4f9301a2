"""``make report``: execute every notebook in order, write figures and an HTML export.

``python -m hubshare.report`` runs each ``notebooks/NN-slug.ipynb`` in place with nbclient (the
outputs are saved back into the notebook), exports each to ``reports/NN-slug.html``, writes the
claims table to ``reports/claims.txt`` and ``reports/claims.json``, and an index page
``reports/index.html``. A failing cell stops the run with the notebook and cell named.
``HUBSHARE_SNAPSHOT`` selects the snapshot every notebook reads.
"""

from __future__ import annotations

import html
import json
import os
import re
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
    for cell in nb.cells:  # run-specific metadata would change on every run
        cell.get("metadata", {}).pop("execution", None)
    nbformat.write(nb, path)


def export_html(path: Path, out_dir: Path) -> Path:
    import nbconvert
    import nbformat

    nb = nbformat.read(path, as_version=4)
    body, _ = nbconvert.HTMLExporter().from_notebook_node(nb)
    out = out_dir / (path.stem + ".html")
    out.write_text(body, encoding="utf-8")
    return out


def write_claims(out_dir: Path) -> None:
    from . import claims, snapshot

    snap = snapshot.load(paths.default_snapshot())
    results = claims.evaluate(snap)
    (out_dir / "claims.json").write_text(json.dumps([r.to_dict() for r in results], indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    (out_dir / "claims.txt").write_text(claims.table(results).to_string(index=False) + "\n", encoding="utf-8")


def write_index(out_dir: Path, pages: list[Path]) -> Path:
    items = []
    for p in pages:
        import nbformat

        nb = nbformat.read(paths.NOTEBOOKS / (p.stem + ".ipynb"), as_version=4)
        title = next((line.lstrip("# ").strip() for c in nb.cells if c.cell_type == "markdown" for line in c.source.splitlines() if line.startswith("# ")), p.stem)
        items.append(f'<li><a href="{html.escape(p.name)}">{html.escape(p.stem[:2])} · {html.escape(title)}</a></li>')
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>hubshare report</title>"
        "<style>body{font-family:sans-serif;max-width:44em;margin:2em auto;line-height:1.5}</style></head><body>"
        "<h1>hubshare report</h1><p>Notebooks executed by <code>make report</code>. Claims table: "
        "<a href='claims.txt'>claims.txt</a>, <a href='claims.json'>claims.json</a>.</p><ol>"
        + "".join(items)
        + "</ol></body></html>\n"
    )
    out = out_dir / "index.html"
    out.write_text(page, encoding="utf-8")
    return out


def main() -> int:
    out_dir = paths.REPORTS
    out_dir.mkdir(parents=True, exist_ok=True)
    paths.FIGURES.mkdir(parents=True, exist_ok=True)
    try:
        from . import snapshot

        snapshot.load(paths.default_snapshot())  # a bad HUBSHARE_SNAPSHOT stops here, before any notebook is touched
        write_claims(out_dir)
        pages = []
        for nb in notebooks():
            start = time.perf_counter()
            execute(nb)
            pages.append(export_html(nb, out_dir))
            print(f"  ran {nb.name} in {time.perf_counter() - start:.1f} s")
        index = write_index(out_dir, pages)
    except Exception as exc:  # one line for the user; the notebook and cell are named
        where = " (HUBSHARE_SNAPSHOT)" if os.environ.get("HUBSHARE_SNAPSHOT") and "Snapshot" in type(exc).__name__ else ""
        print(f"error{where}: {exc}", file=sys.stderr)
        return 1
    print(f"claims table: {paths.relative(out_dir / 'claims.txt')}")
    print(f"figures:      {paths.relative(paths.FIGURES)}/")
    print(f"HTML report:  {paths.relative(index)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
