"""Citing records and sources: plain text, CSL-JSON and BibTeX read back by pybtex."""

from __future__ import annotations

from typing import Any

import pytest
from pybtex.database import parse_string
from sqlalchemy import select

from app import models as m
from app.core.db import make_engine
from tests.conftest import keyed_client

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


DETAILS = [
    ("actors", "mexico"),
    ("processes", "gfmd"),
    ("events", "cm-15"),
    ("meetings", "cm-15"),
    ("positions", "peter-sutherland.srsg"),
    ("instruments", "gcm"),
    ("sources", "slocum-2017"),
    ("figures", "gcm.objectives-count"),
    ("objectives", "1"),
]


@pytest.mark.parametrize(("kind", "ident"), DETAILS)
def test_every_detail_carries_its_cite_as(dataset_client, kind, ident):
    detail = dataset_client.get(f"/api/v1/{kind}/{ident}")
    assert detail.status_code == 200
    cite_as = detail.json()["cite_as"]
    assert cite_as == dataset_client.get(f"/api/v1/cite/{kind}/{ident}").json()
    assert cite_as["record"]["url"] == f"http://testserver/api/v1/{kind}/{ident}"
    assert cite_as["csl"]["container-title"] == "Migration Governance Timeline"
    assert cite_as["release"] in cite_as["text"]
    assert cite_as["record"]["url"] in cite_as["text"]


def test_an_objective_is_cited_by_its_number_with_its_provision_s_sources(
    dataset_client, dataset_db
):
    cite_as = dataset_client.get("/api/v1/objectives/12").json()["cite_as"]
    behind = _cited_sources(dataset_db, "provision", "gcm.objective.12")
    assert behind
    assert {s["id"] for s in cite_as["sources"]} == behind
    assert cite_as["record"] == {
        "kind": "objectives",
        "id": "12",
        "title": dataset_client.get("/api/v1/objectives/12").json()["title"],
        "url": "http://testserver/api/v1/objectives/12",
    }
    assert dataset_client.get("/api/v1/cite/objectives/24").status_code == 404


def test_a_pledge_cites_its_sources_and_a_source_itself(dataset_client, dataset_db):
    pledge = dataset_client.get("/api/v1/pledges", params={"limit": 1}).json()["items"][0]["id"]
    cite_as = dataset_client.get(f"/api/v1/pledges/{pledge}").json()["cite_as"]
    assert {s["id"] for s in cite_as["sources"]} == _cited_sources(dataset_db, "pledge", pledge)
    source = dataset_client.get("/api/v1/sources/slocum-2017").json()["cite_as"]
    assert [s["id"] for s in source["sources"]] == ["slocum-2017"]
    assert source["sources"][0]["csl"]["author"] == [{"literal": "John Slocum"}]


def test_lists_files_and_other_formats_carry_no_cite_as(dataset_client):
    assert "cite_as" not in dataset_client.get("/api/v1/actors").json()
    assert all(
        "cite_as" not in item for item in dataset_client.get("/api/v1/pledges").json()["items"]
    )
    csl = dataset_client.get("/api/v1/sources/slocum-2017", headers={"Accept": CSL}).json()
    assert isinstance(csl, list)
    linked = dataset_client.get("/api/v1/meetings/cm-15", params={"format": "jsonld"}).json()
    assert "cite_as" not in linked


def test_stored_documents_hold_no_citation(dataset_db):
    d = m.RenderedDocument
    bodies = [body for (body,) in _rows(dataset_db, select(d.body))]
    assert bodies
    assert not any("cite_as" in body for body in bodies)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_cite_as_names_the_release_a_write_makes(kind, tmp_path):
    for client, tokens in keyed_client(kind, tmp_path):
        before = client.get("/api/v1/pledges/example-pledge")
        assert "later change" not in before.json()["cite_as"]["release"]
        patched = client.patch(
            "/api/v1/pledges/example-pledge",
            json={"status": "in_progress"},
            headers={
                "Authorization": f"Bearer {tokens['write']}",
                "If-Match": before.headers["etag"],
            },
        )
        assert patched.status_code == 200, patched.text
        after = client.get("/api/v1/pledges/example-pledge").json()["cite_as"]
        assert after["release"].endswith("with 1 later change(s)")
        assert after["release"] in after["text"]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_figure_cited_anew_shows_it_in_its_detail_and_cite_as(kind, tmp_path):
    for client, tokens in keyed_client(kind, tmp_path):
        path = "/api/v1/figures/pledges-2023-01"
        before = client.get(path).json()
        assert [s["id"] for s in before["cite_as"]["sources"]] == ["wmr-2024-ch8"]
        body = {
            "subject": {"kind": "figure", "id": "pledges-2023-01"},
            "source": "desa-cm15-2017",
            "quote": "Permanent Representative of Mexico to the United Nations",
        }
        headers = {"Authorization": f"Bearer {tokens['write']}"}
        created = client.post("/api/v1/citations", json=body, headers=headers)
        assert created.status_code == 201, created.text
        after = client.get(path).json()
        cite_as = after.pop("cite_as")
        assert [c["source"]["id"] for c in after["citations"]] == ["wmr-2024-ch8", "desa-cm15-2017"]
        assert {s["id"] for s in cite_as["sources"]} == {"wmr-2024-ch8", "desa-cm15-2017"}
        assert cite_as["release"].endswith("with 1 later change(s)")
        listed = client.get("/api/v1/figures", params={"unit": "pledges"}).json()["items"]
        assert listed == [after]
