"""The import graph of ``app``: no module imports itself round a circle, the HTTP layer
(``app.api``) sits on top, and the rendering (``app.views``) knows nothing of HTTP.

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
# Packages still in one circle (no module is: each package imports another's modules, not
# back the same ones). Below the routers everything meets through ``app.core``, whose
# ``database`` holds the driver reader of ``app.records`` and whose ``openapi`` reads the
# seed schemas, the citable kinds and the graph formats; the seed loader and the write path
# call each other; ``app.kinds`` reads the seed schemas while the seeding reads the kinds.
KNOWN_CIRCLE = {
    "app.asof",
    "app.cite",
    "app.core",
    "app.graphs",
    "app.kinds",
    "app.models",
    "app.readmodel",
    "app.records",
    "app.releases",
    "app.search",
    "app.seeding",
    "app.views",
}


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
    assert "app.records.documents" in graph["app.readmodel.projections"]  # a top-level import
    assert "app.core.migrate" in graph["app.api.health"]  # one inside a function


def test_no_module_imports_itself_round_a_circle():
    assert circles(app_imports()) == []


def test_packages_form_no_circle_but_the_known_one():
    graph: dict[str, set[str]] = {}
    for name, found in app_imports().items():
        graph.setdefault(package(name), set()).update(
            package(other) for other in found if package(other) != package(name)
        )
    for circle in circles(graph):
        assert circle <= KNOWN_CIRCLE, sorted(circle - KNOWN_CIRCLE)


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
