"""The package has layers without circles: no module of ``xtask`` imports, directly or through
others, a module that imports it back — imports inside functions included, since a circle there
is the same knot, only discovered later (at the first call instead of at import)."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, List, Set

PACKAGE = Path(__file__).resolve().parents[1] / "xtask"


def module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path = PACKAGE) -> Dict[str, Set[str]]:
    """module -> the xtask modules it imports (anywhere in its body, TYPE_CHECKING blocks aside)."""
    modules = {module_name(p, root): p for p in root.rglob("*.py") if "resources" not in p.parts}
    graph: Dict[str, Set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        skip = {id(node) for block in ast.walk(tree) if isinstance(block, ast.If) and _type_checking(block.test)
                for stmt in block.body for node in ast.walk(stmt)}
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
            else:
                continue
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                # Importing a module runs its packages' __init__ first: edges to those too.
                while target and target != name and not name.startswith(target + "."):
                    graph[name].add(target)
                    target = target.rpartition(".")[0]
        if path.name == "__init__.py" and "pkgutil.iter_modules" in path.read_text(encoding="utf-8"):
            # A package that imports its modules by discovery (the task registry) imports them all.
            graph[name] |= {other for other in modules if other.startswith(name + ".")}
    return graph


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def cycles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    found: List[List[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_checker_finds_a_circle(tmp_path: Path) -> None:
    pkg = tmp_path / "xtask"
    (pkg / "inner").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "inner" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from xtask.inner import b\n")
    (pkg / "inner" / "b.py").write_text("def f():\n    from xtask import a\n")
    (pkg / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from xtask import a\n")
    graph = import_graph(pkg)
    assert cycles(graph) == [["xtask.a", "xtask.inner.b"]]
    # Through a package's __init__: importing xtask.other.d runs xtask/other/__init__.py, which imports e.
    (pkg / "other").mkdir()
    (pkg / "other" / "__init__.py").write_text("from xtask import e\n")
    (pkg / "other" / "d.py").write_text("")
    (pkg / "e.py").write_text("from xtask.other import d\n")
    assert ["xtask.e", "xtask.other"] in cycles(import_graph(pkg))


def test_no_import_circles_in_xtask() -> None:
    found = cycles(import_graph())
    assert found == [], "import circles (each a set of modules that import each other):\n" + "\n".join(
        " <-> ".join(c) for c in found)
