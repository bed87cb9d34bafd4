"""Timeline date filters at their bounds: an item overlapping the asked span by one day is in,
one missing it by a day is out, whichever way the page is read."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.api import timeline_filter, timeline_query
from app.api.timeline_filter import TimelineFilter
from tests.conftest import ENGINES, keyed_client

CITE = [
    {
        "source": "desa-cm15-2017",
        "quote": "Fifteenth Coordination Meeting on International Migration",
    }
]
# One-day items on the days a bound most often falls on, beside the test dataset's own
# (cm-15 and its session 16-17 February 2017, gfmd-2009 2-5 November 2009, a 2024 report).
ONE_DAY = {"new-year-eve": "2016-12-31", "new-year": "2017-01-01", "mid-sept": "2016-09-19"}


@pytest.fixture(scope="module", params=ENGINES)
def bounded(request, tmp_path_factory) -> Iterator[TestClient]:
    for client, tokens in keyed_client(request.param, tmp_path_factory.mktemp("db"), ("write",)):
        for ident, day in ONE_DAY.items():
            event = {"id": ident, "title": ident, "kind": "publication", "date": day}
            response = client.post(
                "/api/v1/events",
                json=event | {"cite": CITE},
                headers={"Authorization": f"Bearer {tokens['write']}"},
            )
            assert response.status_code == 201, response.text
        yield client


def _ids(client: TestClient, **params: str | int | list[str]) -> list[str]:
    """The items' ids, read afresh (not from the response cache)."""
    fresh = {"Cache-Control": "no-cache"}
    response = client.get("/api/v1/timeline", params={"limit": 500, **params}, headers=fresh)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def _paged_ids(client: TestClient, **params: str | int | list[str]) -> list[str]:
    """The same list read one item per page through the cursors."""
    ids: list[str] = []
    cursor = None
    while True:
        page_params = params | {"limit": 1} | ({"cursor": cursor} if cursor else {})
        body = client.get("/api/v1/timeline", params=page_params).json()
        ids += [item["id"] for item in body["items"]]
        if not (cursor := body["next_cursor"]):
            return ids


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"end": "2016-12-31"}, ["gfmd-2009-announced", "gfmd-2009", "mid-sept", "new-year-eve"]),
        ({"end": "2016-12"}, ["gfmd-2009-announced", "gfmd-2009", "mid-sept", "new-year-eve"]),
        ({"end": "2016"}, ["gfmd-2009-announced", "gfmd-2009", "mid-sept", "new-year-eve"]),
        ({"end": "2016-12-30"}, ["gfmd-2009-announced", "gfmd-2009", "mid-sept"]),
        ({"end": "2016-09-19"}, ["gfmd-2009-announced", "gfmd-2009", "mid-sept"]),
        ({"end": "2016-09-18"}, ["gfmd-2009-announced", "gfmd-2009"]),
        ({"end": "2009-11-02"}, ["gfmd-2009-announced", "gfmd-2009"]),
        ({"end": "2009-11-01"}, ["gfmd-2009-announced"]),
        ({"start": "2017-02-17"}, ["cm-15", "cm-15.s3", "wmr-2024-publication"]),
        ({"start": "2017-02-18"}, ["wmr-2024-publication"]),
        ({"start": "2024-12-31"}, ["wmr-2024-publication"]),
        ({"start": "2025"}, []),
        ({"start": "2017"}, ["new-year", "cm-15", "cm-15.s3", "wmr-2024-publication"]),
        ({"start": "2016-12-31", "end": "2016-12-31"}, ["new-year-eve"]),
        ({"start": "2016-12", "end": "2017-01"}, ["new-year-eve", "new-year"]),
        ({"start": "2016-09-19", "end": "2016-09-19"}, ["mid-sept"]),
        ({"start": "2009-11-05", "end": "2009-11-05"}, ["gfmd-2009-announced", "gfmd-2009"]),
        ({"start": "2009-11-06", "end": "2016-09-18"}, ["gfmd-2009-announced"]),
        ({"start": "2009-12", "end": "2016-09-18"}, []),
        ({"start": "2017-02-16", "end": "2017-02-16"}, ["cm-15", "cm-15.s3"]),
        ({"start": "2017-02-17", "end": "2017-02-17", "top_level": "true"}, ["cm-15"]),
        ({"end": "2017-02-16", "actor": "juan-jose-gomez-camacho"}, ["cm-15.s3"]),
        ({"end": "2017-02-15", "actor": "juan-jose-gomez-camacho"}, []),
        ({"start": "2017-02-17", "process": "coordination-meetings"}, ["cm-15", "cm-15.s3"]),
        ({"start": "2017-02-18", "process": "coordination-meetings"}, []),
    ],
)
def test_an_item_touching_a_bound_is_in(bounded, params, expected):
    assert _ids(bounded, **params) == expected
    assert _paged_ids(bounded, **params) == expected


def test_same_start_and_end_is_one_day_not_an_error(bounded):
    assert _ids(bounded, start="2017-01-01", end="2017-01-01") == ["new-year"]


@pytest.mark.parametrize(
    ("params", "parameter", "detail"),
    [
        ({"start": "2017-01-02", "end": "2017-01-01"}, "end", "end (2017-01-01) is before start"),
        ({"start": "2017", "end": "2016-12-31"}, "end", "end (2016-12-31) is before start (2017)"),
        ({"start": "2017-02-30"}, "start", "'2017-02-30': day 30 does not exist in February"),
        ({"end": "2017-13"}, "end", "'2017-13': month 13 is not 01-12"),
        ({"kind": "party"}, "kind", "unknown kind party; one of adoption, "),
    ],
)
def test_bad_bounds_name_the_parameter_and_the_problem(bounded, params, parameter, detail):
    response = bounded.get("/api/v1/timeline", params=params)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["errors"][0]["parameter"] == parameter
    assert body["detail"].startswith(detail)


def test_a_process_or_actors_filter_is_planned_once_per_data_version(bounded):
    """On SQLite a process filter, or one of several actors, first counts the events it
    selects to pick the faster reading (few: its own index); the plan is kept per data
    version. PostgreSQL's planner decides by itself."""
    timeline_query.PLANS.clear()
    assert _ids(bounded, process="coordination-meetings") == ["cm-15", "cm-15.s3"]
    assert _ids(bounded, actor=["mexico", "juan-jose-gomez-camacho"]) == ["cm-15.s3"]
    sqlite = bounded.app.state.db.engine.dialect.name == "sqlite"
    plans = [(key[1:], few) for key, few in timeline_query.PLANS.items()]
    expected = [
        (("processes", "coordination-meetings"), True),
        (("actors", "mexico", "juan-jose-gomez-camacho"), True),
    ]
    assert plans == (expected if sqlite else [])


@pytest.mark.parametrize(
    "params",
    [
        {"process": "coordination-meetings"},
        {"process": ["pledging-initiative", "coordination-meetings"], "end": "2017-02-16"},
        {"actor": ["mexico", "juan-jose-gomez-camacho"]},
        {"actor": ["mexico", "iom"], "process": "coordination-meetings"},
        {"actor": ["mexico", "iom"], "direct_only": "true"},
    ],
)
def test_walking_the_dates_gives_what_the_index_gives(bounded, monkeypatch, params):
    """With every filter counted as selecting many events, SQLite walks the date index and
    keeps the events that pass (PostgreSQL's usual plan): the same items, same order."""
    by_index = _ids(bounded, **params)
    monkeypatch.setattr(timeline_filter, "FEW", 0)
    monkeypatch.setattr(timeline_query, "FEW", 0)
    timeline_query.PLANS.clear()
    assert _ids(bounded, **params) == by_index
    assert _paged_ids(bounded, **params) == by_index
    assert all(not few for few in timeline_query.PLANS.values())


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"process": "coordination-meetings"}, ["cm-15", "cm-15.s3"]),
        ({"process": "pledging-initiative"}, []),
        ({"actor": ["mexico", "juan-jose-gomez-camacho"], "end": "2017-02-16"}, ["cm-15.s3"]),
        # Mexico acted at cm-15.s3 only through its Permanent Representative.
        ({"actor": "mexico"}, ["cm-15.s3"]),
        ({"actor": ["mexico", "iom"]}, ["cm-15.s3"]),
        ({"actor": ["mexico", "iom"], "direct_only": "true"}, []),
        ({"actor": "mexico", "direct_only": "true"}, []),
        (
            {"kind": ["summit", "publication"], "end": "2009-11-02"},
            ["gfmd-2009-announced", "gfmd-2009"],
        ),
        ({"status": "announced", "start": "2009-11-30"}, ["gfmd-2009-announced"]),
        ({"theme": "governance", "start": "2017-02-17", "end": "2017-02"}, ["cm-15"]),
        (
            {"sort": "-date", "start": "2016-09-19", "end": "2017-01"},
            ["new-year", "new-year-eve", "mid-sept"],
        ),
    ],
)
def test_a_counted_page_is_read_in_a_session_with_the_same_items(bounded, params, expected):
    """A page asked with count=true (or facets, or as CSV) is read in a session, where the
    plan is chosen by counting (``few_candidates``), not from the stored JSON on the event
    loop: the same items in the same order, and their number."""
    assert _ids(bounded, **params) == expected
    fresh = {"Cache-Control": "no-cache"}
    response = bounded.get(
        "/api/v1/timeline", params={"limit": 500, "count": "true", **params}, headers=fresh
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [item["id"] for item in body["items"]] == expected
    assert body["total"] == len(expected)


def test_a_filter_selecting_fewer_than_few_events_is_read_by_its_index(bounded, monkeypatch):
    """The session path's choice of plan (SQLite; PostgreSQL's planner chooses itself):
    coordination-meetings selects two events, pledging-initiative none, the two actors at
    least one; a filter selecting fewer than FEW is read by its own index."""
    meetings = TimelineFilter(processes=["coordination-meetings"])
    nothing = TimelineFilter(processes=["pledging-initiative"])
    actors = TimelineFilter(actors=["mexico", "juan-jose-gomez-camacho"])
    with bounded.app.state.db.read_sessions() as session:
        sqlite = session.get_bind().dialect.name == "sqlite"
        for few, filters, expected in [
            (3, meetings, {"processes"}),
            (2, meetings, set()),
            (1, nothing, {"processes"}),
            (1, actors, set()),
            (1000, actors, {"actors"}),
            (1000, TimelineFilter(actors=["mexico"], kinds=["session"]), set()),
        ]:
            monkeypatch.setattr(timeline_filter, "FEW", few)
            chosen = timeline_filter.few_candidates(filters, session)
            assert chosen == (expected if sqlite else set()), (few, filters)
