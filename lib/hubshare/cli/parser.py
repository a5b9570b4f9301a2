"""``build_parser``: every command with its options and help (the commands are in
``cli.commands``)."""

from __future__ import annotations

import argparse

import hubshare

from .. import paths, times
from . import commands
from .parsing import ATTRIBUTION_HELP, EPILOG, Parser, day_argument, hours_argument, month_argument


class _Version(argparse.Action):
    """``--version``: the installed version, read only when asked for (``hubshare.__version__``)."""

    def __init__(self, option_strings, dest, help=None):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"hubshare {hubshare.__version__}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The command line: ``hubshare`` and its commands, options and help texts."""
    p = Parser(
        prog="hubshare",
        description="Who gets the downloads of open models on the Hugging Face Hub, under explicit definitions.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action=_Version, help="show the version and exit")
    p.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    _claims_command(sub)
    _shares_command(sub)
    _classify_command(sub)
    _validate_command(sub)
    _refresh_command(sub)
    _months_command(sub)
    _reproduce_command(sub)
    _import_command(sub)
    _diff_command(sub)
    return p


def _claims_command(sub) -> None:
    """``hubshare claims``: its options and help."""
    c = sub.add_parser("claims", help="judge the claims against published figures (and a snapshot)",
                       description="Judge each claim against data/published/figures.csv; with --snapshot, also measure it on a snapshot.")
    c.add_argument("--snapshot", metavar="PATH", help="snapshot folder to measure the claims on")
    c.add_argument("--snapshots", metavar="DIR", help="a folder of census snapshots: measure each published figure for its own period and universe")
    c.add_argument("--file", action="append", metavar="PATH", help="a claim file, or a folder of them (repeatable; default: "
                                                                    "the shipped data/claims); the format: data/claims/README.md")
    _add_output_options(c, "print a JSON list")
    c.set_defaults(func=commands.cmd_claims)


def _shares_command(sub) -> None:
    """``hubshare shares``: its options and help."""
    s = sub.add_parser("shares", help="totals and shares by family or region under one Definition",
                       description="Totals, shares and ranks under one Definition (universe × attribution × metric).")
    s.add_argument("--snapshot", metavar="PATH", default=None, help="snapshot folder (default: HUBSHARE_SNAPSHOT or the shipped sample)")
    s.add_argument("--universe", choices=["all", "llm", "atom"], default="all", help="all models, language models, or ATOM's tracked list (default: all)")
    s.add_argument("--attribution", choices=["uploader", "lineage"], default="uploader", help=ATTRIBUTION_HELP)
    s.add_argument("--metric", choices=["downloads_30d", "downloads_all_time"], default="downloads_30d", help="(default: downloads_30d)")
    s.add_argument("--by", choices=["family", "region", "org"], default="family", help="group by family, region or organisation (default: family)")
    _add_output_options(s, "print a JSON object")
    s.set_defaults(func=commands.cmd_shares)


def _classify_command(sub) -> None:
    """``hubshare classify``: its options and help."""
    k = sub.add_parser("classify", help="family, organisation and party of models",
                       description="Classify repo ids by namespace and name, or every model of a snapshot (with lineage).")
    k.add_argument("model_ids", nargs="*", metavar="MODEL_ID", help="repo ids such as Qwen/Qwen3-8B")
    k.add_argument("--snapshot", metavar="PATH", help="snapshot folder (lineage is followed through it)")
    _add_output_options(k, "print a JSON list")
    k.set_defaults(func=commands.cmd_classify)


def _validate_command(sub) -> None:
    """``hubshare validate``: its options and help."""
    v = sub.add_parser("validate", help="check a snapshot folder and list every problem",
                       description="Check a snapshot folder: manifest, checksum, schema and values. Exit 1 if anything is wrong.")
    v.add_argument("path", metavar="PATH")
    v.set_defaults(func=commands.cmd_validate)


def _refresh_command(sub) -> None:
    """``hubshare refresh``: its options and help."""
    r = sub.add_parser("refresh", help="take a snapshot of the Hub",
                       description="List models on the Hub with huggingface_hub and write a snapshot folder.",
                       epilog="example: HF_ENDPOINT=http://127.0.0.1:8000 hubshare refresh --author Qwen --top 500 --label test",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    r.add_argument("--author", action="append", default=[], metavar="ORG", help="an organisation to list (repeatable)")
    r.add_argument("--family", action="append", default=[], metavar="NAME", help="a family's organisations from families.csv (repeatable)")
    r.add_argument("--tracked", action="store_true", help="every organisation of families.csv")
    r.add_argument("--top", type=int, metavar="N", help="the global top N by 30-day downloads")
    r.add_argument("--all", action="store_true", help="every public model of the Hub")
    r.add_argument("--out", default=str(paths.SNAPSHOTS), metavar="DIR", help="parent folder (default: data/snapshots)")
    r.add_argument("--label", metavar="NAME", help="snapshot name (default: today's UTC date)")
    r.add_argument("--endpoint", metavar="URL", help="Hub address (default: HF_ENDPOINT, else the public Hub)")
    r.add_argument("--page-size", type=int, default=1000, metavar="N", help="models per page (default and Hub maximum: 1000)")
    r.add_argument("--max-retries", type=int, default=5, metavar="N", help="retries of one page before giving up (default: 5)")
    r.add_argument("--timeout", type=float, default=60.0, metavar="S", help="seconds to wait for one page (default: 60)")
    r.add_argument("--max-wait", type=float, default=7200.0, metavar="S",
                   help="seconds the refresh may spend in all waiting for the Hub's rate limit (default: 7200, two hours)")
    r.add_argument("--overwrite", action="store_true", help="replace an existing snapshot of the same label")
    r.add_argument("--resume", action="store_true", help="continue an interrupted refresh of the same label")
    r.add_argument("--quiet", action="store_true", help="print nothing but errors")
    r.set_defaults(func=commands.cmd_refresh)


def _months_command(sub) -> None:
    """``hubshare months``: its options and help."""
    mo = sub.add_parser("months", help="downloads of calendar months from a folder of snapshots",
                        description="Downloads of each calendar month, 00:00 UTC to 00:00 UTC: differences of all-time counters "
                                    f"at its two boundaries, each from a census within {times.hours(times.TOLERANCE)}, else interpolated between the good "
                                    f"censuses around it (at most --max-bracket apart), else from a census within {times.hours(times.WINDOW)} (approximate); "
                                    "classified with the later census. Bad census days (partial, stale, stalled, rolled back) are "
                                    "passed over and reported. A month without both boundaries is missing (--bounds: a range).")
    mo.add_argument("--snapshots", metavar="DIR", default=str(paths.SNAPSHOTS), help="folder of snapshots (default: data/snapshots)")
    mo.add_argument("--from", dest="first", type=month_argument, metavar="YYYY-MM", help="first month (default: the first the snapshots can span)")
    mo.add_argument("--to", dest="last", type=month_argument, metavar="YYYY-MM", help="last month (default: the last the snapshots can span)")
    mo.add_argument("--by", choices=["family", "region", "org"], default="family", help="(default: family)")
    mo.add_argument("--universe", choices=["all", "llm", "atom"], default="all", help="(default: all)")
    mo.add_argument("--attribution", choices=["uploader", "lineage"], default="uploader", help=ATTRIBUTION_HELP)
    mo.add_argument("--top", type=int, default=8, metavar="N", help="names shown as columns in the text table (default: 8)")
    mo.add_argument("--renames", action="store_true", help="list the repos renamed between the boundaries of each month")
    _add_boundary_options(mo)
    _add_output_options(mo, "print a JSON list of rows")
    mo.set_defaults(func=commands.cmd_months)


def _reproduce_command(sub) -> None:
    """``hubshare reproduce``: its options and help."""
    rp = sub.add_parser("reproduce", help="import the census days the claims need and measure the claims from them",
                        description="Import (network needed) the hub-stats census days that measure the boundaries the claims' "
                                    "periods need (every month of a month claim, the moment of an all-time claim; those --out does not "
                                    "hold yet; bad days passed over), then measure the claims and their months from them.")
    rp.add_argument("--file", action="append", metavar="PATH", help="the claims to reproduce: a claim file or a folder of them "
                                                                     "(repeatable; default: the shipped data/claims)")
    rp.add_argument("--month", type=month_argument, action="append", metavar="YYYY-MM", help="a month to import and show as well "
                                                                                   "(repeatable; the top five of each is printed)")
    rp.add_argument("--out", default=str(paths.SNAPSHOTS), metavar="DIR", help="folder of snapshots (default: data/snapshots)")
    rp.add_argument("--endpoint", metavar="URL", help="Hub address (default: HF_ENDPOINT, else the public Hub)")
    rp.add_argument("--full", action="store_true", help="download each census file whole (and check its sha256) instead of "
                                                         "reading only the columns hubshare uses by byte ranges")
    _add_boundary_options(rp)
    rp.add_argument("--quiet", action="store_true", help="no progress lines or bars")
    rp.set_defaults(func=commands.cmd_reproduce)


def _import_command(sub) -> None:
    """``hubshare import``: its options and help."""
    i = sub.add_parser("import", help="import a day of the hub-stats census dataset as a snapshot",
                       description="Write snapshots from the public census dataset cfahlgren1/hub-stats (models.parquet): "
                                   "a file on disk (--file with --taken-at), the census days that measure a day's 00:00 UTC (--date), "
                                   "or the census one commit serves (--revision). The census of a UTC day is its latest commit that "
                                   "uploaded models.parquet; the snapshot is dated by that commit.",
                       epilog="examples:\n  hubshare import hub-stats --date 2026-02-01\n"
                              "  hubshare import hub-stats --file models.parquet --taken-at 2026-02-01T00:00:00Z --label feb",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    i.add_argument("source", choices=["hub-stats"], help="the census dataset (hub-stats: cfahlgren1/hub-stats)")
    i.add_argument("--file", metavar="PATH", help="a models.parquet already on disk")
    i.add_argument("--taken-at", metavar="ISO-TIME", help="when that file's census was taken, e.g. 2026-02-01T00:00:00Z (needed with --file)")
    i.add_argument("--date", type=day_argument, metavar="YYYY-MM-DD", help="the census days that measure that day's 00:00 UTC: the good census "
                                                        "days around it (bad days passed over), those not in --out yet")
    i.add_argument("--revision", metavar="SHA", help="the census one dataset commit serves (the file's own last upload)")
    i.add_argument("--census", action="store_true", help="with --file: the file is a whole census although it is small "
                                                        "(under 1,000,000 rows from 2025 on, a file is imported as a subset)")
    i.add_argument("--full", action="store_true", help="download the whole file and check its sha256 (default: read only the "
                                                     "columns hubshare uses, by byte ranges)")
    i.add_argument("--max-bracket", type=hours_argument, default=times.MAX_BRACKET.total_seconds() / 3600, metavar="HOURS",
                   help=f"with --date: widest pair of censuses a boundary is interpolated between (default: {times.hours(times.MAX_BRACKET)})")
    i.add_argument("--bounds", action="store_true", help="with --date: when the day cannot be measured, import the good censuses "
                                                       "on either side of the gap (for months --bounds)")
    i.add_argument("--out", default=str(paths.SNAPSHOTS), metavar="DIR", help="parent folder (default: data/snapshots)")
    i.add_argument("--label", metavar="NAME", help="snapshot name (default: hub-stats-YYYY-MM-DD)")
    i.add_argument("--endpoint", metavar="URL", help="Hub address (default: HF_ENDPOINT, else the public Hub)")
    i.add_argument("--overwrite", action="store_true", help="replace an existing snapshot of the same label")
    i.add_argument("--quiet", action="store_true", help="no progress bar")
    i.set_defaults(func=commands.cmd_import)


def _diff_command(sub) -> None:
    """``hubshare diff``: its options and help."""
    d = sub.add_parser("diff", help="downloads between two snapshots, per family or region",
                       description="Downloads between two snapshots (difference of all-time counters) per family or region.")
    d.add_argument("a", metavar="A", help="the earlier snapshot")
    d.add_argument("b", metavar="B", help="the later snapshot")
    d.add_argument("--by", choices=["family", "region", "org"], default="family", help="(default: family)")
    d.add_argument("--universe", choices=["all", "llm", "atom"], default="all", help="(default: all)")
    d.add_argument("--attribution", choices=["uploader", "lineage"], default="uploader",
                   help=ATTRIBUTION_HELP)
    _add_output_options(d, "print a JSON object")
    d.set_defaults(func=commands.cmd_diff)

def _add_output_options(p: argparse.ArgumentParser, json_help: str) -> None:
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help=json_help)
    out.add_argument("--csv", action="store_true", help="print the table as CSV: a first line '# ' naming the data and the "
                                                        "Definition, then the unformatted numbers")


def _add_boundary_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--boundaries", choices=["interpolate", "census"], default="interpolate",
                   help="interpolate: months from 00:00 UTC to 00:00 UTC, counters interpolated between the censuses around each "
                        f"boundary; census: from the census nearest each boundary (within {times.hours(times.WINDOW)}), with the true length (default: interpolate)")
    p.add_argument("--max-bracket", type=hours_argument, default=times.MAX_BRACKET.total_seconds() / 3600, metavar="HOURS",
                   help=f"widest pair of censuses a boundary is interpolated between (default: {times.hours(times.MAX_BRACKET)})")
    p.add_argument("--bounds", action="store_true", help="give each month that cannot be measured a lower and an upper bound")
