"""What okrsheet imports: no private module of any dependency, no import cycle (also through
imports made inside functions), and nothing that changes the process on import."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import typer

from okrsheet.cli import framework

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "okrsheet"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
TREES = {name: ast.parse(path.read_text(encoding="utf-8")) for name, path in MODULES.items()}


def imports(
    name: str, tree: ast.Module, *, is_package: bool = False, runtime_only: bool = False
) -> Iterator[tuple[int, str, list[str]]]:
    """(line, module, names) for every import of module `name`, at any depth (inside functions
    too), relative ones made absolute: `import a.b` gives ("a.b", []). With `runtime_only`,
    not those under `if TYPE_CHECKING:`, which never run."""
    package = name if is_package else name.rpartition(".")[0]
    skipped: set[int] = set()
    if runtime_only:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                skipped.update(id(inner) for part in node.body for inner in ast.walk(part))
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, module] if module else base)
            yield node.lineno, module, [alias.name for alias in node.names]


def _module_imports(
    name: str, *, runtime_only: bool = False
) -> Iterator[tuple[int, str, list[str]]]:
    is_package = MODULES[name].name == "__init__.py"
    return imports(name, TREES[name], is_package=is_package, runtime_only=runtime_only)


def private_imports(found: Iterator[tuple[int, str, list[str]]]) -> list[str]:
    """The dotted names of private modules (or private names) of other packages imported."""
    private = []
    for line, module, names in found:
        if module.split(".")[0] in ("okrsheet", "__future__"):
            continue
        for dotted in [module, *(f"{module}.{n}" for n in names)]:
            if any(part.startswith("_") for part in dotted.split(".")):
                private.append(f"{line}: {dotted}")
    return private


def test_no_module_imports_a_private_module_of_a_dependency() -> None:
    """A private module (`typer._click`, `google.auth._helpers`) may change in any release of
    its package, and okr must still start on the next one."""
    private = [
        f"{MODULES[name].relative_to(ROOT)}:{found}"
        for name in MODULES
        for found in private_imports(_module_imports(name))
    ]
    assert private == []


def test_the_check_finds_a_private_import_even_inside_a_function() -> None:
    tree = ast.parse(
        "import typer\nfrom typer.core import TyperGroup\nfrom . import _mine\n"
        "def f():\n    from typer._click import echo\n    from google.auth import _helpers\n"
    )
    found = private_imports(imports("okrsheet.cli.sample", tree))
    assert found == ["5: typer._click", "5: typer._click.echo", "6: google.auth._helpers"]


def graph() -> dict[str, set[str]]:
    """Each okrsheet module and the okrsheet modules it imports when it runs (at the top or in
    a function): `from okrsheet.a import b` is the module `okrsheet.a.b` when there is one,
    else `okrsheet.a` itself."""
    edges: dict[str, set[str]] = {name: set() for name in MODULES}
    for name in MODULES:
        for _, module, names in _module_imports(name, runtime_only=True):
            if module.split(".")[0] != "okrsheet":
                continue
            targets = {f"{module}.{n}" for n in names if f"{module}.{n}" in MODULES}
            if len(targets) < len(names) or not names:
                targets.add(module)
            edges[name].update(t for t in targets if t in MODULES and t != name)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(edges) + 100))
    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_even_through_imports_inside_functions() -> None:
    """A cycle hidden by an import inside a function still ties both modules together: each
    needs the other loaded to run."""
    assert cycles(graph()) == []


def test_the_cycle_check_finds_one_through_a_function_level_import() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(edges) == [["a", "b", "c"]]
    sample = ast.parse("def f():\n    from okrsheet.layout import writer\n")
    found = list(imports("okrsheet.layout.dashboard", sample))
    assert found == [(2, "okrsheet.layout", ["writer"])]


def test_the_graph_sees_the_package_and_its_modules() -> None:
    edges = graph()
    assert "okrsheet.cli.framework" in edges["okrsheet.cli.lazy"]
    assert "okrsheet.memory" in edges["okrsheet.service"]


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return str(done.stdout).strip()


#: Records every call of gc.freeze, then runs what follows.
_RECORD_FREEZE = """
import gc
calls = []
gc.freeze = lambda: calls.append(1)
"""


def test_importing_the_library_freezes_nothing() -> None:
    code = _RECORD_FREEZE + (
        "import okrsheet, okrsheet.api, okrsheet.service, okrsheet.memory\n"
        "from okrsheet import Workbook\n"
        "print(len(calls), okrsheet.memory.freeze_large_loads)"
    )
    assert _run(code) == "0 False"


def test_only_the_okr_entry_point_turns_freezing_on() -> None:
    code = (
        "import sys\nfrom okrsheet import memory\nfrom okrsheet.__main__ import main\n"
        "import okrsheet.cli\nbefore = memory.freeze_large_loads\n"
        "sys.argv = ['okr', 'templates']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(before, memory.freeze_large_loads, file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stderr.strip().splitlines()[-1] == "False True"


def _typer_requirement() -> str:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        dependencies: list[str] = tomllib.load(handle)["project"]["dependencies"]
    return next(d for d in dependencies if re.match(r"typer\b", d))


def test_typer_is_capped_below_the_next_minor_and_the_installed_one_is_within() -> None:
    """okr uses names Typer's public modules hold without exporting them (cli/framework.py):
    a new minor release is tried, and the cap raised, on purpose."""
    requirement = _typer_requirement()
    floor = re.search(r">=\s*0\.(\d+)", requirement)
    cap = re.search(r"<\s*0\.(\d+)\b", requirement)
    assert floor and cap, requirement
    installed = int(typer.__version__.split(".")[1])
    assert int(floor.group(1)) <= installed < int(cap.group(1))


def test_what_okr_takes_from_typer_is_there() -> None:
    """Each piece of Click that cli/framework.py reaches through Typer's public names: this
    fails on a Typer release that moves one."""
    assert framework.UsageError.__name__ == "UsageError"
    assert issubclass(typer.BadParameter, framework.UsageError)
    assert framework.UsageError("x").exit_code == 2  # type: ignore[attr-defined]
    assert framework.current_context() is None
    script = framework.completion_script(
        prog_name="okr", complete_var="_OKR_COMPLETE", shell="bash"
    )
    assert "_OKR_COMPLETE" in script and "_okr_completion" in script
    framework.completion_init()


def _framework_error(*args: str) -> Exception:
    """The usage error Typer raises for a command line (one argument, one option)."""
    probe = typer.Typer(no_args_is_help=True, add_completion=False)

    @probe.command()
    def first(name: str, count: int = 1) -> None:
        """One command."""

    @probe.command()
    def second() -> None:
        """Another, so that the app is a group."""

    try:
        typer.main.get_command(probe).main(list(args), standalone_mode=False)
    except framework.UsageError as error:
        return error
    raise AssertionError(f"no usage error for {args}")


def test_okr_tells_the_framework_errors_apart_by_their_click_names() -> None:
    """An unknown option, a missing argument, a bad value, an empty command line: each is the
    Click error okr words in its own style (cli/usage.py), told apart by class name."""
    assert framework.is_a(_framework_error("first", "x", "--no-such"), "NoSuchOption")
    missing = _framework_error("first")
    assert framework.is_a(missing, "MissingParameter")
    assert isinstance(missing, typer.BadParameter)
    assert not framework.is_a(missing, "NoSuchOption")
    assert framework.is_a(_framework_error(), "NoArgsIsHelpError")
    bad = _framework_error("first", "x", "--count", "many")
    assert isinstance(bad, typer.BadParameter) and not framework.is_a(bad, "MissingParameter")
