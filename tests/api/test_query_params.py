"""Query parameters read with one validation (``app.api.query_route``) answer as FastAPI
does when it reads them itself: the same OpenAPI parameters, the same 422 problem bodies
for bad values (wrong types, too long, unknown values, repeated, empty, several at once),
the same unknown-parameter rejection, and the same pages for good values.

The reference is each route's endpoint as declared, served by FastAPI itself under
``/api/native`` in the same application (same database, error handlers and middleware).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from app.api.query_route import QueryRoute, document
from app.core.config import Settings
from app.core.declared import declared_query
from app.main import create_app

V1, NATIVE = "/api/v1", "/api/native/v1"
LONG = "x" * 1001
IDS = {"{actor_id}": "mexico", "{process_id}": "coordination-meetings", "{event_id}": "cm-15"}
IDS |= {
    "{source_id}": "desa-cm15-2017",
    "{instrument_id}": "gcm",
    "{kind}": "actor",
    "{ident}": "mexico",
}
# Bad values by parameter; each route gets those of the parameters it takes.
BAD: dict[str, list[str]] = {
    "limit": ["abc", "0", "501", "", "1.5", "10&limit=x", "x&limit=10"],
    "cursor": [LONG, "bad", "", "W10"],
    "count": ["maybe", "", "true&count=x"],
    "format": ["xml", "", "x" * 21, "csv&format=xml"],
    "facet": ["bogus", "x" * 21, "kind&facet=bogus", ""],
    "start": ["x" * 21, "2016-13", "", "2018&end=2017"],
    "end": ["x" * 21, "20x6"],
    "process": ["x" * 201, "gfmdd", "", "gfmd,nowhere"],
    "actor": ["x" * 201, "mexcio", "iom&actor=" + "y" * 201],
    "kind": ["x" * 41, "bogus", ""],
    "theme": ["x" * 201, "nothing"],
    "status": ["x" * 21, "bogus"],
    "q": ["x" * 201, '"unclosed', ""],
    "top_level": ["maybe", ""],
    "sort": ["up", "", "date&sort=x"],
    "direct_only": ["x"],
    "objective": ["x" * 201, "99", "seven"],
    "as_of": ["x" * 21, "2017-13"],
    "subject_kind": ["x" * 41],
    "subject": ["x" * 201],
    "unit": ["x" * 61],
    "source": ["x" * 201, "nosuch"],
    "record": ["x" * 201],
    "after_change": ["x"],
    "date": ["x" * 21, ""],
    "url": ["x" * 2001, "/api/v1/timeline?foo=1", "/api/v1/timeline?process=gcm&limit=abc"],
    "left": ["x" * 201],
    "right": ["nothing"],
}
# Errors of several groups at once: FastAPI's order, and which dependency still runs.
MIXED = [
    "limit=abc&format=xml",
    "limit=abc&start=" + "x" * 21,
    "limit=0&sort=up&facet=bogus",
    "format=xml&sort=bogus&limit=0",
    "facet=bogus&limit=abc",
    "process=nowhere&limit=abc",
    "limit=abc&cursor=" + LONG + "&count=maybe",
    "foo=1&limit=abc",
    "Limit=1",
    "limit=1&limit=2&facet=kind&facet=kind",
]
GOOD = [
    f"{V1}/timeline?limit=3&process=coordination-meetings&count=true&facet=kind&facet=year",
    f"{V1}/timeline?start=2016&end=2018-12&sort=-date&limit=2",
    f"{V1}/meetings?process=coordination-meetings&top_level=true&limit=2",
    f"{V1}/actors/mexico/timeline?direct_only=true",
    f"{V1}/processes/coordination-meetings/timeline?kind=meeting,session&limit=2",
    f"{V1}/pledges?actor=mexico,iom&sort=-date&facet=objective",
    f"{V1}/actors?kind=state&q=mexico&sort=name&limit=2",
    f"{V1}/processes?facet=kind&limit=2",
    f"{V1}/timeline?format=csv&limit=2",
    f"{V1}/sources?limit=2&count=true",
]


def _routes(app: Any) -> Iterator[tuple[str, QueryRoute]]:
    """The API's routes that read their query at once, by path template."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, QueryRoute) and route.endpoint is not route._declared:
            yield str(context.path_format), route


@pytest.fixture(scope="module")
def served(fixture_db: str) -> Iterator[tuple[TestClient, dict[str, APIRoute]]]:
    """The application, with each such route also served by FastAPI as declared."""
    app = create_app(Settings(database_url=fixture_db))
    native: dict[str, APIRoute] = {}
    for path, route in list(_routes(app)):
        app.router.add_api_route(
            path.replace(V1, NATIVE),
            route._declared,
            methods=list(route.methods or ()),
            response_model=None,
            include_in_schema=False,
            route_class_override=APIRoute,
        )
        native[path] = app.router.routes[-1]  # type: ignore[assignment]
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, native


def _both(client: TestClient, url: str) -> tuple[Any, Any]:
    headers = {"X-Request-ID": "same", "Cache-Control": "no-cache"}
    path, mark, query = url.partition("?")
    ours = client.get(url, headers=headers)
    theirs = client.get(path.replace(V1, NATIVE) + mark + query, headers=headers)
    return ours, theirs


def _same(ours: Any, theirs: Any, url: str) -> None:
    assert ours.status_code == theirs.status_code, url
    assert ours.headers["content-type"] == theirs.headers["content-type"], url
    assert ours.content == theirs.content.replace(NATIVE.encode(), V1.encode()), url


def _corpus(app: Any) -> Iterator[str]:
    for path, route in _routes(app):
        declared = declared_query(route.dependant)
        base = path
        for template, ident in IDS.items():
            base = base.replace(template, ident)
        for name in sorted(declared):
            for value in BAD.get(name, []):
                yield f"{base}?{name}={value}"
        for query in MIXED:
            yield f"{base}?{query}"
        if "{" in path:  # a bad path value with a bad query value: FastAPI's order
            long_path = base.replace(next(v for k, v in IDS.items() if k in path), "z" * 201)
            yield f"{long_path}?limit=abc&format=xml"
            yield f"{long_path}?limit=2"


def test_the_list_routes_read_their_query_at_once(
    served: tuple[TestClient, dict[str, APIRoute]],
) -> None:
    _, native = served
    for path in ["/timeline", "/meetings", "/actors/{actor_id}/timeline", "/pledges"]:
        assert f"{V1}{path}" in native
    for path in ["/processes/{process_id}/timeline", "/actors", "/processes", "/search"]:
        assert f"{V1}{path}" in native
    for path in ["/sources", "/figures", "/disputes", "/citations", "/changes", "/instruments"]:
        assert f"{V1}{path}" in native


def test_bad_values_are_answered_as_fastapi_answers_them(
    served: tuple[TestClient, dict[str, APIRoute]],
) -> None:
    client, _ = served
    urls = list(_corpus(client.app))
    assert len(urls) > 500
    statuses = set()
    for url in urls:
        ours, theirs = _both(client, url)
        _same(ours, theirs, url)
        statuses.add(ours.status_code)
    assert 422 in statuses
    assert 200 in statuses


def test_good_values_give_the_same_answers(
    served: tuple[TestClient, dict[str, APIRoute]],
) -> None:
    client, _ = served
    for url in GOOD:
        ours, theirs = _both(client, url)
        assert ours.status_code == 200, url
        _same(ours, theirs, url)


def test_the_document_is_fastapis_for_the_routes_as_declared(
    served: tuple[TestClient, dict[str, APIRoute]],
) -> None:
    """Each operation's parameters, 422 answer and member order are those of the document
    FastAPI writes for the same endpoints reading their query themselves (before
    ``client_grade``, which treats both alike)."""
    client, native = served
    assert isinstance(client.app, FastAPI)
    ours = get_openapi(title="", version="", routes=client.app.routes)
    document(ours)
    routes = [
        APIRoute(path, route.endpoint, methods=list(route.methods or ()), response_model=None)
        for path, route in native.items()
    ]
    theirs = get_openapi(title="", version="", routes=routes)
    for path, operations in theirs["paths"].items():
        for method, operation in operations.items():
            mine = ours["paths"][path][method]
            assert json.dumps(mine.get("parameters")) == json.dumps(operation.get("parameters")), (
                path
            )
            assert mine["responses"]["422"] == operation["responses"]["422"], path
            keys = [key for key in mine if key in {"parameters", "requestBody", "responses"}]
            assert keys == [key for key in operation if key in keys], path


def test_unknown_parameters_are_named_with_what_the_route_takes(
    served: tuple[TestClient, dict[str, APIRoute]],
) -> None:
    client, _ = served
    body = client.get(f"{V1}/pledges?limt=5").json()
    assert body["errors"][0]["parameter"] == "limt"
    assert body["detail"] == (
        "unknown query parameter(s) limt; this endpoint takes actor, count, cursor, facet, "
        "format, limit, objective, process, sort"
    )
