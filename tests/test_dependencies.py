"""Every package the code imports is one pyproject.toml declares, not one that happens to arrive
through another package's requirements (and may stop arriving in its next release)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from functools import cache
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
FIRST_PARTY = {"okrsheet", "tests", "benchmarks"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    assert match, requirement
    return canonical(match.group(1))


RUNTIME = {requirement_name(r) for r in PROJECT["dependencies"]}
TEST = {requirement_name(r) for r in PROJECT["optional-dependencies"]["test"]}


def third_party_imports(package: str) -> dict[str, str]:
    """Each imported module outside the standard library and this project -> where (file:line)."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in FIRST_PARTY:
                    found.setdefault(name, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def module_key(parts: tuple[str, ...]) -> tuple[str, ...]:
    """A module's first two name parts: enough to tell apart distributions that share a
    namespace package (google.auth, google.cloud)."""
    return parts[:2]


@cache
def providers() -> dict[tuple[str, ...], frozenset[str]]:
    """Module key -> the installed distributions that ship files under it."""
    found: dict[tuple[str, ...], set[str]] = {}
    for dist in metadata.distributions():
        name = canonical(dist.metadata["Name"])
        for file in dist.files or ():
            parts = file.parts
            if not parts or parts[0] == ".." or parts[0].endswith((".dist-info", ".data")):
                continue
            parts = (*parts[:-1], parts[-1].split(".")[0])  # requests/api.py -> requests.api
            for depth in (1, 2):
                if len(parts) >= depth:
                    found.setdefault(parts[:depth], set()).add(name)
    return {key: frozenset(names) for key, names in found.items()}


def undeclared(package: str, declared: set[str]) -> list[str]:
    problems = []
    for module, where in third_party_imports(package).items():
        shipped_by = providers().get(module_key(tuple(module.split("."))), frozenset())
        if not shipped_by & declared:
            owners = ", ".join(sorted(shipped_by)) or "no installed distribution"
            problems.append(f"{where}: imports {module} ({owners}), not declared")
    return problems


def test_the_scan_sees_the_imports_it_must_check() -> None:
    imports = third_party_imports("okrsheet")

    assert {"openpyxl", "requests", "google_auth_oauthlib.flow"} <= set(imports)
    assert not any(name.split(".")[0] in ("json", "okrsheet") for name in imports)


def test_an_import_nothing_declares_is_reported() -> None:
    assert providers()[("requests",)] == {"requests"}
    assert undeclared("okrsheet", RUNTIME - {"requests"}) != []


def test_every_import_of_the_package_is_a_declared_dependency() -> None:
    assert undeclared("okrsheet", RUNTIME) == []


def test_every_import_of_the_tests_is_declared_for_them() -> None:
    assert undeclared("tests", RUNTIME | TEST) == []


@pytest.mark.parametrize("tool", ["ruff", "mypy"])
def test_lint_and_type_checkers_are_pinned_exactly(tool: str) -> None:
    pins = [r for r in PROJECT["optional-dependencies"]["test"] if requirement_name(r) == tool]

    assert len(pins) == 1 and re.fullmatch(rf"{tool}==[0-9.]+", pins[0].replace(" ", "")), pins
    assert metadata.version(tool) == pins[0].split("==")[1]
