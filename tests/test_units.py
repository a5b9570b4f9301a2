"""Small pieces every output relies on: number formats, chart footnotes, URLs in messages,
the exercise checks."""

import math

import pandas as pd
import pytest

from hubshare import exercises, figures, fmt, metrics
from hubshare.ingest import refresh


@pytest.mark.parametrize("value, text", [
    (153_600_000, "153.6M"), (1_370_896_679, "1.37B"), (942_100, "942.1k"), (950, "950"), (0, "0"),
    (-2_500_000, "-2.5M"), (None, "n/a"), (math.nan, "n/a"), (pd.NA, "n/a"),
])
def test_count(value, text):
    assert fmt.count(value) == text


def test_tick_drops_trailing_zeros_only():
    assert [fmt.tick(v) for v in (50e6, 1.5e6, 2e9, 0, 1250)] == ["50M", "1.5M", "2B", "0", "1.2k"]


def test_millions_and_percent():
    assert (fmt.millions(942.1), fmt.millions(1150), fmt.millions(2040.0)) == ("942.1M", "1,150M", "2,040M")
    assert (fmt.percent(0.503), fmt.percent(0.5, 0), fmt.percent(None), fmt.percent(pd.NA)) == ("50.3%", "50%", "n/a", "n/a")


def test_footnote_names_source_snapshot_period_and_definition(sample):
    text = figures.footnote_text("the Hub", sample, metrics.PRESETS["all-uploader-30d"], period="February 2026")
    assert text.startswith("Source: the Hub. Snapshot: 2026-05-16-trending-sample, 2026-05-16 (a sample, not a census).")
    assert "Period: February 2026." in text and "Definition: all models" in text
    assert figures.footnote_text("x", synthetic=True).startswith("SYNTHETIC DATA")
    assert "SYNTHETIC" not in figures.footnote_text("x", "2026-02-01") and "Snapshot: 2026-02-01." in figures.footnote_text("x", "2026-02-01")


@pytest.mark.parametrize("url, clean", [
    ("https://user:hf_secret@huggingface.co/api/models?limit=5", "https://huggingface.co/api/models?limit=5"),
    ("http://hf_secret@127.0.0.1:8080/api/models", "http://127.0.0.1:8080/api/models"),
    ("https://huggingface.co/api/models", "https://huggingface.co/api/models"),
])
def test_urls_in_messages_carry_no_credentials(url, clean):
    assert refresh.public_endpoint(url) == clean


def test_exercise_checks_answer_right_and_wrong(sample):
    right = exercises.gguf_share(sample)
    assert exercises.check(1, right, sample).startswith("Exercise 1: right")
    assert "too high" in exercises.check(1, right + 0.05, sample)
    assert "too low" in exercises.check(1, max(0.0, right - 0.05), sample)
    assert "above 1" in exercises.check(2, 25, sample)
    assert "not 'a lot'" in exercises.check(3, "a lot", sample)
    assert exercises.check(3, None, sample) == "Exercise 3: not answered yet."


def test_the_gguf_exercise_falls_back_on_the_library_without_tags(tmp_path):
    from hubshare import exercises, snapshot

    from conftest import make_snapshot

    records = [{"id": "u/a-GGUF", "downloads_30d": 30, "library_name": "gguf", "tags": None},
               {"id": "u/b", "downloads_30d": 70, "library_name": "transformers", "tags": None}]
    snap = snapshot.load(make_snapshot(tmp_path / "s", records))
    assert not exercises.has_tags(snap) and exercises.gguf_share(snap) == 0.3
    assert "counted by library_name alone" in exercises.check(1, 0.3, snap)


@pytest.mark.parametrize("columns", [
    {"rank": ["1", "2", ""], "name": ["Qwen", "gpt-oss", "no family"], "downloads": ["2.11B", "409.2M", "18.34B"], "models": [1285, 187, 2495834]},
    {"name": ["a"], "share": ["100.0%"], "models": [25]},
    {"models": [1, 12345678], "name": ["a", "b"]},
    {"models": [-5, 3], "text": ["1", "22"]},
    {"rank": ["", ""], "name": ["", "x y"]},
])
def test_text_table_is_laid_out_as_pandas_lays_out_a_frame_of_text(columns):
    # ``hubshare shares`` prints without pandas: its table must read as the frames the other commands print.
    assert fmt.text_table(columns) == pd.DataFrame(columns).to_string(index=False)
    assert fmt.text_table({"name": [], "downloads": []}) == "name downloads"  # where pandas says "Empty DataFrame"
