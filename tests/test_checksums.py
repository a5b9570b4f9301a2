"""The checksums of snapshot and census files, and the one a command starts before its imports."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import pytest

from hubshare import checksums, paths, snapshot
from hubshare.errors import SnapshotError

from conftest import make_snapshot

SAMPLE = str(paths.SAMPLE_SNAPSHOT)


def _seeded_bytes(n: int, seed: int = 20260516) -> bytes:
    return hashlib.shake_256(seed.to_bytes(8, "little")).digest(n)


@pytest.mark.parametrize("size", [0, 1, 4095, checksums.SLICE - 1, checksums.SLICE, checksums.SLICE + 12345, 2 * checksums.SLICE])
def test_the_checksum_is_hashlibs_at_every_slice_boundary(tmp_path, size):
    path = tmp_path / "f.bin"
    data = _seeded_bytes(size)
    path.write_bytes(data)
    assert checksums.sha256_file(path) == hashlib.sha256(data).hexdigest()


def test_a_started_checksum_is_taken_once(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(_seeded_bytes(3 << 20))
    want = hashlib.sha256(path.read_bytes()).hexdigest()
    checksums.begin(path)
    checksums.begin(tmp_path / "." / "f.bin")  # the same file: started once
    assert checksums.pending() == 1
    assert checksums.sha256(path) == want
    assert checksums.pending() == 0
    assert checksums.sha256(path) == want  # computed again


def test_a_file_changed_after_the_start_is_hashed_again(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(_seeded_bytes(1 << 20, seed=1))
    checksums.begin(path)
    replacement = tmp_path / "new.bin"
    replacement.write_bytes(_seeded_bytes(1 << 20, seed=2))
    os.replace(replacement, path)  # as a snapshot is replaced: a new file under the old name
    assert checksums.sha256(path) == hashlib.sha256(_seeded_bytes(1 << 20, seed=2)).hexdigest()
    assert checksums.pending() == 0


def test_a_missing_file_starts_nothing_and_fails_when_asked_for(tmp_path):
    checksums.begin(tmp_path / "absent.bin")
    assert checksums.pending() == 0
    with pytest.raises(FileNotFoundError):
        checksums.sha256(tmp_path / "absent.bin")


def test_a_file_removed_while_hashed_is_the_callers_error(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"x" * 1000)
    checksums.begin(path)
    path.unlink()
    with pytest.raises(FileNotFoundError):
        checksums.sha256(path)


def test_a_load_takes_the_started_checksum_and_still_finds_a_mismatch(tmp_path):
    good = make_snapshot(tmp_path / "good", [{"id": "org/a", "downloads_30d": 5}])
    checksums.begin(good / snapshot.MODELS_FILE)
    assert len(snapshot.load(good)) == 1
    assert checksums.pending() == 0
    bad = make_snapshot(tmp_path / "bad", [{"id": "org/b", "downloads_30d": 5}])
    manifest = (bad / snapshot.MANIFEST_FILE).read_text()
    (bad / snapshot.MANIFEST_FILE).write_text(manifest.replace(snapshot.sha256_file(bad / snapshot.MODELS_FILE), "0" * 64))
    checksums.begin(bad / snapshot.MODELS_FILE)
    with pytest.raises(SnapshotError, match="checksum mismatch"):
        snapshot.load(bad)
    assert checksums.pending() == 0


def test_the_program_starts_the_checksum_before_its_imports():
    # ``hubshare shares`` and ``claims --snapshot`` hash the file while NumPy and Arrow import: the
    # hash must start before either is imported, and the load must take it rather than hash again.
    code = (
        "import sys, contextlib, io\n"
        "from hubshare import checksums, cli\n"
        "from hubshare.cli import commands\n"
        "seen = []\n"
        "begin = checksums.begin\n"
        "def spy(path):\n"
        "    seen.append(('numpy' in sys.modules, 'pyarrow' in sys.modules))\n"
        "    begin(path)\n"
        "checksums.begin = spy\n"
        f"for argv in (['shares', '--snapshot', {SAMPLE!r}], ['claims', '--snapshot', {SAMPLE!r}]):\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        cli.main(argv)\n"
        "print(seen, checksums.pending())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[(False, False), (True, True)] 0", out.stderr
