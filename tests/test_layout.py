"""The direction of flow, read from the source: components import nothing of the stacks, and no two
modules import each other (directly or around a circle). Every import counts, including those under
TYPE_CHECKING and inside functions."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("stacks", "components", "drctl", "policies")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, modules: set[str]) -> set[str]:
    """The project modules a file imports: `from package import name` counts the submodule when `name` is
    one, and the package itself when `name` is something the package defines."""
    tree = ast.parse(path.read_text(), str(path))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return {name for name in found if name.split(".")[0] in PACKAGES}


def graph() -> nx.DiGraph:
    files = [p for package in PACKAGES for p in (REPO / package).rglob("*.py")]
    modules = {module_name(p): p for p in files}
    g = nx.DiGraph()
    for name, path in modules.items():
        g.add_node(name)
        for target in imports(path, set(modules)):
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                g.add_edge(name, target)
    return g


def test_components_import_nothing_of_the_stacks() -> None:
    g = graph()
    assert [(a, b) for a, b in g.edges if a.startswith("components") and b.startswith("stacks")] == []


def test_no_two_modules_import_each_other() -> None:
    cycles = [sorted(c) for c in nx.strongly_connected_components(graph()) if len(c) > 1]
    assert cycles == []


def test_the_graph_sees_real_imports() -> None:
    g = graph()
    assert g.has_edge("stacks.data", "components.database") and g.has_edge("stacks.settings.rules", "stacks.settings.stack")
