"""Full-text search on both engines: ranking, stemming, phrases, prefixes, syntax errors, the
q= filters that use the same index, and the index kept in step with writes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from app.core.db import make_engine, make_sessionmaker, unit_of_work
from app.records.auth import create_key
from app.search.query import SearchSyntaxError, parse
from tests.conftest import FIXTURE_SEEDS, client_for, seeded

PROBLEM = "application/problem+json"


def _hits(client, q, **params):
    response = client.get("/api/v1/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def _keys(client, q, **params):
    return [(h["kind"], h["id"]) for h in _hits(client, q, **params)]


class TestSearch:
    def test_stemming_finds_other_forms(self, client):
        found = _keys(client, "pledges")
        assert ("pledge", "example-pledge") in found  # "A pledge toward ..."
        assert ("figure", "pledges-2023-01") in found

    def test_hit_has_kind_id_title_snippet_and_path(self, client):
        (hit, *_) = _hits(client, "coordination", kind="event")
        assert hit["kind"] == "event"
        assert hit["id"] == "cm-15"
        assert hit["title"] == "Fifteenth Coordination Meeting on International Migration"
        assert "**Coordination**" in hit["snippet"]
        assert hit["path"] == "/api/v1/events/cm-15"
        assert hit["score"] > 0

    def test_phrase_keeps_word_order(self, client):
        assert ("event", "cm-15") in _keys(client, '"coordination meeting"')
        assert ("event", "cm-15") not in _keys(client, '"meeting coordination"')

    def test_prefix(self, client):
        found = _keys(client, "vulnerab*")  # the stem is "vulner"
        assert ("provision", "gcm.objective.7") in found
        assert ("pledge", "example-pledge") in found

    def test_or_and_exclusion(self, client):
        assert {k for k, _ in _keys(client, "athens OR permanent", kind="event")} == {"event"}
        ids = [i for _, i in _keys(client, "athens OR permanent", kind="event")]
        assert sorted(ids) == ["cm-15.s3", "gfmd-2009"]
        assert _keys(client, "athens -forum", kind="event") == []

    def test_citation_hits_carry_the_quote_and_the_fact_they_support(self, client):
        (hit,) = _hits(client, "blueprint")
        assert hit["kind"] == "citation"
        assert "blueprint" in hit["title"]
        assert hit["subject"] == {"kind": "instrument", "id": "gcm"}
        assert hit["path"] == f"/api/v1/citations/{hit['id']}"

    def test_ranked_best_first_and_title_matches_first(self, client):
        hits = _hits(client, "migration")
        scores = [h["score"] for h in hits]
        assert scores == sorted(scores, reverse=True)

    def test_kind_filter_and_facet(self, client):
        body = client.get(
            "/api/v1/search", params={"q": "migration", "facet": "kind", "kind": "event"}
        ).json()
        assert {h["kind"] for h in body["items"]} == {"event"}
        assert body["facets"]["kind"] == [
            {"value": "event", "label": "event", "count": len(body["items"])}
        ]

    def test_pages_cover_every_hit_once(self, client):
        everything = _keys(client, "migration", limit=500)
        assert len(everything) > 3
        seen, cursor = [], None
        while True:
            params = {"q": "migration", "limit": 2} | ({"cursor": cursor} if cursor else {})
            body = client.get("/api/v1/search", params=params).json()
            seen += [(h["kind"], h["id"]) for h in body["items"]]
            if not (cursor := body["next_cursor"]):
                break
        assert seen == everything

    @pytest.mark.parametrize(
        ("q", "fragment"),
        [
            ('"global compact', "quote is not closed"),
            ("migra**", "'*'"),
            ("*", "'*'"),
            ("gcm OR", "OR goes between"),
            ("OR gcm", "OR goes between"),
            ("-refugees", "only excludes"),
            ("gcm -", "'-'"),
            ("%%% ()", "no words"),
        ],
    )
    def test_bad_syntax_is_422_naming_q(self, client, q, fragment):
        response = client.get("/api/v1/search", params={"q": q})
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith(PROBLEM)
        body = response.json()
        assert body["errors"][0]["parameter"] == "q"
        assert fragment in body["detail"]

    @pytest.mark.parametrize(
        ("q", "words"),
        [
            ("global^compact", "global compact"),
            ("(gcm)", "gcm"),
            ("😀 gcm", "gcm"),
            ("gcm AND", "gcm"),
            ("title:gcm", "title gcm"),
            ("NEAR(global compact)", "near global compact"),
            ("x^2", "x 2"),
            ("a & !b | c", "a b c"),
        ],
    )
    def test_operator_characters_are_word_separators(self, client, q, words):
        """Characters an engine would read as syntax reach it as the words around them."""
        for path in ("/api/v1/search", "/api/v1/timeline"):
            got = client.get(path, params={"q": q})
            assert got.status_code == 200, got.text
            plain = client.get(path, params={"q": words}).json()["items"]
            assert [i["id"] for i in got.json()["items"]] == [i["id"] for i in plain]

    def test_operator_characters_find_what_their_words_find(self, client):
        assert _keys(client, "global^compact")[0] == ("instrument", "gcm")
        assert _keys(client, "😀 gcm") == [("instrument", "gcm")]
        timeline = client.get("/api/v1/timeline", params={"q": "(coordination)"}).json()
        assert [i["id"] for i in timeline["items"]] == ["cm-15"]

    @pytest.mark.parametrize("q", ["'", "\\", "&|!", "ü:*"])
    def test_only_operator_characters_is_422_naming_q(self, client, q):
        for path in ("/api/v1/search", "/api/v1/timeline"):
            response = client.get(path, params={"q": q})
            assert response.status_code == 422, response.text
            body = response.json()
            assert body["errors"][0]["parameter"] == "q"
            assert body["detail"].startswith("q: ")

    @pytest.mark.parametrize(
        ("cursor", "detail"),
        [
            ("WyJ4Il0", "cursor is not valid for this list"),
            ("WyIxLjUiLCJldmVudCJd", "cursor is not valid for this list"),
            ("e30", "cursor is not valid: pass the next_cursor of a previous page unchanged"),
        ],
    )
    def test_bad_cursor_is_422_naming_the_cursor(self, client, cursor, detail):
        response = client.get("/api/v1/search", params={"q": "gcm", "cursor": cursor})
        assert response.status_code == 422, response.text
        assert response.json()["errors"] == [{"parameter": "cursor", "detail": detail}]


class TestFiltersUseTheIndex:
    def test_timeline_q_is_full_text(self, client):
        ids = [i["id"] for i in client.get("/api/v1/timeline?q=coordinat*").json()["items"]]
        assert ids == ["cm-15"]
        said = client.get("/api/v1/timeline", params={"q": "permanent representative"}).json()
        assert [i["id"] for i in said["items"]] == ["cm-15.s3"]  # a participant's capacity

    def test_timeline_q_bad_syntax_is_422(self, client):
        body = client.get("/api/v1/timeline", params={"q": '"open'}).json()
        assert body["errors"][0]["parameter"] == "q"

    def test_actors_and_processes_q(self, client):
        actors = client.get("/api/v1/actors", params={"q": "migration agencies"}).json()
        assert [a["id"] for a in actors["items"]] == ["iom"]
        processes = client.get("/api/v1/processes", params={"q": "pledg*"}).json()
        assert [p["id"] for p in processes["items"]] == ["pledging-initiative"]


def test_parser_renders_safely_for_both_engines():
    query = parse('"global compact" migra* gcm OR gcr -refugees')
    assert query.fts5() == (
        '(("global compact") AND ("migra"* OR "migr") AND ("gcm" OR "gcr")) NOT ("refugees")'
    )
    assert query.tsquery() == (
        "((global <-> compact) & (migra:* | migr) & (gcm | gcr)) & !(refugees)"
    )
    with pytest.raises(SearchSyntaxError):
        parse("mi*gra")


@pytest.fixture(params=["sqlite", "postgresql"])
def writer(request, tmp_path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    for url in seeded(request.param, tmp_path, FIXTURE_SEEDS):
        engine = make_engine(url)
        with unit_of_work(make_sessionmaker(engine)) as session:
            token = create_key(session, "search-admin", "admin")
        engine.dispose()
        for c in client_for(url):
            yield c, {"Authorization": f"Bearer {token}"}


CITE = [{"source": "wmr-2024-ch8", "quote": "Pledges are measurable commitments made by Member"}]


def test_index_follows_creates_updates_and_deletes(writer):
    client, auth = writer
    pledge = {"id": "zz-pledge", "title": "Zanzibar harbour pledge", "cite": CITE}
    assert client.post("/api/v1/pledges", json=pledge, headers=auth).status_code == 201
    assert ("pledge", "zz-pledge") in _keys(client, "zanzibar")
    etag = client.get("/api/v1/pledges/zz-pledge").headers["etag"]
    patched = client.patch(
        "/api/v1/pledges/zz-pledge",
        json={"title": "Mombasa harbour pledge"},
        headers=auth | {"If-Match": etag},
    )
    assert patched.status_code == 200, patched.text
    assert _keys(client, "zanzibar") == []
    assert ("pledge", "zz-pledge") in _keys(client, "mombasa")
    assert client.delete("/api/v1/pledges/zz-pledge", headers=auth).status_code == 204
    assert _keys(client, "mombasa OR harbour") == []


def test_index_follows_citation_writes(writer):
    client, auth = writer
    body = {
        "subject": {"kind": "process", "id": "pledging-initiative"},
        "source": "wmr-2024-ch8",
        "quote": "233 pledges had been received and displayed on the online dashboard",
    }
    created = client.post("/api/v1/citations", json=body, headers=auth)
    assert created.status_code == 201, created.text
    ident = created.json()["id"]
    (hit,) = _hits(client, "dashboard", kind="citation")
    assert (hit["id"], hit["subject"]) == (ident, body["subject"])
    assert client.delete(f"/api/v1/citations/{ident}", headers=auth).status_code == 204
    assert _hits(client, "dashboard", kind="citation") == []


def test_real_dataset_search_is_a_few_statements(dataset_client):
    engine = dataset_client.app.state.db.engine
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        body = dataset_client.get("/api/v1/search", params={"q": "pledges", "limit": 50}).json()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len(statements) <= 3  # the page, its snippets (and BEGIN on SQLite)
    assert ("pledge" in {h["kind"] for h in body["items"]}) is True
    gcm = _keys(dataset_client, '"global compact for migration"', kind="instrument")
    assert ("instrument", "gcm") in gcm
