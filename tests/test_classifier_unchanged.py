"""The classifier's results, column by column, equal those of the previous classifier (hubshare at
commit 591c66a, before the census-speed work) on seeded synthetic Hubs, in id order and shuffled,
and on the shipped sample. The digests are in ``tests/golden/classification.json``; a deliberate
change of rules or generator rewrites them with ``make golden`` (``tests/goldens.py``).
"""

import json

import pytest
from goldens import GOLDEN, cases, digest


@pytest.mark.parametrize(("name", "make"), list(cases()), ids=[name for name, _ in cases()])
def test_classification_equals_the_previous_classifier(name, make):
    expected = json.loads(GOLDEN.read_text())[name]
    got = digest(make())
    changed = [col for col in expected if got.get(col) != expected[col]]
    assert not changed, f"{name}: columns {changed} differ from the previous classifier's"
