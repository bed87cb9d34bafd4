"""Detail endpoints, timeline and pledge pages read their stored JSON on the event loop and
fall back to the session path (rendering what is not stored) with the same bytes and ETag."""

from __future__ import annotations

from sqlalchemy import delete, event, update

from app import models as m
from app import readmodel
from app.api import pledges, timeline_query
from app.core.db import make_engine
from app.readmodel import documents
from tests.api.test_writes import api

__all__ = ["api"]

# Lists whose items are stored documents, each read in one statement whatever the page size.
LISTS = [
    "/api/v1/actors",
    "/api/v1/processes",
    "/api/v1/sources",
    "/api/v1/figures",
    "/api/v1/instruments",
]
DETAILS = [
    "/api/v1/actors/mexico",
    "/api/v1/pledges/example-pledge",
    "/api/v1/objectives",
    "/api/v1/compare?left=gcm&right=progress-declaration",
    "/api/v1/compare?left=gcm&right=gcm",
    "/api/v1/meetings/cm-15",
    "/api/v1/events/cm-15.s3",
    "/api/v1/events/wmr-2024-publication",
    "/api/v1/timeline",
    "/api/v1/timeline?limit=2",
    "/api/v1/timeline?start=2009&end=2018-06&limit=2",
    "/api/v1/timeline?kind=publication&kind=summit",
    "/api/v1/timeline?q=forum",
    "/api/v1/meetings?limit=1",
    "/api/v1/timeline?actor=juan-jose-gomez-camacho&actor=iom",
    "/api/v1/pledges",
    "/api/v1/pledges?objective=7&objective=07&actor=mexico",
    "/api/v1/pledges?process=pledging-initiative&limit=1",
    "/api/v1/timeline?process=coordination-meetings&process=pledging-initiative",
    *LISTS,
    "/api/v1/actors?kind=state&kind=person&limit=2",
    "/api/v1/processes?kind=meeting_series",
    "/api/v1/figures?unit=pledges&subject_kind=process",
    "/api/v1/instruments?kind=compact",
    "/api/v1/processes/coordination-meetings",
    "/api/v1/instruments/gcm",
]
MISSING = [
    ("/api/v1/actors/nobody", 404),
    ("/api/v1/pledges/nothing", 404),
    ("/api/v1/compare?left=gcm&right=nothing", 422),
    ("/api/v1/meetings/wmr-2024-publication", 404),  # an event, not a meeting
    ("/api/v1/events/nothing", 404),
    ("/api/v1/timeline?cursor=bm90LWEtY3Vyc29y", 422),
    ("/api/v1/timeline?start=2019&end=2018", 422),
    ("/api/v1/pledges?objective=seven", 422),
    ("/api/v1/processes/nothing", 404),
    ("/api/v1/instruments/nothing", 404),
    ("/api/v1/actors?kind=planet", 422),
]
# One request id for all, so that problem+json bodies (which carry it) compare equal.
FRESH = {"Cache-Control": "no-cache", "X-Request-ID": "compared"}


def deep_pages(client) -> list[str]:
    """Each page after the first of the one-item timeline, and of each stored list."""
    urls = []
    for path in ["/api/v1/timeline", *LISTS]:
        cursor = client.get(f"{path}?limit=1").json()["next_cursor"]
        while cursor:
            urls.append(f"{path}?limit=1&cursor={cursor}")
            cursor = client.get(urls[-1]).json()["next_cursor"]
    return urls


def answers(client) -> dict[str, tuple[int, bytes, str | None]]:
    found = {}
    for url in [*DETAILS, *deep_pages(client), *(url for url, _ in MISSING)]:
        response = client.get(url, headers=FRESH)
        etag = response.headers.get("etag") if response.status_code == 200 else None
        found[url] = (response.status_code, response.content, etag)
    return found


def test_missing_records_get_problems(api):
    client, _ = api
    for url, status in MISSING:
        response = client.get(url)
        assert response.status_code == status, url
        assert response.headers["content-type"].startswith("application/problem+json")


def test_nothing_stored_gives_the_same_answers_in_bounded_statements(api):
    client, _ = api
    stored = answers(client)
    assert all(stored[url][0] == 200 for url in DETAILS)
    engine = client.app.state.db.engine
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    for url in [*DETAILS, *deep_pages(client)]:
        client.get(url, headers=FRESH)
    assert statements == []  # each read by the driver on the event loop, in one statement
    with engine.begin() as connection:
        connection.execute(delete(m.RenderedDocument))
        connection.execute(delete(m.DocumentMention))
        connection.execute(delete(m.RenderedEvent))
    for url in DETAILS:
        statements.clear()
        response = client.get(url, headers=FRESH)
        assert (response.status_code, response.content, response.headers["etag"]) == stored[url]
        assert len(statements) <= 30, url  # rendered afresh, still no N+1
    assert answers(client) == stored
    with engine.begin() as connection:  # stored again, for the check every client ends with
        readmodel.rebuild(connection, ["documents", "timeline"])


def test_a_stored_list_page_is_one_statement_whatever_its_size(api, monkeypatch):
    client, _ = api
    direct = client.app.state.db.direct
    read = direct.rows
    statements: list[object] = []

    async def counted(statement, **values):
        statements.append(statement)
        return await read(statement, **values)

    monkeypatch.setattr(direct, "rows", counted)
    for path in LISTS:
        counts = []
        for limit in (1, 5, 200):
            client.get(f"{path}?limit={limit}")  # the data version, read once and shared
            statements.clear()
            response = client.get(f"{path}?limit={limit}", headers=FRESH)
            assert response.status_code == 200, path
            counts.append(len(statements))
        assert counts == [counts[0]] * 3, (path, counts)
        assert counts[0] <= 2, (path, counts)


def test_the_session_path_answers_when_the_driver_read_fails(api, monkeypatch):
    client, _ = api
    stored = answers(client)

    async def unanswered(*_args, **_kwargs):
        return None

    monkeypatch.setattr(client.app.state.db.direct, "rows", unanswered)
    # Without the data version the response cache steps aside (no ETag made from the bytes).
    bodies = {url: found[:2] for url, found in answers(client).items()}
    assert bodies == {url: found[:2] for url, found in stored.items()}


def test_a_direct_read_sees_a_write_at_once(api):
    """The driver connection reads in autocommit: no snapshot older than the last write."""
    client, _ = api
    before = client.get("/api/v1/actors/mexico", headers=FRESH).json()
    other = make_engine(client.app.state.db.engine.url.render_as_string(False))
    with other.begin() as connection:  # as another process would
        connection.execute(update(m.Actor).where(m.Actor.id == "mexico").values(name="Mexico!"))
        documents.refresh(connection, {("actor", "mexico")})
    other.dispose()
    after = client.get("/api/v1/actors/mexico", headers=FRESH).json()
    assert (before["name"], after["name"]) == ("Mexico", "Mexico!")
    with client.app.state.db.engine.begin() as connection:
        connection.execute(update(m.Actor).where(m.Actor.id == "mexico").values(name="Mexico"))
        documents.sync(connection)


# Pairs of lists whose statements have the same shape (built once, values bound by name).
SAME_SHAPE = [
    ("/api/v1/timeline?actor=juan-jose-gomez-camacho", "/api/v1/timeline?actor=iom"),
    ("/api/v1/timeline?kind=publication", "/api/v1/timeline?kind=summit"),
    ("/api/v1/timeline?start=2009&end=2010", "/api/v1/timeline?start=2017&end=2018"),
    (
        "/api/v1/timeline?process=coordination-meetings",
        "/api/v1/timeline?process=pledging-initiative",
    ),
    (
        "/api/v1/pledges?objective=7&process=pledging-initiative",
        "/api/v1/pledges?objective=7&process=coordination-meetings",
    ),
    ("/api/v1/pledges?actor=mexico", "/api/v1/pledges?actor=iom"),
    ("/api/v1/pledges?objective=7&actor=mexico", "/api/v1/pledges?objective=7&actor=iom"),
]


def test_a_statement_built_for_one_filter_answers_another_of_its_shape_afresh(api):
    client = api[0]
    for urls in SAME_SHAPE:
        alone = {}
        for url in urls:
            timeline_query.PAGES.clear()
            pledges.PAGES.clear()
            alone[url] = client.get(url, headers=FRESH).content
        assert len(set(alone.values())) == len(urls), urls
        timeline_query.PAGES.clear()
        pledges.PAGES.clear()
        for url in [*urls, *reversed(urls)]:
            assert client.get(url, headers=FRESH).content == alone[url], url
    pages = deep_pages(client)
    assert len(set(pages)) == len(pages) > 3
