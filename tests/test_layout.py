"""The package layout's contract (docs/contributing.md).

- the import contracts of ``pyproject.toml`` ([tool.importlinter]) hold: the packages
  form layers along the data flow, ``geostats`` imports nothing of seabed but its
  errors, and the report never imports the runner, the writers or the loaders;
- no two modules import each other, directly or through others (no cycles);
- only the runner (``seabed.pipeline``) and ``seabed.outputs`` write files.
"""

from __future__ import annotations

import ast
import contextlib
import io
from pathlib import Path

import pytest
from importlinter import api as linter_api  # noqa: F401  (the package is there)
from importlinter.cli import lint_imports

PACKAGE = Path(__file__).resolve().parents[1] / "seabed"
PYPROJECT = PACKAGE.parent / "pyproject.toml"

#: Calls that create or write files.
WRITING_CALLS = {
    "to_csv",
    "to_parquet",
    "to_netcdf",
    "to_zarr",
    "to_file",
    "to_raster",
    "write_text",
    "write_bytes",
    "savefig",
    "mkdir",
    "mkdtemp",
    "copyfile",
    "replace",
    "rename",
}
#: Packages allowed to write files.
WRITERS = ("pipeline", "outputs")


def _modules() -> dict[str, ast.Module]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = ast.parse(path.read_text())
    return modules


def _runtime_imports(tree: ast.Module, modules: set[str]) -> set[str]:
    """seabed modules imported when the module is imported (not TYPE_CHECKING)."""
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for child in ast.walk(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                break
            if isinstance(child, ast.ImportFrom) and child.module:
                if child.module.startswith("seabed"):
                    for alias in child.names:
                        full = f"{child.module}.{alias.name}"
                        found.add(full if full in modules else child.module)
            elif isinstance(child, ast.Import):
                found.update(a.name for a in child.names if a.name.startswith("seabed"))
    return found


def test_import_contracts_hold():
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        code = lint_imports(config_filename=str(PYPROJECT), no_cache=True)
    assert code == 0, output.getvalue()


def test_no_module_imports_itself_through_others():
    modules = _modules()
    graph = {
        name: _runtime_imports(tree, set(modules)) for name, tree in modules.items()
    }
    # a package imports its modules (its __init__ re-exports them): not a cycle
    for name in graph:
        graph[name] = {
            other
            for other in graph[name]
            if other in graph and not other.startswith(name + ".")
        }
    state: dict[str, int] = {}

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for other in sorted(graph[name]):
            if state.get(other) == 1:
                cycle = (
                    [*path[path.index(other) :], other]
                    if other in path
                    else [name, other]
                )
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if other not in state:
                visit(other, [*path, other])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])


def test_only_the_runner_and_outputs_write_files():
    writers = []
    for name, tree in _modules().items():
        if name.split(".")[1:2] and name.split(".")[1] in WRITERS:
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in WRITING_CALLS
                and not _is_string_method(node)
            ):
                writers.append(f"{name}:{node.lineno} .{node.func.attr}()")
            if _opens_for_writing(node):
                writers.append(f"{name}:{node.lineno} open(..., 'w')")
    assert writers == []


def _is_string_method(node: ast.Call) -> bool:
    # str.replace / datetime.replace / dataclasses.replace are not file operations
    func = node.func
    assert isinstance(func, ast.Attribute)
    if func.attr != "replace":
        return False
    value = func.value
    return not (isinstance(value, ast.Name) and value.id in {"os", "shutil", "Path"})


def _opens_for_writing(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    name = (
        node.func.attr
        if isinstance(node.func, ast.Attribute)
        else getattr(node.func, "id", "")
    )
    if name != "open":
        return False
    modes = list(node.args[1:2]) + [k.value for k in node.keywords if k.arg == "mode"]
    return any(
        isinstance(m, ast.Constant)
        and isinstance(m.value, str)
        and set(m.value) & set("wax+")
        for m in modes
    )
