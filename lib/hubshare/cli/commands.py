"""The commands of ``hubshare``: each reads its arguments, computes with the library and prints
through ``cli.output``."""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import checksums, fmt, paths, times
from ..errors import HubshareError, RefreshError
from . import output
from .parsing import UsageError

if TYPE_CHECKING:
    from concurrent.futures import Future


def _load(path: str | None):
    from .. import snapshot

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


def _begin_checksum(path: str | None) -> None:
    """Start the snapshot's checksum (``checksums.begin``) if its manifest records one: called
    first, it hashes the file on the core that the command's imports leave idle."""
    folder = Path(path) if path else paths.default_snapshot()
    try:
        manifest = json.loads((folder / paths.SNAPSHOT_MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # the load reports it
    if isinstance(manifest, dict) and "sha256" in manifest:
        checksums.begin(folder / paths.SNAPSHOT_MODELS)


def _arrow_without_pandas() -> None:
    """Tell Arrow that pandas is absent, for a command that makes no pandas object. Arrow's first
    conversion imports pandas (0.3 s, over a quarter of ``hubshare shares`` at census size) only
    to ask whether a value is one of pandas' objects; it asks once per process and keeps the
    answer, so pandas objects given to Arrow afterwards would be read as plain sequences (such a
    command gives none: ``tests/test_cli.py``). Converting to pandas (``to_pandas``) asks again."""
    if "pandas" in sys.modules:
        return
    import pyarrow as pa

    refuse = _NoPandas()
    sys.meta_path.insert(0, refuse)
    try:
        pa.array([])
    finally:
        sys.meta_path.remove(refuse)


class _NoPandas:
    """An import finder that makes ``import pandas`` fail (``_arrow_without_pandas``). A ``None``
    in ``sys.modules`` would not do: Arrow's compiled import takes it for the module."""

    def find_spec(self, name: str, path=None, target=None):
        if name == "pandas":
            raise ModuleNotFoundError("pandas is left out of this command", name=name)
        return None


# --------------------------------------------------------------------------- commands


def _claims(args: argparse.Namespace) -> tuple[list, list[str]]:
    """The claims of ``--file`` (files or folders, repeatable), or the shipped ones; and one line
    per claim file that cannot be read."""
    from .. import claims

    return claims.read_all(args.file) if args.file else (claims.load(), [])


def _claim_problems(problems: list[str]) -> int:
    for line in problems:
        print(f"error: {line}", file=sys.stderr)
    return 2 if problems else 0


def cmd_claims(args: argparse.Namespace) -> int:
    """``hubshare claims``: every claim judged against the published figures, measured on a snapshot or history
    when given."""
    if args.snapshot:
        _begin_checksum(args.snapshot)
    loaded = _loading(args.snapshot) if args.snapshot else None
    from .. import claims

    chosen, problems = _claims(args)
    snap = loaded.result() if loaded else None
    hist = _history(args.snapshots) if args.snapshots else None
    results = claims.evaluate(snap, hist=hist, claims=chosen)
    data = ", ".join(x for x in (f"{snap.label} ({snap.date}, {snap.coverage})" if snap else "", hist.source if hist else "") if x)
    about = "claims judged against data/published/figures.csv" + (f"; measured on {data}" if data else "")
    if output.as_data(args, claims.table(results), about, lambda: [r.to_dict() for r in results]):
        return _claim_problems(problems)
    for r in results:
        print("\n".join(r.lines(hist.source if hist else "")))
        print()
    return _claim_problems(problems)


def cmd_shares(args: argparse.Namespace) -> int:
    """``hubshare shares``: totals, shares and ranks under one Definition."""
    _begin_checksum(args.snapshot)
    if not getattr(args, "csv", False):  # the CSV is written by pandas; the table and JSON need none
        _arrow_without_pandas()
    loaded = _loading(args.snapshot)
    from .. import metrics

    snap = loaded.result()
    d = metrics.Definition(args.universe, args.attribution, args.metric)
    t = metrics.shares(snap, d, by=args.by)
    if output.as_data(args, lambda: t.rows, f"{snap.source_text}; snapshot {snap.label} ({snap.date}, a {snap.coverage}); {d.label}; by {args.by}",
                      t.to_dict):
        return 0
    print(f"{snap.label} ({snap.date}) · {d.label}" + (f" · by {args.by}" if args.by != "family" else ""))
    if snap.coverage in ("sample", "subset"):
        print(f"a {snap.coverage}, not a census: shares are shares of the {snap.coverage}'s repos")
    if d.universe == "atom":
        print(_atom_coverage(snap))
    print(fmt.text_table({
        "rank": ["" if r is None else str(r) for r in t.rank],
        "name": t.names,
        "downloads": [fmt.count(n) for n in t.downloads],
        "share": [fmt.percent(s) for s in t.share],
        "models": t.models,
    }))
    print(f"total: {fmt.count(t.total)} downloads over {t.models_counted} models"
          + (f" ({t.models_without_metric} without the metric left out)" if t.models_without_metric else ""))
    return 0


def _atom_coverage(snap) -> str:
    from .. import metrics, reference

    found, listed = int(metrics.universe_mask(snap, "atom").sum()), len(reference.atom_ids())
    return f"ATOM universe: {found:,} of the {listed:,} listed models are in this snapshot"


def cmd_classify(args: argparse.Namespace) -> int:
    """``hubshare classify``: family, organisation, party and lineage of repo ids, or of every model of a
    snapshot."""
    from .. import families
    from ..snapshot import ID_FORM

    snap = None
    if args.model_ids:
        invalid = [m for m in dict.fromkeys(args.model_ids) if not re.fullmatch(ID_FORM, m)]
        if invalid:
            listed = ", ".join(repr(m) for m in invalid)
            if len(invalid) == len(set(args.model_ids)):
                raise HubshareError(f"no repo id of the form namespace/name to classify: {listed}")
            output.warn(f"not of the form namespace/name, left out: {listed}")
            args.model_ids = [m for m in args.model_ids if m not in invalid]
        if args.snapshot:
            snap = _load(args.snapshot)
            table = families.classify(snap)
            known = set(table["id"])
            unknown = [m for m in args.model_ids if m not in known]
            if unknown:
                output.warn(f"not in {snap.label}, classified by their ids alone: {', '.join(dict.fromkeys(unknown))}")
            import pandas as pd

            out = pd.concat([table[table["id"].isin(args.model_ids)], families.classify_ids(unknown)], ignore_index=True) if unknown else table[table["id"].isin(args.model_ids)]
            out = out.set_index("id").loc[list(dict.fromkeys(args.model_ids))].reset_index()
        else:
            out = families.classify_ids(list(args.model_ids))
    else:
        snap = _load(args.snapshot)
        out = families.classify(snap)
    cols = ["id", "family", "owner_org", "region", "party", "basis", "lineage_root"]
    if args.snapshot and args.model_ids:  # whether each id is in the snapshot: an absent one is classified by its id alone
        out = out.assign(in_snapshot=out["id"].isin(known))
        cols.append("in_snapshot")
    out = out[cols]
    if output.as_data(args, out, f"hubshare classify: {'lineage through ' + snap.label if snap is not None else 'by repo id alone'}",
                      lambda: out.astype(object).where(out.notna(), None).to_dict(orient="records")):
        return 0
    output.print_table(out.astype(object).where(out.notna(), "—"))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """``hubshare validate``: every problem of a snapshot folder (exit 1), or what it holds and its census day
    check."""
    from .. import snapshot

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
    from .. import history

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
    from ..ingest import refresh

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


def cmd_import(args: argparse.Namespace) -> int:
    """``hubshare import hub-stats``: snapshots from the hub-stats census (a file, the days around a date, or
    one commit)."""
    import pandas as pd

    from ..ingest import census

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
                                          census=args.census, warn=output.warn)]
        elif args.revision:
            written = [census.import_revision(args.out, args.label, revision=args.revision, endpoint=args.endpoint, full=args.full,
                                              overwrite=args.overwrite, warn=output.warn, say=say)]
        else:
            written, boundary = census.import_date(args.out, date=args.date, endpoint=args.endpoint, full=args.full,
                                                   max_bracket=pd.Timedelta(hours=args.max_bracket), bounds=args.bounds, warn=output.warn, say=say)
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
    from .. import intervals, metrics

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
        output.print_csv(table,
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
        output.print_json(summary)
        return 0
    print(f"downloads between {a.label} ({a.manifest['created_at']}) and {b.label} ({b.manifest['created_at']}), "
          f"{metrics.Definition(args.universe, args.attribution).universe_label}, by {args.attribution} {args.by}")
    # With nothing downloaded between the two, a share of it is no number.
    shares = table["share"].map(fmt.percent) if summary["total"] else table["share"].map(lambda _: "n/a")
    shown = table.assign(downloads=table["downloads"].map(fmt.count), share=shares,
                         appeared_downloads=table["appeared_downloads"].map(fmt.count))
    output.print_table(shown)
    print(f"total: {fmt.count(summary['total'])}; models new in b: {summary['new']} ({summary['created']} created, "
          f"{summary['appeared']} appeared with an earlier creation date, adding {fmt.count(summary['appeared_downloads'])}), "
          f"gone from b: {summary['gone']}, with a falling counter: {summary['fell']}, renamed: {summary['renamed']}")
    return 0


def cmd_reproduce(args: argparse.Namespace) -> int:
    """``hubshare reproduce``: import the census days the claims need, then measure the claims and their
    months."""
    from .. import claims, history
    from ..ingest import census

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
                                             bounds=args.bounds, warn=output.warn, say=say):
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
                output.print_bounds(result, month)
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


def _history(folder: str | None):
    """The history in ``folder``; one error when it holds no snapshot with all-time counts."""
    from .. import history

    return history.History.from_folder(folder, required=True)


def _months_options(args: argparse.Namespace) -> dict[str, Any]:
    import pandas as pd

    return {"boundaries": args.boundaries, "max_bracket": pd.Timedelta(hours=args.max_bracket), "bounds": args.bounds}


def cmd_months(args: argparse.Namespace) -> int:
    """``hubshare months``: downloads of calendar months from a folder of snapshots, with how each boundary was
    measured."""
    from .. import history

    h = _history(args.snapshots)
    result = history.months(h, args.first, args.last, by=args.by, universe=args.universe, attribution=args.attribution,
                            **_months_options(args))
    if output.as_data(args, result.rows, f"{h.source_text}; {result.label}", result.to_records):
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
        output.print_bounds(result, month)
    output.print_corrections(result, args.renames)
    return 0
