"""The package's shape: stage folders, no import circles, a thin command line, one error family.

The layers themselves are import-linter's contract in pyproject.toml (``lint-imports``, run
by ``./run test`` and the pre-commit hook); these tests check what it does not: cycles
between single modules anywhere in the package, the size of the top level and of the
command line, and that every error the engine raises belongs to one family.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

import budgetdoc
from budgetdoc.errors import BudgetdocError

ROOT = Path(__file__).resolve().parent.parent.parent
PACKAGE = ROOT / "budgetdoc"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _module_graph() -> dict[str, set[str]]:
    """Module → the package's modules it imports (anywhere in it, deferred imports too), packages left out."""
    graph = grimp.build_graph("budgetdoc", cache_dir=None)
    packages = {m for m in graph.modules if (PACKAGE / Path(*m.split(".")[1:]) / "__init__.py").is_file()}
    return {
        m: {o for o in graph.find_modules_directly_imported_by(m) if o not in packages}
        for m in graph.modules
        if m not in packages
    }


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_two_modules_import_each_other_in_a_circle() -> None:
    graph = _module_graph()
    assert len(graph) >= 40  # every module of the package was seen
    assert _cycles(graph) == []


def test_the_import_contract_holds() -> None:
    lint = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run([str(lint), "--no-logo", "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "Contracts: 2 kept, 0 broken." in done.stdout


def test_the_top_level_is_small_and_the_stages_are_folders() -> None:
    modules = [p.name for p in PACKAGE.glob("*.py")]
    folders = [p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()]
    assert len(modules) <= 8, modules
    assert {"model", "formats", "check", "write", "batch", "book", "cycle", "serve", "project"} <= set(folders)


def test_the_command_line_is_thin() -> None:
    """Options and calls only: its lines, less the commands' help (their docstrings), stay few."""
    source = (ROOT / "generate.py").read_text(encoding="utf-8")
    help_lines = {
        line
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef) and ast.get_docstring(node) is not None
        for line in range(node.body[0].lineno, (node.body[0].end_lineno or 0) + 1)
    }
    assert source.count("\n") - len(help_lines) < 500, source.count("\n") - len(help_lines)


def test_nothing_in_the_package_imports_the_command_line() -> None:
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert "generate" not in names, path


@pytest.mark.parametrize("name", [m.name for m in pkgutil.walk_packages(budgetdoc.__path__, "budgetdoc.")])
def test_every_error_of_the_engine_is_one_family(name: str) -> None:
    module = importlib.import_module(name)
    for attr, value in vars(module).items():
        if inspect.isclass(value) and issubclass(value, Exception) and value.__module__ == name:
            if attr.startswith("_") or attr in {"FormulaError", "Refused", "RenderFailure", "Stopped"}:
                continue  # private control flow, and errors caught inside the engine that never reach a command
            assert issubclass(value, BudgetdocError), f"{name}.{attr}"
            assert value.exit_code in (1, 2, 3)
