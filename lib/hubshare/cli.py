"""The ``hubshare`` command.

Errors print one line on stderr: exit 1 for bad data, 2 for bad usage or a bad claim file, 130 when interrupted.
``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import re
import signal
import sys
import tempfile
from collections.abc import Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__, fmt, paths, times
from .errors import ClaimFileError, HubshareError, RefreshError

if TYPE_CHECKING:
    from concurrent.futures import Future

    import pandas as pd

EPILOG = """examples:
  hubshare claims                               the shipped claims judged on published figures
  hubshare claims --file my-claim.toml --snapshots data/snapshots
  hubshare claims --snapshot data/snapshots/2026-05-16-trending-sample --json
  hubshare shares --snapshot SNAP --universe llm --attribution lineage
  hubshare classify deepseek-ai/DeepSeek-R1-Distill-Qwen-7B unsloth/Qwen3-8B-GGUF
  hubshare validate data/snapshots/2026-05-16-trending-sample
  hubshare refresh --author Qwen --top 1000 --label 2026-12-01
  hubshare import hub-stats --date 2026-02-01
  hubshare months --from 2026-01 --to 2026-03 --universe atom --by org
  hubshare reproduce --file data/claims/03-153-million.toml   (network: imports the census days the claim's month needs)
  hubshare diff data/snapshots/2026-11-01 data/snapshots/2026-12-01 --by family
"""


ATTRIBUTION_HELP = "to the uploader's organisation (ATOM's own rule), or to the family its lineage leads to (default: uploader)"
"""Every command that attributes downloads defaults to the uploader, and says so."""


class UsageError(HubshareError):
    """Bad command-line usage (exit 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, like every other error
        raise UsageError(f"{self.prog}: {message} (see --help)")


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, indent=2, ensure_ascii=False, default=str))


def _print_table(frame: pd.DataFrame) -> None:
    print(frame.to_string(index=False))


def _print_csv(frame: pd.DataFrame, about: str) -> None:
    """A table as CSV on stdout: ``# about`` (the data and the Definition), then the unformatted
    numbers (``pandas.read_csv(..., comment="#")`` reads it back)."""
    from .figures import write_csv

    with tempfile.TemporaryDirectory() as tmp:
        sys.stdout.write(write_csv(frame, Path(tmp) / "table.csv", about).read_text(encoding="utf-8"))


def _load(path: str | None):
    from . import snapshot

    return snapshot.load(Path(path) if path else None)


def _loading(path: str | None) -> Future:
    """``_load`` started in a thread, for a command to call before its own imports: reading the
    file (which releases the GIL) overlaps importing pandas (which holds it). ``result()`` gives
    the snapshot or raises what loading raised."""
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1)
    try:
        return pool.submit(_load, path)
    finally:
        pool.shutdown(wait=False)  # the load runs on; nothing waits for it here


# --------------------------------------------------------------------------- commands


def _claims(args: argparse.Namespace) -> tuple[list, list[str]]:
    """The claims of ``--file`` (files or folders, repeatable), or the shipped ones; and one line
    per claim file that cannot be read."""
    from . import claims

    return claims.read_all(args.file) if args.file else (claims.load(), [])


def _claim_problems(problems: list[str]) -> int:
    for line in problems:
        print(f"error: {line}", file=sys.stderr)
    return 2 if problems else 0


def cmd_claims(args: argparse.Namespace) -> int:
    """``hubshare claims``: every claim judged against the published figures, measured on a snapshot or history
    when given."""
    loaded = _loading(args.snapshot) if args.snapshot else None
    from . import claims

    chosen, problems = _claims(args)
    snap = loaded.result() if loaded else None
    hist = _history(args.snapshots) if args.snapshots else None
    results = claims.evaluate(snap, hist=hist, claims=chosen)
    if args.csv:
        data = ", ".join(x for x in (f"{snap.label} ({snap.date}, {snap.coverage})" if snap else "", hist.source if hist else "") if x)
        _print_csv(claims.table(results), "claims judged against data/published/figures.csv" + (f"; measured on {data}" if data else ""))
        return _claim_problems(problems)
    if args.json:
        _print_json([r.to_dict() for r in results])
        return _claim_problems(problems)
    for r in results:
        print("\n".join(r.lines(hist.source if hist else "")))
        print()
    return _claim_problems(problems)


def cmd_shares(args: argparse.Namespace) -> int:
    """``hubshare shares``: totals, shares and ranks under one Definition."""
    loaded = _loading(args.snapshot)
    from . import metrics

    snap = loaded.result()
    d = metrics.Definition(args.universe, args.attribution, args.metric)
    t = metrics.shares(snap, d, by=args.by)
    if args.csv:
        _print_csv(t.rows, f"{snap.source_text}; snapshot {snap.label} ({snap.date}, a {snap.coverage}); {d.label}; by {args.by}")
        return 0
    if args.json:
        _print_json(t.to_dict())
        return 0
    print(f"{snap.label} ({snap.date}) · {d.label}" + (f" · by {args.by}" if args.by != "family" else ""))
    if snap.coverage in ("sample", "subset"):
        print(f"a {snap.coverage}, not a census: shares are shares of the {snap.coverage}'s repos")
    if d.universe == "atom":
        print(_atom_coverage(snap))
    shown = t.rows.assign(
        downloads=t.rows["downloads"].map(fmt.count),
        share=t.rows["share"].map(fmt.percent),
        rank=t.rows["rank"].astype("string").fillna(""),
    )
    _print_table(shown[["rank", "name", "downloads", "share", "models"]])
    print(f"total: {fmt.count(t.total)} downloads over {t.models_counted} models"
          + (f" ({t.models_without_metric} without the metric left out)" if t.models_without_metric else ""))
    return 0


def _atom_coverage(snap) -> str:
    from . import metrics, reference

    found, listed = int(metrics.universe_mask(snap, "atom").sum()), len(reference.atom_ids())
    return f"ATOM universe: {found:,} of the {listed:,} listed models are in this snapshot"


def cmd_classify(args: argparse.Namespace) -> int:
    """``hubshare classify``: family, organisation, party and lineage of repo ids, or of every model of a
    snapshot."""
    from . import families
    from .snapshot import ID_FORM

    if args.model_ids:
        invalid = [m for m in dict.fromkeys(args.model_ids) if not re.fullmatch(ID_FORM, m)]
        if invalid:
            listed = ", ".join(repr(m) for m in invalid)
            if len(invalid) == len(set(args.model_ids)):
                raise HubshareError(f"no repo id of the form namespace/name to classify: {listed}")
            _warn(f"not of the form namespace/name, left out: {listed}")
            args.model_ids = [m for m in args.model_ids if m not in invalid]
        if args.snapshot:
            snap = _load(args.snapshot)
            table = families.classify(snap)
            known = set(table["id"])
            unknown = [m for m in args.model_ids if m not in known]
            if unknown:
                _warn(f"not in {snap.label}, classified by their ids alone: {', '.join(dict.fromkeys(unknown))}")
            import pandas as pd

            out = pd.concat([table[table["id"].isin(args.model_ids)], families.classify_ids(unknown)], ignore_index=True) if unknown else table[table["id"].isin(args.model_ids)]
            out = out.set_index("id").loc[list(dict.fromkeys(args.model_ids))].reset_index()
        else:
            out = families.classify_ids(list(args.model_ids))
    else:
        out = families.classify(_load(args.snapshot))
    cols = ["id", "family", "owner_org", "region", "party", "basis", "lineage_root"]
    if args.snapshot and args.model_ids:  # whether each id is in the snapshot: an absent one is classified by its id alone
        out = out.assign(in_snapshot=out["id"].isin(known))
        cols.append("in_snapshot")
    out = out[cols]
    if args.csv:
        _print_csv(out, f"hubshare classify: {'lineage through ' + snap.label if args.snapshot else 'by repo id alone'}")
        return 0
    if args.json:
        records = out.astype(object).where(out.notna(), None).to_dict(orient="records")
        _print_json(records)
        return 0
    _print_table(out.astype(object).where(out.notna(), "—"))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """``hubshare validate``: every problem of a snapshot folder (exit 1), or what it holds and its census day
    check."""
    from . import snapshot

    problems = snapshot.validate(args.path)
    if problems:
        for p in problems:
            print(p, file=sys.stderr)
        print(f"{args.path}: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    snap = snapshot.load(args.path)
    print(f"{args.path}: valid snapshot '{snap.label}', {len(snap)} models, taken {snap.manifest['created_at']}")
    print(_day_check(Path(args.path)))
    for p in snap.manifest.get("passed_over", []):
        print(f"passed over when imported: {p.get('census')}: {p.get('kind')}: {p.get('why')}")
    return 0


def _day_check(path: Path) -> str:
    """The census day check of a snapshot among the snapshots of its folder (``corrections``)."""
    from . import history

    try:
        h = history.History.from_folder(path.parent)
    except HubshareError:
        return "census day: cannot tell (no folder of snapshots around it)"
    entry = next((e for e in h.entries if e.path is not None and e.path.resolve() == path.resolve()), None)
    if entry is None:
        return "census day: cannot tell (no all-time counts)"
    check = h.check(entry)
    others = len(h) - 1
    return f"census day: {check.text} (checked against the {others} other snapshot{'s' if others != 1 else ''} of its folder)"


@contextmanager
def _sigterm_interrupts():
    """SIGTERM stops a long command like Ctrl-C does (so kept work can be resumed)."""

    def on_term(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def cmd_refresh(args: argparse.Namespace) -> int:
    """``hubshare refresh``: list models on the Hub and write a snapshot (resumable after an interruption)."""
    from .ingest import refresh

    listings = refresh.plan(args.author, args.family, args.tracked, args.top, args.all)
    label = args.label or datetime.now(UTC).strftime("%Y-%m-%d")
    try:
        with _sigterm_interrupts():
            path = refresh.refresh(
                listings, Path(args.out), label, endpoint=args.endpoint, page_size=args.page_size, max_retries=args.max_retries,
                timeout=args.timeout, backoff_base=float(os.environ.get("HUBSHARE_BACKOFF_BASE", "1")), overwrite=args.overwrite,
                resume=args.resume, progress=None if args.quiet else ("bar" if sys.stderr.isatty() else "lines"),
                max_wait=args.max_wait,
            )
    except KeyboardInterrupt:
        print(f"error: interrupted; completed pages are kept: rerun with --resume to continue '{label}'", file=sys.stderr)
        return 130
    except RefreshError as exc:
        if exc.resumable and (Path(args.out) / f".{label}.refresh").exists():
            raise RefreshError(f"{exc} (completed pages are kept: rerun with --resume to continue)") from None
        raise
    snap = _load(str(path))
    m = snap.manifest
    if not args.quiet:
        print(f"wrote {paths.relative(path)}: {len(snap)} models, {m['requests']} requests, {m['retries']} retries, "
              f"{m['rate_limit_waits']} rate-limit waits ({m['rate_limit_waited_s']:.0f} s)")
    return 0


def _warn(line: str) -> None:
    print(f"warning: {line}", file=sys.stderr)


def cmd_import(args: argparse.Namespace) -> int:
    """``hubshare import hub-stats``: snapshots from the hub-stats census (a file, the days around a date, or
    one commit)."""
    import pandas as pd

    from .ingest import census

    given = [name for name, v in (("--file", args.file), ("--date", args.date), ("--revision", args.revision)) if v]
    if len(given) != 1:
        raise UsageError("hubshare import hub-stats: give exactly one of --file, --date and --revision (see --help)")
    if args.file and not args.taken_at:
        raise UsageError("hubshare import hub-stats: --file needs --taken-at ISO-TIME: no date can be read from the file (see --help)")
    if args.census and not args.file:
        raise UsageError("hubshare import hub-stats: --census goes with --file; a census day of the dataset is measured as it is (see --help)")
    if args.taken_at and not args.file:
        raise UsageError("hubshare import hub-stats: --taken-at goes with --file; --date and --revision take the commit's time (see --help)")
    if args.label and args.date:
        raise UsageError("hubshare import hub-stats: --label goes with --file or --revision; --date may import two census days, "
                         "each named hub-stats-YYYY-MM-DD (see --help)")
    if args.full and args.file:
        raise UsageError("hubshare import hub-stats: --full goes with --date or --revision (see --help)")
    if args.quiet:
        from huggingface_hub.utils import disable_progress_bars

        disable_progress_bars()
    say = (lambda line: None) if args.quiet else (lambda line: print(line, file=sys.stderr, flush=True))
    with _sigterm_interrupts():
        if args.file:
            written = [census.import_file(args.file, args.out, args.label, taken_at=args.taken_at, overwrite=args.overwrite,
                                          census=args.census, warn=_warn)]
        elif args.revision:
            written = [census.import_revision(args.out, args.label, revision=args.revision, endpoint=args.endpoint, full=args.full,
                                              overwrite=args.overwrite, warn=_warn, say=say)]
        else:
            written, boundary = census.import_date(args.out, date=args.date, endpoint=args.endpoint, full=args.full,
                                                   max_bracket=pd.Timedelta(hours=args.max_bracket), bounds=args.bounds, warn=_warn, say=say)
            print(f"{args.date} 00:00 UTC: {boundary.text}")
    for path in written:
        snap = _load(str(path))
        counts = "with all-time counts" if snap.manifest.get("all_time") else "WITHOUT all-time counts (months cannot use it)"
        src = snap.manifest.get("source", {})
        read = f", read {src['bytes_read'] / 1e6:,.1f} of {src['size'] / 1e6:,.1f} MB" if src.get("bytes_read") is not None and src.get("size") else ""
        print(f"wrote {paths.relative(path)}: {len(snap):,} models, taken {snap.manifest['created_at']}, {counts}{read}")
    if not written and args.date:
        print("nothing to import: the census days needed are there already")
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    """``hubshare diff``: downloads between two snapshots, by family, region or organisation."""
    from . import intervals, metrics

    a, b = _load(args.a), _load(args.b)
    table = intervals.interval_by(a, b, by=args.by, attribution=args.attribution, metric="downloads_all_time", universe=args.universe)
    summary = {
        "a": {"label": a.label, "taken_at": a.manifest["created_at"]},
        "b": {"label": b.label, "taken_at": b.manifest["created_at"]},
        "metric": "downloads_all_time",
        "universe": args.universe,
        "attribution": args.attribution,
        "by": args.by,
        "total": int(table["downloads"].sum()),
        "new": int(table["new"].sum()),
        "gone": int(table["gone"].sum()),
        "fell": int(table["fell"].sum()),
        "created": int(table["created"].sum()),
        "appeared": int(table["appeared"].sum()),
        "appeared_downloads": int(table["appeared_downloads"].sum()),
        "renamed": int(table["renamed"].sum()),
    }
    if args.csv:
        _print_csv(table,
                   f"downloads between {a.label} ({a.manifest['created_at']}) and {b.label} ({b.manifest['created_at']}); "
                   f"{metrics.Definition(args.universe, args.attribution).universe_label} · by {args.attribution} · grouped by {args.by}")
        return 0
    if args.json:
        summary["rows"] = [
            {"name": r.name, "downloads": int(r.downloads), "share": float(r.share) if summary["total"] else None, "models": int(r.models), "new": int(r.new), "gone": int(r.gone),
             "fell": int(r.fell), "created": int(r.created), "appeared": int(r.appeared), "appeared_downloads": int(r.appeared_downloads),
             "renamed": int(r.renamed)}
            for r in table.itertuples(index=False)
        ]
        _print_json(summary)
        return 0
    print(f"downloads between {a.label} ({a.manifest['created_at']}) and {b.label} ({b.manifest['created_at']}), "
          f"{metrics.Definition(args.universe, args.attribution).universe_label}, by {args.attribution} {args.by}")
    # With nothing downloaded between the two, a share of it is no number.
    shares = table["share"].map(fmt.percent) if summary["total"] else table["share"].map(lambda _: "n/a")
    shown = table.assign(downloads=table["downloads"].map(fmt.count), share=shares,
                         appeared_downloads=table["appeared_downloads"].map(fmt.count))
    _print_table(shown)
    print(f"total: {fmt.count(summary['total'])}; models new in b: {summary['new']} ({summary['created']} created, "
          f"{summary['appeared']} appeared with an earlier creation date, adding {fmt.count(summary['appeared_downloads'])}), "
          f"gone from b: {summary['gone']}, with a falling counter: {summary['fell']}, renamed: {summary['renamed']}")
    return 0


def cmd_reproduce(args: argparse.Namespace) -> int:
    """``hubshare reproduce``: import the census days the claims need, then measure the claims and their
    months."""
    from . import claims, history
    from .ingest import census

    chosen, problems = _claims(args)
    shown = sorted(set(args.month or []) | {m for c in chosen for p in c.periods() if p.metric == "month" for m in claims.measure.months_of(p)})
    extra = [times.month_start(t) for m in args.month or [] for t in (m, times.next_month(m))]
    edges = sorted(set(claims.needs(chosen)) | set(extra))
    if args.quiet:
        from huggingface_hub.utils import disable_progress_bars

        disable_progress_bars()
    options = _months_options(args)
    say = (lambda line: None) if args.quiet else (lambda line: print(line, flush=True))
    asked = f" and of {', '.join(args.month)}" if args.month else ""
    say(f"month boundaries needed: {', '.join(t.strftime('%Y-%m-%d %H:%M UTC') for t in edges)} "
        f"(the periods of {', '.join(c.id for c in chosen) or 'no claim'}{asked})")
    with _sigterm_interrupts():
        for path in census.ensure_boundaries(edges, args.out, endpoint=args.endpoint, full=args.full, max_bracket=options["max_bracket"],
                                             bounds=args.bounds, warn=_warn, say=say):
            say(f"wrote {paths.relative(path)}")
    h = history.History.from_folder(args.out)
    print()
    for r in claims.evaluate(hist=h, claims=chosen):
        print("\n".join(r.lines(h.source)))
        print()
    result = None
    for universe, by in (("atom", "org"), ("all", "family")):
        if not shown:
            break
        result = history.months(h, shown[0], shown[-1], by=by, universe=universe, attribution="uploader", **options)
        top = result.rows[result.rows["month"].isin(shown)].sort_values(["month", "downloads"], ascending=[True, False]).groupby("month").head(5)
        print(f"\ntop five of each month: {result.label}")
        if len(top):
            print(top.assign(downloads=top["downloads"].map(fmt.count), share=top["share"].map(fmt.percent))[["month", "name", "downloads", "share"]].to_string(index=False))
        for month, reason in result.missing:
            if month in shown:
                print(f"{month}: missing: {reason}")
                _print_bounds(result, month)
    if result is not None:
        print("\nhow each month was measured:")
        for line in result.boundary_lines():
            print(f"  {line}")
        for month, days in result.passed_over:
            for line in days:
                print(f"{month}: passed over {line}")
    out = paths.relative(Path(args.out))
    print(f"\nrerun the notebooks on this history: HUBSHARE_SNAPSHOTS={out} make report")
    print(f"every month it spans: hubshare months --snapshots {out} --universe atom --by org")
    return _claim_problems(problems)


def _day(text: str) -> str:
    """A date ``YYYY-MM-DD`` as a command-line value: a bad one is bad usage (exit 2), as a bad month is."""
    import datetime

    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD")
    return text


def _history(folder: str | None):
    """The history in ``folder``; one error when it holds no snapshot with all-time counts."""
    from . import history

    return history.History.from_folder(folder, required=True)


def _month(text: str) -> str:

    try:
        times.month_start(text)
    except HubshareError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _months_options(args: argparse.Namespace) -> dict[str, Any]:
    import pandas as pd

    return {"boundaries": args.boundaries, "max_bracket": pd.Timedelta(hours=args.max_bracket), "bounds": args.bounds}


def cmd_months(args: argparse.Namespace) -> int:
    """``hubshare months``: downloads of calendar months from a folder of snapshots, with how each boundary was
    measured."""
    from . import history

    h = _history(args.snapshots)
    result = history.months(h, args.first, args.last, by=args.by, universe=args.universe, attribution=args.attribution,
                            **_months_options(args))
    if args.csv:
        _print_csv(result.rows, f"{h.source_text}; {result.label}")
        return 0
    if args.json:
        _print_json(result.to_records())
        return 0
    print(result.label)
    print(f"history: {h.source or 'in memory'}, {h.coverage}")
    for label, why in h.skipped:
        print(f"  left out: {label} ({why})")
    if not result.months:
        print("no month can be measured: a month needs a census at or around each of its two boundaries")
    elif len(result.rows):
        table = result.table(args.top)
        counted = [c for c in table.columns if c not in ("days", "new", "gone", "fell")]
        shown = table.assign(**{c: table[c].map(fmt.count) for c in counted}, days=table["days"].map(lambda v: f"{v:.2f}"))
        print(shown.reset_index().to_string(index=False))
    print("how each month was measured:")
    for line in result.boundary_lines():
        print(f"  {line}")
    for month, reason in result.missing:
        print(f"{month}: missing: {reason}")
        _print_bounds(result, month)
    _print_corrections(result, args.renames)
    return 0


def _print_bounds(result, month: str) -> None:
    if not len(result.bounds):
        return
    b = result.bounds[result.bounds["month"] == month]
    if not len(b):
        return
    high = None if b["high"].isna().any() else int(b["high"].sum())
    print(f"{month}: bounds: total between {fmt.count(int(b['low'].sum()))} and {fmt.count(high) if high is not None else 'unbounded'} "
          "(inner and outer census pairs)")
    for r in b.sort_values("high", ascending=False, na_position="last").head(5).itertuples(index=False):
        print(f"  {r.name}: {fmt.count(int(r.low))} to {fmt.count(int(r.high)) if r.high == r.high and r.high is not None else 'unbounded'}")


def _print_corrections(result, list_renames: bool = False) -> None:
    """What the month arithmetic corrected or flagged, month by month."""
    for month, days in result.passed_over:
        for line in days:
            print(f"{month}: passed over {line}")
    if not len(result.rows):
        return
    per = result.rows.groupby("month")[["renamed", "appeared", "appeared_downloads"]].sum()
    for month, r in per.iterrows():
        if r["renamed"] or r["appeared"]:
            print(f"{month}: {int(r['renamed'])} renamed repos counted as the difference of their counters; "
                  f"{int(r['appeared'])} repos appeared with an earlier creation date, adding {fmt.count(r['appeared_downloads'])} (counted whole)")
    for r in result.ambiguous.itertuples(index=False):
        print(f"{r.month}: {r.old_id} gone, several rename candidates left unmatched: {', '.join(r.candidates)}")
    if list_renames and len(result.renames):
        print(result.renames.assign(before=result.renames["before"].map(fmt.count), after=result.renames["after"].map(fmt.count)).to_string(index=False))


# --------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    """The command line: ``hubshare`` and its commands, options and help texts."""
    p = _Parser(
        prog="hubshare",
        description="Who gets the downloads of open models on the Hugging Face Hub, under explicit definitions.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"hubshare {__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    c = sub.add_parser("claims", help="judge the claims against published figures (and a snapshot)",
                       description="Judge each claim against data/published/figures.csv; with --snapshot, also measure it on a snapshot.")
    c.add_argument("--snapshot", metavar="PATH", help="snapshot folder to measure the claims on")
    c.add_argument("--snapshots", metavar="DIR", help="a folder of census snapshots: measure each published figure for its own period and universe")
    c.add_argument("--file", action="append", metavar="PATH", help="a claim file, or a folder of them (repeatable; default: "
                                                                    "the shipped data/claims); the format: data/claims/README.md")
    _add_output_options(c, "print a JSON list")
    c.set_defaults(func=cmd_claims)

    s = sub.add_parser("shares", help="totals and shares by family or region under one Definition",
                       description="Totals, shares and ranks under one Definition (universe × attribution × metric).")
    s.add_argument("--snapshot", metavar="PATH", default=None, help="snapshot folder (default: HUBSHARE_SNAPSHOT or the shipped sample)")
    s.add_argument("--universe", choices=["all", "llm", "atom"], default="all", help="all models, language models, or ATOM's tracked list (default: all)")
    s.add_argument("--attribution", choices=["uploader", "lineage"], default="uploader", help=ATTRIBUTION_HELP)
    s.add_argument("--metric", choices=["downloads_30d", "downloads_all_time"], default="downloads_30d", help="(default: downloads_30d)")
    s.add_argument("--by", choices=["family", "region", "org"], default="family", help="group by family, region or organisation (default: family)")
    _add_output_options(s, "print a JSON object")
    s.set_defaults(func=cmd_shares)

    k = sub.add_parser("classify", help="family, organisation and party of models",
                       description="Classify repo ids by namespace and name, or every model of a snapshot (with lineage).")
    k.add_argument("model_ids", nargs="*", metavar="MODEL_ID", help="repo ids such as Qwen/Qwen3-8B")
    k.add_argument("--snapshot", metavar="PATH", help="snapshot folder (lineage is followed through it)")
    _add_output_options(k, "print a JSON list")
    k.set_defaults(func=cmd_classify)

    v = sub.add_parser("validate", help="check a snapshot folder and list every problem",
                       description="Check a snapshot folder: manifest, checksum, schema and values. Exit 1 if anything is wrong.")
    v.add_argument("path", metavar="PATH")
    v.set_defaults(func=cmd_validate)

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
    r.set_defaults(func=cmd_refresh)

    mo = sub.add_parser("months", help="downloads of calendar months from a folder of snapshots",
                        description="Downloads of each calendar month, 00:00 UTC to 00:00 UTC: differences of all-time counters "
                                    f"at its two boundaries, each from a census within {times.hours(times.TOLERANCE)}, else interpolated between the good "
                                    f"censuses around it (at most --max-bracket apart), else from a census within {times.hours(times.WINDOW)} (approximate); "
                                    "classified with the later census. Bad census days (partial, stale, stalled, rolled back) are "
                                    "passed over and reported. A month without both boundaries is missing (--bounds: a range).")
    mo.add_argument("--snapshots", metavar="DIR", default=str(paths.SNAPSHOTS), help="folder of snapshots (default: data/snapshots)")
    mo.add_argument("--from", dest="first", type=_month, metavar="YYYY-MM", help="first month (default: the first the snapshots can span)")
    mo.add_argument("--to", dest="last", type=_month, metavar="YYYY-MM", help="last month (default: the last the snapshots can span)")
    mo.add_argument("--by", choices=["family", "region", "org"], default="family", help="(default: family)")
    mo.add_argument("--universe", choices=["all", "llm", "atom"], default="all", help="(default: all)")
    mo.add_argument("--attribution", choices=["uploader", "lineage"], default="uploader", help=ATTRIBUTION_HELP)
    mo.add_argument("--top", type=int, default=8, metavar="N", help="names shown as columns in the text table (default: 8)")
    mo.add_argument("--renames", action="store_true", help="list the repos renamed between the boundaries of each month")
    _add_boundary_options(mo)
    _add_output_options(mo, "print a JSON list of rows")
    mo.set_defaults(func=cmd_months)

    rp = sub.add_parser("reproduce", help="import the census days the claims need and measure the claims from them",
                        description="Import (network needed) the hub-stats census days that measure the boundaries the claims' "
                                    "periods need (every month of a month claim, the moment of an all-time claim; those --out does not "
                                    "hold yet; bad days passed over), then measure the claims and their months from them.")
    rp.add_argument("--file", action="append", metavar="PATH", help="the claims to reproduce: a claim file or a folder of them "
                                                                     "(repeatable; default: the shipped data/claims)")
    rp.add_argument("--month", type=_month, action="append", metavar="YYYY-MM", help="a month to import and show as well "
                                                                                   "(repeatable; the top five of each is printed)")
    rp.add_argument("--out", default=str(paths.SNAPSHOTS), metavar="DIR", help="folder of snapshots (default: data/snapshots)")
    rp.add_argument("--endpoint", metavar="URL", help="Hub address (default: HF_ENDPOINT, else the public Hub)")
    rp.add_argument("--full", action="store_true", help="download each census file whole (and check its sha256) instead of "
                                                         "reading only the columns hubshare uses by byte ranges")
    _add_boundary_options(rp)
    rp.add_argument("--quiet", action="store_true", help="no progress lines or bars")
    rp.set_defaults(func=cmd_reproduce)

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
    i.add_argument("--date", type=_day, metavar="YYYY-MM-DD", help="the census days that measure that day's 00:00 UTC: the good census "
                                                        "days around it (bad days passed over), those not in --out yet")
    i.add_argument("--revision", metavar="SHA", help="the census one dataset commit serves (the file's own last upload)")
    i.add_argument("--census", action="store_true", help="with --file: the file is a whole census although it is small "
                                                        "(under 1,000,000 rows from 2025 on, a file is imported as a subset)")
    i.add_argument("--full", action="store_true", help="download the whole file and check its sha256 (default: read only the "
                                                     "columns hubshare uses, by byte ranges)")
    i.add_argument("--max-bracket", type=_hours, default=times.MAX_BRACKET.total_seconds() / 3600, metavar="HOURS",
                   help=f"with --date: widest pair of censuses a boundary is interpolated between (default: {times.hours(times.MAX_BRACKET)})")
    i.add_argument("--bounds", action="store_true", help="with --date: when the day cannot be measured, import the good censuses "
                                                       "on either side of the gap (for months --bounds)")
    i.add_argument("--out", default=str(paths.SNAPSHOTS), metavar="DIR", help="parent folder (default: data/snapshots)")
    i.add_argument("--label", metavar="NAME", help="snapshot name (default: hub-stats-YYYY-MM-DD)")
    i.add_argument("--endpoint", metavar="URL", help="Hub address (default: HF_ENDPOINT, else the public Hub)")
    i.add_argument("--overwrite", action="store_true", help="replace an existing snapshot of the same label")
    i.add_argument("--quiet", action="store_true", help="no progress bar")
    i.set_defaults(func=cmd_import)

    d = sub.add_parser("diff", help="downloads between two snapshots, per family or region",
                       description="Downloads between two snapshots (difference of all-time counters) per family or region.")
    d.add_argument("a", metavar="A", help="the earlier snapshot")
    d.add_argument("b", metavar="B", help="the later snapshot")
    d.add_argument("--by", choices=["family", "region", "org"], default="family", help="(default: family)")
    d.add_argument("--universe", choices=["all", "llm", "atom"], default="all", help="(default: all)")
    d.add_argument("--attribution", choices=["uploader", "lineage"], default="uploader",
                   help=ATTRIBUTION_HELP)
    _add_output_options(d, "print a JSON object")
    d.set_defaults(func=cmd_diff)
    return p


def _add_output_options(p: argparse.ArgumentParser, json_help: str) -> None:
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help=json_help)
    out.add_argument("--csv", action="store_true", help="print the table as CSV: a first line '# ' naming the data and the "
                                                        "Definition, then the unformatted numbers")


def _add_boundary_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--boundaries", choices=["interpolate", "census"], default="interpolate",
                   help="interpolate: months from 00:00 UTC to 00:00 UTC, counters interpolated between the censuses around each "
                        f"boundary; census: from the census nearest each boundary (within {times.hours(times.WINDOW)}), with the true length (default: interpolate)")
    p.add_argument("--max-bracket", type=_hours, default=times.MAX_BRACKET.total_seconds() / 3600, metavar="HOURS",
                   help=f"widest pair of censuses a boundary is interpolated between (default: {times.hours(times.MAX_BRACKET)})")
    p.add_argument("--bounds", action="store_true", help="give each month that cannot be measured a lower and an upper bound")


def _hours(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of hours") from None
    if not 0 < value <= 24 * 31:
        raise argparse.ArgumentTypeError(f"{text} h: give a number of hours above 0 and at most 744")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command line (``argv`` without the program name); its exit code. Errors are one line on stderr:
    2 for bad usage or a bad claim file, 1 for bad data, 130 when interrupted."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    if debug:  # anywhere on the line, before or after the command
        argv = ["--debug", *(a for a in argv if a != "--debug")]
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        args = build_parser().parse_args(argv)
        return int(args.func(args) or 0)
    except (UsageError, ClaimFileError) as exc:
        if debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except HubshareError as exc:
        if debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def run() -> None:
    """The ``hubshare`` program: ``main`` on the process's arguments, then exit with its code."""
    code = main()
    # Nothing made by the command needs a garbage collection now; without this, the interpreter's
    # last full collection over everything pandas and Arrow loaded costs a fifth of a second.
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    run()
