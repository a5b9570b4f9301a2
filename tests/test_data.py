"""Every shipped data file is described in data/README.md and matches its checksum."""

import re

from hubshare import paths, snapshot

ROW = re.compile(r"^\|\s*([^|\s]+)\s*\|\s*([0-9a-f]{64})\s*\|$")


def listed() -> dict[str, str]:
    text = (paths.DATA / "README.md").read_text()
    section = text.split("## Checksums", 1)[1]
    return {m.group(1): m.group(2) for line in section.splitlines() if (m := ROW.match(line.strip()))}


def test_every_data_file_is_listed_and_matches():
    table = listed()
    files = {
        str(p.relative_to(paths.DATA))
        for p in paths.DATA.rglob("*")
        if p.is_file() and p.name != "README.md" and not any(part.startswith(".") for part in p.relative_to(paths.DATA).parts)
    }
    assert files == set(table), f"unlisted: {files - set(table)}; listed but absent: {set(table) - files}"
    for name, digest in table.items():
        assert snapshot.sha256_file(paths.DATA / name) == digest, f"{name}: checksum differs from data/README.md"


def test_raw_transcription_matches_its_provenance_checksum():
    assert snapshot.sha256_file(paths.TRENDING_CSV) == "cc77bb060b0f4de4646a9e78729c77f4bd212e7a7ec93577fd58e0b5baee21ac"


def test_every_data_file_has_a_section():
    text = (paths.DATA / "README.md").read_text()
    for folder in ("raw/hub_trending_2026-05-16.csv", "snapshots/2026-05-16-trending-sample/", "reference/families.csv", "published/figures.csv"):
        assert f"## {folder}" in text
