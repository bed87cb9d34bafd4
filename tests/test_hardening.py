"""Bad input gets a clear 4xx as problem+json; every response carries security headers."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app
from tests.checks import problem


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/timeline?strat=2017",
        "/api/v1/actors?kinds=state",
        "/api/v1/meetings/cm-15?x=1",
        "/api/v1/pledges?objectives=7",
    ],
)
def test_unknown_query_parameters_are_named(client, url):
    body = problem(client.get(url), 422)
    assert "unknown query parameter" in body["detail"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/timeline?q=" + "x" * 201,
        "/api/v1/actors/" + "a" * 201,
        "/api/v1/timeline?start=" + "2" * 30,
        "/api/v1/timeline?process=" + "p" * 201,
        "/api/v1/timeline?kind=" + "k" * 41,
    ],
)
def test_overlong_values_are_422(client, url):
    problem(client.get(url), 422)


def test_security_headers_on_every_response(client):
    for url in ["/health", "/api/v1/timeline", "/api/v1/nothing", "/api/v1/timeline?limit=0"]:
        headers = client.get(url).headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"
        assert "content-security-policy" in headers


def test_cors_allows_reads_from_any_origin_without_credentials(client):
    response = client.get("/api/v1/timeline", headers={"Origin": "https://example.org"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers
    preflight = client.options(
        "/api/v1/pledges",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 400


def test_cors_is_configurable(fixture_db):
    settings = Settings(database_url=fixture_db, cors_origins=["https://lab.example"])
    with TestClient(create_app(settings)) as client:
        allowed = client.get("/health", headers={"Origin": "https://lab.example"})
        assert allowed.headers["access-control-allow-origin"] == "https://lab.example"
        other = client.get("/health", headers={"Origin": "https://elsewhere.example"})
        assert "access-control-allow-origin" not in other.headers


def test_wrong_content_type_is_415(client):
    response = client.post(
        "/api/v1/pledges", content=b"<pledge/>", headers={"Content-Type": "application/xml"}
    )
    problem(response, 415)


def test_oversized_body_is_413(fixture_db):
    with TestClient(
        create_app(Settings(database_url=fixture_db, max_body_bytes=1000)),
        raise_server_exceptions=False,
    ) as client:
        response = client.post(
            "/api/v1/pledges",
            content=b"{" + b" " * 5000 + b"}",
            headers={"Content-Type": "application/json"},
        )
        problem(response, 413)


@pytest.mark.parametrize("body", [b"\xff\xfe not utf-8", b"{not json", b"[]", b"null"])
def test_malformed_json_bodies_are_4xx(client, body):
    response = client.post(
        "/api/v1/pledges",
        content=body,
        headers={"Content-Type": "application/json", "Authorization": "Bearer mgt_unknown"},
    )
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"].startswith("application/problem+json")
