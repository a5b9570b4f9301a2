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
