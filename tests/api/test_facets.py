"""Facets: counts by field over the whole filter, only when asked, on both engines."""

from __future__ import annotations

import pytest


def _facets(client, url, **params):
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    return response.json()["facets"]


def test_no_facets_unless_asked(client):
    assert "facets" not in client.get("/api/v1/timeline").json()
    assert "facets" not in client.get("/api/v1/actors").json()


def test_timeline_facets_count_the_whole_filter_not_the_page(client):
    found = _facets(client, "/api/v1/timeline", facet=["kind", "status", "year"], limit=1)
    assert found["kind"] == [
        {"value": "summit", "label": "summit", "count": 2},
        {"value": "meeting", "label": "meeting", "count": 1},
        {"value": "publication", "label": "publication", "count": 1},
        {"value": "session", "label": "session", "count": 1},
    ]
    assert found["status"] == [
        {"value": "held", "label": "held", "count": 4},
        {"value": "announced", "label": "announced", "count": 1},
    ]
    assert found["year"] == [
        {"value": 2009, "label": "2009", "count": 2},
        {"value": 2017, "label": "2017", "count": 2},
        {"value": 2024, "label": "2024", "count": 1},
    ]


def test_process_facet_counts_sessions_under_their_meetings_process(client):
    found = _facets(client, "/api/v1/timeline", facet="process")
    assert found["process"] == [
        {"value": None, "label": "no process", "count": 3},
        {
            "value": "coordination-meetings",
            "label": "Coordination Meeting on International Migration",
            "count": 2,
        },
    ]


def test_facets_follow_the_filter(client):
    found = _facets(client, "/api/v1/meetings", facet="kind", start="2017")
    assert found["kind"] == [
        {"value": "meeting", "label": "meeting", "count": 1},
        {"value": "session", "label": "session", "count": 1},
    ]
    empty = _facets(client, "/api/v1/timeline", facet="kind", status="planned")
    assert empty == {"kind": []}
    searched = _facets(client, "/api/v1/timeline", facet="year", q="athens")
    assert searched["year"] == [{"value": 2009, "label": "2009", "count": 1}]


def test_actor_process_and_pledge_facets(client):
    actors = _facets(client, "/api/v1/actors", facet="kind")["kind"]
    assert {a["value"]: a["count"] for a in actors} == {"person": 1, "state": 1, "un_entity": 1}
    assert next(a for a in actors if a["value"] == "un_entity")["label"] == "un entity"
    processes = _facets(client, "/api/v1/processes", facet="kind")["kind"]
    assert {p["value"] for p in processes} == {"meeting_series", "initiative"}
    pledges = _facets(client, "/api/v1/pledges", facet=["objective", "status"])
    assert pledges["objective"] == [
        {
            "value": 7,
            "label": "Objective 7: Address and reduce vulnerabilities in migration",
            "count": 1,
        }
    ]
    assert pledges["status"] == [{"value": None, "label": "status not recorded", "count": 1}]


def test_process_and_actor_timelines_offer_the_timeline_facets(client):
    found = _facets(client, "/api/v1/processes/coordination-meetings/timeline", facet="kind")
    assert sum(v["count"] for v in found["kind"]) == 2
    found = _facets(client, "/api/v1/actors/juan-jose-gomez-camacho/timeline", facet="year")
    assert found["year"] == [{"value": 2017, "label": "2017", "count": 1}]


@pytest.mark.parametrize(
    ("url", "facet"),
    [
        ("/api/v1/timeline", "actor"),
        ("/api/v1/meetings", "objective"),
        ("/api/v1/actors", "year"),
        ("/api/v1/processes", "status"),
        ("/api/v1/pledges", "kind"),
    ],
)
def test_unknown_facet_is_422_naming_the_parameter(client, url, facet):
    response = client.get(url, params={"facet": facet})
    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0]["parameter"] == "facet"
    assert f"'{facet}'" in body["detail"]


def test_facets_are_documented(client):
    schema = client.get("/openapi.json").json()
    params = {p["name"] for p in schema["paths"]["/api/v1/timeline"]["get"]["parameters"]}
    assert {"facet", "format", "q"} <= params
