"""Write ``docs/api.md``, the Python API reference, from the code's docstrings.

Every public module is listed in :data:`SECTIONS`, in the order data flow through
seabed; each public name (the module's ``__all__``) gets its signature and the first
paragraph of its docstring, constants their ``#:`` comment. Run it from anywhere::

    python docs/make_api.py            # rewrite docs/api.md
    python docs/make_api.py --check    # exit 1 if docs/api.md is out of date

``tests/test_docs_examples.py`` fails when the page differs from what this script
writes, so the page follows the code.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import pkgutil
import re
import types
import typing
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import seabed

__all__ = ["API_PAGE", "SECTIONS", "public_modules", "render"]

API_PAGE = Path(__file__).resolve().parent / "api.md"

#: (heading, modules) in the order data flow through a run.
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Package",
        (
            "seabed",
            "seabed.config",
            "seabed.config.inputs",
            "seabed.config.estimate",
            "seabed.config.resource",
            "seabed.config.run",
            "seabed.config.loading",
            "seabed.config_errors",
            "seabed.schedulers",
            "seabed.exceptions",
        ),
    ),
    (
        "Inputs",
        (
            "seabed.io",
            "seabed.io.files",
            "seabed.io.cores",
            "seabed.io.rasters",
            "seabed.io.zones",
            "seabed.io.datasets",
            "seabed.io.synthetic",
        ),
    ),
    ("Compositing", ("seabed.elements", "seabed.density", "seabed.composite")),
    ("Grid", ("seabed.grid",)),
    ("Variables and chunk sizes", ("seabed.variables", "seabed.chunks")),
    (
        "Geostatistics",
        (
            "seabed.geostats",
            "seabed.geostats.variogram",
            "seabed.geostats.experimental",
            "seabed.geostats.fitting",
            "seabed.geostats.model_selection",
            "seabed.geostats.support",
            "seabed.geostats.kriging",
            "seabed.geostats.idw",
            "seabed.geostats.gridding",
            "seabed.geostats.validation",
            "seabed.geostats.declustering",
            "seabed.geostats.outliers",
            "seabed.geostats.normal_scores",
            "seabed.geostats.spectral",
            "seabed.geostats.simulation",
            "seabed.geostats.kna",
            "seabed.geostats.change_of_support",
            "seabed.geostats.plot",
        ),
    ),
    (
        "Estimation",
        (
            "seabed.estimation",
            "seabed.estimation.models",
            "seabed.estimation.review",
            "seabed.estimation.tiles",
        ),
    ),
    (
        "Zones and rules",
        (
            "seabed.zones",
            "seabed.zones.coverage",
            "seabed.zones.report_zones",
            "seabed.zones.rules",
        ),
    ),
    (
        "Resource",
        (
            "seabed.resource",
            "seabed.resource.tonnage",
            "seabed.resource.statements",
            "seabed.resource.oxides",
            "seabed.resource.curves",
            "seabed.resource.classes",
            "seabed.resource.class_words",
            "seabed.resource.uncertainty",
            "seabed.resource.sources",
            "seabed.resource.recoverable",
        ),
    ),
    (
        "Running",
        (
            "seabed.pipeline",
            "seabed.pipeline.inputs",
            "seabed.pipeline.plan",
            "seabed.pipeline.extent",
            "seabed.pipeline.preflight",
            "seabed.pipeline.blocks",
            "seabed.pipeline.records",
            "seabed.pipeline.validation",
            "seabed.pipeline.evidence",
            "seabed.pipeline.kna",
            "seabed.pipeline.provenance",
            "seabed.pipeline.demo",
            "seabed.pipeline.runner",
            "seabed.result",
        ),
    ),
    (
        "Outputs",
        (
            "seabed.outputs",
            "seabed.outputs.files",
            "seabed.outputs.cogs",
            "seabed.outputs.dataset",
            "seabed.outputs.stac",
            "seabed.outputs.checkpoints",
            "seabed.outputs.writer",
            "seabed.outputs.report_files",
            "seabed.outputs.folder",
        ),
    ),
    (
        "Report",
        (
            "seabed.report",
            "seabed.report.tables",
            "seabed.report.html",
            "seabed.report.maps",
            "seabed.report.charts",
            "seabed.report.kna",
            "seabed.report.context",
            "seabed.report.sections",
            "seabed.report.sections.summary",
            "seabed.report.sections.statement",
            "seabed.report.sections.uncertainty",
            "seabed.report.sections.maps",
            "seabed.report.sections.classes",
            "seabed.report.sections.recoverable",
            "seabed.report.sections.validation",
            "seabed.report.sections.curves",
            "seabed.report.sections.inputs",
            "seabed.report.sections.provenance",
            "seabed.report.document",
        ),
    ),
    ("Command line", ("seabed.cli",)),
)

HEADER = """\
# Python API

Every public name of seabed, module by module in the order data flow through a run:
its signature and the first line of its docstring. The docstrings hold the rest
(parameters, units, examples): `help(seabed.io.load_cores)`, or read the source.
Each subpackage re-exports its modules' public names, so
`from seabed.geostats import OrdinaryKriging` works as well as the full path.

This page is generated by `python docs/make_api.py`; do not edit it by hand (a test
fails when it differs from the code).
"""


# ------------------------------------------------------------------ modules and names
def public_modules() -> list[str]:
    """Every importable module of seabed whose name has no leading underscore."""
    names = [
        info.name
        for info in pkgutil.walk_packages(seabed.__path__, prefix="seabed.")
        if not any(part.startswith("_") for part in info.name.split("."))
    ]
    return sorted(["seabed", *names])


def _check_sections() -> None:
    listed = [name for _, modules in SECTIONS for name in modules]
    missing = sorted(set(public_modules()) - set(listed))
    if missing:
        raise SystemExit(
            f"docs/make_api.py: add {', '.join(missing)} to SECTIONS (in data-flow order)"
        )


def _public_names(module: types.ModuleType) -> list[str]:
    names = list(getattr(module, "__all__", []))
    if hasattr(module, "__path__") and module.__name__ != "seabed":
        return names  # a subpackage's names are listed under each of its modules

    # constants first, then classes and functions in the order of the source
    def position(name: str) -> tuple[int, int]:
        obj = getattr(module, name)
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            return (0, names.index(name))
        try:
            return (1, inspect.getsourcelines(obj)[1])
        except (OSError, TypeError):
            return (1, 10**9)

    return sorted(names, key=position)


# --------------------------------------------------------------------------- texts
def _markdown(text: str) -> str:
    """reStructuredText markup of docstrings as Markdown: roles and literals as code."""
    text = re.sub(r":\w+:`~?([^`]+)`", r"`\1`", text)  # :func:`~a.b` -> `a.b`
    return text.replace("``", "`")


def _summary(obj: Any) -> str:
    """The first paragraph of a docstring, on one line, in Markdown."""
    doc = inspect.getdoc(obj) or ""
    return _markdown(" ".join(doc.split("\n\n")[0].split()))


def _comment_summaries(module: types.ModuleType) -> dict[str, str]:
    """The ``#:`` comments written above a module's constants, by name."""
    try:
        lines = inspect.getsource(module).splitlines()
    except (OSError, TypeError):
        return {}
    found: dict[str, str] = {}
    for i, line in enumerate(lines):
        match = re.match(r"^([A-Za-z_]\w*)\s*(?::[^=]+)?=", line)
        if match is None:
            continue
        comment: list[str] = []
        j = i - 1
        while j >= 0 and lines[j].startswith("#:"):
            comment.insert(0, lines[j][2:].strip())
            j -= 1
        if comment:
            found.setdefault(match[1], _markdown(" ".join(comment)))
    return found


def _all_comment_summaries() -> dict[str, str]:
    """``#:`` comments of every public module: re-exported constants keep theirs."""
    found: dict[str, str] = {}
    for name in public_modules():
        for constant, text in _comment_summaries(importlib.import_module(name)).items():
            found.setdefault(constant, text)
    return found


def _type_text(annotation: Any) -> str:
    """An annotation as it would be written in code, without module prefixes."""
    if isinstance(annotation, str):
        return annotation
    if annotation is type(None):
        return "None"
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_text(args[0])
    if origin in (typing.Union, types.UnionType):
        return " | ".join(_type_text(arg) for arg in args)
    if origin is typing.Literal:
        return f"Literal[{', '.join(repr(arg) for arg in args)}]"
    if origin is not None:
        name = getattr(origin, "__name__", None) or str(origin)
        inner = ", ".join("..." if a is Ellipsis else _type_text(a) for a in args)
        return f"{name}[{inner}]" if args else name
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation).replace("typing.", "")


def _default_text(default: Any) -> str:
    if isinstance(default, Path):
        return repr(str(default))
    if isinstance(default, types.FunctionType):
        return default.__name__
    return repr(default)


class _Code(str):
    """Text that ``inspect.Signature`` prints as it is (it would quote a str)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return str(self)


def _signature(
    obj: Callable[..., Any], *, drop_first: bool = False, returns: bool = True
) -> str:
    """``(a: int, *, b: str = 'x') -> float``, or ``(...)`` if it cannot be read."""
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return "(...)"
    parameters = [
        p.replace(
            annotation=p.empty
            if p.annotation is p.empty
            else _Code(_type_text(p.annotation)),
            default=p.empty
            if p.default is p.empty
            else _Code(_default_text(p.default)),
        )
        for p in list(signature.parameters.values())[1 if drop_first else 0 :]
    ]
    result = signature.return_annotation
    return str(
        signature.replace(
            parameters=parameters,
            return_annotation=(
                _Code(_type_text(result))
                if returns and result is not signature.empty
                else signature.empty
            ),
        )
    )


def _members(cls: type) -> Iterator[tuple[str, str, str]]:
    """(name, signature, summary) of a class's public methods and properties.

    Those inherited from seabed's own (private) base classes count, a private base
    returned (``-> _KrigingBase``) reading as the class itself; those of other
    libraries' bases (scikit-learn's ``get_params`` ...) do not.
    """
    for name, signature, summary in _own_members(cls):
        yield name, re.sub(r"-> _\w+$", f"-> {cls.__name__}", signature), summary


def _own_members(cls: type) -> Iterator[tuple[str, str, str]]:
    seen: set[str] = set()
    own = [c for c in cls.__mro__ if c.__module__.split(".")[0] == "seabed"]
    for name, member in (item for c in own for item in vars(c).items()):
        if name.startswith("_") or name in seen:
            continue
        seen.add(name)
        if isinstance(member, property):
            yield name, "", _summary(member)
        elif isinstance(member, classmethod | staticmethod):
            function = member.__func__
            yield (
                name,
                _signature(function, drop_first=isinstance(member, classmethod)),
                (_summary(function)),
            )
        elif inspect.isfunction(member):
            yield name, _signature(member, drop_first=True), _summary(member)


# ------------------------------------------------------------------------ rendering
def _entry(module: types.ModuleType, name: str, comments: dict[str, str]) -> list[str]:
    obj = getattr(module, name)
    if inspect.isclass(obj):
        signature = _signature(obj, returns=False).replace("(...)", "")
        lines = [f"- **class** `{name}{signature}`", f"  {_summary(obj)}"]
        for member, signature, summary in _members(obj):
            lines.append(
                f"  - `.{member}{signature}`" + (f": {summary}" if summary else "")
            )
        return lines
    if callable(obj):
        return [f"- `{name}{_signature(obj)}`", f"  {_summary(obj)}"]
    summary = comments.get(name, "")
    if not summary:
        value = repr(obj)
        summary = f"`{value}`" if len(value) <= 60 else type(obj).__name__
    return [f"- `{name}`: {summary}"]


def _module_lines(name: str) -> list[str]:
    module = importlib.import_module(name)
    lines = [f"### `{name}`", "", _summary(module), ""]
    comments = {**_all_comment_summaries(), **_comment_summaries(module)}
    names = _public_names(module)
    if name == "seabed.geostats":
        lines.append(
            "Re-exports: " + ", ".join(f"`{n}`" for n in names) + " (listed below "
            "under the submodule that defines each)."
        )
        return [*lines, ""]
    for public in names:
        lines.extend(_entry(module, public, comments))
    return [*lines, ""]


def render() -> str:
    """The text of ``docs/api.md`` for the code as it is now."""
    _check_sections()
    lines = [HEADER]
    for heading, modules in SECTIONS:
        lines += [f"## {heading}", ""]
        for name in modules:
            lines += _module_lines(name)
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Write the page, or with ``--check`` say whether it is up to date."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if docs/api.md is out of date"
    )
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = API_PAGE.read_text(encoding="utf-8") if API_PAGE.exists() else ""
        if current != text:
            print("docs/api.md is out of date: run python docs/make_api.py")
            return 1
        return 0
    API_PAGE.write_text(text, encoding="utf-8")
    print(f"wrote {API_PAGE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
