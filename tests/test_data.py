"""Every shipped data file is described in data/README.md and matches its checksum."""

import re

from hubshare import paths, snapshot

ROW = re.compile(r"^\|\s*([^|\s]+)\s*\|\s*([0-9a-f]{64})\s*\|$")


def listed() -> dict[str, str]:
    text = (paths.DATA / "README.md").read_text()
    section = text.split("## Checksums", 1)[1]
    return {m.group(1): m.group(2) for line in section.splitlines() if (m := ROW.match(line.strip()))}


def shipped_files() -> set[str]:
    """The data files the repository ships: those tracked by git (snapshots a user imports or
    refreshes into data/snapshots/ are theirs, not shipped), or every file outside git."""
    import subprocess

    r = subprocess.run(["git", "ls-files", "-z", "data"], capture_output=True, text=True, cwd=paths.ROOT)
    if r.returncode == 0 and r.stdout:
        names = {n.removeprefix("data/") for n in r.stdout.split("\0") if n}
    else:
        names = {str(p.relative_to(paths.DATA)) for p in paths.DATA.rglob("*") if p.is_file()}
    return {n for n in names if n != "README.md" and not any(part.startswith(".") for part in n.split("/"))}


def test_every_data_file_is_listed_and_matches():
    table = listed()
    files = shipped_files()
    assert files == set(table), f"unlisted: {files - set(table)}; listed but absent: {set(table) - files}"
    for name, digest in table.items():
        assert snapshot.sha256_file(paths.DATA / name) == digest, f"{name}: checksum differs from data/README.md"


def test_raw_transcription_matches_its_provenance_checksum():
    assert snapshot.sha256_file(paths.TRENDING_CSV) == "cc77bb060b0f4de4646a9e78729c77f4bd212e7a7ec93577fd58e0b5baee21ac"


def test_every_data_file_has_a_section():
    text = (paths.DATA / "README.md").read_text()
    sections = [line[3:].strip() for line in text.splitlines() if line.startswith("## ")]
    for name in listed():
        assert any(name == s or (s.endswith("/") and name.startswith(s)) or (name.startswith("raw/LICENSE") and s.startswith("raw/hub_trending"))
                   for s in sections), f"{name} has no section in data/README.md"


def test_atom_files_match_their_provenance():
    from hubshare import reference

    assert snapshot.sha256_file(paths.ATOM_MODELS_CSV) == "4d5bead1aa60d835cbc5afcc667b38ef9cebb92001c29aa19da91612faff5900"
    assert snapshot.sha256_file(paths.ATOM_REGIONS_CSV) == "6c372523c9956b43cb386e1701f676d09e0d11ac0b2bcdac539383920c506028"
    models, regions = reference.atom_models(), reference.atom_regions()
    assert len(models) == 1617 and len(regions) == 118
    assert set(models["org"]) <= set(regions)
    assert "Apache License" in (paths.ATOM / "LICENSE-tracked-models.txt").read_text()


def test_regions_table_is_rebuilt_from_its_sources_and_agrees_with_families():
    import pandas as pd

    from hubshare import families, reference

    shipped = pd.read_csv(paths.REGIONS_CSV, dtype=str, keep_default_na=False)
    assert shipped.equals(reference.build_regions().astype(str))
    table = reference.regions()
    assert set(table.values()) <= set(reference.ATOM_REGIONS) and "unknown" in table.values()
    for r in families.load_rules().table.itertuples():
        assert table[r.org] == r.region, r.org


def test_a_families_region_that_disagrees_is_refused(tmp_path, monkeypatch):
    import pytest

    from hubshare import families
    from hubshare.errors import ReferenceDataError

    text = paths.FAMILIES_CSV.read_text().replace("Falcon,tiiuae,other", "Falcon,tiiuae,eu")
    bad = tmp_path / "families.csv"
    bad.write_text(text)
    monkeypatch.setattr(paths, "FAMILIES_CSV", bad)
    with pytest.raises(ReferenceDataError, match=r"tiiuae \(eu here, other in regions.csv\)"):
        families.load_rules(bad)
