"""sha256 checksums of files, and a checksum a command starts before its imports.

A snapshot's checksum covers its whole parquet file (50 ms for the 81 MB file of 2.5 million
models). A command started from the shell spends its first 0.15 s importing NumPy and Arrow on one
core; ``begin`` hashes the file on the other core meanwhile, and the load takes that digest
(``sha256``) instead of hashing again. Only the standard library is imported here, so that
``begin`` can run before anything heavy is.
"""

from __future__ import annotations

import hashlib
import mmap
import os
import threading
from pathlib import Path

SLICE = 32 << 20
"""Bytes hashed per call, read from the file mapped into memory. Hashing a mapping copies nothing,
and each call releases the GIL once: a thread that reads the file in small pieces must take the GIL
back after each, and beside imports (which hold it) waits up to 5 ms for it every time. Each slice's
pages leave the process after it, so a file of gigabytes adds one slice to its memory."""

_started: dict[Path, tuple[tuple[int, int, int], _Digest]] = {}
_lock = threading.Lock()


def sha256_file(path: Path | str) -> str:
    """The sha256 of a file, in hex. The file must not shrink meanwhile (a snapshot or census file
    is replaced by a rename, never rewritten in place)."""
    h = hashlib.sha256()
    with open(path, "rb", buffering=0) as f:
        size = os.fstat(f.fileno()).st_size
        if size == 0:  # an empty file cannot be mapped
            return h.hexdigest()
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
            view = memoryview(m)
            try:
                for start in range(0, size, SLICE):
                    stop = min(start + SLICE, size)
                    h.update(view[start:stop])
                    if hasattr(m, "madvise"):
                        m.madvise(mmap.MADV_DONTNEED, start, stop - start)
            finally:
                view.release()
    return h.hexdigest()


class _Digest:
    """A checksum being computed in a thread of its own."""

    def __init__(self, path: Path) -> None:
        self.value: str | None = None
        self.error: BaseException | None = None
        # A daemon: a command that fails before its load leaves without waiting for the hash.
        self._thread = threading.Thread(target=self._run, args=(path,), name="hubshare-sha256", daemon=True)
        self._thread.start()

    def _run(self, path: Path) -> None:
        try:
            self.value = sha256_file(path)
        except BaseException as exc:  # given to whoever asks for the digest
            self.error = exc

    def result(self) -> str:
        self._thread.join()
        if self.error is not None:
            raise self.error
        assert self.value is not None
        return self.value


def _identity(path: Path) -> tuple[int, int, int] | None:
    """What tells one version of a file from another: inode, size, modification time."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def begin(path: Path | str) -> None:
    """Start computing the sha256 of ``path`` in a thread, for a later ``sha256(path)``. Does
    nothing when the file cannot be read; ``sha256`` then reports what is wrong."""
    path = Path(path).absolute()
    ident = _identity(path)
    if ident is None or not os.access(path, os.R_OK):
        return
    with _lock:
        if path in _started and _started[path][0] == ident:
            return
        _started[path] = ident, _Digest(path)


def sha256(path: Path | str) -> str:
    """The sha256 of ``path``: the one ``begin`` started, if the file has not changed since, or
    one computed now. A started digest is used once."""
    path = Path(path).absolute()
    with _lock:
        started = _started.pop(path, None)
    if started is not None and started[0] == _identity(path):
        try:
            return started[1].result()
        except OSError:
            pass  # computed again below, where the error is the caller's to see
    return sha256_file(path)


def pending() -> int:
    """How many started digests no load has taken yet."""
    with _lock:
        return len(_started)
