"""The layers as docs/architecture.md draws them, read from the code's module-level imports:
the indexer never imports the exchange, the store never imports the indexer nor the rules above
it, no import circle."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def sources() -> dict[str, Path]:
    """Each project module by its dotted name."""
    paths = {}
    for package in ("exchange", "indexer"):
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            paths[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return paths


def imports() -> dict[str, set[str]]:
    """Each project module and the project modules it imports at module level."""
    paths = sources()
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        found = set()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                named = {f"{node.module}.{alias.name}" for alias in node.names} & paths.keys()
                found |= named or {node.module}
        graph[name] = {target for target in found if target in paths and target != name}
    return graph


def circles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Groups of modules that import each other, directly or round about (Tarjan)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(module: str) -> None:
        order[module] = low[module] = len(order)
        stack.append(module)
        for target in graph[module]:
            if target not in order:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], order[target])
        if low[module] == order[module]:
            group = set()
            while not group or module not in group:
                group.add(stack.pop())
            if len(group) > 1:
                found.append(group)

    for module in graph:
        if module not in order:
            visit(module)
    return found


def test_a_circle_of_imports_is_found():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_import_circles():
    assert circles(imports()) == []


def test_the_indexer_never_imports_the_exchange():
    graph = imports()
    assert not {
        (module, target)
        for module, targets in graph.items()
        if module.startswith("indexer")
        for target in targets
        if target.startswith("exchange")
    }


def test_the_store_never_imports_the_indexer():
    graph = imports()
    assert not {
        (module, target)
        for module, targets in graph.items()
        if module.startswith("exchange.store")
        for target in targets
        if target.startswith("indexer")
    }


# What the store may import from above it: leaves with no rule of their own (the errors it
# raises, the request's origin its audit entries carry, the normal form of a hidden query, the
# JSON-schema notes on the types its rows are handed on as).
STORE_MAY_IMPORT = {"exchange.errors", "exchange.request_origin", "exchange.query_screen",
                    "exchange.json_schema"}  # fmt: skip


def test_the_store_imports_no_rule_from_above_it():
    graph = imports()
    above = {
        (module, target)
        for module, targets in graph.items()
        if module.startswith("exchange.store")
        for target in targets
        if target.startswith("exchange.") and not target.startswith("exchange.store")
    }
    assert {target for _, target in above} <= STORE_MAY_IMPORT, above


def test_only_the_engine_knows_whoosh():
    knowing = set()
    for name, path in sources().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            found = []
            if isinstance(node, ast.Import):
                found = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found = [node.module]
            if any(module.split(".")[0] == "whoosh" for module in found):
                knowing.add(name)
    # The analyzer a generation's schema pickles stays where older indexes look for it.
    outside = {name for name in knowing if not name.startswith("indexer.engine.")}
    assert outside == {"indexer.analysis.tokenizer"}
    assert "indexer.engine.searching" in knowing
