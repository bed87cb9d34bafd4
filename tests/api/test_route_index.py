"""Route matching with the literal-prefix test gives what FastAPI's own matching gives, for
every path of the OpenAPI document, every method, under a root path, with and without a
trailing slash, and for paths nothing serves."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Match

from app.api.route_index import literal_parts
from app.core.config import Settings
from app.main import create_app

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _apps() -> tuple[FastAPI, FastAPI]:
    settings = Settings(database_url="sqlite://", metrics=True)
    indexed = create_app(settings)
    with mock.patch("app.main.index_routes", return_value=None):
        plain = create_app(settings)
    return indexed, plain


def _first_match(app: FastAPI, scope: dict[str, Any]) -> tuple[str, int, Any]:
    """What the router's loop chooses: the first full match, else the first partial one."""
    partial: tuple[str, int, Any] | None = None
    for number, route in enumerate(app.router.routes):
        match, child = route.matches(dict(scope))
        if match == Match.FULL:
            return "full", number, child.get("path_params")
        if match == Match.PARTIAL and partial is None:
            partial = ("partial", number, child.get("path_params"))
    return partial or ("none", -1, None)


def _paths(app: FastAPI) -> list[str]:
    documented = [path.replace("{", "x-").replace("}", "") for path in app.openapi()["paths"]]
    served = ["/", "/docs", "/redoc", "/favicon.ico", "/assets/app.js", "/health/ready"]
    unknown = ["/api/v1/nothing", "/api/v2/timeline", "/healthz", "/api/v1x", "", "/x/y/z"]
    paths = documented + served + unknown
    return paths + [path + "/" for path in paths] + [path.upper() for path in paths]


def test_every_path_and_method_matches_as_fastapi_matches_it():
    indexed, plain = _apps()
    paths = _paths(plain)
    assert len(paths) > 100
    compared = 0
    for root_path in ("", "/mgt"):
        for path in paths:
            for method in METHODS:
                scope: dict[str, Any] = {
                    "type": "http",
                    "path": root_path + path,
                    "root_path": root_path,
                    "method": method,
                    "headers": [],
                }
                assert _first_match(indexed, scope) == _first_match(plain, scope), scope
                compared += 1
    assert compared == 2 * len(paths) * len(METHODS)


@pytest.mark.parametrize(
    ("request_path", "status"),
    [("/api/v1/timeline/", 307), ("/api/v1/snapshot", 422), ("/health/nothing", 404)],
)
def test_redirects_and_refusals_are_fastapis(request_path, status):
    indexed, plain = _apps()
    answers = []
    for app in (indexed, plain):
        with TestClient(app) as client:
            response = client.get(request_path, follow_redirects=False)
            answers.append((response.status_code, response.headers.get("location")))
    assert answers[0] == answers[1]
    assert answers[0][0] == status


def test_a_wrong_method_is_405_as_before():
    indexed, plain = _apps()
    answers = []
    for app in (indexed, plain):
        with TestClient(app) as client:
            response = client.put("/api/v1/timeline")
            answers.append((response.status_code, response.headers.get("allow")))
    assert answers[0] == answers[1]
    assert answers[0][0] == 405


def test_literal_parts_split_at_the_first_parameter():
    exact, prefixes = literal_parts(["/a", "/a/{id}", "/a/{id}/b", "/c/{x}-{y}"])
    assert exact == {"/a"}
    assert prefixes == ("/a/", "/c/")
