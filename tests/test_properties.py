"""Properties checked on generated input against plain models of the same rules: the bounds of
EDTF dates (and the ``edtf`` library where its reading agrees), and keyset pagination of the
timeline under any filter and page size.

Examples are few (the profile below) so the suite stays fast; under CI=true they are drawn
from a fixed seed so a run is repeatable.
"""

from __future__ import annotations

import calendar
import os
from collections.abc import Iterator
from datetime import date
from typing import Any

import edtf
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from app.core.dates import DateFormatError, parse_bound, parse_date
from tests.conftest import ENGINES, generated_dataset

settings.register_profile(
    "properties",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "properties-ci", settings.get_profile("properties"), derandomize=True, print_blob=True
)
PROFILE = settings.get_profile(
    "properties-ci" if os.environ.get("CI", "").lower() == "true" else "properties"
)

# -- EDTF: a plain model of the accepted subset ---------------------------------------------

SEASON_MONTHS = {21: (3, 5), 22: (6, 8), 23: (9, 11), 24: (12, 2)}


def _days_in(year: int, month: int) -> int:
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]


def _model_point(year: int, month: int | None, day: int | None, decade: bool) -> tuple[date, date]:
    """First and last day a point denotes; raises ValueError where the rule rejects it."""
    if decade:
        if month is not None:
            raise ValueError("a decade takes no month")
        start = year - year % 10
        return date(start, 1, 1), date(start + 9, 12, 31)
    if month is None:
        return date(year, 1, 1), date(year, 12, 31)
    if month in SEASON_MONTHS:
        if day is not None:
            raise ValueError("a season takes no day")
        first, last = SEASON_MONTHS[month]
        end_year = year + 1 if last < first else year
        return date(year, first, 1), date(end_year, last, _days_in(end_year, last))
    if not 1 <= month <= 12:
        raise ValueError("no such month")
    if day is None:
        return date(year, month, 1), date(year, month, _days_in(year, month))
    if not 1 <= day <= _days_in(year, month):
        raise ValueError("no such day")
    return date(year, month, day), date(year, month, day)


@st.composite
def points(draw: st.DrawFn) -> tuple[str, tuple[int, int | None, int | None, bool]]:
    year = draw(st.integers(1000, 2999))
    decade = draw(st.booleans()) and draw(st.booleans())
    month = draw(st.none() | st.integers(0, 13) | st.integers(21, 24) | st.just(25))
    day = None if month is None else draw(st.none() | st.integers(0, 32))
    flag = draw(st.sampled_from(["", "~", "?", "%"]))
    text = f"{year // 10:03d}X" if decade else f"{year:04d}"
    text += "" if month is None else f"-{month:02d}" + ("" if day is None else f"-{day:02d}")
    return text + flag, (year, month, day, decade)


@PROFILE
@given(points())
@example(("199X?", (1995, None, None, True)))
@example(("2017-24%", (2017, 24, None, False)))
def test_a_point_has_the_bounds_of_the_model(point):
    text, (year, month, day, decade) = point
    try:
        expected = _model_point(year, month, day, decade)
    except ValueError:
        with pytest.raises(DateFormatError):
            parse_date(text)
        return
    parsed = parse_date(f" {text} ")
    assert (parsed.lower, parsed.upper) == expected
    assert parsed.edtf == text
    assert parse_date(parsed.edtf) == parsed
    assert parsed.approximate == text.endswith(("~", "%"))
    assert parsed.uncertain == text.endswith(("?", "%"))
    bare = text.rstrip("~?%")
    if month not in SEASON_MONTHS:
        assert (parse_bound(bare, upper=False), parse_bound(bare, upper=True)) == expected


def _valid(model: tuple[int, int | None, int | None, bool]) -> bool:
    try:
        _model_point(*model)
    except ValueError:
        return False
    return True


valid_points = points().filter(lambda point: _valid(point[1]))


@PROFILE
@given(st.one_of(valid_points, st.just(("..", None)), st.just(("", None))), valid_points)
def test_an_interval_spans_from_its_first_point_to_its_last(first, last):
    (left, left_model), (right, right_model) = first, last
    lower = None if left_model is None else _model_point(*left_model)[0]
    upper = _model_point(*right_model)[1]
    text = f"{left}/{right}"
    if lower is not None and upper < lower:
        with pytest.raises(DateFormatError, match="ends before it starts"):
            parse_date(text)
        return
    parsed = parse_date(text)
    assert (parsed.lower, parsed.upper) == (lower, upper)
    assert parse_date(parsed.edtf) == parsed
    if lower is not None and parsed.start != parsed.end:
        assert parsed.edtf == text


@PROFILE
@given(valid_points)
def test_the_edtf_library_agrees_on_the_bounds(point):
    """The ``edtf`` library reads winter as ending on 31 December of its year; this project
    reads it as December to February (its design), so winter is left to the model above."""
    text, model = point
    assume(model[1] != 24)
    lower, upper = parse_date(text).lower, parse_date(text).upper
    try:
        oracle = edtf.parse_edtf(text)
    except edtf.EDTFParseException:
        # the library takes no qualifier on a season or a decade (EDTF level 2)
        assert text[-1] in "~?%", text
        assert model[1] in SEASON_MONTHS or model[3], text
        return
    assert lower == date(*oracle.lower_strict()[:3])
    assert upper == date(*oracle.upper_strict()[:3])


@PROFILE
@given(st.text(alphabet="0123456789X-/.~?% ", max_size=24))
def test_any_text_is_a_date_or_a_date_format_error(text):
    assume("0000" not in text and "000X" not in text)  # year 0: refused elsewhere
    try:
        parsed = parse_date(text)
    except DateFormatError:
        return
    assert parsed.start is not None or parsed.end is not None
    assert parse_date(parsed.edtf) == parsed


# -- Keyset pagination of the timeline against a model of its filters -----------------------

QUOTE = "Permanent Representative of Mexico to the United Nations"
DATES = ["2017-02-16", "2017-02", "2017", "2017-02-16/2017-02-17", "2016-12-31", "2017-21"]
DATES += ["199X", "2016/2018", "2017~", "2009-11-02"]
KINDS = ["summit", "publication", "adoption", "meeting"]
PROCESSES = [None, "coordination-meetings", "pledging-initiative"]
THEMES: list[list[str]] = [[], ["governance"], ["pledging"], ["governance", "pledging"]]
ACTORS: list[list[str]] = [[], ["mexico"], ["iom"], ["mexico", "iom"]]


def _generated_event(n: int) -> dict[str, Any]:
    """The n-th of a set of events made to tie on dates and to mix every filter."""
    event: dict[str, Any] = {
        "id": f"gen-{n:02d}",
        "title": f"Generated event {n}",
        "kind": KINDS[n % len(KINDS)],
        "date": DATES[n % len(DATES)],
        "status": "planned" if n % 5 == 0 else "held",
        "themes": THEMES[n % len(THEMES)],
        "participants": [
            {"actor": a, "role": "attendee", "cite": [{"source": "desa-cm15-2017", "quote": QUOTE}]}
            for a in ACTORS[n % 7 % len(ACTORS)]
        ],
        "cite": [{"source": "desa-cm15-2017", "quote": QUOTE}],
    }
    if process := PROCESSES[n % 3]:
        event["process"] = process
    if n % 6 == 1:
        event["parent"] = "cm-15"
    return event


@pytest.fixture(scope="module", params=ENGINES)
def timeline(request, tmp_path_factory) -> Iterator[tuple[TestClient, list[dict[str, Any]]]]:
    """A client over the test dataset and 24 more events, and the whole timeline as read."""
    extra = {"events": [_generated_event(n) for n in range(24)]}
    yield from generated_dataset(request.param, tmp_path_factory, extra, "/api/v1/timeline")


def _bound(text: str, *, upper: bool) -> date:
    year, month, day = [int(p) for p in text.split("-")] + [0] * (3 - len(text.split("-")))
    if upper:
        month = month or 12
        return date(year, month, day or calendar.monthrange(year, month)[1])
    return date(year, month or 1, day or 1)


def _selected(item: dict[str, Any], f: dict[str, Any], items: dict[str, Any]) -> bool:
    """The timeline's filters, as a researcher reads them: overlap of dates, and any of the
    values of each other filter."""
    start, end = date.fromisoformat(item["date"]["start"]), date.fromisoformat(item["date"]["end"])
    parent = items.get((item["parent"] or {}).get("id", ""))
    processes = {(item["process"] or {}).get("id"), ((parent or {}).get("process") or {}).get("id")}
    return (
        ("start" not in f or end >= _bound(f["start"], upper=False))
        and ("end" not in f or start <= _bound(f["end"], upper=True))
        and ("kind" not in f or item["kind"] in f["kind"])
        and ("status" not in f or item["status"] in f["status"])
        and ("process" not in f or bool(processes & set(f["process"])))
        and ("actor" not in f or bool({a["actor"]["id"] for a in item["actors"]} & set(f["actor"])))
        and ("theme" not in f or bool({t["id"] for t in item["themes"]} & set(f["theme"])))
        and ("top_level" not in f or item["parent"] is None)
    )


BOUNDS = ["1995", "2009", "2009-11-05", "2016-12-31", "2017", "2017-02", "2017-02-16"]
BOUNDS += ["2017-02-17", "2017-06", "2018", "2024-12-31"]


def _some(values: list[str]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(values), min_size=1, max_size=3, unique=True)


filters = st.fixed_dictionaries(
    {},
    optional={
        "start": st.sampled_from(BOUNDS),
        "end": st.sampled_from(BOUNDS),
        "kind": _some([*KINDS, "session"]),
        "status": _some(["held", "planned", "announced"]),
        "process": _some(["coordination-meetings", "pledging-initiative"]),
        "actor": _some(["mexico", "iom", "juan-jose-gomez-camacho"]),
        "theme": _some(["governance", "pledging"]),
        "top_level": st.just(True),
    },
)


@PROFILE
@given(f=filters, limit=st.integers(1, 9))
def test_pages_are_disjoint_complete_and_ordered(timeline, f, limit):
    client, everything = timeline
    assume("start" not in f or "end" not in f or f["start"] <= f["end"] or len(f["end"]) < 10)
    if "start" in f and "end" in f:
        assume(_bound(f["end"], upper=True) >= _bound(f["start"], upper=False))
    by_id = {item["id"]: item for item in everything}
    expected = [item["id"] for item in everything if _selected(item, f, by_id)]
    pages: list[list[str]] = []
    cursor = None
    while True:
        # The model reads the actor filter as taking part; acting for an actor (through a
        # post or on its behalf) is checked against its own model in readmodel/test_acting_for.py.
        direct = {"direct_only": "true"} if "actor" in f else {}
        params = f | direct | {"limit": limit} | ({"cursor": cursor} if cursor else {})
        response = client.get("/api/v1/timeline", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append([item["id"] for item in body["items"]])
        if not (cursor := body["next_cursor"]):
            break
        assert len(pages[-1]) == limit
        assert len(pages) <= len(everything) + 1
    got = [ident for page in pages for ident in page]
    assert len(got) == len(set(got))
    assert got == expected


def test_the_whole_timeline_is_in_date_order(timeline):
    _, everything = timeline
    keys = [(i["date"]["start"], i["date"]["end"], i["id"]) for i in everything]
    assert keys == sorted(keys)
    assert len(everything) == 5 + 24
