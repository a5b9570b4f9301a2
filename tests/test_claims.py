import pytest

from hubshare import claims, published


def by_id(results):
    return {r.claim.id: r for r in results}


def test_verdicts_from_published_figures():
    r = by_id(claims.evaluate())
    assert {"C1", "C2", "C3", "C4"} <= set(r)
    assert (r["C1"].verdict, r["C1"].secondary_only) == ("holds-narrowly", True)
    # The Hub-wide top-50K reading is derived, not secondary: C2's "does not hold" no longer rests on summaries alone.
    assert (r["C2"].verdict, r["C2"].secondary_only) == ("does-not-hold", False)
    top = r["C2"].checks[4]
    assert top.faithful and top.holds is False and top.value == pytest.approx(100 * 350.169629 / 3060)
    assert "11.4%" in top.arithmetic
    assert r["C2"].holds_under == []
    assert r["C2"].notes == ["would hold at 50.3% if only China- and US-based organisations counted"]
    assert "56.4%" in r["C2"].consistency[0] and "46.2%" in r["C2"].consistency[0]
    assert r["C2"].checks[1].value == pytest.approx(100 * 942.1 / 2040)
    assert (r["C3"].verdict, r["C3"].secondary_only) == ("holds", False)
    assert (r["C4"].verdict, r["C4"].secondary_only) == ("holds", False)
    hub = r["C4"].checks[2]
    assert not hub.faithful and hub.holds and hub.value == pytest.approx(350.169629 / (34.758675 + 31.254525))
    assert "66.0M" in hub.arithmetic and any("5.3×" in n and "August 2026" in n for n in r["C4"].notes)
    c2 = r["C2"].checks[0]
    assert c2.value == pytest.approx(100 * 942.1 / 1873)
    assert "50.3%" in c2.arithmetic


def test_verdicts_follow_the_figures():
    figs = published.load()
    figs.loc["atom-qwen-month-2026-02", "number"] = 140.0
    figs.loc["atom-next8-month-2026-02", "number"] = 150.0
    figs.loc["hf-spring-2026-china", "number"] = 60.0
    figs.loc["atom-qwen-cum-2026-03", "number"] = 800.0
    figs.loc["modelpulse-qwen-llm-2026-02", "number"] = 40.0
    r = by_id(claims.evaluate(published=figs))
    assert r["C3"].verdict == "does-not-hold"
    assert r["C4"].verdict == "does-not-hold"  # the December Xinhua comparison is another month: a note, not support
    assert r["C4"].notes and "December 2025" in r["C4"].notes[0]
    assert r["C1"].verdict == "does-not-hold"  # 800M is not "nearly" a billion
    # An upper bound above 50% cannot say Qwen is over 50%: the reading no longer decides either way.
    assert "60% > 50%" in r["C2"].checks[3].arithmetic and r["C2"].checks[3].holds is None
    assert r["C2"].verdict == "does-not-hold" and r["C2"].holds_under == []


def test_an_unfaithful_reading_is_never_support():
    figs = published.load()
    holds = claims.Check("a universe that drops regions", "x", True, ["atom-qwen-cum-2026-03"], unfaithful="drops regions", would="would hold")
    fails = claims.Check("the whole Hub", "y", False, ["eoi-china-share"])
    assert claims.judge([holds, fails], figs)[:2] == ("does-not-hold", [])
    assert claims.judge([holds], figs)[0] == "not-measurable"
    ok = claims.Check("the whole Hub", "y", True, ["eoi-china-share"])
    assert claims.judge([holds, ok], figs)[:2] == ("holds", ["the whole Hub"])


def test_judge_rules():
    figs = published.load()
    mk = lambda h, f="atom-qwen-month-2026-02": claims.Check("u", "a", h, [f])  # noqa: E731
    assert claims.judge([], figs)[0] == "not-measurable"
    assert claims.judge([mk(None)], figs)[0] == "not-measurable"
    assert claims.judge([mk(True), mk(None)], figs)[0] == "holds"
    assert claims.judge([mk(False), mk(False)], figs)[0] == "does-not-hold"
    v, under, secondary = claims.judge([mk(True, "eoi-china-share"), mk(False)], figs)
    assert (v, secondary) == ("holds-narrowly", True)
    assert claims.judge([mk(False, "top50k-total-30d-2026-08")], figs)[2] is False  # derived is not secondary
    assert claims.judge([mk(False, "eoi-china-share")], figs)[2] is True


def test_measured_on_the_sample(sample):
    r = by_id(claims.evaluate(sample))
    assert r["C1"].measured.value is None and "not measurable" in r["C1"].measured.text
    c2 = r["C2"].measured
    # The reading closest to the words ("global": all models) first, the other universes beside it.
    assert c2.definition.key == "all-uploader-30d" and c2.snapshot_date == "2026-05-16"
    assert c2.text.startswith("Qwen's share: 25.4% of all models'") and "language models 67.9%" in c2.text
    assert 0 < c2.value < 100 and len(c2.alternatives) == 6
    assert "not a census" in c2.note
    c3 = r["C3"].measured
    assert c3.value == 348_057_127 and c3.holds is None and "not a calendar month" in c3.note
    c4 = r["C4"].measured
    assert c4.holds is True and "28.1M" in c4.text and "17.1M" in c4.text and "beside it, by lineage" in c4.text
    row = claims.table(claims.evaluate(sample))
    assert list(row["claim"])[:4] == ["C1", "C2", "C3", "C4"]


def test_share_checks_chart_marks_unfaithful_and_upper_bounds():
    from hubshare import figures

    c2 = by_id(claims.evaluate())["C2"]
    fig, ax = figures.new()
    figures.share_checks(ax, c2)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["published, not a faithful reading of the claim", "published: not over 50%", "published upper bound: not over 50%"]
    assert len(ax.patches) == len(c2.checks)
