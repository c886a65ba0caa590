"""Dependencies are declared once (pyproject.toml) and locked twice: the runtime lock holds no dev tool."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions

import pytest

from tests.conftest import ROOT

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
LOCAL = {"index", "ingest", "search_app", "evaluation", "tests"}


def name_of(requirement: str) -> str:
    """The normalised distribution name of a requirement or pin ('Flask==3.1' -> 'flask')."""
    return re.sub(r"[-_.]+", "-", re.match(r"\s*([A-Za-z0-9._-]+)", requirement).group(1)).lower()


def pins(lock: str) -> set[str]:
    lines = (ROOT / lock).read_text(encoding="utf-8").splitlines()
    return {name_of(line) for line in lines if "==" in line and not line.lstrip().startswith("#")}


def third_party_imports(package: str) -> dict[str, set[str]]:
    """Distribution name -> files of `package` that import it."""
    found: dict[str, set[str]] = {}
    owners = packages_distributions()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for top in {m.split(".")[0] for m in modules} - LOCAL - set(sys.stdlib_module_names) - {"__future__"}:
                for distribution in owners.get(top, [top]):
                    found.setdefault(name_of(distribution), set()).add(path.relative_to(ROOT).as_posix())
    return found


RUNTIME = {name_of(r) for r in PROJECT["dependencies"]}
DEV = {name_of(r) for r in PROJECT["optional-dependencies"]["dev"]}


@pytest.mark.parametrize("package", ["index", "ingest", "search_app", "evaluation"])
def test_runtime_code_imports_only_declared_dependencies(package):
    undeclared = {d: files for d, files in third_party_imports(package).items() if d not in RUNTIME}
    assert not undeclared, f"add these to [project] dependencies in pyproject.toml: {undeclared}"


def test_tests_import_only_declared_dependencies():
    undeclared = {d: files for d, files in third_party_imports("tests").items() if d not in RUNTIME | DEV}
    assert not undeclared, f"add these to the dev extra in pyproject.toml: {undeclared}"


def test_runtime_lock_pins_every_runtime_dependency_and_no_dev_tool():
    runtime = pins("requirements.txt")
    assert RUNTIME <= runtime, RUNTIME - runtime
    assert not DEV & runtime and not {"pytest", "hypothesis", "ruff", "iniconfig", "pluggy"} & runtime


def test_dev_lock_adds_the_dev_tools_to_the_same_runtime_pins():
    runtime_lines = {line for line in (ROOT / "requirements.txt").read_text().splitlines() if "==" in line}
    dev_lines = {line for line in (ROOT / "requirements-dev.txt").read_text().splitlines() if "==" in line}
    assert runtime_lines <= dev_lines and DEV <= {name_of(line) for line in dev_lines}
