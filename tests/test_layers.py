"""The import graph of ``app``: no module or package imports itself round a circle, each
package imports only the layers below it, the HTTP layer (``app.api``) sits on top, and the
rendering (``app.views``) knows nothing of HTTP.

Imports are read from the source with ``ast``, those inside functions included, so a late
import that hides a circle from the interpreter does not hide it from this test."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"
HTTP = ("fastapi", "starlette")
# What serves HTTP: the routers, the application factory and the process that runs it.
HTTP_LAYER = ("app.api", "app.main", "app.server")
# The packages from the bottom up: each imports only packages below its own layer. The
# schema (models) rests on the plain parts (core); the record format (seeding: seed schemas,
# kinds, reading, checks, export) on the schema; what renders (views) on the format and the
# lookups beside it; the read model stores what the views render; the write path (records)
# applies each change through the read model; releases bundle what was written; the routers,
# the application, the server process and the command line sit on top.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("app.core",),
    ("app.models",),
    ("app.seeding",),
    ("app.asof", "app.cite", "app.graphs", "app.search"),
    ("app.views",),
    ("app.readmodel",),
    ("app.records",),
    ("app.releases",),
    ("app.api", "app.web"),
    ("app.main",),
    ("app.server",),
    ("app.cli",),
)


def _module(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {_module(path): path for path in APP.rglob("*.py")}


def _imported(name: str, path: Path) -> Iterator[str]:
    """Every module ``name`` imports, at any depth of its source."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            for alias in node.names:
                whole = f"{base}.{alias.name}"
                yield whole if whole in modules() else base


@cache
def imports() -> dict[str, frozenset[str]]:
    return {name: frozenset(_imported(name, path)) for name, path in modules().items()}


def app_imports() -> dict[str, set[str]]:
    return {
        name: {other for other in found if other in modules() and other != name}
        for name, found in imports().items()
    }


def circles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected parts of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            part = set()
            while (top := stack.pop()) != node:
                part.add(top)
            if part:
                found.append(part | {node})

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def package(name: str) -> str:
    return ".".join(name.split(".")[:2])


def within(name: str, layers: tuple[str, ...]) -> bool:
    return any(name == layer or name.startswith(f"{layer}.") for layer in layers)


def test_the_graph_is_read():
    graph = app_imports()
    assert "app.readmodel.documents" in graph["app.readmodel.projections"]  # a top-level import
    assert "app.models.migrate" in graph["app.api.health"]  # one inside a function


def test_no_module_imports_itself_round_a_circle():
    assert circles(app_imports()) == []


def package_imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, found in app_imports().items():
        graph.setdefault(package(name), set()).update(
            package(other) for other in found if package(other) != package(name)
        )
    return graph


def test_packages_form_no_circle():
    assert circles(package_imports()) == []


def test_each_package_imports_only_the_layers_below_it():
    layer_of = {name: level for level, names in enumerate(LAYERS) for name in names}
    graph = package_imports()
    assert set(graph) - {"app"} == set(layer_of), "give a new package its layer in LAYERS"
    upward = sorted(
        f"{name} imports {other}"
        for name, found in graph.items()
        if name != "app"
        for other in found
        if layer_of[other] >= layer_of[name]
    )
    assert upward == []


def test_only_the_http_layer_imports_the_routers():
    crossing = sorted(
        f"{name} imports {other}"
        for name, found in app_imports().items()
        if not within(name, HTTP_LAYER)
        for other in found
        if within(other, ("app.api",))
    )
    assert crossing == []


def test_views_know_nothing_of_http():
    views = [name for name in modules() if within(name, ("app.views",))]
    assert views, "app/views holds the output models and their rendering"
    speaking_http = sorted(
        f"{name} imports {other}"
        for name in views
        for other in imports()[name]
        if other.split(".")[0] in HTTP or within(other, HTTP_LAYER)
    )
    assert speaking_http == []


def test_views_sit_below_what_stores_them():
    """The records layer stores what the views render, and the read model wraps it: a view
    that read from either would close a circle between the packages."""
    upward = sorted(
        f"{name} imports {other}"
        for name, found in app_imports().items()
        if within(name, ("app.views",))
        for other in found
        if within(other, ("app.records", "app.readmodel"))
    )
    assert upward == []


def test_circles_are_found():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert circles({"a": {"b"}, "b": set()}) == []
