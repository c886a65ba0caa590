"""The shape of the code a newcomer relies on: the search logic knows the storage only through its seam, the two
backends know nothing of each other, and no two modules import each other round a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("index", "ingest", "search_app", "evaluation", "benchmarks")
EMBEDDED, POSTGRES = "index.backends.embedded", "index.backends.postgres"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> dict[str, set[str]]:
    """Each module of the project with the project modules it imports (at any depth of its code)."""
    modules = {module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}
    found = {}
    for name, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                candidates = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                candidates = [alias.name for alias in node.names]
            else:
                continue
            targets |= {c for c in candidates if c in modules and c != name}
        found[name] = targets
    return found


def top_level_imports(path: Path) -> set[str]:
    """The modules a file imports when it is loaded (not inside functions)."""
    names = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
    return names


def cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle among modules loaded at import time, or []."""
    state, stack = {}, []

    def visit(node: str) -> list[str]:
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return stack[stack.index(target) :] + [target]
            if target not in state and (found := visit(target)):
                return found
        state[node] = "done"
        stack.pop()
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_no_module_imports_itself_round_a_cycle():
    known = imports()
    graph = {}
    for name in known:
        path = ROOT / Path(*name.split("."))
        path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        graph[name] = {t for t in top_level_imports(path) if t in known and t != name}
    assert cycle(graph) == []


def test_a_cycle_is_found_when_there_is_one():
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("module", ["index.search", "index.results", "index.councils", "index.facts", "index.request"])
def test_the_search_logic_knows_neither_backend(module):
    assert not {t for t in imports()[module] if t.startswith((EMBEDDED, POSTGRES))}


def test_the_backends_know_nothing_of_each_other():
    known = imports()
    for name, targets in known.items():
        if name.startswith(EMBEDDED):
            assert not {t for t in targets if t.startswith(POSTGRES)}, name
        if name.startswith(POSTGRES):
            assert not {t for t in targets if t.startswith(EMBEDDED)}, name


# What may name a backend besides index.backends itself: moving an index left at its old place (a folder, so the
# embedded backend's), and a scratch database for the BEIR runs on PostgreSQL.
BACKEND_SPECIFIC = {"ingest.__main__": {f"{EMBEDDED}.folders"}, "evaluation.__main__": {POSTGRES}}


def test_only_the_backend_chooser_names_a_backend_outside_them():
    """The app, the ingest and the search reach a backend through index.backends.open_backend (benchmarks and tests
    that measure one backend's parts may name it)."""
    for name, targets in imports().items():
        if name.startswith(("index.backends", "benchmarks")):
            continue
        named = {t for t in targets if t.startswith((EMBEDDED, POSTGRES))}
        assert named <= BACKEND_SPECIFIC.get(name, set()), (name, named)
