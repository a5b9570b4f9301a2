"""The shape of the code a newcomer extends: modules import each other in one direction, reach
only each other's public names, and document every public callable."""

import ast
from pathlib import Path

from hubshare import paths

LIB = paths.ROOT / "lib" / "hubshare"


def modules() -> dict[str, Path]:
    found = {}
    for p in LIB.rglob("*.py"):
        parts = list(p.relative_to(LIB.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = p
    return found


MODULES = modules()


def imported(module: str, node: ast.ImportFrom) -> str:
    """The module an ``import from`` names, relative imports resolved."""
    package = module.split(".") if MODULES[module].name == "__init__.py" else module.split(".")[:-1]
    if not node.level:
        return node.module or ""
    base = package[: len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def edges() -> dict[str, set[str]]:
    """Every hubshare module each module imports, at the top or inside a function."""
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for m, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = imported(m, node)
                for a in node.names:
                    target = f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base
                    if target in MODULES and target != m:
                        graph[m].add(target)
            elif isinstance(node, ast.Import):
                graph[m] |= {a.name for a in node.names if a.name in MODULES and a.name != m}
    return graph


def circles(graph: dict[str, set[str]]) -> list[str]:
    """Each circle a depth-first walk of ``graph`` meets, as ``a -> b -> a``."""
    state: dict[str, str] = {}
    found = []

    def visit(m: str, path: list[str]) -> None:
        state[m] = "open"
        for n in sorted(graph[m]):
            if state.get(n) == "open":
                found.append(" -> ".join(path[path.index(n):] + [n]))
            elif n not in state:
                visit(n, path + [n])
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    return found


def test_the_import_graph_has_no_circle():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a -> b -> c -> a"]
    assert not circles(edges()), circles(edges())


def test_no_module_reaches_for_another_modules_private_names():
    reach = []
    for p in [*MODULES.values(), *(paths.ROOT / "benchmarks").glob("*.py")]:
        tree = ast.parse(p.read_text(encoding="utf-8"))
        aliases = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("hubshare")):
                for a in node.names:
                    aliases.add(a.asname or a.name)
                    if a.name.startswith("_") and not a.name.startswith("__"):
                        reach.append(f"{p.name}: imports {a.name}")
            elif isinstance(node, ast.Import):
                aliases |= {a.asname or a.name.split(".")[0] for a in node.names if a.name.startswith("hubshare")}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                    and node.attr.startswith("_") and not node.attr.startswith("__")):
                reach.append(f"{p.name}:{node.lineno}: {node.value.id}.{node.attr}")
    assert not reach, reach


def test_every_public_callable_has_a_docstring():
    def walk(node, prefix: str, where: str):
        for n in node.body:
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and not n.name.startswith("_"):
                if ast.get_docstring(n) is None:
                    yield f"{where}:{n.lineno} {prefix}{n.name}"
                if isinstance(n, ast.ClassDef):
                    yield from walk(n, f"{prefix}{n.name}.", where)

    undocumented = [line for path in MODULES.values()
                    for line in walk(ast.parse(path.read_text(encoding="utf-8")), "", str(path.relative_to(LIB.parent)))]
    assert not undocumented, undocumented


def test_no_function_is_longer_than_sixty_lines():
    long = [f"{path.relative_to(LIB.parent)}:{n.lineno} {n.name} ({n.end_lineno - n.lineno + 1} lines)"
            for path in MODULES.values() for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.end_lineno - n.lineno + 1 > 60]
    assert not long, long


def test_the_readme_api_table_names_what_is_public():
    import importlib
    import re

    section = (paths.ROOT / "README.md").read_text(encoding="utf-8").split("## Python API", 1)[1].split("\n## ", 1)[0]
    rows = [m for line in section.splitlines() if (m := re.match(r"\| `(hubshare[\w.]*)` \| (.*) \|$", line))]
    assert len(rows) >= 15
    absent = []
    for m in rows:
        module = importlib.import_module(m.group(1))
        depth, top = 0, ""
        for ch in m.group(2):  # what is named outside parentheses: the module's own names
            depth += ch == "("
            top += ch if depth == 0 else ""
            depth -= ch == ")"
        for name in re.findall(r"`([A-Za-z_][\w.]*)[`(]", top):
            if name == "hubshare" or name.startswith("HUBSHARE_") or re.search(r"\.(csv|toml|md|json)$", name):
                continue  # the command, an environment variable, a file
            parts = name.split(".")
            if parts[0] == m.group(1).rsplit(".", 1)[-1]:
                parts = parts[1:]  # ``families.rules`` in the row of hubshare.families
            obj = module
            for part in parts:
                if not hasattr(obj, part):
                    try:
                        obj = importlib.import_module(f"{obj.__name__}.{part}")
                        continue
                    except (ImportError, AttributeError):
                        absent.append(f"{m.group(1)}: {name}")
                        break
                obj = getattr(obj, part)
            if parts and parts[-1].startswith("_"):
                absent.append(f"{m.group(1)}: {name} is private")
    assert not absent, absent
    documented = {m.group(1) for m in rows}
    for module in MODULES:
        if module.count(".") == 1 and not module.endswith(("__main__", "errors", "fmt", "arrays", "exercises")):
            assert module in documented or any(d.startswith(f"{module}.") for d in documented), f"{module} is not in the README's API table"


def test_a_family_is_added_with_its_rows_and_make_regions(tmp_path, monkeypatch):
    import shutil

    from hubshare import families, reference, regions

    fam, reg = tmp_path / "families.csv", tmp_path / "regions.csv"
    shutil.copy(paths.FAMILIES_CSV, fam)
    shutil.copy(paths.REGIONS_CSV, reg)
    with fam.open("a", encoding="utf-8") as f:
        f.write("Aurora,aurora-lab,eu,all,(?i)aurora,a family added as CONTRIBUTING.md says\n")
    monkeypatch.setattr(paths, "FAMILIES_CSV", fam)
    monkeypatch.setattr(paths, "REGIONS_CSV", reg)
    reference.regions.cache_clear()
    try:
        assert regions.write()  # make regions
        row = regions.build().set_index("org").loc["aurora-lab"]
        assert (row["region"], row["source"]) == ("eu", "families.csv")
        reference.regions.cache_clear()
        rules = families.load_rules()  # the regions now agree: the rules load
        got = families.classify_ids(["aurora-lab/Aurora-7B", "someone/Aurora-7B-GGUF"], rules)
        assert list(got["family"]) == ["Aurora", "Aurora"] and got.loc[0, "region"] == "eu"
        assert not regions.write()  # a second run changes nothing
    finally:
        reference.regions.cache_clear()
