import re

import pytest

from hubshare import paths, published
from hubshare.errors import ReferenceDataError

REFERENCE_IDS = {
    "atom-qwen-cum-2026-03", "atom-qwen-overtakes-llama", "atom-qwen-derivative-share-2024-01",
    "atom-qwen-derivative-share-2026-02", "atom-china-cum-2026-03", "atom-us-cum-2026-03",
    "atom-qwen-month-2026-02", "atom-next8-month-2026-02", "atom-deepseek-share-250b",
    "atom-tracked-total-2026-01", "atom-tracked-1to9b-2026-01", "atom-us-leading-2025-08",
    "atom-china-leading-2025-08", "atom-qwen-derivatives-2025-08", "xinhua-qwen-cum-2026-01",
    "xinhua-qwen-overtakes-llama", "xinhua-qwen-dec-2025", "xinhua-qwen-derivatives", "alibaba-qwen-cum-1b",
    "eoi-models", "eoi-downloads", "eoi-china-share", "eoi-us-share", "eoi-intl-share",
    "hf-spring-2026-top200", "hf-spring-2026-china", "hf-spring-2026-models", "modelpulse-qwen3-8b-derivatives",
    "atom-tracked-total-2026-03", "atom-qwen-cum-2025-09", "atom-china-cum-2025-03",
    "top50k-qwen-30d-2026-08", "top50k-total-30d-2026-08", "top50k-llama-30d-2026-08", "top50k-deepseek-30d-2026-08",
}


def test_every_reference_figure_is_present_and_valid():
    figs = published.load()
    assert set(figs.index) == REFERENCE_IDS
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
