import numpy as np
import pyarrow as pa
import pytest

from hubshare import families, snapshot
from hubshare.errors import ReferenceDataError

from conftest import make_snapshot


def classify(records, tmp_path):
    snap = snapshot.load(make_snapshot(tmp_path / "s", records))
    return families.classify(snap).set_index("id")


def test_distill_is_first_party_deepseek_with_qwen_lineage(tmp_path):
    c = classify([
        {"id": "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "base_models": ["Qwen/Qwen2.5-Math-7B"], "base_relation": "finetune"},
    ], tmp_path).loc["deepseek-ai/DeepSeek-R1-Distill-Qwen-7B"]
    assert (c.family, c.party, c.basis, c.owner_org, c.region) == ("DeepSeek", "first-party", "org", "deepseek-ai", "china")
    assert c.uploader_family == "DeepSeek"
    assert c.lineage_root == "Qwen/Qwen2.5-Math-7B" and c.lineage_family == "Qwen"


def test_gguf_reupload_is_qwen_derivative(tmp_path):
    c = classify([
        {"id": "Qwen/Qwen3-8B", "base_models": ["Qwen/Qwen3-8B-Base"], "base_relation": "finetune"},
        {"id": "unsloth/Qwen3-8B-GGUF", "base_models": ["Qwen/Qwen3-8B"], "base_relation": "quantized"},
    ], tmp_path).loc["unsloth/Qwen3-8B-GGUF"]
    assert (c.family, c.party, c.basis, c.owner_org, c.lineage_root) == ("Qwen", "derivative", "lineage", "Qwen", "Qwen/Qwen3-8B-Base")
    assert c.lineage_depth == 2
    assert "missing-parent" in c.lineage_flags  # Qwen3-8B-Base is not in the snapshot


def test_examples_by_id_alone():
    c = families.classify_ids(["deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "unsloth/Qwen3-8B-GGUF", "google/vit-base", "google/gemma-3-4b-it", "someone/model"]).set_index("id")
    assert c.loc["deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "party"] == "first-party"
    assert (c.loc["unsloth/Qwen3-8B-GGUF", "family"], c.loc["unsloth/Qwen3-8B-GGUF", "basis"]) == ("Qwen", "name")
    assert c.loc["google/vit-base", "party"] == "unrelated"  # Google's scope is Gemma only
    assert c.loc["google/gemma-3-4b-it", "family"] == "Gemma"
    assert c.loc["someone/model", "basis"] == "none"


def test_long_chain_through_absent_parent(tmp_path):
    records = [{"id": f"u{i}/m{i}", "base_models": [f"u{i - 1}/m{i - 1}"]} for i in range(1, 15)]
    records[0]["base_models"] = ["meta-llama/Llama-3.1-8B"]
    c = classify(records, tmp_path)
    assert (c["family"] == "Llama").all() and (c["party"] == "derivative").all()
    assert c.loc["u14/m14", "lineage_depth"] == 14
    assert (c["lineage_root"] == "meta-llama/Llama-3.1-8B").all()


def test_cycle_terminates_and_is_flagged(tmp_path):
    c = classify([
        {"id": "a/x", "base_models": ["b/y"]},
        {"id": "b/y", "base_models": ["c/z"]},
        {"id": "c/z", "base_models": ["a/x"]},
        {"id": "d/tail", "base_models": ["b/y"]},
        {"id": "Qwen/Qwen3-1B"},
    ], tmp_path)
    for mid in ("a/x", "b/y", "c/z", "d/tail"):
        assert "cycle" in c.loc[mid, "lineage_flags"]
        assert c.loc[mid, "lineage_root"] == "a/x"
        assert c.loc[mid, "lineage_depth"] is None or str(c.loc[mid, "lineage_depth"]) == "<NA>"
    assert c.loc["Qwen/Qwen3-1B", "lineage_flags"] == ""


@pytest.mark.parametrize("length", [2, 4, 5])
def test_loops_of_any_length(tmp_path, length):
    records = [{"id": f"u{k}/m", "base_models": [f"u{(k + 1) % length}/m"]} for k in range(length)]
    records.append({"id": "z/tail", "base_models": ["u1/m"]})
    c = classify(records, tmp_path)
    assert (c["lineage_flags"] == "cycle").all()
    assert (c["lineage_root"] == "u0/m").all()
    assert c["lineage_depth"].isna().all()


def test_jump_matches_a_plain_walk():
    import numpy as np

    rng = np.random.default_rng(3)
    n = 2_000
    nxt = np.where(rng.random(n) < 0.3, np.arange(n), rng.integers(0, n, n))
    end, depth, loop = families.lineage._jump(nxt)
    for i in range(n):
        seen, cur = [], i
        while nxt[cur] != cur and cur not in seen:
            seen.append(cur)
            cur = nxt[cur]
        if nxt[cur] == cur:
            assert (end[i], depth[i], loop[i]) == (cur, len(seen), False)
        else:
            cycle = seen[seen.index(cur):]
            assert loop[i] and end[i] == min(cycle) and depth[i] == -1


def test_self_reference_is_ignored_and_flagged(tmp_path):
    c = classify([
        {"id": "bob/Qwen-loop", "base_models": ["bob/Qwen-loop"]},
        {"id": "bob/ft", "base_models": ["bob/ft", "Qwen/Qwen3-8B"]},
    ], tmp_path)
    assert c.loc["bob/Qwen-loop", "lineage_flags"] == "self-reference"
    assert c.loc["bob/Qwen-loop", "lineage_root"] == "bob/Qwen-loop"
    assert c.loc["bob/ft", "family"] == "Qwen" and c.loc["bob/ft", "basis"] == "lineage"


def test_merges_agreeing_and_mixed(tmp_path):
    c = classify([
        {"id": "m/agree", "base_models": ["x/a", "google/gemma-3-4b-it", "y/unknown"], "base_relation": "merge"},
        {"id": "x/a", "base_models": ["google/gemma-3-1b-it"]},
        {"id": "m/mixed", "base_models": ["Qwen/Qwen3-8B", "meta-llama/Llama-3.1-8B"], "base_relation": "merge"},
        {"id": "q/mixed-GGUF", "base_models": ["m/mixed"], "base_relation": "quantized"},
        {"id": "m/nested", "base_models": ["m/agree", "google/gemma-3-12b-it"], "base_relation": "merge"},
    ], tmp_path)
    assert c.loc["m/agree", "family"] == "Gemma"
    assert c.loc["m/agree", "lineage_root"] == "google/gemma-3-4b-it"  # the parent in a family organisation
    assert c.loc["m/nested", "family"] == "Gemma"
    for mid in ("m/mixed", "q/mixed-GGUF"):
        assert "mixed-merge" in c.loc[mid, "lineage_flags"]
        assert c.loc[mid, "basis"] == "none" and c.loc[mid, "party"] == "unrelated"


def test_parent_outside_snapshot_resolved_by_namespace(tmp_path):
    c = classify([{"id": "z/finetune", "base_models": ["mistralai/Some-Base"]}], tmp_path).loc["z/finetune"]
    assert (c.family, c.region, c.owner_org) == ("Mistral", "eu", "mistralai")


def test_sample_examples(sample):
    c = families.classify(sample).set_index("id")
    assert families.classify(sample) is families.classify(sample)  # computed once per snapshot
    fp = c[c["party"] == "first-party"]
    assert set(fp["uploader_family"]) <= set(families.load_rules().families)
    assert (c.loc["Qwen/Qwen3-8B", "family"], c.loc["Qwen/Qwen3-8B", "party"]) == ("Qwen", "first-party")
    deriv = c[(c["party"] == "derivative") & (c["basis"] == "lineage")]
    assert len(deriv) > 200 and (deriv["lineage_depth"].fillna(1) >= 1).all()


def test_rules_cover_the_required_families():
    required = {"Qwen", "Llama", "DeepSeek", "Mistral", "Gemma", "Phi", "gpt-oss", "GLM", "Kimi", "MiniMax", "Nemotron", "OLMo", "SmolLM", "Granite", "Falcon", "Yi", "InternLM", "ERNIE", "Hunyuan", "Command"}
    assert required <= set(families.load_rules().families)


@pytest.mark.parametrize("line,expected", [
    ("Bad,foo,mars,all,x,", "region"),
    ("Bad,foo,us,some,x,", "org_scope"),
    ("Bad,foo,us,all,(unclosed,", "regular expression"),
    ("Qwen,Qwen,china,all,(?i)qwen|qwq,dup", "repeat"),
])
def test_bad_rules_are_rejected(tmp_path, line, expected):
    src = families.load_rules().table
    path = tmp_path / "families.csv"
    path.write_text(src.to_csv(index=False) + line + "\n")
    with pytest.raises(ReferenceDataError, match=expected):
        families.load_rules(path)


def test_name_rule_avoids_false_friends():
    c = families.classify_ids(["a/dolphin-2.9", "b/Phi-3-mini-GGUF", "c/yield-model", "d/Yi-34B-chat"]).set_index("id")
    assert c.loc["a/dolphin-2.9", "basis"] == "none"
    assert c.loc["b/Phi-3-mini-GGUF", "family"] == "Phi"
    assert c.loc["c/yield-model", "basis"] == "none"
    assert c.loc["d/Yi-34B-chat", "family"] == "Yi"


def test_empty_table():
    out = families.classify_table(pa.table({"id": pa.array([], pa.string()), "base_models": pa.array([], pa.list_(pa.string()))}))
    assert len(out) == 0 and list(out.columns) == list(families.OUTPUT_COLUMNS)


# Patterns with anchors in and out of character classes, escapes, and the shipped ones.
ANCHORED = [r"^yi-", r"(^|[-_.])phi-?[1-9]", r"[^a-z]x", r"[]^]q", r"\^up", r"\Aab", r"(?i)^Qw|qwq$", r"\bmix", r"o$"]


def test_id_form_of_a_name_pattern_misses_no_name_it_matches():
    import random
    import re

    from hubshare.families.rules import id_pattern

    rng = random.Random(20261203)
    patterns = ANCHORED + list(families.load_rules().name_pattern.values())
    pieces = ["yi-", "phi-3", "Phi3", "^up", "ab", "x", "]q", "^q", "qwq", "Qwen", "mix", "o", "-", ".", "_", "/", "z", "A1"]
    names = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 4))) for _ in range(3000)]
    for p in patterns:
        wide = re.compile(id_pattern(p))
        for name in names:
            if re.search(p, name):
                assert wide.search(f"some-org/{name}"), (p, name, id_pattern(p))
    # In a class or escaped, ^ is a character; outside, the start of the name.
    assert re.search(id_pattern(r"[]^]q"), "ns/^q") and not re.search(id_pattern(r"^yi-"), "yi-ns/model")


def test_name_rules_give_the_same_families_through_the_id_form(tmp_path):
    from hubshare.families.rules import name_codes, name_rows, split_ids

    src = families.load_rules().table
    extra = "\n".join(f"Test{k},test-org-{k},other,pattern,{p}," for k, p in enumerate(ANCHORED) if "," not in p)
    path = tmp_path / "families.csv"
    path.write_text(src.to_csv(index=False) + extra + "\n")
    rules = families.load_rules(path, check_regions=False)
    ids = pa.array(["a/yi-34b", "yi-a/b", "b/x-phi-3", "c/phi3", "d/9x", "e/]q", "f/^up", "g/abc", "h/Qwen2", "i/noqwq",
                    "j/mixtral", "k/remix", "l/foo", "m/zo", "nslash", "o/llama-3", "p/QWQ-32B"])
    rows = np.arange(len(ids))
    assert name_rows(ids, rows, rules).tolist() == name_codes(split_ids(ids)[1], rules).tolist()


CODE_FIELDS = ("family", "uploader", "up_rule", "own_name", "lineage", "party", "basis", "root_index", "parent_index", "depth", "owner_rule", "flags")


def test_stored_parent_rows_classify_as_the_search_does(tmp_path):
    # Loops, self-references, absent parents and merges included (synthetic.generate makes them),
    # alone and from the month before.
    from hubshare import arrays, synthetic
    from hubshare.families import lineage

    a_table = synthetic.generate(20_000, seed=11)
    b_table = synthetic.evolve(a_table, 30, seed=12)
    a = snapshot.load(snapshot.save(a_table, tmp_path / "a", synthetic.manifest(a_table, "a", 11)))
    b = snapshot.load(snapshot.save(b_table, tmp_path / "b", synthetic.manifest(b_table, "b", 12)))
    assert a.parent_rows() is not None and b.parent_rows() is not None
    for snap, earlier in ((a, None), (b, (families.codes(a), arrays.positions(b.column("id"), a.column("id"))))):
        table = snap.select(["id", "base_models"], keep=False)
        stored = lineage.compute(table, earlier=earlier, ordered=True, stored=snap.parent_rows())
        searched = lineage.compute(table, earlier=earlier, ordered=True)
        assert (stored.flags != 0).any() and (stored.basis == 1).any()
        for f in CODE_FIELDS:
            assert np.array_equal(getattr(stored, f), getattr(searched, f)), f
        assert np.array_equal(stored.parents.pos, searched.parents.pos)
    assert len(earlier[1]) == len(b) and (earlier[1] >= 0).mean() > 0.9  # the month before was used
