"""The read API over the small test dataset, on both engines."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.core.db import make_engine
from app.records import documents
from app.views.instruments import Comparison
from app.views.schemas import to_json
from app.views.timeline import EventDetail

PROBLEM = "application/problem+json"


def _problem(response, status):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert body["detail"]
    return body


class TestHealth:
    def test_reports_database(self, client):
        body = client.get("/health").json()
        assert body["status"] == "ok"
        assert body["database"] in {"sqlite", "postgresql"}


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
        body = _problem(client.get(f"/api/v1/timeline?{query}"), 422)
        assert body["errors"][0]["parameter"] == parameter


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
        _problem(client.get("/api/v1/meetings/wmr-2024-publication"), 404)
        _problem(client.get("/api/v1/meetings/nothing-here"), 404)


class TestProcesses:
    def test_list_and_detail(self, client):
        ids = [p["id"] for p in client.get("/api/v1/processes").json()["items"]]
        assert ids == ["coordination-meetings", "pledging-initiative"]
        body = client.get("/api/v1/processes/coordination-meetings").json()
        assert body["roles"][0]["actor"]["id"] == "mexico"
        assert body["roles"][0]["citations"]
        assert [m["id"] for m in body["meetings"]] == ["cm-15"]

    def test_process_timeline(self, client):
        body = client.get("/api/v1/processes/coordination-meetings/timeline").json()
        assert [i["id"] for i in body["items"]] == ["cm-15", "cm-15.s3"]
        _problem(client.get("/api/v1/processes/nope/timeline"), 404)


class TestActors:
    def test_search_by_alias(self, client):
        items = client.get("/api/v1/actors", params={"q": "UN Migration Agency"}).json()["items"]
        assert [a["id"] for a in items] == ["iom"]

    def test_kind_filter(self, client):
        items = client.get("/api/v1/actors?kind=state").json()["items"]
        assert [a["id"] for a in items] == ["mexico"]
        _problem(client.get("/api/v1/actors?kind=planet"), 422)

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


def _rendered_profile(url: str, actor_id: str) -> dict[str, Any]:
    """An actor's profile as it would be stored now (the stored one is made at load time)."""
    engine = make_engine(url)
    with Session(engine) as session:
        body, _ = documents.render(session, "actor", [actor_id])[actor_id]
    engine.dispose()
    result: dict[str, Any] = json.loads(body)
    return result


class TestObjectivesAndPledges:
    def test_objectives_with_pledge_counts(self, client):
        body = client.get("/api/v1/objectives").json()
        assert body["next_cursor"] is None
        (objective,) = body["items"]
        assert objective["number"] == "7"
        assert objective["pledges_recorded"] == 1
        assert objective["coverage"].startswith("This dataset holds 1 individual pledge")

    def test_objective_detail(self, client):
        body = client.get("/api/v1/objectives/7").json()
        assert body["pledges"][0]["objectives"] == [7]
        _problem(client.get("/api/v1/objectives/24"), 422)
        _problem(client.get("/api/v1/objectives/3"), 404)

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("objective=7", ["example-pledge"]),
            ("actor=juan-jose-gomez-camacho", []),
            ("actor=iom", ["example-pledge"]),
            ("process=pledging-initiative", ["example-pledge"]),
        ],
    )
    def test_pledge_filters(self, client, query, expected):
        assert [p["id"] for p in client.get(f"/api/v1/pledges?{query}").json()["items"]] == expected


class TestInstruments:
    def test_detail_lists_provisions(self, client):
        body = client.get("/api/v1/instruments/gcm").json()
        assert body["provisions"][0]["id"] == "gcm.objective.7"
        assert body["binding"] is False

    def test_compare_aligns_by_theme(self, client):
        body = client.get("/api/v1/compare?left=gcm&right=progress-declaration").json()
        assert [r["theme"]["id"] for r in body["shared_themes"]] == ["governance"]
        assert [r["theme"]["id"] for r in body["right_only_themes"]] == ["pledging"]
        assert body["left_only_themes"] == []
        binding = next(a for a in body["attributes"] if a["attribute"] == "binding")
        assert binding == {"attribute": "binding", "left": False, "right": None, "same": False}

    def test_compare_json_is_the_models_own(self, client):
        body = client.get("/api/v1/compare?left=gcm&right=progress-declaration").content
        assert to_json(Comparison.model_validate_json(body)) == body

    def test_compare_unknown_instrument(self, client):
        body = _problem(client.get("/api/v1/compare?left=gcm&right=nope"), 422)
        assert body["errors"][0]["parameter"] == "right"
        _problem(client.get("/api/v1/compare?left=gcm"), 422)


class TestSourcesFiguresDisputes:
    def test_source_lists_what_cites_it(self, client):
        body = client.get("/api/v1/sources/wmr-2024-ch8").json()
        assert body["file"] == "004_7eed26272a734672.txt"
        assert body["cited_by_kind"]["figure"] == 1
        _problem(client.get("/api/v1/sources/nope"), 404)

    def test_figures(self, client):
        (figure,) = client.get("/api/v1/figures?unit=pledges").json()["items"]
        assert figure["value"] == 233
        assert figure["date"]["display"] == "January 2023"
        assert figure["subject"] == {"kind": "process", "id": "pledging-initiative"}

    def test_a_figure_by_its_id_is_its_list_item_cited(self, client):
        (item,) = client.get("/api/v1/figures?unit=pledges").json()["items"]
        path = f"/api/v1/figures/{item['id']}"
        response = client.get(path)
        body = response.json()
        cite_as = body.pop("cite_as")
        assert body == item
        url = f"http://testserver{path}"
        assert cite_as["record"] == {
            "kind": "figures",
            "id": item["id"],
            "title": item["statement"],
            "url": url,
        }
        assert [s["id"] for s in cite_as["sources"]] == ["wmr-2024-ch8"]
        again = client.get(path, headers={"If-None-Match": response.headers["etag"]})
        assert again.status_code == 304
        missing = _problem(client.get("/api/v1/figures/pledges-2023-1"), 404)
        assert "/api/v1/figures" in missing["detail"]

    def test_disputes_keep_both_claims(self, client):
        (dispute,) = client.get("/api/v1/disputes").json()["items"]
        assert [c["followed"] for c in dispute["claims"]] == [False, True]
        assert all(c["citations"] for c in dispute["claims"])


class TestErrorsAndDocs:
    def test_unknown_path_is_problem_json(self, client):
        _problem(client.get("/api/v1/nothing"), 404)

    def test_openapi_documents_every_endpoint(self, client):
        paths = client.get("/openapi.json").json()["paths"]
        for path in [
            "/api/v1/timeline",
            "/api/v1/processes/{process_id}",
            "/api/v1/meetings",
            "/api/v1/actors/{actor_id}/timeline",
            "/api/v1/objectives",
            "/api/v1/pledges",
            "/api/v1/compare",
            "/api/v1/sources/{source_id}",
            "/api/v1/figures",
            "/health",
        ]:
            assert path in paths
        assert client.get("/docs").status_code == 200


class TestStatementCount:
    """The statements a request issues do not grow with the size of its result."""

    @staticmethod
    def _count(client, url):
        engine = client.app.state.db.engine
        statements = []

        def record(*_args):
            statements.append(1)

        event.listen(engine, "before_cursor_execute", record)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return len(statements)

    def test_timeline_statement_count_is_bounded(self, client):
        """One query for the page, then at most one a kind of related fact (processes,
        parents, places, participants and their names and citations, themes, citations,
        disputes and their citations), whatever the number of items."""
        assert self._count(client, "/api/v1/timeline?limit=1") <= 12
        assert self._count(client, "/api/v1/timeline?limit=50") <= 12

    @pytest.mark.parametrize(
        "url",
        [
            "/api/v1/meetings/cm-15",
            "/api/v1/actors/juan-jose-gomez-camacho",
            "/api/v1/compare?left=gcm&right=progress-declaration",
            "/api/v1/objectives",
            "/api/v1/processes/coordination-meetings",
        ],
    )
    def test_detail_statement_count_is_bounded(self, client, url):
        assert self._count(client, url) <= 30


def test_compare_of_the_compacts_is_the_models_json(dataset_client):
    """On the real dataset (non-ASCII names, quotes with escapes), the comparison built from
    plain values is byte for byte the ``Comparison`` model's JSON."""
    body = dataset_client.get("/api/v1/compare?left=gcm&right=gcr").content
    assert to_json(Comparison.model_validate_json(body)) == body


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
