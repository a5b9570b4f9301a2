"""Claims as files: the engine gives what the per-claim code gave, files written from the README
are checked, bad files get one line each, and a history imports what the claims' periods need."""

import json

import pandas as pd
import pytest
from test_history import day, folder

from hubshare import claims, history, paths, published, snapshot
from hubshare.claims import compare, formula
from hubshare.errors import ClaimFileError

from conftest import make_snapshot, run_cli

GOLDEN = paths.ROOT / "tests" / "golden" / "claims-c1-c4.json"
"""C1–C4 as the per-claim functions of ``claims.py`` gave them, captured before the claim files
replaced them (on the published figures, the shipped sample and the seeded synthetic history)."""
ARTICLE = ("C1", "C2", "C3", "C4")
LATER = ("modelpulse-",)
"""Figures added with the claim files: readings that rest on them are additions, not changes."""


@pytest.fixture(scope="module")
def before():
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def after(before):
    snap = snapshot.load(paths.SAMPLE_SNAPSHOT)
    hist = history.default()
    out = {}
    for name, kw in {"published": {}, "snapshot": {"snap": snap}, "history": {"hist": hist}}.items():
        out[name] = {r.claim.id: r for r in claims.evaluate(only=ARTICLE, **kw)}
    return out


def _same(a, b):
    if isinstance(a, float) and isinstance(b, (int, float)):
        return b == pytest.approx(a, rel=1e-12)
    if isinstance(a, dict):
        return all(_same(v, b.get(k)) for k, v in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


@pytest.mark.parametrize("scenario", ["published", "snapshot", "history"])
@pytest.mark.parametrize("cid", ARTICLE)
def test_the_article_claims_from_files_are_what_the_code_gave(before, after, scenario, cid):
    old = next(r for r in before[scenario] if r["id"] == cid)
    new = after[scenario][cid].to_dict()
    for key in ("verdict", "qualifiers", "notes", "whose", "constraints", "words", "statement"):
        assert new[key] == old[key], key
    assert new["published"]["consistency"] == old["published"]["consistency"]
    checks = new["published"]["checks"]
    assert _same(old["published"]["checks"], checks[:len(old["published"]["checks"])])
    # What was added rests on the figures added with the files (Model Pulse's Hub-wide months).
    for extra in checks[len(old["published"]["checks"]):]:
        assert any(f.startswith(LATER) for f in extra["figure_ids"]), extra
    assert new["holds_under"][:len(old["holds_under"])] == old["holds_under"]
    if scenario == "snapshot":
        for key in ("text", "value", "unit", "holds", "note", "definition", "snapshot"):
            assert _same(old["measured"][key], new["measured"][key]), key
    if scenario == "history":
        # The history is synthetic: its lines are what they were, bar the published value set beside
        # them, which synthetic data no longer carries (nor a difference from it).
        for was, now in zip(old["history"], new["history"], strict=True):
            assert _same({k: v for k, v in was.items() if k not in ("figure_value", "difference")}, now)
            assert now["synthetic"] and now["figure_value"] is None and now["difference"] is None
        assert new["measured"] is not None and new["measured"]["definition"] is not None  # measured in the claim's own period


def test_the_history_table_is_what_the_code_gave_bar_the_published_column(before, after):
    rows = claims.history_table(list(after["history"].values())).to_dict(orient="records")
    assert len(rows) == len(before["history_table"])
    for was, now in zip(before["history_table"], rows):
        assert {k: v for k, v in was.items() if k not in ("published", "difference")} == {k: v for k, v in now.items() if k != "a real history sets it beside"}
        assert "published" not in now and "difference" not in now  # synthetic: never beside a real figure


def test_synthetic_data_is_never_set_beside_a_real_figure(after):
    c1 = after["history"]["C1"]
    assert all(f.synthetic and "vs published" not in f.text and "a real history sets it beside atom-qwen-cum-2026-03" in f.text
               for f in c1.from_history)
    assert c1.measured.text.startswith("SYNTHETIC: ") and c1.measured.holds is None
    from hubshare import figures

    fig, ax = figures.new()
    figures.cumulative_lines(ax, pd.DataFrame({"Qwen": [1.0, 2.0]}, index=["2026-01", "2026-02"]), [("2026-02", 2.0, "Qwen, ATOM")],
                             [("2026-01", "passes")], synthetic=True)
    assert not ax.lines[1:] or all(line.get_marker() != "D" for line in ax.lines)
    assert ax.get_xlabel() == figures.SYNTHETIC_NOTE


def test_every_shipped_claim_reads_and_names_its_notebook():
    found = claims.load()
    assert len({c.id for c in found}) == len(found) == len(list(paths.CLAIMS.glob("*.toml")))
    for c in found:
        assert c.notebook and (paths.NOTEBOOKS / f"{c.notebook}.ipynb").is_file(), c.id
        assert set(c.figure_ids) <= set(published.load().index)


NEWSLETTER = """\
id = "N1"
statement = "Qwen had more downloads than Llama in March 2026"
words = "more downloads than Llama in March 2026"
constraints = ["in March 2026: the calendar month, 1 March 00:00 UTC to 1 April 00:00 UTC"]

[whose]
who = "a newsletter"
when = "October 2026"
title = "Issue 42: who downloads what"

[measure]
metric = "month"
period = "2026-03"
universe = "all"
attribution = "uploader"
by = "family"
subject = "Qwen"
test = "more-than"
against = ["Llama"]
"""


def test_the_readme_example_is_the_claim_checked_here():
    readme = (paths.CLAIMS / "README.md").read_text(encoding="utf-8")
    example = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    lines = [x.split("#")[0].rstrip() for x in example.splitlines() if not x.startswith("#") and not x.startswith("url")]
    assert [x for x in lines if x] == [x for x in NEWSLETTER.splitlines() if x]


@pytest.fixture
def newsletter(tmp_path):
    p = tmp_path / "n1.toml"
    p.write_text(NEWSLETTER, encoding="utf-8")
    return p


@pytest.fixture
def march(tmp_path):
    return folder(tmp_path, {
        "2026-03-01T02:00:00Z": day({"Qwen/Qwen3-8B": 100, "meta-llama/Llama-3.1-8B": 50, "x/other": 10}),
        "2026-04-01T01:00:00Z": day({"Qwen/Qwen3-8B": 400, "meta-llama/Llama-3.1-8B": 150, "x/other": 20}),
    })


def test_a_readers_claim_on_a_history_and_a_snapshot(newsletter, march, tmp_path):
    r = run_cli("claims", "--file", str(newsletter), "--snapshots", str(march), "--json")
    assert r.returncode == 0, r.stderr
    (n1,) = json.loads(r.stdout)
    assert n1["id"] == "N1" and n1["verdict"] == "not-measurable"  # no published figure: nothing to judge
    m = n1["measured"]
    assert m["value"] == pytest.approx(300 / 100) and m["holds"] is True and m["definition"]["universe"] == "all"
    assert n1["history"][0]["value"] == pytest.approx(3.0) and "Qwen 300" in n1["history"][0]["note"]
    snap = make_snapshot(tmp_path / "one", [{"id": "Qwen/Qwen3-8B", "downloads_30d": 40, "downloads_all_time": 400},
                                            {"id": "meta-llama/Llama-3.1-8B", "downloads_30d": 60, "downloads_all_time": 150}])
    r = run_cli("claims", "--file", str(newsletter), "--snapshot", str(snap), "--json")
    m = json.loads(r.stdout)[0]["measured"]
    assert m["value"] == pytest.approx(40 / 60) and m["holds"] is False and m["definition"]["key"] == "all-uploader-30d"
    assert "30-day window" in m["note"]
    text = run_cli("claims", "--file", str(newsletter), "--snapshots", str(march)).stdout
    assert 'N1  "more downloads than Llama in March 2026"  (a newsletter, "Issue 42: who downloads what" (October 2026))' in text
    assert "Qwen ÷ Llama (March 2026; all × uploader): 3.00×" in text


@pytest.mark.parametrize("change,key,allowed", [
    (("test = \"more-than\"", "test = \"bigger-than\""), "measure.test", "allowed: share-over, more-than, at-least, nearly, about"),
    (("subject = \"Qwen\"\n", ""), "measure.subject", "missing"),
    (("subject = \"Qwen\"", "subject = 7"), "measure.subject", "allowed: text"),
    (("against = [\"Llama\"]", "against = [\"Lama\"]"), "measure.against", "'Lama' is not a family; allowed (by = \"family\"): Qwen, Llama"),
    (("period = \"2026-03\"", "period = \"March 2026\""), "measure.period", "'March 2026' does not parse: metric 'month' takes a month YYYY-MM"),
    (("period = \"2026-03\"", "period = \"2026-13\""), "measure.period", "does not parse"),
    (("[whose]", "[whose]\nwhere = \"x\""), "whose.where", "unknown key"),
    (("title = \"Issue 42: who downloads what\"\n", ""), "whose", "give 'title', or 'untitled' saying why there is none"),
    (("id = \"B1\"", "id = \"B 1\""), "id", "allowed: letters, digits and hyphens"),
    (("universe = \"all\"", "universe = [\"not a repo\"]"), "measure.universe", "is not a repo id"),
])
def test_a_bad_claim_file_is_one_line_and_the_rest_is_checked(newsletter, tmp_path, change, key, allowed):
    bad = tmp_path / "bad.toml"
    bad.write_text(NEWSLETTER.replace('id = "N1"', 'id = "B1"').replace(*change), encoding="utf-8")
    r = run_cli("claims", "--file", str(bad), "--file", str(newsletter), "--json")
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and r.stderr.startswith(f"error: {bad}: {key}: ") and allowed in r.stderr, r.stderr
    assert [c["id"] for c in json.loads(r.stdout)] == ["N1"]  # the good file is still checked


def test_a_claim_file_that_is_not_toml_or_names_an_unknown_figure(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("id = \n", encoding="utf-8")
    with pytest.raises(ClaimFileError, match=r"broken.toml: not TOML"):
        claims.read(broken)
    unknown = tmp_path / "unknown.toml"
    unknown.write_text(NEWSLETTER + '\n[figures]\nq = "no-such-figure"\n', encoding="utf-8")
    with pytest.raises(ClaimFileError, match=r"figures.q: 'no-such-figure' is not a figure of data/published/figures.csv"):
        claims.read(unknown)
    empty = tmp_path / "empty"
    empty.mkdir()
    r = run_cli("claims", "--file", str(empty))
    assert r.returncode == 2 and "no claim files (*.toml) in this folder" in r.stderr


def test_a_reading_names_only_what_the_file_defines(newsletter, tmp_path):
    text = NEWSLETTER.replace("[whose]", '[figures]\nq = "atom-qwen-month-2026-02"\n\n[[reading]]\nuniverse = "u"\nvalue = "q / rest"\n'
                              'unit = "ratio"\narithmetic = "{q:M}"\n\n[whose]')
    p = tmp_path / "r.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ClaimFileError, match=r"reading\[0\].value: names 'rest', which is not defined; allowed: q"):
        claims.read(p)
    p.write_text(text.replace('"q / rest"', '"q.__class__"'), encoding="utf-8")
    with pytest.raises(ClaimFileError, match="Attribute, which a claim's arithmetic does not allow"):
        claims.read(p)
    p.write_text(text.replace('"q / rest"', '"open(q)"'), encoding="utf-8")
    with pytest.raises(ClaimFileError, match="calls what is not allowed"):
        claims.read(p)


def test_needs_follow_the_claims_periods():
    stamps = lambda ids: [t.strftime("%Y-%m-%d") for t in claims.needs([claims.get(i) for i in ids])]  # noqa: E731
    assert stamps(["C3"]) == ["2026-02-01", "2026-03-01"]
    assert stamps(["C1"]) == ["2026-04-01"]  # all-time at the end of March
    assert stamps(["S1"]) == [f"2026-{m:02d}-01" for m in range(1, 10)]
    assert stamps(["X1"]) == ["2025-12-01", "2026-01-01"]


def test_tests_read_bounds_as_bounds():
    assert compare.holds("nearly", 0.95e9, 1e9) and not compare.holds("nearly", 1e9, 1e9)
    assert compare.holds("nearly", 1e9, 1e9, bound="lower") is False  # at least 1 billion: not "nearly"
    assert compare.holds("nearly", 0.95e9, 1e9, bound="lower") is None
    assert compare.holds("share-over", 0.6, 0.5, bound="lower") is True
    assert compare.holds("share-over", 0.6, 0.5, bound="upper") is None and compare.holds("share-over", 0.4, 0.5, bound="upper") is False
    assert compare.holds("about", 2.15, 2.0) and not compare.holds("about", 2.25, 2.0)
    assert compare.holds("more-than", 2.1, 2.0) and not compare.holds("more-than", 1.0, None)


def test_templates_format_and_refuse():
    names = {"q": formula.Figure("atom-qwen-cum-2026-03", 942.1, "2026-03", "942.1", "exact")}
    assert formula.render("{q:M} ({as_of(q)}) {q / 10:.1f}%", names) == "942.1M (2026-03) 94.2%"
    with pytest.raises(formula.FormulaError, match="divides by zero"):
        formula.render("{q / 0}", names)
    with pytest.raises(formula.FormulaError, match="format"):
        formula.render("{as_of(q):.1f}", names)


def test_concentration_on_a_census_snapshot(tmp_path):
    rows = [{"id": f"o/m{k}", "downloads_30d": 0, "downloads_all_time": v} for k, v in enumerate([10_000] + [100] * 99)]
    snap = snapshot.load(make_snapshot(tmp_path / "census", rows))
    s3, s4 = (claims.result(c, snap).measured for c in ("S3", "S4"))
    assert s3.value == pytest.approx(100 * (10_000 + 100) / 19_900, abs=0.01) and s3.holds is False  # top 2 of 100 repos
    assert "(2 of 100)" in s3.text
    assert s4.value == pytest.approx(99.0) and s4.holds is False and "fewer than 200 all-time downloads" in s4.text


def test_a_span_needs_each_of_its_boundaries(tmp_path):
    claim = tmp_path / "spring.toml"
    claim.write_text(NEWSLETTER.replace('period = "2026-03"', 'period = "2026-03..2026-04"'), encoding="utf-8")
    c = claims.read(claim)
    assert [t.strftime("%Y-%m-%d") for t in claims.needs([c])] == ["2026-03-01", "2026-04-01", "2026-05-01"]
