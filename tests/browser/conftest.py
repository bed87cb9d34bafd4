"""Fixtures for the browser tests: the real server in a subprocess, and headless Chromium.

The server is ``mgt serve`` on a free 127.0.0.1 port against a temporary SQLite database, which
it migrates and seeds from seeds/ as it would for a user. Chromium is Debian's (``apt-get
install -y chromium``), driven by the ``playwright`` package; ``playwright install`` is never
needed. Where Chromium or playwright is missing the tests are skipped with the reason, and
under CI=true they fail instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import pytest

from tests.live import Server, live_server

ARTIFACTS = Path(os.environ.get("MGT_BROWSER_ARTIFACTS", Path(__file__).parent / "artifacts"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IN_CI = os.environ.get("CI", "").lower() == "true"


def _unavailable(reason: str) -> NoReturn:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the browser tests must run)", pytrace=False)
    pytest.skip(reason)


def chromium_path() -> str:
    found = os.environ.get("MGT_CHROMIUM") or shutil.which("chromium")
    if not found:
        _unavailable("Chromium not found: apt-get install -y chromium (or set MGT_CHROMIUM)")
    return found


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    chromium_path()  # no server to start when there is no browser to drive it
    with live_server(tmp_path_factory.mktemp("browser-server")) as running:
        yield running


@dataclass
class Browser:
    """A fresh Chromium context that may reach only the server under test."""

    context: Any
    base_url: str
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def new_page(self) -> Any:
        page = self.context.new_page()
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        page.on(
            "console",
            lambda message: (
                self.errors.append(f"console {message.type}: {message.text}")
                if message.type == "error"
                else None
            ),
        )
        return page


@pytest.fixture(scope="package")
def chromium() -> Iterator[Any]:
    """Headless Chromium, launched once for the browser tests of a test process and closed
    after them (its event loop would stand in the way of later asyncio tests); each test
    opens a context of its own in it, with its own cookies, storage and cache."""
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed: pip install playwright")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def browser(server: Server, chromium: Any) -> Iterator[Browser]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)  # ReDoc and Swagger UI take 15 s on a busy machine
    session = Browser(context, server.base_url)

    def only_the_server(route: Any) -> None:
        url = route.request.url
        if url.startswith(f"{server.base_url}/") or url.startswith("data:"):
            route.continue_()
        else:
            session.blocked.append(url)
            route.abort()

    context.route("**/*", only_the_server)
    try:
        yield session
    finally:
        context.close()
