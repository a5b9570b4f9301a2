"""Every shipped data file is described in data/README.md and matches its checksum."""

from hubshare import datafiles, paths, snapshot

listed = datafiles.listed
shipped_files = datafiles.shipped


def test_the_checksum_command_changes_nothing_on_the_shipped_data(tmp_path):
    copy = tmp_path / "README.md"
    copy.write_text((paths.DATA / "README.md").read_text(encoding="utf-8"), encoding="utf-8")
    assert datafiles.update(copy) == [] and copy.read_text(encoding="utf-8") == (paths.DATA / "README.md").read_text(encoding="utf-8")
    stale = copy.read_text(encoding="utf-8").replace(listed()["claims/README.md"], "0" * 64)
    copy.write_text(stale, encoding="utf-8")
    assert datafiles.update(copy) == [f"claims/README.md: {'0' * 12}… → {listed()['claims/README.md'][:12]}…"]


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

    from hubshare import families, reference, regions

    shipped = pd.read_csv(paths.REGIONS_CSV, dtype=str, keep_default_na=False)
    assert shipped.equals(regions.build().astype(str))
    table = reference.regions()
    assert set(table.values()) <= set(reference.REGIONS) and "unknown" in table.values()
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


def test_every_shipped_csv_reads_as_pandas_reads_it():
    # Reference tables are read without pandas (``read_rows``) and as DataFrames (``read_table``):
    # both must see what pandas' own reader sees.
    import pandas as pd

    files = sorted(paths.DATA.rglob("*.csv"))
    assert len(files) >= 5
    for path in files:
        expected = pd.read_csv(path, dtype=str, keep_default_na=False)
        table, _, problems = datafiles.read_table(path, (), ())
        pd.testing.assert_frame_equal(table, expected)
        rows, _, _ = datafiles.read_rows(path, (), ())
        assert list(rows) == list(expected.columns) and all(rows[c] == expected[c].tolist() for c in rows)


def test_a_broken_csv_is_one_readable_error(tmp_path):
    import pytest

    from hubshare.errors import ReferenceDataError

    cases = {
        "a,b\n1,2,3\n": "data row 1 has 3 cells, the header 2",
        "a,b\n1,2\n3\n": "data row 2 has 1 cells, the header 2",
        "a,a\n1,2\n": "a column name repeats",
        "": "no header",
        'a,b\n"1,2\n': "unreadable",
        "a,c\n1,2\n": "column(s) b missing",
    }
    for k, (text, message) in enumerate(cases.items()):
        path = tmp_path / f"t{k}.csv"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ReferenceDataError, match=message.replace("(", r"\(").replace(")", r"\)")):
            datafiles.read_rows(path, ("a", "b"), ())
    path = tmp_path / "ok.csv"
    path.write_bytes("\ufeffa,b\n\nx, \n\n".encode())  # a byte-order mark, blank lines, a blank cell
    rows, where, problems = datafiles.read_rows(path, ("a", "b"), ("b",))
    assert rows == {"a": ["x"], "b": [" "]} and problems == ["column 'b' is empty in 1 rows"]
