"""Without a browser: the docs and the timeline page load nothing from outside the service."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.IGNORECASE)


@pytest.fixture(scope="module")
def web() -> TestClient:
    # These routes touch no database, so the app's lifespan need not run.
    return TestClient(create_app(Settings(database_url="sqlite://")))


@pytest.mark.parametrize(
    ("page", "assets"),
    [
        ("/docs", ["/docs-assets/swagger-ui-bundle.js", "/docs-assets/swagger-ui.css"]),
        ("/redoc", ["/docs-assets/redoc.standalone.js"]),
        ("/", ["assets/app.js", "assets/app.css"]),
    ],
)
def test_pages_use_local_assets_only(web: TestClient, page: str, assets: list[str]) -> None:
    response = web.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    html = response.text
    assert not EXTERNAL.search(html), EXTERNAL.search(html)
    assert "fonts.googleapis.com" not in html
    for asset in assets:
        assert asset in html
        fetched = web.get(asset if asset.startswith("/") else f"/{asset}")
        assert fetched.status_code == 200, asset
        assert len(fetched.content) > 1000, asset


def test_swagger_oauth2_redirect_and_favicon(web: TestClient) -> None:
    assert web.get("/docs/oauth2-redirect").status_code == 200
    assert web.get("/favicon.ico").headers["content-type"] == "image/png"


def test_web_routes_stay_out_of_the_openapi_schema(web: TestClient) -> None:
    paths = web.get("/openapi.json").json()["paths"]
    for page in ("/", "/docs", "/docs/oauth2-redirect", "/redoc", "/favicon.ico"):
        assert page not in paths
