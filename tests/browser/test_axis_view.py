"""The zoomable time axis on the timeline page (vis-timeline, served from the service): every
item drawn, a partial or vague date as a range over every day it may denote (never a point
on an invented day), its controls worked by keyboard, items opened from it; and ids and
actor names in an item's prose turned into links."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS, Browser
from tests.live import Server

pytestmark = pytest.mark.slow  # the browser tests are one long group


def _ready(browser: Browser, server: Server, width: int = 1400, path: str = "/") -> Any:
    page = browser.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{server.base_url}{path}")
    page.wait_for_selector("html[data-ready=true]")
    page.locator("#axis-view .vis-item").first.wait_for()
    return page


def _selected(page: Any) -> list[str]:
    """The ids of the items selected on the axis."""
    found = page.locator("#axis-view .vis-selected [data-id]").evaluate_all(
        "els => els.map(e => e.dataset.id)"
    )
    return [str(i) for i in found]


def _is_a_day(item: dict[str, Any]) -> bool:
    date = item["date"]
    return bool(date["precision"] == "day" and date["start"] == date["end"])


def test_partial_dates_are_ranges_and_days_are_points(browser: Browser, server: Server) -> None:
    everything = server.api_all("/timeline")
    page = _ready(browser, server)
    assert page.locator("#axis-view-section").is_visible()
    days = sum(1 for item in everything if _is_a_day(item))
    assert page.locator("#axis-view .vis-item.vis-point").count() == days
    assert page.locator("#axis-view .vis-item.vis-range").count() == len(everything) - days
    vague = [i for i in everything if i["date"]["approximate"] or i["date"]["uncertain"]]
    assert vague, "the dataset has approximate or uncertain dates"
    assert page.locator("#axis-view .vis-item.vague:not(.vis-dot)").count() == len(vague)
    # Each range spans its date's first to last day at the axis's scale, read off two year
    # labels (each at 1 January): a year is a year wide, not a point on a guessed day.
    geometry = page.evaluate(
        """() => {
            const years = [...document.querySelectorAll('#axis-view .vis-time-axis .vis-text')]
              .filter(e => /^\\d{4}$/.test(e.textContent.trim()))
              .map(e => [Number(e.textContent), e.getBoundingClientRect().left]);
            const items = [...document.querySelectorAll('#axis-view .vis-range [data-id]')]
              .map(e => {
                const r = e.closest('.vis-item').getBoundingClientRect();
                return [e.dataset.id, r.left, r.width];
              });
            return {years, items};
        }"""
    )
    (first_year, x0), (last_year, x1) = geometry["years"][0], geometry["years"][-1]
    assert last_year > first_year
    jan1 = date(first_year, 1, 1)
    per_day = (x1 - x0) / (date(last_year, 1, 1) - jan1).days
    by_id = {item["id"]: item for item in everything}
    checked = 0
    for ident, left, width in geometry["items"]:
        span = by_id[ident]["date"]
        start, end = date.fromisoformat(span["start"]), date.fromisoformat(span["end"])
        days = (end - start).days + 1
        if days * per_day < 8:  # too narrow to measure (vis-timeline draws a minimum width)
            continue
        assert abs(left - (x0 + (start - jan1).days * per_day)) < 3, ident
        assert abs(width - days * per_day) < 3, ident
        checked += 1
    assert checked >= 5
    assert browser.blocked == []
    assert browser.errors == []


@pytest.mark.parametrize("width", [390, 1400])
def test_the_axis_is_worked_by_keyboard_and_opens_items(
    browser: Browser, server: Server, width: int
) -> None:
    page = _ready(browser, server, width)
    box = page.locator("#axis-view-section").bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= width
    labels = "() => [...document.querySelectorAll('#axis-view .vis-time-axis .vis-text')]"
    labels += (
        ".map(e => e.textContent + '@' + Math.round(e.getBoundingClientRect().left)).join('|')"
    )
    before = page.evaluate(labels)
    page.locator("#axis-zoom-in").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.wait_for_function(f"b => ({labels})() !== b", arg=before)  # redrawn on a frame
    page.keyboard.press("Tab")  # to Zoom out
    assert page.evaluate("document.activeElement.id") == "axis-zoom-out"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "axis-fit"
    page.keyboard.press("Enter")
    page.wait_for_function(f"b => ({labels})() === b", arg=before)
    page.locator("#axis-earlier").focus()
    page.keyboard.press("Enter")
    page.wait_for_function(f"b => ({labels})() !== b", arg=before)

    # An item chosen on the axis opens; one opened from the list is selected on the axis.
    page.locator("#axis-fit").click()
    chosen_id = page.evaluate(
        """() => [...document.querySelectorAll('#axis-view .vis-range')]
            .sort((a, b) => b.getBoundingClientRect().width - a.getBoundingClientRect().width)[0]
            .querySelector('[data-id]').dataset.id"""
    )
    page.locator(f'#axis-view .vis-range:has([data-id="{chosen_id}"])').click()
    page.locator("#d-sources").wait_for()
    assert page.evaluate("location.hash") == f"#event={chosen_id}"
    assert _selected(page) == [chosen_id]
    page.keyboard.press("Escape")
    assert _selected(page) == []
    row = page.locator("#timeline-list button.row").nth(5)
    row_id = row.get_attribute("data-id")
    row.click()
    page.locator("#d-sources").wait_for()
    assert _selected(page) == [row_id]
    page.keyboard.press("Escape")
    assert (
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        == 0
    )
    page.locator("#axis-view-section").scroll_into_view_if_needed()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"timeline-axis-{width}.png")
    assert browser.errors == []


def test_ids_and_actor_names_in_prose_are_links(browser: Browser, server: Server) -> None:
    actors = {a["id"]: a for a in server.api_all("/actors")}
    events = {e["id"] for e in server.api_all("/timeline")}
    # An item whose description names another item's id and an actor.
    chosen = None
    for ident in sorted(events):
        detail = server.get_json(f"/api/v1/events/{ident}")
        text = detail.get("description") or ""
        named = [i for i in events if i != ident and "-" in i and i in text.split("(")[-1]]
        if named and any(a["name"] in text for a in actors.values()):
            chosen = detail
            break
    assert chosen is not None, "no description names an item and an actor"
    page = _ready(browser, server, path=f"/#event={chosen['id']}")
    page.locator("#d-sources").wait_for()
    links = page.locator("#details .description a").evaluate_all(
        "els => els.map(e => [e.textContent, e.getAttribute('href')])"
    )
    hrefs = dict(links)
    assert page.locator("#details .description").inner_text() == chosen["description"]
    event_links = [t for t, h in links if h.startswith("#event=")]
    assert event_links
    assert all(f"#event={t}" == hrefs[t] and t in events for t in event_links)
    actor_links = [(t, h) for t, h in links if "actor=" in h]
    assert actor_links
    for text, href in actor_links:
        ident = href.split("actor=")[1]
        assert text in {actors[ident]["name"], actors[ident].get("acronym"), ident}
    # Following an item's link opens that item.
    page.locator("#details .description a[href^='#event=']").first.click()
    page.wait_for_function("t => location.hash === '#event=' + t", arg=event_links[0])
    assert browser.errors == []
