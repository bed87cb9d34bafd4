"""The timeline page on a phone (390 px) and a desktop (1400 px), with its time axis: nothing
overflows, every control is reachable by keyboard with visible focus, and axe-core finds no
serious accessibility violation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS, IN_CI, Browser
from tests.live import Server

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = [390, 1400]
CONTROLS = "a[href], button:not([tabindex='-1']), select, input, summary, [tabindex='0']"


def _open(browser: Browser, server: Server, width: int) -> Any:
    page = browser.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{server.base_url}/")
    page.wait_for_selector("html[data-ready=true]")
    return page


def _overflow(page: Any) -> int:
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_nothing_overflows_with_an_item_open(browser: Browser, server: Server, width: int) -> None:
    page = _open(browser, server, width)
    assert _overflow(page) == 0
    page.locator("#timeline-list button.row").nth(3).click()
    page.locator("#d-sources").wait_for()
    assert _overflow(page) == 0
    close = page.locator("#details-close").bounding_box()
    assert close is not None
    assert 0 <= close["x"]
    assert close["x"] + close["width"] <= width
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"timeline-{width}.png")
    page.locator("#details-close").click()
    titles = page.locator("#timeline-list .title").evaluate_all(
        "els => els.map(e => e.scrollWidth <= e.clientWidth + 1)"
    )
    assert all(titles), "a title is cut"
    assert browser.errors == []


def _tab_through(page: Any, presses: int = 60) -> set[str]:
    reached = set()
    for _ in range(presses):
        page.keyboard.press("Tab")
        reached.add(
            page.evaluate(
                "(() => { const e = document.activeElement;"
                " return e.id || e.dataset.id || e.textContent.trim().slice(0, 40); })()"
            )
        )
        if page.evaluate("document.activeElement !== document.body"):  # between page and UI
            outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", "focus is not visible"
    return reached


@pytest.mark.parametrize("width", WIDTHS)
def test_every_control_is_reachable_by_keyboard(
    browser: Browser, server: Server, width: int
) -> None:
    page = _open(browser, server, width)
    if width < 600:
        assert page.locator("#filters").is_hidden()
        page.locator("#filters-toggle").focus()
        page.keyboard.press("Enter")
        assert page.locator("#filters").is_visible()
        assert page.evaluate("document.activeElement.id") == "f-process"
        page.evaluate("document.activeElement.blur()")
    else:
        assert page.locator("#filters-toggle").is_hidden()
    regions = ("header", "#filters", "#axis-view-section")  # the time axis's buttons too
    within = ", ".join(f"{region} :is({CONTROLS})" for region in regions)
    wanted = page.locator(within).evaluate_all(
        "els => els.filter(e => e.offsetParent !== null)"
        ".map(e => e.id || e.dataset.id || e.textContent.trim().slice(0, 40))"
    )
    reached = _tab_through(page)
    assert set(wanted) <= reached, f"not reachable by Tab: {sorted(set(wanted) - reached)}"
    first_row = page.locator("#timeline-list button.row").first.get_attribute("data-id")
    assert first_row in reached


@pytest.mark.parametrize("width", WIDTHS)
def test_axe_finds_no_serious_violation(browser: Browser, server: Server, width: int) -> None:
    if not AXE.is_file():
        message = "axe-core not installed: npm ci --prefix tests/browser"
        if IN_CI:
            pytest.fail(f"{message} (CI=true: the browser tests must run)", pytrace=False)
        pytest.skip(message)
    page = _open(browser, server, width)
    page.locator("#timeline-list button.row").nth(3).click()
    page.locator("#d-sources").wait_for()
    page.evaluate(AXE.read_text(encoding="utf-8"))  # through DevTools: the page's CSP stays on
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {len(v['nodes'])} node(s)"
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert serious == []
