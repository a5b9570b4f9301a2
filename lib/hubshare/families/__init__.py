"""Which family and organisation a model belongs to: first-party, derivative, or unrelated.

The rules are data, in ``data/reference/families.csv``: one row per (family, Hub organisation)
with the family's region, an ``org_scope`` (``all``: every repo of the organisation belongs to the
family; ``pattern``: only repos whose name matches ``name_pattern``) and the ``name_pattern``
itself (a regular expression on the part of the repo id after the slash).

Three rules, in this order, give each model its ``family`` and ``basis``:

1. **org**: the repo sits in a family's organisation (and matches its pattern where the scope is
   ``pattern``). The model is *first-party*.
2. **lineage**: the repo's ``base_models`` chain reaches a model of a family. The model is a
   *derivative*. Parents missing from the snapshot are resolved by their own namespace and name.
3. **name**: the repo's name matches a family's ``name_pattern`` (the first family in file order
   wins). The model is a *derivative* by name.

Otherwise the model is *unrelated* and its family is empty.

Lineage rules, each applied the same way to every model:

- ``lineage_root`` follows one parent per step, the *primary parent*: among a model's listed
  parents, the first that is in a family's organisation, else the first present in the snapshot,
  else the first listed. The chain ends at a model with no parent or at a parent absent from the
  snapshot (flag ``missing-parent``; the absent id is the root).
- ``lineage_family`` is the family the chain leads to. A model with several parents (a merge)
  takes the family that all of its parents with a known family agree on; when they disagree, the
  merge and everything derived from it get no lineage family and the flag ``mixed-merge``.
- A model that lists itself as its parent has that entry ignored (flag ``self-reference``).
- A chain that loops (A → B → A) is cut: every model in or leading into the loop gets the loop's
  alphabetically first id as ``lineage_root``, no depth, and the flag ``cycle``.

Everything is vectorised over Arrow and NumPy arrays; the only Python loops run over the rules
(a few dozen rows) and over pointer-jumping rounds (logarithmic in the chain length); parents are
found among the ids by one hash join (``arrays.rows_in``). Name rules run only on the models whose
family they can decide: those outside family organisations whose lineage leads to no family
(models with no parent included). Primary parents, roots, depths, owners and flags are followed
only when first asked for (the table, a grouping by lineage root's organisation): no family needs
them.

>>> classify_ids(["deepseek-ai/DeepSeek-R1-Distill-Qwen-7B"])[["family", "party"]]
     family        party
0  DeepSeek  first-party
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

import pyarrow as pa

from .lineage import FLAGS, Classification, compute
from .rules import FAMILY_REGIONS, RULE_COLUMNS, SCOPES, Rules, load_rules, name_codes, org_codes, split_ids

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "FLAGS", "OUTPUT_COLUMNS", "FAMILY_REGIONS", "RULE_COLUMNS", "SCOPES", "Classification", "Rules", "classified", "classify", "classify_ids",
    "classify_table", "codes", "compute", "lineage_chain", "load_rules", "name_codes", "org_codes", "split_ids",
]

OUTPUT_COLUMNS = (
    "id",
    "family",
    "owner_org",
    "region",
    "party",
    "basis",
    "lineage_root",
    "parent",
    "uploader_family",
    "lineage_family",
    "lineage_depth",
    "lineage_flags",
)


def classify_table(table: pa.Table, rules: Rules | None = None) -> pd.DataFrame:
    """Classify every model of a snapshot table; one row per model, in table order.

    Columns: ``id``, ``family``, ``owner_org``, ``region``, ``party``, ``basis``,
    ``lineage_root``, ``parent`` (the primary parent), ``uploader_family``,
    ``lineage_family``, ``lineage_depth``, ``lineage_flags``.
    """
    return compute(table, rules).frame()


# Each snapshot's classification, owned here and kept as long as the snapshot lives: metrics,
# history and the CLI ask ``codes`` and all get the same one.
_CODES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def classify(snapshot, rules: Rules | None = None) -> pd.DataFrame:
    """Classification of a loaded ``Snapshot`` as a readable table (``OUTPUT_COLUMNS``), made
    once per snapshot and rules.

    >>> from hubshare import snapshot
    >>> from hubshare import paths
    >>> c = classify(snapshot.load(paths.SAMPLE_SNAPSHOT))
    >>> c.set_index("id").loc["mudler/Qwopus3.6-35B-A3B-v1-APEX-GGUF", "family"]
    'Qwen'
    """
    per = _TABLES.setdefault(snapshot, {})
    key = id(rules) if rules else None
    if key not in per:
        per[key] = codes(snapshot, rules).frame()
    return per[key]


def codes(snapshot, rules: Rules | None = None, earlier: tuple | None = None) -> Classification:
    """The classification of a loaded ``Snapshot`` as code arrays, made once per snapshot and
    rules; what metrics use. ``classify`` builds the readable table from it.

    ``earlier`` = ``(earlier_snapshot, pos)``, ``pos`` giving each row's position in the earlier
    snapshot (-1: none), lets the earlier snapshot's classification, when made, save work
    (``compute``); the result is the same.
    """
    per = _CODES.setdefault(snapshot, {})
    key = id(rules) if rules else None
    if key not in per:
        known = classified(earlier[0], rules) if earlier is not None else None
        hint = (known, earlier[1]) if known is not None else None
        stored = snapshot.parent_rows() if hasattr(snapshot, "parent_rows") else None
        per[key] = compute(snapshot.select(["id", "base_models"], keep=False), rules or load_rules(), hint, getattr(snapshot, "ids_sorted", None), stored)
    return per[key]


def classified(snapshot, rules: Rules | None = None) -> Classification | None:
    """The classification ``codes`` has made of ``snapshot``, or None when it has made none."""
    return _CODES.get(snapshot, {}).get(id(rules) if rules else None)


def lineage_chain(snapshot, model_id: str, max_steps: int = 50) -> list[str]:
    """The ids from ``model_id`` up to its lineage root, following primary parents.

    >>> from hubshare import paths, snapshot
    >>> lineage_chain(snapshot.load(paths.SAMPLE_SNAPSHOT), "mudler/Qwopus3.6-35B-A3B-v1-APEX-GGUF")  # doctest: +NORMALIZE_WHITESPACE
    ['mudler/Qwopus3.6-35B-A3B-v1-APEX-GGUF', 'Jackrong/Qwopus3.6-35B-A3B-v1', 'unsloth/Qwen3.6-35B-A3B',
     'Qwen/Qwen3.6-35B-A3B']
    """
    import pandas as pd

    parent = classify(snapshot).set_index("id")["parent"]
    chain = [model_id]
    while len(chain) <= max_steps:
        nxt = parent.get(chain[-1])
        if nxt is None or pd.isna(nxt) or nxt in chain:
            break
        chain.append(nxt)
    return chain


def classify_ids(model_ids: list[str], rules: Rules | None = None, base_models: list[list[str]] | None = None) -> pd.DataFrame:
    """Classify repo ids by namespace and name alone (or with the parent lists given).

    >>> classify_ids(["unsloth/Qwen3-8B-GGUF"]).loc[0, "family"]
    'Qwen'
    """
    table = pa.table(
        {
            "id": pa.array(model_ids, pa.string()),
            "base_models": pa.array(base_models or [[] for _ in model_ids], pa.list_(pa.string())),
        }
    )
    return classify_table(table, rules)
