"""Graphs of the real dataset, read back by networkx and counted against the database."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections import Counter
from typing import Any

import networkx as nx
import pytest
from sqlalchemy import select

from app import models as m
from app.core.db import make_engine
from app.graphs import build

GRAPHS = "/api/v1/graphs"


def _read(fmt: str, content: bytes) -> Any:
    if fmt == "graphml":
        return nx.read_graphml(io.BytesIO(content))
    if fmt == "gexf":
        return nx.read_gexf(io.BytesIO(content))
    document = json.loads(content)["graph"]
    graph = nx.MultiDiGraph() if document["directed"] else nx.MultiGraph()
    for node, body in document["nodes"].items():
        graph.add_node(node, label=body["label"], **body["metadata"])
    for edge in document["edges"]:
        graph.add_edge(edge["source"], edge["target"], **edge["metadata"])
    return graph


def _rows(url: str, query: Any) -> list[Any]:
    engine = make_engine(url)
    with engine.connect() as connection:
        rows = list(connection.execute(query))
    engine.dispose()
    return rows


def _participations(url: str, start: dt.date | None = None) -> list[Any]:
    p, e = m.Participation, m.Event
    query = select(p.actor_id, p.event_id, p.role, p.id).join(e, e.id == p.event_id)
    if start:
        query = query.where(e.date_end >= start)
    return _rows(url, query)


@pytest.mark.parametrize("fmt", ["json", "graphml", "gexf"])
def test_actor_event_network_has_every_participation(dataset_client, dataset_db, fmt):
    response = dataset_client.get(f"{GRAPHS}/actor-event", params={"format": fmt})
    assert response.status_code == 200, response.text
    graph = _read(fmt, response.content)
    expected = _participations(dataset_db)
    assert graph.number_of_edges() == len(expected)
    actors = {f"actor:{actor}" for actor, *_ in expected}
    events = {f"event:{event}" for _, event, *_ in expected}
    assert set(graph.nodes) == actors | events
    assert {n for n, d in graph.nodes(data=True) if d["bipartite"] == 0} == actors
    roles = Counter(d["role"] for *_, d in graph.edges(data=True))
    assert roles == Counter(role for _, _, role, _ in expected)


def test_actor_event_edges_carry_dates_and_citations(dataset_client, dataset_db):
    response = dataset_client.get(f"{GRAPHS}/actor-event", params={"format": "graphml"})
    graph = _read("graphml", response.content)
    c = m.Citation
    cited = _rows(dataset_db, select(c.subject_id, c.id).where(c.subject_type == "participation"))
    by_participation: dict[str, set[str]] = {}
    for subject, citation in cited:
        by_participation.setdefault(subject, set()).add(citation)
    for source, target, data in graph.edges(data=True):
        assert source.startswith("actor:")
        assert target.startswith("event:")
        assert set(data.get("citations", "").split()) == by_participation.get(data["id"], set())
        if "date" in data:
            assert data["date_display"]
            assert data["start"] <= data["end"]


def test_date_filter_selects_as_the_timeline_does(dataset_client, dataset_db):
    params = {"start": "2017", "format": "json"}
    graph = _read("json", dataset_client.get(f"{GRAPHS}/actor-event", params=params).content)
    assert graph.number_of_edges() == len(_participations(dataset_db, start=dt.date(2017, 1, 1)))
    timeline = dataset_client.get("/api/v1/timeline", params={"start": "2017", "limit": 500})
    shown = {f"event:{item['id']}" for item in timeline.json()["items"]}
    assert {n for n in graph.nodes if n.startswith("event:")} <= shown


@pytest.mark.parametrize("fmt", ["json", "graphml", "gexf"])
def test_co_participation_weights_count_shared_events(dataset_client, dataset_db, fmt):
    response = dataset_client.get(f"{GRAPHS}/co-participation", params={"format": fmt})
    graph = _read(fmt, response.content)
    attended: dict[str, set[str]] = {}
    for actor, event, *_ in _participations(dataset_db):
        attended.setdefault(actor, set()).add(event)
    expected = {
        (f"actor:{a}", f"actor:{b}"): len(attended[a] & attended[b])
        for a in attended
        for b in attended
        if a < b and attended[a] & attended[b]
    }
    found = {tuple(sorted((s, t))): int(d["weight"]) for s, t, d in graph.edges(data=True)}
    assert found == expected


@pytest.mark.parametrize("fmt", ["json", "graphml", "gexf"])
def test_process_lineage_is_every_link(dataset_client, dataset_db, fmt):
    response = dataset_client.get(f"{GRAPHS}/processes", params={"format": fmt})
    graph = _read(fmt, response.content)
    assert graph.is_directed()
    links = _rows(
        dataset_db, select(m.ProcessLink.source_id, m.ProcessLink.target_id, m.ProcessLink.kind)
    )
    found = sorted(
        (s.removeprefix("process:"), t.removeprefix("process:"), d["relation"])
        for s, t, d in graph.edges(data=True)
    )
    assert found == sorted(tuple(link) for link in links)
    assert graph.number_of_nodes() == len(_rows(dataset_db, select(m.Process.id)))


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("application/graphml+xml", "application/graphml+xml"),
        ("application/gexf+xml;q=0.9, text/html;q=0.1", "application/gexf+xml"),
        ("application/vnd.jgf+json", "application/json"),
        ("*/*", "application/json"),
    ],
)
def test_format_follows_accept(dataset_client, accept, media):
    response = dataset_client.get(f"{GRAPHS}/processes", headers={"Accept": accept})
    assert response.headers["content-type"].startswith(media)
    assert "Accept" in response.headers["vary"]


def test_a_graph_over_the_bound_is_refused_with_a_way_out(dataset_client, monkeypatch):
    fresh = {"Cache-Control": "no-cache"}
    narrow = {"process": "gcm", "format": "graphml"}
    narrowed = dataset_client.get(f"{GRAPHS}/actor-event", params=narrow, headers=fresh)
    edges = _read("graphml", narrowed.content).number_of_edges()
    monkeypatch.setattr(build, "MAX_EDGES", edges)
    response = dataset_client.get(f"{GRAPHS}/actor-event", headers=fresh)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert f"more than {edges:,} edges" in response.json()["detail"]
    assert "narrow it" in response.json()["detail"]
    again = dataset_client.get(f"{GRAPHS}/actor-event", params=narrow, headers=fresh)
    assert _read("graphml", again.content).number_of_edges() == edges


def test_unknown_format_is_a_problem(dataset_client):
    response = dataset_client.get(f"{GRAPHS}/processes", params={"format": "dot"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["parameter"] == "format"
