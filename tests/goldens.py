"""The classifier's digests in ``tests/golden/classification.json``: how they are made, and
``make golden`` (``python tests/goldens.py``), which rewrites them after a deliberate change of
rules (``families.csv``) or of the synthetic generator. Check the new results first, and say why
in the commit message; the tests only compare, they never write."""

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa

from hubshare import families, paths, snapshot, synthetic

GOLDEN = Path(__file__).parent / "golden" / "classification.json"
SEEDS = (1, 2, 3)
MODELS = 20_000


def digest(frame) -> dict[str, str]:
    """A short sha256 of each column of a classification, values in row order."""
    out = {}
    for col in frame.columns:
        values = frame[col].astype(object).where(frame[col].notna(), None)
        text = "\n".join("<NA>" if v is None else str(v) for v in values)
        out[col] = hashlib.sha256(text.encode()).hexdigest()[:16]
    return out


def cases():
    """``(name, make)`` for each case: seeded synthetic Hubs in id order and shuffled, and the
    shipped sample."""
    for seed in SEEDS:
        table = snapshot.to_table(synthetic.generate(MODELS, seed=seed)).select(["id", "base_models"])
        yield f"sorted-{seed}", lambda t=table: families.classify_table(t)
        order = pa.array(np.random.default_rng(seed).permutation(table.num_rows))
        yield f"shuffled-{seed}", lambda t=table, o=order: families.classify_table(t.take(o))
    yield "sample", lambda: families.classify(snapshot.load(paths.SAMPLE_SNAPSHOT))


def write() -> None:
    """Rewrite ``tests/golden/classification.json`` from the classifier as it is."""
    GOLDEN.write_text(json.dumps({name: digest(make()) for name, make in cases()}, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    write()
    print(f"wrote {GOLDEN.relative_to(paths.ROOT)}")
    sys.exit(0)
