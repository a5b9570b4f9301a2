"""A file on the Hub read by byte ranges, so that a parquet reader fetches only what it asks for.

``RemoteFile`` is a seekable, read-only file object over one ``resolve`` URL pinned to a commit.
Each ``read`` is one HTTP ``Range`` request (through huggingface_hub's session, headers and
retries), with no read-ahead, so pyarrow's reader, which reads the footer and then the column
chunks it needs (coalesced with ``pre_buffer``), fetches those bytes and no others. Every answer
must carry the ETag of the first: a file that changes while it is read is one ``CensusError``.

>>> f = RemoteFile("https://huggingface.co/datasets/cfahlgren1/hub-stats/resolve/SHA/models.parquet")  # doctest: +SKIP
>>> pq.ParquetFile(f, pre_buffer=True).read(columns=["id"]); f.bytes_read                           # doctest: +SKIP
"""

from __future__ import annotations

import io
import re

from ..errors import CensusError

_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
MAX_RETRIES = 5
"""Retries of one range request on a server error or a dropped connection (huggingface_hub's
``http_backoff`` waits between them, doubling from ``BACKOFF_BASE`` seconds)."""
BACKOFF_BASE = 1.0


def hub_call(what: str, func, *args, repo: str, filename: str, **kwargs):
    """Run a huggingface_hub call (or an HTTP request through its session) on ``filename`` of
    dataset ``repo``; its failures become one readable ``CensusError`` (``RevisionGone`` for a
    revision that does not exist)."""
    import httpx2
    from huggingface_hub import errors as hf_errors

    try:
        return func(*args, **kwargs)
    except hf_errors.OfflineModeIsEnabled:
        raise CensusError(f"{what}: HF_HUB_OFFLINE is set: importing a census day needs the network (unset HF_HUB_OFFLINE)") from None
    except hf_errors.RepositoryNotFoundError:
        raise CensusError(f"{what}: dataset {repo} not found (or not visible with this token)") from None
    except hf_errors.RevisionNotFoundError:
        raise RevisionGone(f"{what}: no such revision in {repo} (its history may have been rewritten)") from None
    except hf_errors.EntryNotFoundError:
        raise CensusError(f"{what}: {filename} is not in {repo} at that revision") from None
    except hf_errors.LocalEntryNotFoundError as exc:
        raise CensusError(f"{what}: the Hub cannot be reached and the file is not cached ({first_line(exc)})") from None
    except hf_errors.HfHubHTTPError as exc:
        if exc.response is not None and exc.response.status_code == 429:
            # huggingface_hub has waited for the rate-limit window several times already.
            raise CensusError(f"{what}: still rate-limited by the Hub after waiting for its window; run the command again "
                              "later, or set HF_TOKEN for a higher limit") from None
        raise CensusError(f"{what}: {first_line(exc)}") from None
    except (httpx2.HTTPError, OSError) as exc:
        raise CensusError(f"{what}: {type(exc).__name__}: {first_line(exc)}") from None


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type's name when it has none)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class RevisionGone(CensusError):
    """The revision asked for is not in the repository (any more)."""


class RemoteFile(io.RawIOBase):
    """A read-only, seekable view of a file on the Hub, read by byte ranges (see the module).

    ``size`` comes from a first ``HEAD``; ``bytes_read`` counts the bytes received and
    ``requests`` the range requests sent.
    """

    def __init__(self, url: str, *, what: str = "", headers: dict[str, str] | None = None, repo: str = "", filename: str = ""):
        from huggingface_hub.utils import build_hf_headers

        super().__init__()
        self.url = url
        self.what = what or url
        self.repo, self.filename = repo, filename or url.rsplit("/", 1)[-1]
        self.headers = dict(headers) if headers is not None else build_hf_headers(library_name="hubshare")
        self.bytes_read = 0
        self.requests = 0
        self.etag: str | None = None
        self._pos = 0
        head = self._call("HEAD", {})
        self.etag = _etag(head)
        length = head.headers.get("content-length")
        if length is None:
            raise CensusError(f"{self.what}: the Hub gave no size for the file")
        self.size = int(length)

    def _call(self, method: str, extra: dict[str, str]):
        import httpx2
        from huggingface_hub.utils import hf_raise_for_status, http_backoff

        def send():
            r = http_backoff(method, self.url, headers={**self.headers, **extra}, max_retries=MAX_RETRIES, follow_redirects=True,
                             retry_on_exceptions=(httpx2.TransportError,), base_wait_time=BACKOFF_BASE)
            hf_raise_for_status(r)
            return r

        r = hub_call(self.what, send, repo=self.repo, filename=self.filename)
        if self.etag is not None and _etag(r) != self.etag:
            raise CensusError(f"{self.what}: the file changed while it was read (ETag {self.etag[:12]}… became "
                              f"{(_etag(r) or 'none')[:12]}…): run the command again")
        return r

    # -- io.RawIOBase

    def readable(self) -> bool:
        """Always True: the file is read, never written."""
        return True

    def seekable(self) -> bool:
        """Always True: any position can be read by a range request."""
        return True

    def tell(self) -> int:
        """The current position."""
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move to ``offset`` from ``whence`` (start, current position or end); the new position."""
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes from the current position (the rest of the file for -1), by range requests."""
        if self._pos >= self.size:
            return b""
        end = self.size if size is None or size < 0 else min(self.size, self._pos + size)
        if end <= self._pos:
            return b""
        r = self._call("GET", {"Range": f"bytes={self._pos}-{end - 1}"})
        self.requests += 1
        data = r.content
        self.bytes_read += len(data)
        if r.status_code == 200:  # the server ignored the range and sent the whole file
            data = data[self._pos:end]
        else:
            m = _RANGE.match(r.headers.get("content-range", ""))
            if m is None or int(m.group(1)) != self._pos:
                raise CensusError(f"{self.what}: the Hub answered a range request with other bytes than asked")
        if len(data) != end - self._pos:
            raise CensusError(f"{self.what}: the Hub sent {len(data):,} of {end - self._pos:,} bytes asked (connection cut?)")
        self._pos = end
        return data

    def readinto(self, buffer) -> int:
        """Read into ``buffer``; the number of bytes read."""
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readall(self) -> bytes:
        """The rest of the file."""
        return self.read(-1)


def _etag(response) -> str | None:
    tag = response.headers.get("x-linked-etag") or response.headers.get("etag")
    return tag.strip().removeprefix("W/").strip('"') if tag else None


class CountedFile(io.FileIO):
    """A local file with ``RemoteFile``'s counters (``size``, ``bytes_read``, ``requests``), so
    that the bytes a census read takes can be measured without a network (``make bench``)."""

    def __init__(self, path):
        super().__init__(path, "rb")
        self.size = self.seek(0, io.SEEK_END)
        self.seek(0)
        self.bytes_read = 0
        self.requests = 0
        self.etag = None

    def read(self, size: int = -1) -> bytes:
        """``read``, counting the calls and bytes."""
        data = super().read(size)
        self.requests += 1
        self.bytes_read += len(data)
        return data

    def readinto(self, buffer) -> int:
        """``readinto``, counting the calls and bytes."""
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
