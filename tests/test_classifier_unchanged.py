"""The classifier's results, column by column, equal those of the previous classifier (hubshare at
commit 591c66a, before the census-speed work) on seeded synthetic Hubs, in id order and shuffled,
and on the shipped sample. The digests are in ``tests/golden/classification.json``.

A change of rules (``families.csv``) or of the generator changes them on purpose: check the new
results, then rewrite the file with ``python tests/test_classifier_unchanged.py`` and say why in
the commit message.
"""

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from hubshare import families, paths, snapshot, synthetic

GOLDEN = Path(__file__).parent / "golden" / "classification.json"
SEEDS = (1, 2, 3)
MODELS = 20_000


def _digest(frame) -> dict[str, str]:
    out = {}
    for col in frame.columns:
        values = frame[col].astype(object).where(frame[col].notna(), None)
        text = "\n".join("<NA>" if v is None else str(v) for v in values)
        out[col] = hashlib.sha256(text.encode()).hexdigest()[:16]
    return out


def _cases():
    for seed in SEEDS:
        table = snapshot.to_table(synthetic.generate(MODELS, seed=seed)).select(["id", "base_models"])
        yield f"sorted-{seed}", lambda t=table: families.classify_table(t)
        order = pa.array(np.random.default_rng(seed).permutation(table.num_rows))
        yield f"shuffled-{seed}", lambda t=table, o=order: families.classify_table(t.take(o))
    yield "sample", lambda: families.classify(snapshot.load(paths.SAMPLE_SNAPSHOT))


@pytest.mark.parametrize(("name", "make"), list(_cases()), ids=[name for name, _ in _cases()])
def test_classification_equals_the_previous_classifier(name, make):
    expected = json.loads(GOLDEN.read_text())[name]
    got = _digest(make())
    changed = [col for col in expected if got.get(col) != expected[col]]
    assert not changed, f"{name}: columns {changed} differ from the previous classifier's"


if __name__ == "__main__":
    GOLDEN.write_text(json.dumps({name: _digest(make()) for name, make in _cases()}, indent=1, sort_keys=True) + "\n")
    sys.exit(0)
