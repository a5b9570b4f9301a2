"""A real HTTP server on 127.0.0.1 that answers ``GET /api/models`` like the Hub.

It serves models from ``hubshare.synthetic`` (seeded, so every run serves the same Hub), supports
``author``, ``search``, ``sort``, ``direction``, ``limit``, ``expand``/``expand[]`` and ``full``,
pages with a ``Link: <...>; rel="next"`` header and an opaque cursor, records every request, and
injects faults on chosen requests.

It also serves dataset repositories the way the Hub does and ``huggingface_hub`` reads them: the
commit listing (``GET /api/datasets/REPO/commits/REV``, paged with ``Link``, one commit per file
upload titled ``Upload FILE with huggingface_hub``), revision info (``GET
/api/datasets/REPO/revision/REV``), ``POST /api/datasets/REPO/paths-info/REV`` (with
``lastCommit`` under ``expand``: the last commit that changed the file), and files
(``HEAD``/``GET /datasets/REPO/resolve/REV/FILE`` with ``ETag`` = the file's sha256,
``X-Repo-Commit``, ``Content-Length`` and ``Range: bytes=A-B``). A file at any revision is that
of the last commit that uploaded it. ``replay_calendar`` lays out hub-stats' real 2026 commit
calendar (``hub-stats-calendar-2026.csv``: copied from the project's shared reference, read day by
day from the real dataset's commit list) with census files made on demand; ``rewrite_history``
changes every commit id, as the real dataset's rewritten history did.

    hub = FakeHub(models=2_000, seed=7).start()
    hub.fault(2, "429")           # the 2nd /api/models request answers 429 with Retry-After
    hub.add_commit("cfahlgren1/hub-stats", "2026-02-01T00:05:00Z", {"models.parquet": data})
    hub.file_fault("drop")        # the next file GET sends half the bytes and hangs up
    ... HF_ENDPOINT=hub.url ...
    hub.stop()

Run alone: ``python -m tests.fakehub --port 8000 --models 5000``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import math
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from hubshare import synthetic

FAULT_KINDS = ("429", "429-no-retry-after", "500", "503", "drop", "truncate", "malformed", "slow")
FILE_FAULTS = ("drop", "corrupt", "500", "change")
CALENDAR = Path(__file__).with_name("hub-stats-calendar-2026.csv")
OTHER_FILES = {"daily_papers": "daily_papers.parquet", "spaces": "spaces.parquet", "datasets": "datasets.parquet",
               "posts": "posts.parquet", "arxiv_papers": "arxiv_papers.parquet"}
SORT_FIELDS = {"downloads": "downloads", "likes": "likes", "createdAt": "createdAt", "lastModified": "lastModified",
               "trendingScore": "trendingScore", "trending_score": "trendingScore", "downloadsAllTime": "downloadsAllTime"}
ALWAYS = ("_id", "id")
DEFAULT_FIELDS = ("id", "likes", "trendingScore", "private", "downloads", "tags", "pipeline_tag", "library_name", "createdAt", "modelId")


@dataclass
class Fault:
    kind: str
    times: int = 1          # how many requests from the chosen one on get this fault (-1: all)
    seconds: float = 2.0    # for "slow"


class Blob:
    """A file's bytes, made on first use (a census file is generated only if someone reads it)."""

    def __init__(self, data: bytes | Callable[[], bytes]):
        self._make = data if callable(data) else None
        self._data = None if callable(data) else data
        self._lock = threading.Lock()

    @property
    def data(self) -> bytes:
        with self._lock:
            if self._data is None:
                self._data = self._make()
            return self._data

    @property
    def made(self) -> bool:
        return self._data is not None

    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class Request:
    number: int
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    status: int | None = None
    fault: str | None = None
    method: str = "GET"
    bytes: int = 0


class FakeHub:
    def __init__(self, models: int = 2_000, seed: int = 7, records: list[dict[str, Any]] | None = None, max_page: int = 1000):
        self.records = records if records is not None else synthetic.api_records(synthetic.generate(models, seed=seed))
        self.max_page = max_page
        self.requests: list[Request] = []
        self.faults: dict[int, Fault] = {}
        self.datasets: dict[str, list[dict[str, Any]]] = {}  # repo id → commits, newest first
        self.file_faults: list[str] = []
        self.commits_page = 50
        self._rewrite_at: tuple[str, int] | None = None
        self._listings = 0
        self._limit: dict[str, Any] | None = None
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- control
    def fault(self, request_number: int, kind: str, times: int = 1, seconds: float = 2.0) -> FakeHub:
        """Make request ``request_number`` (1-based, counting /api/models requests) and the
        ``times - 1`` after it fail with ``kind``; ``times=-1`` fails every request from there on."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}")
        self.faults[request_number] = Fault(kind, times, seconds)
        return self

    def limit(self, requests: int, seconds: float, *, retry_after: bool = True, headers: str = "always", scope: str = "models") -> FakeHub:
        """A fixed-window rate limit on /api/models: ``requests`` per ``seconds``, the window
        starting at the first request. Over it: 429 with ``RateLimit`` and ``RateLimit-Policy``
        (and ``Retry-After`` unless ``retry_after`` is false). ``headers="always"`` sends the two
        headers on every answer, ``"429"`` only on refusals. ``scope="api"`` limits the dataset commit
        listing too."""
        self._limit = {"n": requests, "w": seconds, "retry_after": retry_after, "headers": headers, "start": None, "count": 0, "scope": scope}
        return self

    def unlimit(self) -> FakeHub:
        self._limit = None
        return self

    def _rate(self) -> tuple[bool, dict[str, str]]:
        """Count a request against the window: ``(refused, headers to send)``."""
        lim = self._limit
        if lim is None:
            return False, {}
        now = time.monotonic()
        with self._lock:
            if lim["start"] is None or now >= lim["start"] + lim["w"]:
                lim["start"], lim["count"] = now, 0
            lim["count"] += 1
            left = max(0, lim["n"] - lim["count"])
            reset = max(1, math.ceil(lim["start"] + lim["w"] - now))
            refused = lim["count"] > lim["n"]
        headers = {"RateLimit": f'"api";r={left};t={reset}', "RateLimit-Policy": f'"fixed window";"api";q={lim["n"]};w={math.ceil(lim["w"])}'}
        if refused and lim["retry_after"]:
            headers["Retry-After"] = str(reset)
        if not refused and lim["headers"] != "always":
            headers = {}
        return refused, headers

    def add_commit(self, repo_id: str, date: str, files: dict[str, bytes | Blob | Callable[[], bytes]], commit_id: str | None = None,
                   title: str | None = None) -> str:
        """Add a commit to a dataset repository that uploads ``files`` (files of the commits before
        it carry over, as on the Hub); the title defaults to the Hub client's ``Upload FILE with
        huggingface_hub``."""
        commits = self.datasets.setdefault(repo_id, [])
        sha = commit_id or hashlib.sha1(f"{repo_id}{date}{len(commits)}".encode()).hexdigest()
        blobs = {name: f if isinstance(f, Blob) else Blob(f) for name, f in files.items()}
        if title is None:
            title = f"Upload {', '.join(files)} with huggingface_hub" if files else "Update README.md"
        commits.append({"id": sha, "date": date, "title": title, "changed": blobs})
        commits.sort(key=lambda c: c["date"], reverse=True)
        return sha

    def files_at(self, repo_id: str, commit: dict[str, Any]) -> dict[str, tuple[Blob, dict[str, Any]]]:
        """Every file at a commit, with the commit that last changed it."""
        out: dict[str, tuple[Blob, dict[str, Any]]] = {}
        for c in self.datasets[repo_id][self.datasets[repo_id].index(commit):]:  # newest first, from this one back
            for name, blob in c["changed"].items():
                out.setdefault(name, (blob, c))
        return out

    def replay_calendar(self, repo_id: str, models: Callable[[str], bytes], *, first: str = "2026-01-20", last: str = "2026-06-15",
                        calendar: Path = CALENDAR) -> list[str]:
        """Lay out the real hub-stats commit calendar from ``first`` to ``last``: on each day the
        ``models.parquet`` uploads at their real times (the file made by ``models(ISO time)`` when
        first read) and the other files' uploads within minutes of them; papers-only days and days
        without a commit as they were. Returns the times of the models uploads."""
        import csv

        uploads = []
        with calendar.open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                day = row["day"]
                if not first <= day <= last:
                    continue
                other = row["other_uploads"]
                names = [n for key, n in OTHER_FILES.items() if key in other]
                times = row["models_uploads_utc"].split()
                for t in times:
                    stamp = f"{day}T{t}Z"
                    uploads.append(stamp)
                    self.add_commit(repo_id, stamp, {"models.parquet": (lambda stamp=stamp: models(stamp))})
                    for k, name in enumerate(names):  # the other uploads follow within minutes
                        later = _plus(stamp, (k + 1) * 97)
                        self.add_commit(repo_id, later, {name: f"{name} {later}".encode()})
                if not times and names:  # papers-only days: one upload each at about 13:17 UTC
                    for k, name in enumerate(names):
                        stamp = f"{day}T13:17:{10 + k:02d}Z"
                        self.add_commit(repo_id, stamp, {name: f"{name} {stamp}".encode()})
        return uploads

    def rewrite_history(self, repo_id: str, *, after_listings: int = 0) -> None:
        """Give every commit a new id (a force-push of the same content), now or after the
        ``after_listings``-th listing of the commits."""
        if after_listings:
            self._rewrite_at = (repo_id, after_listings)
            return
        for c in self.datasets[repo_id]:
            c["id"] = hashlib.sha1(f"rewritten {c['id']}".encode()).hexdigest()

    def file_fault(self, kind: str, on: str = "any") -> FakeHub:
        """The next file GET fails with ``kind`` (drop: half the bytes, then hang up; corrupt:
        other bytes than the ETag promises; 500: a server error; change: the file is replaced,
        ETag and all, from this request on). ``on="whole"`` waits for a GET of the whole file,
        ``on="range"`` for a ranged one."""
        if kind not in FILE_FAULTS:
            raise ValueError(f"unknown file fault {kind!r}")
        self.file_faults.append((kind, on))
        return self

    def _file_fault(self, ranged: bool) -> str | None:
        with self._lock:
            for k, (kind, on) in enumerate(self.file_faults):
                if on == "any" or (on == "range") == ranged:
                    del self.file_faults[k]
                    return kind
        return None

    @property
    def file_requests(self) -> list[Request]:
        return [r for r in self.requests if "/resolve/" in r.path]

    def _fault_for(self, number: int) -> Fault | None:
        for start, f in self.faults.items():
            if number >= start and (f.times < 0 or number < start + f.times):
                return f
        return None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self, port: int = 0) -> FakeHub:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                hub._handle(self)

            def do_HEAD(self):
                hub._handle(self)

            def do_POST(self):
                hub._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def model_requests(self) -> list[Request]:
        return [r for r in self.requests if r.path == "/api/models"]

    # -- serving
    def _select(self, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        rows = self.records
        if "author" in query:
            author = query["author"][0]
            rows = [r for r in rows if r["id"].split("/", 1)[0] == author]
        if "search" in query:
            needle = query["search"][0].lower()
            rows = [r for r in rows if needle in r["id"].lower()]
        sort = query.get("sort", [None])[0]
        if sort:
            key = SORT_FIELDS.get(sort)
            if key is None:
                raise ValueError(f"unknown sort {sort!r}")
            blank = "" if key in ("createdAt", "lastModified") else 0
            descending = query.get("direction", ["-1"])[0] != "1"
            # Two stable sorts: by id, then by the field, so ties keep a fixed order.
            rows = sorted(rows, key=lambda r: r["id"])
            rows = sorted(rows, key=lambda r: blank if r.get(key) is None else r[key], reverse=descending)
        return rows

    @staticmethod
    def _project(row: dict[str, Any], expand: list[str], full: bool) -> dict[str, Any]:
        if full:
            return dict(row)
        fields = expand if expand else DEFAULT_FIELDS
        out = {k: row[k] for k in ALWAYS}
        out.update({k: row.get(k) for k in fields if k in row})
        return out

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        query_list = parse_qsl(parts.query, keep_blank_values=True)
        with self._lock:
            number = len(self.model_requests) + 1 if parts.path == "/api/models" else 0
            req = Request(number, parts.path, query_list, {k.lower(): v for k, v in h.headers.items()}, method=h.command)
            self.requests.append(req)
        if parts.path.startswith("/api/datasets/") and "/paths-info/" in parts.path and h.command == "POST":
            return self._paths_info(h, req, parts.path)
        if parts.path.startswith("/api/datasets/") and "/revision/" in parts.path:
            return self._revision(h, req, parts.path)
        if parts.path.startswith("/api/datasets/") and "/commits/" in parts.path:
            if self._limit is not None and self._limit["scope"] == "api":
                refused, rate_headers = self._rate()
                if refused:
                    req.fault = "rate-limited"
                    return self._send(h, req, 429, {"error": "You have exceeded the rate limit"}, rate_headers)
            return self._commits(h, req, parts.path, dict(query_list))
        if parts.path.startswith("/datasets/") and "/resolve/" in parts.path:
            return self._file(h, req, parts.path)
        if parts.path != "/api/models":
            return self._send(h, req, 404, {"error": "not found"})
        refused, rate_headers = self._rate()
        if refused:
            req.fault = "rate-limited"
            return self._send(h, req, 429, {"error": "You have exceeded the rate limit"}, rate_headers)
        fault = self._fault_for(number)
        if fault:
            req.fault = fault.kind
            if fault.kind == "429":
                return self._send(h, req, 429, {"error": "rate limited"}, {"Retry-After": "1"})
            if fault.kind == "429-no-retry-after":
                return self._send(h, req, 429, {"error": "rate limited"})
            if fault.kind in ("500", "503"):
                return self._send(h, req, int(fault.kind), {"error": "server error"})
            if fault.kind == "drop":
                return self._hang_up(h)
            if fault.kind == "slow":
                time.sleep(fault.seconds)
        query: dict[str, list[str]] = {}
        for k, v in query_list:
            query.setdefault(k.removesuffix("[]"), []).append(v)
        try:
            rows = self._select(query)
            limit = min(int(query.get("limit", [self.max_page])[0]), self.max_page)
            offset = self._decode_cursor(query.get("cursor", [None])[0], query)
        except ValueError as exc:
            return self._send(h, req, 400, {"error": str(exc)})
        page = rows[offset: offset + limit]
        body = [self._project(r, query.get("expand", []), query.get("full", ["false"])[0].lower() in ("1", "true"))
                for r in page]
        headers = dict(rate_headers)
        if offset + limit < len(rows):
            nxt = [(k, v) for k, v in query_list if k != "cursor"] + [("cursor", self._encode_cursor(offset + limit, query))]
            headers["Link"] = f'<{self.url}/api/models?{urlencode(nxt)}>; rel="next"'
        if fault and fault.kind == "truncate":
            data = json.dumps(body).encode()
            req.status = 200
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data[: len(data) // 2])
            h.wfile.flush()
            return self._hang_up(h)
        if fault and fault.kind == "malformed":
            data = json.dumps(body).encode()[:-7]
            return self._send_raw(h, req, 200, data, headers)
        return self._send(h, req, 200, body, headers)

    def _commit(self, repo_id: str, rev: str) -> dict[str, Any] | None:
        commits = self.datasets.get(repo_id, [])
        if rev == "main":
            return commits[0] if commits else None
        return next((c for c in commits if c["id"] == rev), None)

    def _repo_commit(self, h, req, path: str, route: str) -> tuple[str, dict[str, Any]] | None:
        """``(repo id, commit)`` of an ``/api/datasets/REPO/ROUTE/REV`` path, or None once a 404
        has been sent as the Hub sends it."""
        repo_id, _, rev = path.removeprefix("/api/datasets/").partition(f"/{route}/")
        if repo_id not in self.datasets:
            self._send(h, req, 404, {"error": "Repository not found"}, {"X-Error-Code": "RepoNotFound"})
            return None
        commit = self._commit(repo_id, rev)
        if commit is None:
            self._send(h, req, 404, {"error": "Invalid rev id"}, {"X-Error-Code": "RevisionNotFound"})
            return None
        return repo_id, commit

    def _commits(self, h, req, path: str, query: dict[str, str]) -> None:
        found = self._repo_commit(h, req, path, "commits")
        if found is None:
            return None
        repo_id, head = found
        commits = self.datasets[repo_id]
        history = commits[commits.index(head):]
        page = int(query.get("p", "0"))
        chunk = history[page * self.commits_page:(page + 1) * self.commits_page]
        body = [{"id": c["id"], "title": c["title"], "message": "", "authors": [{"user": "cfahlgren1"}], "date": c["date"]}
                for c in chunk]
        headers = {}
        last_page = (page + 1) * self.commits_page >= len(history)
        if not last_page:
            headers["Link"] = f'<{self.url}{path}?p={page + 1}>; rel="next"'
        self._send(h, req, 200, body, headers)
        if last_page:
            with self._lock:
                self._listings += 1
                due = self._rewrite_at is not None and self._rewrite_at[0] == repo_id and self._listings >= self._rewrite_at[1]
                if due:
                    self._rewrite_at = None
            if due:
                self.rewrite_history(repo_id)
        return None

    def _revision(self, h, req, path: str) -> None:
        found = self._repo_commit(h, req, path, "revision")
        if found is None:
            return None
        repo_id, commit = found
        files = self.files_at(repo_id, commit)
        return self._send(h, req, 200, {"id": repo_id, "sha": commit["id"], "lastModified": commit["date"], "private": False,
                                        "siblings": [{"rfilename": name} for name in sorted(files)]})

    def _paths_info(self, h, req, path: str) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        form = dict(parse_qsl(h.rfile.read(length).decode())) if length else {}
        found = self._repo_commit(h, req, path, "paths-info")
        if found is None:
            return None
        repo_id, commit = found
        files = self.files_at(repo_id, commit)
        wanted = [form["paths"]] if "paths" in form else []
        expand = form.get("expand", "false").lower() in ("1", "true")
        out = []
        for name in wanted:
            if name not in files:
                continue
            blob, last = files[name]
            entry = {"type": "file", "path": name, "size": len(blob.data), "oid": hashlib.sha1(blob.data).hexdigest(),
                     "lfs": {"oid": blob.sha256(), "size": len(blob.data), "pointerSize": 134}}
            if expand:
                entry["lastCommit"] = {"id": last["id"], "title": last["title"], "date": last["date"]}
            out.append(entry)
        return self._send(h, req, 200, out)

    def _file(self, h, req, path: str) -> None:
        repo_id, _, rest = path.removeprefix("/datasets/").partition("/resolve/")
        rev, _, filename = rest.partition("/")
        commit = self._commit(repo_id, rev) if repo_id in self.datasets else None
        if commit is None:
            return self._send(h, req, 404, {"error": "Repository or revision not found"}, {"X-Error-Code": "RevisionNotFound" if repo_id in self.datasets else "RepoNotFound"})
        files = self.files_at(repo_id, commit)
        if filename not in files:
            return self._send(h, req, 404, {"error": "Entry not found"}, {"X-Error-Code": "EntryNotFound", "X-Repo-Commit": commit["id"]})
        blob = files[filename][0]
        fault = self._file_fault("range" in req.headers) if h.command == "GET" else None
        if fault == "change":
            changed = blob.data[:-64] + bytes(b ^ 0x5A for b in blob.data[-64:])
            files[filename][1]["changed"][filename] = blob = Blob(changed)
        data = blob.data
        digest = blob.sha256()
        headers = {"ETag": f'"{digest}"', "X-Repo-Commit": commit["id"], "Accept-Ranges": "bytes", "Content-Type": "application/octet-stream"}
        if h.command == "HEAD":
            req.status = 200
            h.send_response(200)
            for k, v in {**headers, "Content-Length": str(len(data))}.items():
                h.send_header(k, v)
            h.end_headers()
            return None
        req.fault = fault
        if fault == "500":
            return self._send(h, req, 500, {"error": "server error"})
        if fault == "corrupt":
            data = bytes(b ^ 0xFF for b in data[:64]) + data[64:]
        start, end = 0, len(data) - 1
        rng = req.headers.get("range", "")
        if rng.startswith("bytes="):
            lo, _, hi = rng.removeprefix("bytes=").partition("-")
            start = int(lo or 0)
            end = min(int(hi), len(data) - 1) if hi else len(data) - 1
            if start >= len(data):
                return self._send(h, req, 416, {"error": "Range Not Satisfiable"}, {"Content-Range": f"bytes */{len(data)}"})
        body = data[start:end + 1]
        partial = bool(rng)
        status = 206 if partial else 200
        req.status = status
        req.bytes = len(body)
        h.send_response(status)
        for k, v in headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        if partial:
            h.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        h.end_headers()
        if fault == "drop":
            h.wfile.write(body[: len(body) // 2])
            h.wfile.flush()
            return self._hang_up(h)
        h.wfile.write(body)
        return None

    @staticmethod
    def _hang_up(h) -> None:
        """Close the connection without (the rest of) an answer."""
        h.close_connection = True
        try:
            h.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    @staticmethod
    def _query_key(query: dict[str, list[str]]) -> str:
        stable = sorted((k, tuple(v)) for k, v in query.items() if k != "cursor")
        return hashlib.sha256(repr(stable).encode()).hexdigest()[:12]

    def _encode_cursor(self, offset: int, query: dict[str, list[str]]) -> str:
        return base64.urlsafe_b64encode(json.dumps({"o": offset, "q": self._query_key(query)}).encode()).decode()

    def _decode_cursor(self, cursor: str | None, query: dict[str, list[str]]) -> int:
        if not cursor:
            return 0
        try:
            data = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        except (ValueError, json.JSONDecodeError):
            raise ValueError("invalid cursor") from None
        if data.get("q") != self._query_key(query):
            raise ValueError("cursor belongs to another query")
        return int(data["o"])

    def _send(self, h, req, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        self._send_raw(h, req, status, json.dumps(obj).encode(), headers)

    @staticmethod
    def _send_raw(h, req, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
        req.status = status
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(data)


def _plus(stamp: str, seconds: int) -> str:
    """An ISO UTC time ``seconds`` later."""
    from datetime import UTC, datetime, timedelta

    t = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) + timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def main() -> None:
    p = argparse.ArgumentParser(description="Serve a seeded synthetic Hub on 127.0.0.1.")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--models", type=int, default=5_000)
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args()
    hub = FakeHub(models=args.models, seed=args.seed).start(args.port)
    print(f"fake Hub with {len(hub.records)} synthetic models at {hub.url} (Ctrl-C to stop)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        hub.stop()


if __name__ == "__main__":
    main()
