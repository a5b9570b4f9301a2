"""``data/reference/regions.csv``, the region of every organisation, rebuilt from its sources.

``python -m hubshare.regions`` (``make regions``) writes it: every row of ATOM's region map
(``data/raw/atom/organization-regions-2026-08-17.csv``, source ``atom-2026-08-17``), then every
organisation of ``families.csv`` the map lacks (source ``families.csv``), sorted by organisation.
Run it after adding a family whose organisations ATOM's map does not hold, then ``make checksums``.
``reference.regions()`` reads the table.
"""

from __future__ import annotations

import sys

import pandas as pd

from . import families, paths


def build() -> pd.DataFrame:
    """The organisation → region table as ``data/reference/regions.csv`` holds it (``org``,
    ``region``, ``source``, ``notes``)."""
    atom = pd.read_csv(paths.ATOM_REGIONS_CSV, dtype=str, keep_default_na=False)
    rows = pd.DataFrame({"org": atom["hf_org"], "region": atom["region"], "source": "atom-2026-08-17", "notes": atom["notes"]})
    fam = families.load_rules(check_regions=False).table.drop_duplicates("org")
    extra = fam[~fam["org"].isin(rows["org"])]
    rows = pd.concat([rows, pd.DataFrame({"org": extra["org"], "region": extra["region"], "source": "families.csv", "notes": extra["notes"]})])
    return rows.sort_values("org", key=lambda c: c.str.lower(), ignore_index=True)


def write() -> bool:
    """Write ``build()`` to ``data/reference/regions.csv``; whether the file changed."""
    text = build().to_csv(index=False, lineterminator="\n")
    old = paths.REGIONS_CSV.read_text(encoding="utf-8") if paths.REGIONS_CSV.exists() else None
    if old == text:
        return False
    paths.REGIONS_CSV.write_text(text, encoding="utf-8")
    return True


def main() -> int:
    """``make regions``: write the table and say whether it changed; its exit code."""
    changed = write()
    print(f"{paths.relative(paths.REGIONS_CSV)}: {'rewritten (run make checksums)' if changed else 'unchanged'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
