"""The only code that talks to the Hub: ``hubshare refresh``.

A refresh lists models with ``GET /api/models`` through huggingface_hub's HTTP client (its shared
session, its authentication headers, its error types and its ``ModelInfo`` parser), with the query
parameters ``HfApi.list_models`` sends (``author``, ``sort``, ``limit``, ``expand``). It pages
itself rather than iterating ``list_models`` because a resumable refresh needs what that iterator
hides: the cursor of the next page, one place to count requests, and one retry policy.

- One request per page and none per model; ``limit`` is the page size (at most 1,000).
- 429 (honouring ``Retry-After``), 5xx, dropped connections, timeouts and truncated or malformed
  JSON are retried with exponential backoff and jitter, at most ``max_retries`` times per page.
- Every completed page is written to a work folder beside the output (``.LABEL.refresh/``) with
  the paging state, so ``--resume`` continues from the last completed page and yields the same
  snapshot as an uninterrupted run. The snapshot itself is written atomically at the end and the
  work folder removed; a refresh that fails leaves no snapshot folder.
- A token (``HF_TOKEN`` or the huggingface_hub login) is sent but never written anywhere.
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import pyarrow as pa
import pyarrow.parquet as pq

from .. import families, fmt, paths, snapshot
from ..errors import RefreshError, SnapshotError

log = logging.getLogger(__name__)

EXPAND = ["author", "createdAt", "lastModified", "downloads", "downloadsAllTime", "likes", "pipeline_tag", "library_name", "tags", "gated"]
MAX_PAGE = 1000
_BASE_TAG = re.compile(rf"^base_model:(?:({'|'.join(snapshot.RELATIONS)}):)?(.+)$")
STATE_FILE = "state.json"


@dataclass(frozen=True)
class Listing:
    """One listing: ``kind`` is author, top or all."""

    kind: str
    value: str | int | None = None

    @property
    def name(self) -> str:
        """The listing in words: ``author Qwen``, ``top 500``, ``all``."""
        return self.kind if self.value is None else f"{self.kind} {self.value}"

    def params(self, page_size: int) -> list[tuple[str, Any]]:
        """The query parameters of its first page."""
        p: list[tuple[str, Any]] = []
        if self.kind == "author":
            p.append(("author", self.value))
        limit = page_size
        if self.kind == "top":
            p.append(("sort", "downloads"))
            limit = min(page_size, int(self.value))
        p.append(("limit", limit))
        p.extend(("expand", e) for e in EXPAND)
        return p


def plan(authors=(), family_names=(), tracked=False, top=None, everything=False, rules=None) -> list[Listing]:
    """The listings a refresh makes, without repeats. ``--all`` makes every other listing redundant."""
    if everything:
        return [Listing("all")]
    rules = rules or families.load_rules()
    orgs: list[str] = list(authors)
    for name in family_names:
        match = [f for f in rules.families if f.lower() == name.lower()]
        if not match:
            raise RefreshError(f"unknown family {name!r} (families: {', '.join(rules.families)})")
        orgs.extend(rules.orgs(match[0]))
    if tracked:
        orgs.extend(rules.table["org"])
    listings = [Listing("author", o) for o in dict.fromkeys(orgs)]
    if top is not None:
        if top < 1:
            raise RefreshError("--top needs a positive number")
        listings.append(Listing("top", int(top)))
    if not listings:
        raise RefreshError("nothing to fetch: give --author, --family, --tracked, --top or --all")
    return listings


# --------------------------------------------------------------------------- records


def parse_base_tags(tags: list[str] | None) -> tuple[list[str], str | None]:
    """Parents and relation from ``base_model:`` tags, in tag order, without repeats."""
    parents: list[str] = []
    relations: set[str] = set()
    for tag in tags or ():
        m = _BASE_TAG.match(tag)
        if m:
            if m.group(1):
                relations.add(m.group(1))
            if m.group(2) not in parents:
                parents.append(m.group(2))
    relation = next((r for r in snapshot.RELATION_PRIORITY if r in relations), None)
    return parents, relation


def rows_from_items(items: list[dict[str, Any]]) -> pa.Table:
    """Hub API records to snapshot rows, parsed by huggingface_hub's ``ModelInfo``."""
    from huggingface_hub.hf_api import ModelInfo

    cols: dict[str, list] = {c: [] for c in snapshot.COLUMNS}
    for item in items:
        info = ModelInfo(**{**item, "siblings": item.get("siblings")})
        parents, relation = parse_base_tags(info.tags)
        cols["id"].append(info.id)
        cols["author"].append(info.author or info.id.split("/", 1)[0])
        cols["created_at"].append(info.created_at)
        cols["last_modified"].append(info.last_modified)
        cols["downloads_30d"].append(info.downloads)
        cols["downloads_all_time"].append(info.downloads_all_time)
        cols["likes"].append(info.likes)
        cols["pipeline_tag"].append(info.pipeline_tag)
        cols["library_name"].append(info.library_name)
        cols["tags"].append(list(info.tags or []))
        cols["base_models"].append(parents)
        cols["base_relation"].append(relation)
        cols["gated"].append(None if info.gated is None else bool(info.gated))
    return pa.table({c: pa.array(v, snapshot.SCHEMA.field(c).type) for c, v in cols.items()})


# --------------------------------------------------------------------------- paging


class Fetcher:
    """GET one page: retries real failures (``max_retries`` per page) and waits out the Hub's rate
    limit (within ``max_wait`` seconds in all), reading its headers with huggingface_hub's
    ``parse_ratelimit_headers``. Counts requests sent, retries, rate-limit waits and seconds waited."""

    def __init__(self, max_retries: int = 5, timeout: float = 60.0, backoff_base: float = 1.0, backoff_cap: float = 60.0,
                 sleep: Callable[[float], None] = time.sleep, seed: int | None = None, max_wait: float = 7200.0,
                 on_state: Callable[[str], None] | None = None):
        from huggingface_hub.utils import build_hf_headers, get_session

        from .. import __version__

        self.session = get_session()
        self.headers = build_hf_headers(library_name="hubshare", library_version=__version__)
        self.max_retries = max_retries
        self.timeout = timeout
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.sleep = sleep
        self.random = random.Random(seed)
        self.max_wait = max_wait
        self.on_state = on_state or (lambda text: None)
        self.retries = 0
        self.requests = 0
        self.rate_waits = 0
        self.waited = 0.0
        self.pause_until = 0.0
        self.limit: tuple[int, int] | None = None  # (requests, seconds) of the window, once the Hub says

    def _backoff(self, attempt: int) -> float:
        # Full jitter: spreads the retries of many clients over the whole backoff window.
        return self.random.uniform(0.5, 1.0) * min(self.backoff_cap, self.backoff_base * 2**attempt)

    def _jitter(self) -> float:
        return self.random.uniform(0.05, 0.5)

    def _rate_wait(self, where: str, seconds: float, why: str) -> None:
        """Wait for the rate limit, within the ``max_wait`` budget of the whole refresh."""
        if self.waited + seconds > self.max_wait:
            raise RefreshError(
                f"{where}: rate-limited: waited {self.waited:.0f} s so far, and the Hub asks for {seconds:.0f} s more, "
                f"past --max-wait {self.max_wait:.0f} s; completed pages are kept: rerun with --resume (a token in HF_TOKEN has a higher limit)",
                resumable=True)
        self.on_state(f"waiting {seconds:.0f} s for the {why}")
        log.info("%s: waiting %.1f s for the %s", where, seconds, why)
        self.sleep(seconds)
        self.waited += seconds
        self.rate_waits += 1
        self.on_state("")

    # Why this loop and not huggingface_hub's ``http_backoff``: that one counts every 429 against
    # its ``max_retries``, never retries a 200 whose JSON is cut off, knows no budget for waiting
    # and counts nothing for the manifest. A refresh of the whole Hub is about 2,400 pages of 1,000
    # (2.4 million public models in January 2026) against 500 requests per 5-minute window for an
    # anonymous client: at least four waits for the window, which must not use up the retries of
    # the page that meets them, and must stay within --max-wait.
    def get(self, url: str, params: list[tuple[str, Any]] | None, where: str) -> tuple[list[dict[str, Any]], str | None]:
        """One page: its models and the next page's address (None on the last page). Raises
        ``RefreshError`` after ``max_retries`` failed retries, or when the rate limit would need
        more than ``max_wait`` seconds in all."""
        attempt = 0
        limited = 0  # 429s in a row without rate-limit headers or Retry-After
        while True:
            self._wait_for_window(where)
            r, cause = self._send(url, params)
            if r is not None and r.status_code == 429:
                # Waiting for the window is not a failure: it does not use up max_retries.
                limited = self._wait_after_429(r, where, limited)
                continue
            if r is not None:
                page, cause = self._read(r, where)
                if page is not None:
                    return page
            if attempt == self.max_retries:
                raise RefreshError(f"{where}: gave up after {self.max_retries + 1} attempts: {cause}", resumable=True)
            wait = self._backoff(attempt)
            attempt += 1
            self.retries += 1
            log.info("%s: %s; retry %d of %d in %.1f s", where, cause, attempt, self.max_retries, wait)
            self.sleep(wait)

    def _wait_for_window(self, where: str) -> None:
        """When the last answer said the window is used up, wait for it instead of provoking a 429."""
        pause = self.pause_until - time.monotonic()
        if pause > 0:
            self._rate_wait(where, pause, "rate-limit window (no requests left in it)")
        self.pause_until = 0.0

    def _send(self, url: str, params: list[tuple[str, Any]] | None):
        """One GET: ``(response, "")``, or ``(None, why)`` when no answer came."""
        import httpx2
        from huggingface_hub.errors import OfflineModeIsEnabled
        from huggingface_hub.utils import parse_ratelimit_headers

        try:
            self.requests += 1
            r = self.session.get(url, params=params, headers=self.headers, timeout=self.timeout)
        except OfflineModeIsEnabled:
            raise RefreshError("HF_HUB_OFFLINE is set: a refresh needs the network (unset HF_HUB_OFFLINE)") from None
        except httpx2.TimeoutException:
            return None, f"no answer within {self.timeout:g} s"
        except httpx2.TransportError as exc:
            return None, f"connection failed ({type(exc).__name__}: {exc})"
        info = parse_ratelimit_headers(r.headers)
        if info is not None and info.limit and info.window_seconds:
            self.limit = (info.limit, info.window_seconds)
        if r.status_code != 429 and info is not None and info.remaining == 0:
            self.pause_until = time.monotonic() + info.reset_in_seconds + self._jitter()
        return r, ""

    def _wait_after_429(self, r, where: str, limited: int) -> int:
        """Wait as a 429 asks (its rate-limit headers, else Retry-After, else a backoff); the
        count of 429s in a row that said neither."""
        from huggingface_hub.utils import parse_ratelimit_headers

        info = parse_ratelimit_headers(r.headers)
        retry_after = _retry_after(r.headers.get("Retry-After"))
        if info is not None:
            self._rate_wait(where, info.reset_in_seconds + self._jitter(), "rate-limit window")
        elif retry_after is not None:
            self._rate_wait(where, retry_after, "Retry-After of a 429")
        else:
            self._rate_wait(where, self._backoff(limited), "backoff after a 429")
            return limited + 1
        return limited

    def _read(self, r, where: str) -> tuple[tuple[list[dict[str, Any]], str | None] | None, str]:
        """A page from an answer other than a 429: ``(page, "")``, or ``(None, why)`` for an answer
        worth retrying (a server error, a body that is not a JSON list); other errors raise."""
        if r.status_code >= 500:
            return None, f"HTTP {r.status_code} {r.reason_phrase}"
        if r.status_code >= 400:
            raise RefreshError(f"{where}: HTTP {r.status_code} {r.reason_phrase} from {public_endpoint(str(r.url))}: {r.text[:200].strip()}")
        try:
            data = r.json()
            if not isinstance(data, list):
                raise ValueError("expected a JSON list")
        except ValueError as exc:
            return None, f"truncated or malformed JSON ({exc})"
        nxt = r.links.get("next", {}).get("url")
        return (data, (urljoin(str(r.url), nxt) if nxt else None)), ""


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: fall back to exponential backoff


def public_endpoint(url: str) -> str:
    """A URL without user name or password (for messages and the manifest)."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


# --------------------------------------------------------------------------- refresh


def _write_json(path: Path, obj: Any) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def refresh(
    listings: list[Listing],
    out: Path | str = paths.SNAPSHOTS,
    label: str | None = None,
    *,
    endpoint: str | None = None,
    page_size: int = MAX_PAGE,
    max_retries: int = 5,
    timeout: float = 60.0,
    backoff_base: float = 1.0,
    overwrite: bool = False,
    resume: bool = False,
    progress: str | bool = False,
    max_wait: float = 7200.0,
) -> Path:
    """List ``listings`` on the Hub and write the snapshot ``out/label``; returns its path.

    ``progress``: ``"bar"`` (a progress bar, for a terminal), ``"lines"`` (a plain line every few
    pages and at every wait, for logs), or nothing. ``max_wait``: the seconds the whole refresh may
    spend waiting for the Hub's rate limit.

    >>> refresh(plan(authors=["Qwen"]), "data/snapshots", "2026-12-01")   # doctest: +SKIP
    """
    from huggingface_hub import constants

    if not 1 <= page_size <= MAX_PAGE:
        raise RefreshError(f"--page-size must be between 1 and {MAX_PAGE}")
    if max_retries < 0:
        raise RefreshError("--max-retries cannot be negative")
    label = label or datetime.now(UTC).strftime("%Y-%m-%d")
    if not snapshot.plain_label(label):
        raise RefreshError(f"label {label!r} must be a plain folder name (letters, digits, '.', '_', '-')")
    endpoint = (endpoint or constants.ENDPOINT).rstrip("/")
    out = Path(out)
    target, work = out / label, out / f".{label}.refresh"
    if target.exists() and not overwrite:
        raise RefreshError(f"{paths.relative(target)} exists already: choose another --label, or pass --overwrite to replace it")
    query = {"endpoint": public_endpoint(endpoint), "listings": [asdict(s) for s in listings], "page_size": page_size, "expand": EXPAND}
    state = _start_or_resume(work, label, query, resume)
    shown = Progress(progress, label, plan_line(listings, page_size) if progress else "")
    fetcher = Fetcher(max_retries=max_retries, timeout=timeout, backoff_base=backoff_base, max_wait=max_wait, on_state=shown.state)
    # A resumed refresh has its waits so far counted against the budget.
    fetcher.waited = float(state.get("waited_s", 0.0))
    try:
        while state["listing_index"] < len(listings):
            _next_page(listings[state["listing_index"]], state, fetcher, endpoint, page_size, work)
            shown.page(state["pages"], state["last_rows"], state["retries"])
    finally:
        _count(state, fetcher)
        shown.close()
        if state["listing_index"] < len(listings) and work.exists():
            _write_json(work / STATE_FILE, state)
    _save(listings, state, work, target, label, endpoint, page_size, overwrite)
    shutil.rmtree(work, ignore_errors=True)
    return target


def _start_or_resume(work: Path, label: str, query: dict[str, Any], resume: bool) -> dict[str, Any]:
    """The refresh's state: read from the work folder of an interrupted refresh of the same query
    (with ``resume``), or a new one written to a new work folder."""
    if work.exists():
        if not resume:
            raise RefreshError(f"an interrupted refresh of '{label}' is kept in {paths.relative(work)}: continue it with --resume, or delete that folder")
        try:
            state = json.loads((work / STATE_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise RefreshError(f"{paths.relative(work / STATE_FILE)}: cannot read the resume state ({exc}); delete {paths.relative(work)} to start again") from None
        if state.get("query") != query:
            raise RefreshError(f"the refresh kept in {paths.relative(work)} was started with another query: rerun it with the same options, or delete that folder")
        log.info("resuming '%s' after page %d", label, state["pages"])
        return state
    (work / "pages").mkdir(parents=True)
    state = {"query": query, "started_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"), "listing_index": 0,
             "next_url": None, "pages": 0, "listing_pages": 0, "listing_rows": 0, "retries": 0, "requests": 0,
             "rate_waits": 0, "waited_s": 0.0}
    _write_json(work / STATE_FILE, state)
    return state


def _count(state: dict[str, Any], fetcher: Fetcher) -> None:
    """Move the fetcher's counts of requests, retries and waits into the state."""
    state["retries"] = state.get("retries", 0) + fetcher.retries
    state["requests"] = state.get("requests", 0) + fetcher.requests
    state["rate_waits"] = state.get("rate_waits", 0) + fetcher.rate_waits
    state["waited_s"] = round(fetcher.waited, 3)
    fetcher.retries = fetcher.requests = fetcher.rate_waits = 0


def _next_page(listing: Listing, state: dict[str, Any], fetcher: Fetcher, endpoint: str, page_size: int, work: Path) -> None:
    """Fetch the listing's next page, keep it in the work folder, and record in the state where
    the refresh stands (written after the page, so a resume starts at the page after it)."""
    where = f"page {state['listing_pages'] + 1} of '{listing.name}' (request {state['pages'] + 1})"
    if state["next_url"] is None:
        items, nxt = fetcher.get(f"{endpoint}/api/models", listing.params(page_size), where)
    else:
        items, nxt = fetcher.get(state["next_url"], None, where)
    if listing.kind == "top":
        items = items[: int(listing.value) - state["listing_rows"]]
    try:
        rows = rows_from_items(items)
    except (KeyError, TypeError, ValueError, pa.ArrowException) as exc:
        raise RefreshError(f"{where}: a record does not look like a Hub model ({exc})") from None
    page_file = work / "pages" / f"{state['pages'] + 1:06d}.parquet"
    pq.write_table(rows, page_file.with_suffix(".tmp"))
    os.replace(page_file.with_suffix(".tmp"), page_file)
    state["pages"] += 1
    state["listing_pages"] += 1
    state["listing_rows"] += rows.num_rows
    state["last_rows"] = rows.num_rows
    _count(state, fetcher)
    if nxt is None or (listing.kind == "top" and state["listing_rows"] >= int(listing.value)):
        state.update(listing_index=state["listing_index"] + 1, next_url=None, listing_pages=0, listing_rows=0)
    else:
        state["next_url"] = nxt
    _write_json(work / STATE_FILE, state)


def _save(listings: list[Listing], state: dict[str, Any], work: Path, target: Path, label: str, endpoint: str, page_size: int,
          overwrite: bool) -> None:
    """The kept pages as one snapshot, with the query and the counts in its manifest."""
    pages = sorted((work / "pages").glob("*.parquet"))[: state["pages"]]
    table = pa.concat_tables([pq.read_table(p) for p in pages]) if pages else rows_from_items([])
    table = _unique_ids(table)
    manifest = snapshot.build_manifest(
        table,
        label=label,
        source={"endpoint": public_endpoint(endpoint), "query": "GET /api/models " + "; ".join(s.name for s in listings),
                "listings": [asdict(s) for s in listings], "page_size": page_size, "expand": EXPAND},
        created_at=state["started_at"],
        extra={"requests": state["requests"], "retries": state["retries"], "pages": state["pages"], "rate_limit_waits": state["rate_waits"],
               "rate_limit_waited_s": state["waited_s"], "sample": any(s.kind != "all" for s in listings)},
    )
    try:
        snapshot.save(table, target, manifest, overwrite=overwrite)
    except SnapshotError as exc:
        raise RefreshError(f"the Hub's answer does not fit the snapshot format: {exc}") from None


class Progress:
    """What a person sees of a refresh: a bar (huggingface_hub's tqdm, so that
    ``HF_HUB_DISABLE_PROGRESS_BARS`` works) with pages, models and the current state; or plain
    lines for logs; or nothing."""

    EVERY = 25  # pages between plain lines

    def __init__(self, mode: str | bool, label: str, plan: str = ""):
        self.mode = "bar" if mode is True else (mode or None)
        self.label, self.plan = label, plan
        self.models = 0
        self.earlier: int | None = None
        """Pages an earlier, interrupted run completed (``--resume``): counted apart from this run's."""
        self.bar = None
        self.started = False

    def _start(self) -> None:
        """The plan line and the bar, once the Hub has answered or made us wait: a refresh that
        fails before that prints its one error line and nothing else."""
        if self.started or not self.mode:
            return
        self.started = True
        if self.plan:
            print(self.plan, file=sys.stderr, flush=True)
        if self.mode == "bar":
            from huggingface_hub.utils import tqdm

            self.bar = tqdm(desc=f"refresh {self.label}", unit=" models", dynamic_ncols=True, file=sys.stderr)

    def page(self, pages: int, models: int, retries: int) -> None:
        """One more page done: ``pages`` in all (an earlier run's included), ``models`` in it."""
        self._start()
        if self.earlier is None:
            self.earlier = pages - 1
        self.models += models
        done = pages - self.earlier
        resumed = f" (resumed after {fmt.plural(self.earlier, 'page')})" if self.earlier else ""
        if self.bar is not None:
            self.bar.update(models)
            self.bar.set_postfix_str(f"{fmt.plural(done, 'page')}, {fmt.plural(retries, 'retry', 'retries')}{resumed}")
        elif self.mode == "lines" and done % self.EVERY == 0:
            print(f"refresh: {fmt.plural(done, 'page')}, {fmt.plural(self.models, 'model')}{resumed}", file=sys.stderr, flush=True)

    def state(self, text: str) -> None:
        """Show what the refresh is doing now (waiting for the rate limit, say); empty text clears it."""
        if text:
            self._start()
        if self.bar is not None:
            self.bar.set_postfix_str(text or "")
        elif self.mode == "lines" and text:
            print(f"refresh: {text}", file=sys.stderr, flush=True)

    def close(self) -> None:
        """End the progress display."""
        if self.bar is not None:
            self.bar.close()


PUBLIC_MODELS = "hf-summer-2026-repos"
"""The latest published count of the Hub's public models (2.96 million, August 2026), for the plan line."""


def plan_line(listings: list[Listing], page_size: int, limit: int = 500, window: int = 300) -> str:
    """One line before a refresh: the pages it will take and the least time the Hub's anonymous
    rate limit allows for them."""
    known = sum(-(-int(s.value) // page_size) for s in listings if s.kind == "top")
    authors = [s for s in listings if s.kind == "author"]
    everything = any(s.kind == "all" for s in listings)
    parts = []
    if everything:
        from .. import published

        models = published.load().loc[PUBLIC_MODELS, "number"] * 1e6
        pages = -(-int(models) // page_size)
        parts.append(f"about {fmt.plural(pages, 'page')} (about {models / 1e6:g} million public models in August 2026)")
        least = ((pages - 1) // limit) * window / 60  # every full window but the first ends in a wait
        parts.append(f"at {limit} requests per {window // 60} min at least {least:.0f} min")
        parts.append("set HF_TOKEN for a higher limit")
    else:
        parts.append(f"{fmt.plural(known, 'page')} for the top list" if known else "")
        parts.append(f"one page per {page_size:,} models of each of {fmt.plural(len(authors), 'organisation')}" if authors else "")
    return "refresh: " + "; ".join(p for p in parts if p)


def _unique_ids(table: pa.Table) -> pa.Table:
    """One row per id (a repo listed by two listings is stored once, as first seen)."""
    import numpy as np

    ids = table.column("id").to_numpy(zero_copy_only=False)
    _, first = np.unique(ids, return_index=True)
    return table.take(pa.array(np.sort(first)))
