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
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urljoin, urlsplit, urlunsplit

import pyarrow as pa
import pyarrow.parquet as pq

from .. import families, paths, snapshot
from ..errors import RefreshError, SnapshotError

log = logging.getLogger(__name__)

EXPAND = ["author", "createdAt", "lastModified", "downloads", "downloadsAllTime", "likes", "pipeline_tag", "library_name", "tags", "gated"]
MAX_PAGE = 1000
_BASE_TAG = re.compile(r"^base_model:(?:(finetune|quantized|adapter|merge):)?(.+)$")
_PRIORITY = ("merge", "adapter", "quantized", "finetune")
STATE_FILE = "state.json"


@dataclass(frozen=True)
class Source:
    """One listing: ``kind`` is author, top or all."""

    kind: str
    value: str | int | None = None

    @property
    def name(self) -> str:
        return self.kind if self.value is None else f"{self.kind} {self.value}"

    def params(self, page_size: int) -> list[tuple[str, Any]]:
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


def plan(authors=(), family_names=(), tracked=False, top=None, everything=False, rules=None) -> list[Source]:
    """The listings a refresh makes, without repeats. ``--all`` makes every other listing redundant."""
    if everything:
        return [Source("all")]
    rules = rules or families.load_rules()
    orgs: list[str] = list(authors)
    for name in family_names:
        match = [f for f in rules.families if f.lower() == name.lower()]
        if not match:
            raise RefreshError(f"unknown family {name!r} (families: {', '.join(rules.families)})")
        orgs.extend(rules.orgs(match[0]))
    if tracked:
        orgs.extend(rules.table["org"])
    sources = [Source("author", o) for o in dict.fromkeys(orgs)]
    if top is not None:
        if top < 1:
            raise RefreshError("--top needs a positive number")
        sources.append(Source("top", int(top)))
    if not sources:
        raise RefreshError("nothing to fetch: give --author, --family, --tracked, --top or --all")
    return sources


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
    relation = next((r for r in _PRIORITY if r in relations), None)
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
    """GET one page with retries; counts pages fetched and retries made."""

    def __init__(self, max_retries: int = 5, timeout: float = 60.0, backoff_base: float = 1.0, backoff_cap: float = 60.0,
                 sleep: Callable[[float], None] = time.sleep, seed: int | None = None):
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
        self.retries = 0

    def _wait(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.backoff_cap)
        # Full jitter: spreads the retries of many clients over the whole backoff window.
        return self.random.uniform(0.5, 1.0) * min(self.backoff_cap, self.backoff_base * 2**attempt)

    def get(self, url: str, params: list[tuple[str, Any]] | None, where: str) -> tuple[list[dict[str, Any]], str | None]:
        import httpx2
        from huggingface_hub.errors import OfflineModeIsEnabled

        cause = ""
        for attempt in range(self.max_retries + 1):
            retry_after = None
            try:
                r = self.session.get(url, params=params, headers=self.headers, timeout=self.timeout)
            except OfflineModeIsEnabled:
                raise RefreshError("HF_HUB_OFFLINE is set: a refresh needs the network (unset HF_HUB_OFFLINE)") from None
            except httpx2.TimeoutException:
                cause = f"no answer within {self.timeout:g} s"
            except httpx2.TransportError as exc:
                cause = f"connection failed ({type(exc).__name__}: {exc})"
            else:
                if r.status_code == 429:
                    cause = "HTTP 429 Too Many Requests"
                    retry_after = _retry_after(r.headers.get("Retry-After"))
                elif r.status_code >= 500:
                    cause = f"HTTP {r.status_code} {r.reason_phrase}"
                elif r.status_code >= 400:
                    raise RefreshError(f"{where}: HTTP {r.status_code} {r.reason_phrase} from {_clean(str(r.url))}: {r.text[:200].strip()}")
                else:
                    try:
                        data = r.json()
                        if not isinstance(data, list):
                            raise ValueError("expected a JSON list")
                    except ValueError as exc:
                        cause = f"truncated or malformed JSON ({exc})"
                    else:
                        nxt = r.links.get("next", {}).get("url")
                        return data, (urljoin(str(r.url), nxt) if nxt else None)
            if attempt == self.max_retries:
                break
            self.retries += 1
            wait = self._wait(attempt, retry_after)
            log.info("%s: %s; retry %d of %d in %.1f s", where, cause, attempt + 1, self.max_retries, wait)
            self.sleep(wait)
        raise RefreshError(f"{where}: gave up after {self.max_retries + 1} attempts: {cause}", resumable=True)


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: fall back to exponential backoff


def _clean(url: str) -> str:
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
    sources: list[Source],
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
    progress: bool = False,
) -> Path:
    """List ``sources`` on the Hub and write the snapshot ``out/label``; returns its path.

    >>> refresh(plan(authors=["Qwen"]), "data/snapshots", "2026-12-01")   # doctest: +SKIP
    """
    from huggingface_hub import constants

    if not 1 <= page_size <= MAX_PAGE:
        raise RefreshError(f"--page-size must be between 1 and {MAX_PAGE}")
    if max_retries < 0:
        raise RefreshError("--max-retries cannot be negative")
    label = label or datetime.now(timezone.utc).strftime("%Y-%m-%d")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", label):
        raise RefreshError(f"label {label!r} must be a plain folder name (letters, digits, '.', '_', '-')")
    endpoint = (endpoint or constants.ENDPOINT).rstrip("/")
    out = Path(out)
    target = out / label
    work = out / f".{label}.refresh"
    if target.exists() and not overwrite:
        raise RefreshError(f"{paths.relative(target)} exists already: choose another --label, or pass --overwrite to replace it")
    query = {"endpoint": _clean(endpoint), "sources": [asdict(s) for s in sources], "page_size": page_size, "expand": EXPAND}
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
    else:
        (work / "pages").mkdir(parents=True)
        state = {"query": query, "started_at": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"), "source_index": 0,
                 "next_url": None, "pages": 0, "source_pages": 0, "source_rows": 0, "retries": 0}
        _write_json(work / STATE_FILE, state)

    fetcher = Fetcher(max_retries=max_retries, timeout=timeout, backoff_base=backoff_base)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(desc=f"refresh {label}", unit=" models", initial=0, dynamic_ncols=True, file=sys.stderr)
    try:
        while state["source_index"] < len(sources):
            src = sources[state["source_index"]]
            where = f"page {state['source_pages'] + 1} of '{src.name}' (request {state['pages'] + 1})"
            if state["next_url"] is None:
                items, nxt = fetcher.get(f"{endpoint}/api/models", src.params(page_size), where)
            else:
                items, nxt = fetcher.get(state["next_url"], None, where)
            if src.kind == "top":
                items = items[: int(src.value) - state["source_rows"]]
            try:
                rows = rows_from_items(items)
            except (KeyError, TypeError, ValueError, pa.ArrowException) as exc:
                raise RefreshError(f"{where}: a record does not look like a Hub model ({exc})") from None
            page_file = work / "pages" / f"{state['pages'] + 1:06d}.parquet"
            pq.write_table(rows, page_file.with_suffix(".tmp"))
            os.replace(page_file.with_suffix(".tmp"), page_file)
            state["pages"] += 1
            state["source_pages"] += 1
            state["source_rows"] += rows.num_rows
            state["retries"] += fetcher.retries
            fetcher.retries = 0
            done = nxt is None or (src.kind == "top" and state["source_rows"] >= int(src.value))
            if done:
                state.update(source_index=state["source_index"] + 1, next_url=None, source_pages=0, source_rows=0)
            else:
                state["next_url"] = nxt
            _write_json(work / STATE_FILE, state)
            if bar is not None:
                bar.update(rows.num_rows)
                bar.set_postfix(pages=state["pages"], retries=state["retries"])
    finally:
        state["retries"] += fetcher.retries
        fetcher.retries = 0
        if bar is not None:
            bar.close()
        if state["source_index"] < len(sources) and work.exists():
            _write_json(work / STATE_FILE, state)

    pages = sorted((work / "pages").glob("*.parquet"))[: state["pages"]]
    table = pa.concat_tables([pq.read_table(p) for p in pages]) if pages else rows_from_items([])
    table = _unique_ids(table)
    manifest = snapshot.build_manifest(
        table,
        label=label,
        source={"endpoint": _clean(endpoint), "query": "GET /api/models " + "; ".join(s.name for s in sources),
                "sources": [asdict(s) for s in sources], "page_size": page_size, "expand": EXPAND},
        created_at=state["started_at"],
        extra={"requests": state["pages"], "retries": state["retries"], "pages": state["pages"], "sample": any(s.kind != "all" for s in sources)},
    )
    try:
        snapshot.save(table, target, manifest, overwrite=overwrite)
    except SnapshotError as exc:
        raise RefreshError(f"the Hub's answer does not fit the snapshot format: {exc}") from None
    shutil.rmtree(work, ignore_errors=True)
    return target


def _unique_ids(table: pa.Table) -> pa.Table:
    """One row per id (a repo listed by two sources is stored once, as first seen)."""
    import numpy as np

    ids = table.column("id").to_numpy(zero_copy_only=False)
    _, first = np.unique(ids, return_index=True)
    return table.take(pa.array(np.sort(first)))
