import re

import pytest

from hubshare import claims, paths, published
from hubshare.errors import ReferenceDataError


def test_every_reference_figure_is_present_and_valid():
    figs = published.load()
    named = {f for c in claims.load() for f in c.figure_ids}
    assert named <= set(figs.index)  # every figure a claim file names is in the table
    assert len(figs) == len(paths.PUBLISHED_CSV.read_text(encoding="utf-8").splitlines()) - 1
    assert figs.loc["atom-qwen-month-2026-02", "number"] == 153.6
    assert figs.loc["atom-qwen-month-2026-02", "kind"] == "primary"
    assert figs.loc["atom-qwen-cum-2026-03", "kind"] == "secondary"
    assert figs.loc["top50k-qwen-30d-2026-08", "kind"] == "derived"
    assert figs.loc["atom-tracked-total-2026-01", "bound"] == "approx"
    assert figs.loc["alibaba-qwen-cum-1b", "bound"] == "lower"
    assert "more than" in published.cite(figs, "alibaba-qwen-cum-1b")


@pytest.mark.parametrize("old,new,expected", [
    (",primary,exact", ",tertiary,exact", "kind"),
    (",primary,exact", ",primary,roughly", "bound"),
    ("153.6,million downloads", "lots,million downloads", "not a number"),
    ("153.6,million downloads", "-153.6,million downloads", "negative"),
    (",2026-02,Qwen downloads in February", ",Feb 2026,Qwen downloads in February", "as_of"),
])
def test_bad_figures_are_rejected(tmp_path, old, new, expected):
    text = paths.PUBLISHED_CSV.read_text()
    assert old in text
    bad = tmp_path / "figures.csv"
    bad.write_text(text.replace(old, new, 1))
    with pytest.raises(ReferenceDataError, match=expected):
        published.load(bad)


def test_duplicate_id_rejected(tmp_path):
    lines = paths.PUBLISHED_CSV.read_text().splitlines()
    bad = tmp_path / "figures.csv"
    bad.write_text("\n".join(lines + [lines[1]]) + "\n")
    with pytest.raises(ReferenceDataError, match=re.escape("'id' repeats")):
        published.load(bad)
