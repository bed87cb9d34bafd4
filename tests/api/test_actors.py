"""Actors: search, kinds, profiles and an actor's timeline, on both engines."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from app.core.db import make_engine
from app.readmodel import documents
from tests.checks import problem, statements_of


class TestActors:
    def test_search_by_alias(self, client):
        items = client.get("/api/v1/actors", params={"q": "UN Migration Agency"}).json()["items"]
        assert [a["id"] for a in items] == ["iom"]

    def test_kind_filter(self, client):
        items = client.get("/api/v1/actors?kind=state").json()["items"]
        assert [a["id"] for a in items] == ["mexico"]
        problem(client.get("/api/v1/actors?kind=planet"), 422)

    def test_person_profile(self, client):
        body = client.get("/api/v1/actors/juan-jose-gomez-camacho").json()
        assert body["positions"][0]["organization"]["id"] == "mexico"
        assert body["positions"][0]["date"]["display"] == "February 2017"
        assert body["meeting_roles"][0]["event"]["id"] == "cm-15.s3"

    def test_organization_profile_lists_posts_and_pledges(self, client):
        assert client.get("/api/v1/actors/mexico").json()["posts_in_organization"]
        assert client.get("/api/v1/actors/iom").json()["pledges"][0]["id"] == "example-pledge"

    def test_profile_lists_are_capped_with_a_link_to_the_rest(
        self, client, fixture_db, monkeypatch
    ):
        person, pledger = "juan-jose-gomez-camacho", "iom"
        whole = client.get(f"/api/v1/actors/{person}").json()
        assert whole["meeting_roles"]
        assert whole["meeting_roles_more"] is None
        assert client.get(f"/api/v1/actors/{pledger}").json()["pledges_more"] is None
        monkeypatch.setattr("app.views.actors.PROFILE_LIST_LIMIT", 0)
        capped = _rendered_profile(fixture_db, person)
        assert capped["meeting_roles"] == []
        rest = client.get(capped["meeting_roles_more"]).json()["items"]
        assert [i["id"] for i in rest] == [r["event"]["id"] for r in whole["meeting_roles"]]
        capped = _rendered_profile(fixture_db, pledger)
        assert capped["pledges"] == []
        pledges = client.get(capped["pledges_more"]).json()["items"]
        assert [p["id"] for p in pledges] == ["example-pledge"]

    def test_actor_timeline(self, client):
        items = client.get("/api/v1/actors/juan-jose-gomez-camacho/timeline").json()["items"]
        assert [i["id"] for i in items] == ["cm-15.s3"]

    def test_profile_statement_count_is_bounded(self, client):
        assert statements_of(client, "/api/v1/actors/juan-jose-gomez-camacho") <= 30


def _rendered_profile(url: str, actor_id: str) -> dict[str, Any]:
    """An actor's profile as it would be stored now (the stored one is made at load time)."""
    engine = make_engine(url)
    with Session(engine) as session:
        body, _ = documents.render(session, "actor", [actor_id])[actor_id]
    engine.dispose()
    result: dict[str, Any] = json.loads(body)
    return result


def test_one_actors_timeline_from_its_index_matches_the_participations(dataset_client):
    """``actor=X`` reads X's events from ``actor_events``; ``actor=X&actor=X`` takes the
    participations: every page of both, with dates and cursors, is the same."""
    client = dataset_client
    counted = 0
    for actor in ("un-desa-population-division", "un-general-assembly", "jurg-lauber", "iom"):
        pages: dict[str, list[str]] = {}
        for query in (f"actor={actor}", f"actor={actor}&actor={actor}&start=1900"):
            ids, cursor = [], None
            while True:
                url = f"/api/v1/timeline?{query}&limit=7" + (f"&cursor={cursor}" if cursor else "")
                body = client.get(url, headers={"Cache-Control": "no-cache"}).json()
                ids += [item["id"] for item in body["items"]]
                cursor = body["next_cursor"]
                if not cursor:
                    break
            pages[query] = ids
        first, second = pages.values()
        assert first == second, actor
        counted += len(first)
    assert counted > 40
