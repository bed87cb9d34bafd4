"""Citing records and sources: plain text, CSL-JSON and BibTeX read back by pybtex."""

from __future__ import annotations

from typing import Any

import pytest
from pybtex.database import parse_string
from sqlalchemy import select

from app import models as m
from app.core.db import make_engine

CSL = "application/vnd.citationstyles.csl+json"


def _rows(url: str, query: Any) -> list[Any]:
    engine = make_engine(url)
    with engine.connect() as connection:
        rows = list(connection.execute(query))
    engine.dispose()
    return rows


def _cited_sources(url: str, subject_type: str, ident: str) -> set[str]:
    c = m.Citation
    query = select(c.source_id).where(c.subject_type == subject_type, c.subject_id == ident)
    return {source for (source,) in _rows(url, query)}


def test_a_record_cited_names_dataset_release_url_and_sources(dataset_client, dataset_db):
    body = dataset_client.get("/api/v1/cite/actors/mexico").json()
    assert body["record"] == {
        "kind": "actors",
        "id": "mexico",
        "title": "Mexico",
        "url": "http://testserver/api/v1/actors/mexico",
    }
    release = dataset_client.get("/api/v1/meta").json()["basis"]
    assert body["release"] == f"seed files sha256:{release['content_hash'][:12]}"
    assert body["text"].startswith("Migration Governance Timeline (")
    assert "“Mexico [actor record, release seed files sha256:" in body["text"]
    assert "Available at: http://testserver/api/v1/actors/mexico (Accessed: " in body["text"]
    assert body["csl"]["type"] == "dataset"
    assert body["csl"]["URL"] == body["record"]["url"]
    assert {s["id"] for s in body["sources"]} == _cited_sources(dataset_db, "actor", "mexico")
    assert all(s["text"] and s["csl"]["title"] for s in body["sources"])
    entry = parse_string(body["bibtex"], "bibtex").entries["mgt:actors-mexico"]
    assert entry.fields["title"] == "{Mexico}"
    assert entry.fields["url"] == "http://testserver/api/v1/actors/mexico"


def test_a_meeting_cites_the_sources_of_its_participants_too(dataset_client, dataset_db):
    items = dataset_client.get("/api/v1/cite/meetings/cm-15", params={"format": "csl-json"}).json()
    assert items[0]["id"] == "mgt:meetings/cm-15"
    c, p = m.Citation, m.Participation
    participants = select(p.id).where(p.event_id == "cm-15")
    via = select(c.source_id).where(
        c.subject_type == "participation", c.subject_id.in_(participants)
    )
    expected = _cited_sources(dataset_db, "event", "cm-15") | {s for (s,) in _rows(dataset_db, via)}
    assert {item["id"] for item in items[1:]} == expected


def test_every_source_as_bibtex_parses_back(dataset_client, dataset_db):
    response = dataset_client.get("/api/v1/sources", params={"format": "bibtex"})
    assert response.headers["content-type"].startswith("application/x-bibtex")
    entries = parse_string(response.text, "bibtex").entries
    sources = {
        i: (t, u)
        for i, t, u in _rows(dataset_db, select(m.Source.id, m.Source.title, m.Source.url))
    }
    assert set(entries) == set(sources)
    for ident, entry in entries.items():
        title, url = sources[ident]
        assert entry.fields["title"].startswith("{")
        if url:
            assert entry.fields["url"] == url
        assert "title" in entry.fields


def test_sources_as_csl_json_by_accept(dataset_client, dataset_db):
    listed = dataset_client.get("/api/v1/sources", headers={"Accept": CSL})
    assert listed.headers["content-type"].startswith(CSL)
    assert len(listed.json()) == len(_rows(dataset_db, select(m.Source.id)))
    one = dataset_client.get("/api/v1/sources/slocum-2017", headers={"Accept": CSL}).json()
    assert [item["id"] for item in one] == ["slocum-2017"]
    assert one[0]["author"] == [{"literal": "John Slocum"}]
    assert one[0]["issued"]["date-parts"][0][0] == 2017


def test_a_source_as_bibtex(dataset_client):
    text = dataset_client.get("/api/v1/sources/a-res-73-195", params={"format": "bibtex"}).text
    entry = parse_string(text, "bibtex").entries["a-res-73-195"]
    assert entry.fields["number"] == "A/RES/73/195"
    assert entry.fields["year"] == "2018"


@pytest.mark.parametrize(
    ("path", "status"),
    [("/api/v1/cite/actors/nobody", 404), ("/api/v1/cite/widgets/x", 422)],
)
def test_what_cannot_be_cited_is_a_problem(dataset_client, path, status):
    response = dataset_client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
