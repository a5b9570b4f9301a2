import json

import pytest

from hubshare import claims, paths

from conftest import run_cli

SAMPLE = str(paths.SAMPLE_SNAPSHOT)


def test_help_lists_commands_and_examples():
    r = run_cli("--help")
    assert r.returncode == 0
    for word in ("claims", "shares", "classify", "validate", "refresh", "diff", "examples:"):
        assert word in r.stdout


def test_console_script_and_module_agree():
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    exe = Path(sys.executable).with_name("hubshare")
    script = str(exe) if exe.exists() else shutil.which("hubshare")
    assert script, "the hubshare console script is not installed"
    out = subprocess.run([script, "claims", "--json"], capture_output=True, text=True)
    assert out.returncode == 0 and json.loads(out.stdout) == json.loads(run_cli("claims", "--json").stdout)


def test_claims_json():
    r = run_cli("claims", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert [c["id"] for c in data] == [c.id for c in claims.load()]
    for c in data:
        assert {"id", "statement", "verdict", "published", "measured", "definition", "citations"} <= set(c)
        assert c["verdict"] in ("holds", "holds-narrowly", "does-not-hold", "not-measurable")
        assert c["measured"] is None


def test_claims_json_with_snapshot():
    data = json.loads(run_cli("claims", "--snapshot", SAMPLE, "--json").stdout)
    c2 = next(c for c in data if c["id"] == "C2")
    assert c2["measured"]["snapshot"]["date"] == "2026-05-16"
    assert c2["definition"].startswith("all models")  # the reading closest to "global" first


def test_claims_text():
    r = run_cli("claims", "--snapshot", SAMPLE)
    assert r.returncode == 0 and "holds-narrowly, secondary-only" in r.stdout and "measured on" in r.stdout
    assert "verdict: does-not-hold\n" in r.stdout and "not a faithful reading: 'global'" in r.stdout and "(derived)" in r.stdout


@pytest.mark.parametrize("extra", [[], ["--universe", "llm", "--attribution", "lineage"], ["--by", "region"]])
def test_shares_json(extra):
    r = run_cli("shares", "--snapshot", SAMPLE, "--json", *extra)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert {"definition", "snapshot", "total", "rows"} <= set(data)
    assert all({"name", "downloads", "share", "rank"} <= set(row) for row in data["rows"])
    assert sum(row["downloads"] for row in data["rows"]) == data["total"]


def test_shares_text():
    r = run_cli("shares", "--snapshot", SAMPLE)
    assert r.returncode == 0 and "Qwen" in r.stdout and "not a census" in r.stdout


def test_shares_missing_metric_is_exit_1():
    r = run_cli("shares", "--snapshot", SAMPLE, "--metric", "downloads_all_time")
    assert r.returncode == 1 and r.stderr.startswith("error:") and "Traceback" not in r.stderr


def test_classify_examples_json():
    r = run_cli("classify", "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "unsloth/Qwen3-8B-GGUF", "--json")
    data = {d["id"]: d for d in json.loads(r.stdout)}
    keys = {"id", "family", "owner_org", "region", "party", "basis", "lineage_root"}
    assert all(set(d) == keys for d in data.values())
    assert data["deepseek-ai/DeepSeek-R1-Distill-Qwen-7B"]["family"] == "DeepSeek"
    assert data["deepseek-ai/DeepSeek-R1-Distill-Qwen-7B"]["party"] == "first-party"
    assert (data["unsloth/Qwen3-8B-GGUF"]["family"], data["unsloth/Qwen3-8B-GGUF"]["party"]) == ("Qwen", "derivative")


def test_classify_marks_ids_that_are_not_namespace_name():
    r = run_cli("classify", "not an id", "Qwen/Qwen3-8B", "--json")
    assert [d["id"] for d in json.loads(r.stdout)] == ["Qwen/Qwen3-8B"]
    assert r.stderr.strip() == "warning: not of the form namespace/name, left out: 'not an id'"
    r = run_cli("classify", "not an id", "a/b/c")
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.strip() == "error: no repo id of the form namespace/name to classify: 'not an id', 'a/b/c'"


def test_classify_whole_snapshot_json():
    data = json.loads(run_cli("classify", "--snapshot", SAMPLE, "--json").stdout)
    assert len(data) == 1000
    assert any(d["party"] == "derivative" and d["basis"] == "lineage" for d in data)


def test_classify_ids_in_snapshot_use_lineage():
    r = run_cli("classify", "--snapshot", SAMPLE, "Qwen/Qwen3-8B", "not/in-snapshot", "--json")
    data = {d["id"]: d for d in json.loads(r.stdout)}
    assert data["Qwen/Qwen3-8B"]["lineage_root"] == "Qwen/Qwen3-8B-Base"
    assert data["not/in-snapshot"]["party"] == "unrelated"


def test_validate_sample():
    r = run_cli("validate", SAMPLE)
    assert r.returncode == 0 and "valid snapshot" in r.stdout


@pytest.mark.parametrize("args", [["shares", "--universe", "galaxy"], ["frobnicate"], [], ["validate"]])
def test_usage_errors_exit_2_in_one_line(args):
    r = run_cli(*args)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


def test_debug_shows_traceback(tmp_path):
    plain = run_cli("shares", "--snapshot", str(tmp_path))
    assert plain.returncode == 1 and "Traceback" not in plain.stderr and plain.stderr.count("\n") == 1
    debug = run_cli("--debug", "shares", "--snapshot", str(tmp_path))
    assert debug.returncode == 1 and "Traceback" in debug.stderr and "SnapshotError" in debug.stderr


def _synthetic_pair(tmp_path):
    from hubshare import snapshot, synthetic

    a = synthetic.generate(3_000, seed=5, taken_at="2026-02-01T00:00:00Z")
    b = synthetic.evolve(a, days=28, seed=6)
    pa_ = snapshot.save(a, tmp_path / "2026-02-01", synthetic.manifest(a, "2026-02-01", 5, "2026-02-01T00:00:00Z"))
    pb_ = snapshot.save(b, tmp_path / "2026-03-01", synthetic.manifest(b, "2026-03-01", 6, "2026-03-01T00:00:00Z"))
    return pa_, pb_


def test_diff_json_matches_interval_downloads(tmp_path):
    from hubshare import intervals, snapshot

    a, b = _synthetic_pair(tmp_path)
    r = run_cli("diff", str(a), str(b), "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    iv = intervals.interval_downloads(snapshot.load(a), snapshot.load(b))
    assert data["new"] == int((iv["status"] == "new").sum()) > 0
    assert data["gone"] == int((iv["status"] == "gone").sum()) > 0
    assert data["fell"] == int(iv["fell"].sum()) > 0
    assert data["total"] == int(iv["downloads"].sum()) == sum(row["downloads"] for row in data["rows"])
    assert {"name", "downloads", "share", "models", "new", "gone", "fell"} <= set(data["rows"][0])
    text = run_cli("diff", str(a), str(b), "--by", "region")
    assert text.returncode == 0 and "china" in text.stdout and "falling counter" in text.stdout


def test_diff_in_the_wrong_order_is_an_error(tmp_path):
    a, b = _synthetic_pair(tmp_path)
    r = run_cli("diff", str(b), str(a))
    assert r.returncode == 1 and "earlier one first" in r.stderr


def test_the_program_loads_a_snapshot_without_waiting_for_pandas():
    # The command line reads the snapshot in a thread while pandas imports: that only works while
    # neither the command-line module nor the snapshot module imports pandas itself.
    import subprocess
    import sys

    code = "import sys, hubshare.cli, hubshare.snapshot; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_version_is_read_only_when_asked_for():
    # Reading the installed metadata costs a twentieth of a second: no command pays it but --version.
    import subprocess
    import sys
    from importlib.metadata import version

    code = "import sys, hubshare.cli; hubshare.cli.build_parser(); print('importlib.metadata' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    r = run_cli("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"hubshare {version('hubshare')}"
    import hubshare

    assert hubshare.__version__ == version("hubshare")


def test_debug_works_anywhere_on_the_line():
    assert run_cli("--debug", "claims", "--json").returncode == 0
    assert run_cli("claims", "--json", "--debug").returncode == 0


def test_claims_on_an_empty_history_is_one_error(tmp_path):
    (tmp_path / "empty").mkdir()
    r = run_cli("claims", "--snapshots", str(tmp_path / "empty"))
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "all-time" in r.stderr and r.stdout == ""


def test_a_bad_date_is_bad_usage_in_every_command():
    for args in (["import", "hub-stats", "--date", "2026-02-30"], ["import", "hub-stats", "--date", "Feb 1"], ["months", "--from", "2026-13"]):
        r = run_cli(*args)
        assert r.returncode == 2 and r.stderr.count("\n") == 1, (args, r.stderr)


def test_classify_says_which_ids_the_snapshot_lacks():
    r = run_cli("classify", "--snapshot", SAMPLE, "Qwen/Qwen3-8B", "someone/Qwen3-8B-not-there", "--json")
    assert r.returncode == 0, r.stderr
    rows = {row["id"]: row for row in json.loads(r.stdout)}
    assert rows["someone/Qwen3-8B-not-there"]["in_snapshot"] is False and rows["Qwen/Qwen3-8B"]["in_snapshot"] is True
    assert "not in 2026-05-16-trending-sample, classified by their ids alone: someone/Qwen3-8B-not-there" in r.stderr


def test_diff_of_two_equal_snapshots_gives_no_share(tmp_path):
    a, _ = _synthetic_pair(tmp_path)
    import shutil

    b = tmp_path / "same"
    shutil.copytree(a, b)
    r = run_cli("diff", str(a), str(b), "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["total"] == 0
    assert all(row["share"] is None for row in json.loads(r.stdout)["rows"])
    assert "0.0%" not in run_cli("diff", str(a), str(b)).stdout


def test_the_readme_synopsis_names_every_option():
    from hubshare import cli

    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    synopsis = readme.split("## Command line", 1)[1].split("```", 2)[1]
    parser = cli.build_parser()
    missing = [f"{name} {opt}" for action in parser._subparsers._group_actions for name, sub in action.choices.items()
               for a in sub._actions for opt in a.option_strings if opt.startswith("--") and opt != "--help" and opt not in synopsis]
    assert not missing, missing
    assert "--debug" in synopsis


def test_every_command_that_attributes_defaults_to_the_uploader():
    from hubshare import cli

    parser = cli.build_parser()
    for action in parser._subparsers._group_actions:
        for name, sub in action.choices.items():
            for a in sub._actions:
                if "--attribution" in a.option_strings:
                    assert a.default == "uploader" and "(default: uploader)" in a.help, name


SHARES_OPTIONS = [
    [], ["--json"], ["--by", "org"], ["--by", "region", "--attribution", "lineage"], ["--universe", "llm", "--attribution", "lineage"],
    ["--universe", "atom"], ["--universe", "atom", "--by", "org", "--attribution", "lineage"], ["--metric", "downloads_all_time", "--by", "region"],
]


def test_shares_imports_no_pandas(tmp_path):
    # ``hubshare shares`` tells Arrow that pandas is absent (0.3 s, over a quarter of its time at census size):
    # that is only right while nothing it runs imports pandas or gives Arrow a pandas object.
    import subprocess
    import sys

    census, _ = _synthetic_pair(tmp_path)
    cases = [[SAMPLE, *o] for o in SHARES_OPTIONS if "downloads_all_time" not in o] + [[str(census), *o] for o in SHARES_OPTIONS]
    code = (
        "import contextlib, io, json, sys\nfrom hubshare import cli\nseen = []\n"
        f"for snap, *options in {cases!r}:\n"
        "    with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "        code = cli.main(['shares', '--snapshot', snap, *options])\n"
        "    seen.append([code, len(out.getvalue()), 'pandas' in sys.modules])\n"
        "print(json.dumps(seen))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seen = json.loads(out.stdout)
    assert len(seen) == len(cases) and all(c == 0 and printed > 100 for c, printed, _ in seen), out.stderr
    assert not [case for case, (_, _, imported) in zip(cases, seen) if imported]


@pytest.mark.parametrize("options", [[], ["--by", "region", "--attribution", "lineage"], ["--universe", "atom", "--by", "org"]])
def test_shares_prints_the_table_as_pandas_would(options):
    from hubshare import fmt, metrics, snapshot

    r = run_cli("shares", "--snapshot", SAMPLE, *options)
    assert r.returncode == 0, r.stderr
    by = options[options.index("--by") + 1] if "--by" in options else "family"
    universe = options[options.index("--universe") + 1] if "--universe" in options else "all"
    attribution = options[options.index("--attribution") + 1] if "--attribution" in options else "uploader"
    t = metrics.shares(snapshot.load(SAMPLE), metrics.Definition(universe, attribution, "downloads_30d"), by=by)
    shown = t.rows.assign(downloads=t.rows["downloads"].map(fmt.count), share=t.rows["share"].map(fmt.percent),
                          rank=t.rows["rank"].astype("string").fillna(""))
    assert shown[["rank", "name", "downloads", "share", "models"]].to_string(index=False) in r.stdout


def test_shares_csv_has_the_rows_of_the_json():
    import io

    import pandas as pd

    r = run_cli("shares", "--snapshot", SAMPLE, "--csv")
    assert r.returncode == 0 and r.stdout.startswith("#"), r.stderr
    table = pd.read_csv(io.StringIO(r.stdout), comment="#")
    rows = json.loads(run_cli("shares", "--snapshot", SAMPLE, "--json").stdout)["rows"]
    assert table["name"].tolist() == [x["name"] for x in rows] and table["downloads"].tolist() == [x["downloads"] for x in rows]
    assert table["rank"].isna().tolist() == [x["rank"] is None for x in rows]


def test_arrow_told_that_pandas_is_absent_still_converts_to_pandas():
    import subprocess
    import sys

    code = (
        "import sys, numpy as np, pyarrow as pa\nfrom hubshare.cli import commands\n"
        "commands._arrow_without_pandas()\npa.array(np.arange(3)).to_numpy()\nprint('pandas' in sys.modules)\n"
        "frame = pa.table({'a': [1, 2]}).to_pandas()\nimport pandas as pd\n"
        "print(type(frame).__name__, pa.array(pd.Series(pd.Categorical(['x', 'y']))).type)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    first, second = out.stdout.splitlines()
    assert first == "False"
    assert second.startswith("DataFrame dictionary<")  # once asked again, Arrow reads pandas objects as such
