"""The timeline, meetings and dated items over the small test dataset, on both engines."""

from __future__ import annotations

import pytest

from app.views.schemas import to_json
from app.views.timeline import EventDetail
from tests.checks import problem, statements_of


class TestTimeline:
    def test_items_in_chronological_order_with_citations(self, client):
        items = client.get("/api/v1/timeline").json()["items"]
        assert [i["id"] for i in items] == [
            "gfmd-2009-announced",
            "gfmd-2009",
            "cm-15",
            "cm-15.s3",
            "wmr-2024-publication",
        ]
        first = items[2]
        assert first["date"] == {
            "start": "2017-02-16",
            "end": "2017-02-17",
            "precision": "day",
            "edtf": "2017-02-16/2017-02-17",
            "display": "16–17 February 2017",
            "approximate": False,
            "uncertain": False,
            "qualifier": None,
        }
        assert first["process"] == {
            "id": "coordination-meetings",
            "name": "Coordination Meeting on International Migration",
        }
        assert first["place"]["city"] == "New York"
        assert first["citations"][0]["source"]["id"] == "desa-cm15-2017"
        assert first["disputes"][0]["claims"][1]["followed"] is True

    def test_actors_with_roles_carry_their_own_citations(self, client):
        session = client.get("/api/v1/events/cm-15.s3").json()
        (moderator,) = session["actors"]
        assert moderator["role"] == "moderator"
        assert moderator["actor"]["id"] == "juan-jose-gomez-camacho"
        assert "moderator" in moderator["citations"][0]["quote"]

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("start=2017&end=2017", ["cm-15", "cm-15.s3"]),
            ("start=2017-02-17&end=2017-03", ["cm-15", "cm-15.s3"]),
            ("start=2017-03", ["wmr-2024-publication"]),
            ("end=2016", ["gfmd-2009-announced", "gfmd-2009"]),
            ("start=2009-11-03&end=2009-11-03", ["gfmd-2009-announced", "gfmd-2009"]),
            ("status=announced", ["gfmd-2009-announced"]),
            ("start=2024-06&end=2024-06", ["wmr-2024-publication"]),
            ("process=coordination-meetings", ["cm-15", "cm-15.s3"]),
            ("actor=juan-jose-gomez-camacho", ["cm-15.s3"]),
            ("kind=publication", ["wmr-2024-publication"]),
            ("kind=session&kind=meeting", ["cm-15", "cm-15.s3"]),
            ("theme=governance", ["cm-15"]),
            ("status=planned", []),
            ("status=held&process=coordination-meetings", ["cm-15", "cm-15.s3"]),
            ("q=coordination", ["cm-15"]),
            ("q=50%25", []),
            (
                "top_level=true",
                ["gfmd-2009-announced", "gfmd-2009", "cm-15", "wmr-2024-publication"],
            ),
        ],
    )
    def test_filters(self, client, query, expected):
        items = client.get(f"/api/v1/timeline?{query}").json()["items"]
        assert [i["id"] for i in items] == expected

    @pytest.mark.parametrize(
        "query", ["process=coordination-meetings", "actor=juan-jose-gomez-camacho&limit=1"]
    )
    def test_both_query_plans_give_the_same_pages(self, client, query, monkeypatch):
        """Process and actor filters are written two ways (see timeline_filter.FEW)."""
        fresh = {"Cache-Control": "no-cache"}
        driven = client.get(f"/api/v1/timeline?{query}", headers=fresh).json()
        monkeypatch.setattr("app.api.timeline_filter.FEW", 0)
        walked = client.get(f"/api/v1/timeline?{query}", headers=fresh).json()
        assert walked == driven
        assert driven["items"]

    def test_pages_with_cursor_cover_everything_once(self, client):
        seen, cursor = [], None
        while True:
            params = {"limit": 1} | ({"cursor": cursor} if cursor else {})
            body = client.get("/api/v1/timeline", params=params).json()
            seen += [i["id"] for i in body["items"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert seen == [
            "gfmd-2009-announced",
            "gfmd-2009",
            "cm-15",
            "cm-15.s3",
            "wmr-2024-publication",
        ]

    @pytest.mark.parametrize(
        ("query", "parameter"),
        [
            ("start=2017-13", "start"),
            ("end=20x7", "end"),
            ("start=2018&end=2017", "end"),
            ("limit=0", "limit"),
            ("limit=501", "limit"),
            ("cursor=%%%", "cursor"),
            ("cursor=WyJ4Il0", "cursor"),
            ("kind=party", "kind"),
            ("status=rumoured", "status"),
        ],
    )
    def test_bad_parameters_are_422_naming_the_parameter(self, client, query, parameter):
        body = problem(client.get(f"/api/v1/timeline?{query}"), 422)
        assert body["errors"][0]["parameter"] == parameter

    def test_statement_count_is_bounded(self, client):
        """One query for the page, then at most one a kind of related fact (processes,
        parents, places, participants and their names and citations, themes, citations,
        disputes and their citations), whatever the number of items."""
        assert statements_of(client, "/api/v1/timeline?limit=1") <= 12
        assert statements_of(client, "/api/v1/timeline?limit=50") <= 12


class TestMeetings:
    def test_detail_has_sessions_and_figures(self, client):
        body = client.get("/api/v1/meetings/cm-15").json()
        assert [s["id"] for s in body["sessions"]] == ["cm-15.s3"]
        assert body["ordinal"] == 15

    @pytest.mark.parametrize(
        "path", ["meetings/cm-15", "meetings/gfmd-2009", "events/wmr-2024-publication"]
    )
    def test_detail_spliced_from_stored_items_is_the_models_json(self, client, path):
        body = client.get(f"/api/v1/{path}").content  # then cite_as, added as it is served
        assert body.startswith(to_json(EventDetail.model_validate_json(body))[:-1] + b',"cite_as":')

    def test_list_holds_meetings_only(self, client):
        ids = [i["id"] for i in client.get("/api/v1/meetings").json()["items"]]
        assert ids == ["gfmd-2009-announced", "gfmd-2009", "cm-15", "cm-15.s3"]

    def test_announcement_keeps_its_status_and_points_to_the_meeting_held(self, client):
        announced = client.get("/api/v1/meetings/gfmd-2009-announced").json()
        assert announced["status"] == "announced"
        assert announced["date"]["edtf"] == "2009-11"
        assert announced["held_as"]["id"] == "gfmd-2009"
        held = client.get("/api/v1/meetings/gfmd-2009").json()
        assert [a["id"] for a in held["announcements"]] == ["gfmd-2009-announced"]

    def test_unknown_meeting_is_404(self, client):
        problem(client.get("/api/v1/meetings/wmr-2024-publication"), 404)
        problem(client.get("/api/v1/meetings/nothing-here"), 404)

    def test_detail_statement_count_is_bounded(self, client):
        assert statements_of(client, "/api/v1/meetings/cm-15") <= 30


def test_undated_items_are_listed_last_on_both_engines(dataset_client):
    """Lists in date order put what has no date after what has one, whichever the engine."""
    client = dataset_client
    checked = 0
    actors = client.get("/api/v1/actors?limit=500").json()["items"]
    processes = client.get("/api/v1/processes?limit=500").json()["items"]
    pages = [f"/api/v1/actors/{a['id']}" for a in actors]
    pages += [f"/api/v1/processes/{p['id']}" for p in processes]
    for url in pages:
        body = client.get(url).json()
        for field in ("process_roles", "roles", "positions", "posts_in_organization", "figures"):
            dated = [item["date"] is not None for item in body.get(field, [])]
            assert dated == sorted(dated, reverse=True), (url, field)
            checked += dated.count(False)
    assert checked > 0  # the dataset has undated items in these lists
