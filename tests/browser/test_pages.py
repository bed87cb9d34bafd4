"""The pages a person opens, in headless Chromium: the API docs (which must render with no
network but the service's own) and the timeline page (filter it, open an item, read its
citations and disputes, by mouse and by keyboard)."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import ARTIFACTS, Browser
from tests.live import Server

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}


def test_swagger_ui_lists_every_operation_offline(browser: Browser, server: Server) -> None:
    schema = server.get_json("/openapi.json")
    operations = {
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }
    page = browser.new_page()
    page.goto(f"{server.base_url}/docs")
    page.locator(".opblock").first.wait_for()
    blocks = page.locator(".opblock-summary")
    methods = blocks.locator(".opblock-summary-method").all_inner_texts()
    paths = blocks.locator(".opblock-summary-path").all_inner_texts()
    shown = {
        (m.strip(), p.replace("\u200b", "").strip()) for m, p in zip(methods, paths, strict=True)
    }
    assert ("GET", "/api/v1/timeline") in shown
    assert operations <= shown, f"not listed in Swagger UI: {sorted(operations - shown)}"
    page.screenshot(path=ARTIFACTS / "docs.png")
    assert browser.blocked == [], f"the docs page reached outside: {browser.blocked}"
    assert browser.errors == []


def test_redoc_renders_offline(browser: Browser, server: Server) -> None:
    page = browser.new_page()
    page.goto(f"{server.base_url}/redoc")
    page.get_by_role("heading", name="Dated items in order").wait_for()
    assert "Migration Governance Timeline" in page.locator("h1").first.inner_text()
    assert browser.blocked == [], f"ReDoc reached outside: {browser.blocked}"
    # ReDoc always tries its vendor's logo from a CDN; the page's CSP stops it in the browser.
    assert all("Content Security Policy" in error for error in browser.errors), browser.errors


def _row_ids(page: Any) -> list[str]:
    return [
        str(i)
        for i in page.locator("#timeline-list button.row").evaluate_all(
            "rows => rows.map(r => r.dataset.id)"
        )
    ]


def test_timeline_filters_and_shows_citations(browser: Browser, server: Server) -> None:
    everything = server.api_all("/timeline")
    gfmd = server.api_all("/timeline", process="gfmd")
    # An item of the process with a quoted citation and a dispute, to open.
    chosen = next(
        item for item in gfmd if item["disputes"] and any(c["quote"] for c in item["citations"])
    )
    quoted = next(c for c in chosen["citations"] if c["quote"])

    page = browser.new_page()
    page.goto(f"{server.base_url}/")
    page.wait_for_selector("html[data-ready=true]")
    # The page follows the cursor: all items, in the API's order.
    assert _row_ids(page) == [item["id"] for item in everything]
    assert page.locator("#timeline-list .mark.point").count() > 0
    assert page.locator("#timeline-list .mark.bar").count() > 0
    assert page.locator("#timeline-list .mark.vague").count() == sum(
        1 for i in everything if i["date"]["approximate"] or i["date"]["uncertain"]
    )

    # Filter by process, with the menu filled from /api/v1/processes.
    page.get_by_label("Process").select_option("gfmd")
    page.wait_for_function(
        "n => document.querySelectorAll('#timeline-list button.row').length === n", arg=len(gfmd)
    )
    assert _row_ids(page) == [item["id"] for item in gfmd]
    assert "process=gfmd" in page.url
    assert page.locator("#status").inner_text().startswith(f"Showing {len(gfmd)} items")

    # Open an item with the mouse: its citations (quote, source title, locator) and disputes.
    page.locator(f'button.row[data-id="{chosen["id"]}"]').click()
    details = page.locator("#details")
    details.locator("#d-sources").wait_for()
    assert page.locator("#details-title").inner_text() == chosen["title"]
    assert page.evaluate("document.activeElement.id") == "details-title"
    text = details.inner_text()
    assert quoted["quote"] in text
    assert quoted["source"]["title"] in text
    for citation in chosen["citations"]:
        if citation["locator"]:
            assert citation["locator"] in text
    assert details.locator("#d-disputes").is_visible()
    assert chosen["disputes"][0]["question"] in text
    assert "followed by the dataset" in text
    assert page.url.endswith(f"#event={chosen['id']}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "timeline-gfmd.png")

    # By keyboard: Escape closes and returns focus to the item, arrows move, Enter opens.
    page.keyboard.press("Escape")
    assert details.is_hidden()
    assert page.evaluate("document.activeElement.dataset.id") == chosen["id"]
    page.keyboard.press("ArrowDown")
    following = gfmd[[i["id"] for i in gfmd].index(chosen["id"]) + 1]
    assert page.evaluate("document.activeElement.dataset.id") == following["id"]
    page.keyboard.press("Enter")
    page.wait_for_function(
        "t => document.querySelector('#details-title')?.textContent === t", arg=following["title"]
    )
    assert details.locator("#d-sources").is_visible()

    assert browser.blocked == [], f"the timeline page reached outside: {browser.blocked}"
    assert browser.errors == []
