"""Writes: keys and scopes, citations required, ETag/If-Match, Idempotency-Key, audit log."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import keyed_client, snapshot

CITE = [
    {"source": "wmr-2024-ch8", "quote": "Pledges are measurable commitments made by Member States"}
]
PLEDGE = {
    "id": "new-pledge",
    "title": "A new pledge toward Objective 7",
    "pledgers": ["mexico"],
    "process": "pledging-initiative",
    "objectives": [7],
    "date": "2022-05",
    "status": "planned",
    "cite": CITE,
}


@pytest.fixture(params=["sqlite", "postgresql"])
def api(request, tmp_path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """A client over a fresh copy of the test dataset, and tokens for each scope."""
    yield from keyed_client(request.param, tmp_path)


def auth(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


def test_reads_are_public_writes_need_a_key(api):
    client, _ = api
    before = snapshot(client, "/api/v1/pledges/new-pledge")
    response = client.post("/api/v1/pledges", json=PLEDGE)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"] == "Bearer"
    assert "send an API key as 'Authorization: Bearer <token>'" in response.json()["detail"]
    refused = {
        "mgt_wrong": "The API key is unknown or has been revoked",
        "Basic x": "The Authorization header must be 'Bearer <token>'",
    }
    for header, detail in refused.items():
        headers = auth(header) if header.startswith("mgt_") else {"Authorization": header}
        answer = client.post("/api/v1/pledges", json=PLEDGE, headers=headers)
        assert (answer.status_code, answer.json()["detail"]) == (401, detail)
    assert snapshot(client, "/api/v1/pledges/new-pledge") == before
    assert before[0] == 404


def test_create_then_read(api):
    client, tokens = api
    response = client.post("/api/v1/pledges", json=PLEDGE, headers=auth(tokens["write"]))
    assert response.status_code == 201, response.text
    assert response.headers["etag"]
    body = client.get("/api/v1/pledges/new-pledge").json()
    assert body["pledgers"] == [{"id": "mexico", "name": "Mexico"}]
    assert body["objectives"] == [7]
    assert client.get("/api/v1/objectives/7").json()["pledges_recorded"] == 2


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"cite": []}, "cite"),
        ({"pledgers": ["atlantis"]}, "refers to actor 'atlantis'"),
        ({"objectives": [24]}, "objectives"),
        ({"date": "2022-13"}, "date"),
        (
            {"cite": [{"source": "wmr-2024-ch8", "quote": "words the chapter never says"}]},
            "quote not found",
        ),
        ({"id": "Not A Slug"}, "slug"),
    ],
)
def test_invalid_records_are_422_and_write_nothing(api, change, fragment):
    client, tokens = api
    response = client.post("/api/v1/pledges", json=PLEDGE | change, headers=auth(tokens["write"]))
    assert response.status_code == 422, response.text
    assert fragment in response.text
    assert client.get("/api/v1/pledges/new-pledge").status_code == 404
    assert client.get("/api/v1/changes", params={"kind": "pledges"}).json()["items"] == []


def test_duplicate_id_is_409_and_keeps_the_first(api):
    client, tokens = api
    first = client.post("/api/v1/pledges", json=PLEDGE, headers=auth(tokens["write"]))
    assert first.status_code == 201, first.text
    before = snapshot(client, "/api/v1/pledges/new-pledge")
    again = PLEDGE | {"title": "Another pledge under the same id"}
    duplicate = client.post("/api/v1/pledges", json=again, headers=auth(tokens["write"]))
    assert duplicate.status_code == 409, duplicate.text
    assert "new-pledge" in duplicate.json()["detail"]
    assert snapshot(client, "/api/v1/pledges/new-pledge") == before
    assert before[1]["title"] == PLEDGE["title"]


def test_patch_needs_the_current_etag(api):
    client, tokens = api
    before = snapshot(client, "/api/v1/pledges/example-pledge")
    etag = before[2]
    patch = {"status": "in_progress"}
    missing = client.patch(
        "/api/v1/pledges/example-pledge", json=patch, headers=auth(tokens["write"])
    )
    assert missing.status_code == 428
    assert "If-Match" in missing.json()["detail"]
    stale = client.patch(
        "/api/v1/pledges/example-pledge",
        json=patch,
        headers=auth(tokens["write"], **{"If-Match": '"stale"'}),
    )
    assert stale.status_code == 412
    assert "ETag mismatch" in stale.json()["detail"]
    assert snapshot(client, "/api/v1/pledges/example-pledge") == before
    ok = client.patch(
        "/api/v1/pledges/example-pledge",
        json=patch,
        headers=auth(tokens["write"], **{"If-Match": etag}),
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["status"] == "in_progress"
    assert ok.headers["etag"] != etag
    changed = snapshot(client, "/api/v1/pledges/example-pledge")
    assert (changed[1]["status"], changed[2]) == ("in_progress", ok.headers["etag"])
    again = client.patch(
        "/api/v1/pledges/example-pledge",
        json={"status": "fulfilled"},
        headers=auth(tokens["write"], **{"If-Match": etag}),
    )
    assert again.status_code == 412
    assert "ETag mismatch" in again.json()["detail"]
    assert snapshot(client, "/api/v1/pledges/example-pledge") == changed


@pytest.mark.parametrize(
    ("patch", "fragment"),
    [({"cite": []}, "cite"), ({"id": "other"}, "id"), ({"cite": None}, "cite")],
)
def test_patch_cannot_remove_every_citation_or_change_the_id(api, patch, fragment):
    client, tokens = api
    path = "/api/v1/pledges/example-pledge"
    before = snapshot(client, path)
    headers = auth(tokens["write"], **{"If-Match": before[2]})
    response = client.patch(path, json=patch, headers=headers)
    assert response.status_code == 422, response.text
    assert fragment in response.json()["detail"]
    assert snapshot(client, path) == before
    assert client.get("/api/v1/pledges/other").status_code == 404


def test_retried_post_with_idempotency_key_creates_once(api):
    client, tokens = api
    headers = auth(tokens["write"], **{"Idempotency-Key": "retry-1"})
    first = client.post("/api/v1/pledges", json=PLEDGE, headers=headers)
    second = client.post("/api/v1/pledges", json=PLEDGE, headers=headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.headers["idempotent-replayed"] == "true"
    assert first.json() == second.json()
    changes = client.get("/api/v1/changes", params={"record": "new-pledge"}).json()["items"]
    assert len(changes) == 1
    before = snapshot(client, "/api/v1/pledges/another")
    other = client.post("/api/v1/pledges", json=PLEDGE | {"id": "another"}, headers=headers)
    assert other.status_code == 422
    assert "Idempotency-Key was already used" in other.json()["detail"]
    assert snapshot(client, "/api/v1/pledges/another") == before
    assert before[0] == 404


def test_delete_needs_admin_scope_and_refuses_referenced_records(api):
    client, tokens = api
    before = snapshot(client, "/api/v1/pledges/example-pledge")
    write_only = client.delete("/api/v1/pledges/example-pledge", headers=auth(tokens["write"]))
    assert write_only.status_code == 403
    assert (
        write_only.json()["detail"] == "The key 'write-key' has scope 'write'; this needs 'admin'"
    )
    assert snapshot(client, "/api/v1/pledges/example-pledge") == before
    mexico = snapshot(client, "/api/v1/actors/mexico")
    referenced = client.delete("/api/v1/actors/mexico", headers=auth(tokens["admin"]))
    assert referenced.status_code == 409
    assert "mexico" in referenced.json()["detail"]
    assert snapshot(client, "/api/v1/actors/mexico") == mexico
    assert (
        client.delete("/api/v1/pledges/example-pledge", headers=auth(tokens["admin"])).status_code
        == 204
    )
    assert client.get("/api/v1/pledges/example-pledge").status_code == 404


def test_audit_log_records_who_what_before_and_after(api):
    client, tokens = api
    client.post("/api/v1/pledges", json=PLEDGE, headers=auth(tokens["write"]))
    etag = client.get("/api/v1/pledges/new-pledge").headers["etag"]
    client.patch(
        "/api/v1/pledges/new-pledge",
        json={"status": "fulfilled"},
        headers=auth(tokens["write"], **{"If-Match": etag}),
    )
    client.delete("/api/v1/pledges/new-pledge", headers=auth(tokens["admin"]))
    history = client.get(
        "/api/v1/changes", params={"kind": "pledges", "record": "new-pledge"}
    ).json()["items"]
    assert [(c["action"], c["key_name"]) for c in history] == [
        ("create", "write-key"),
        ("update", "write-key"),
        ("delete", "admin-key"),
    ]
    assert history[1]["before"]["status"] == "planned"
    assert history[1]["after"]["status"] == "fulfilled"
    assert history[2]["after"] is None


def test_meeting_with_participants_round_trips(api):
    client, tokens = api
    meeting = {
        "id": "cm-15.s4",
        "title": "A further session",
        "kind": "session",
        "parent": "cm-15",
        "date": "2017-02-17",
        "participants": [
            {
                "actor": "juan-jose-gomez-camacho",
                "role": "moderator",
                "cite": [
                    {
                        "source": "desa-cm15-2017",
                        "quote": "In his capacity as moderator, Ambassador Juan José Gómez Camacho",
                    }
                ],
            }
        ],
        "cite": [
            {
                "source": "desa-cm15-2017",
                "quote": "III. INTERNATIONAL COOPERATION AND GOVERNANCE OF MIGRATION",
            }
        ],
    }
    assert (
        client.post("/api/v1/meetings", json=meeting, headers=auth(tokens["write"])).status_code
        == 201
    )
    detail = client.get("/api/v1/meetings/cm-15.s4")
    assert detail.json()["actors"][0]["role"] == "moderator"
    patched = client.patch(
        "/api/v1/meetings/cm-15.s4",
        json={"participants": []},
        headers=auth(tokens["write"], **{"If-Match": detail.headers["etag"]}),
    )
    assert patched.status_code == 200
    assert client.get("/api/v1/meetings/cm-15.s4").json()["actors"] == []
    before = snapshot(client, "/api/v1/events/x-1")
    bad = client.post(
        "/api/v1/meetings",
        json=meeting | {"id": "x-1", "kind": "publication"},
        headers=auth(tokens["write"]),
    )
    assert bad.status_code == 422
    assert "'publication' is not a meeting kind" in bad.json()["detail"]
    assert snapshot(client, "/api/v1/events/x-1") == before


def test_participation_lifecycle(api):
    client, tokens = api
    body = {
        "event": "cm-15",
        "actor": "mexico",
        "role": "attendee",
        "cite": [
            {
                "source": "desa-cm15-2017",
                "quote": "Permanent Representative of Mexico to the United Nations",
            }
        ],
    }
    created = client.post("/api/v1/participations", json=body, headers=auth(tokens["write"]))
    assert created.status_code == 201, created.text
    ident = created.json()["id"]
    assert ident == "cm-15.attendee.mexico"
    before = snapshot(client, f"/api/v1/participations/{ident}")
    again = client.post(
        "/api/v1/participations",
        json=body | {"capacity": "Observer"},
        headers=auth(tokens["write"]),
    )
    assert again.status_code == 409
    assert "'mexico' already has the role 'attendee' at 'cm-15'" in again.json()["detail"]
    assert snapshot(client, f"/api/v1/participations/{ident}") == before
    etag = client.get(f"/api/v1/participations/{ident}").headers["etag"]
    patched = client.patch(
        f"/api/v1/participations/{ident}",
        json={"capacity": "Member State"},
        headers=auth(tokens["write"], **{"If-Match": etag}),
    )
    assert patched.status_code == 200, patched.text
    roles = client.get("/api/v1/actors/mexico").json()["meeting_roles"]
    assert [(r["event"]["id"], r["capacity"]) for r in roles] == [("cm-15", "Member State")]
    assert (
        client.delete(f"/api/v1/participations/{ident}", headers=auth(tokens["admin"])).status_code
        == 204
    )
    assert client.get(f"/api/v1/participations/{ident}").status_code == 404


def test_citation_lifecycle_keeps_every_fact_cited(api):
    client, tokens = api
    body = {
        "subject": {"kind": "process", "id": "pledging-initiative"},
        "source": "wmr-2024-ch8",
        "quote": "233 pledges had been received and displayed on the online dashboard",
    }
    created = client.post("/api/v1/citations", json=body, headers=auth(tokens["write"]))
    assert created.status_code == 201, created.text
    ident = created.json()["id"]
    bad = client.post(
        "/api/v1/citations",
        json=body | {"quote": "a quote found nowhere at all"},
        headers=auth(tokens["write"]),
    )
    assert bad.status_code == 422
    assert "quote not found" in bad.json()["detail"]
    missing = client.post(
        "/api/v1/citations",
        json=body | {"subject": {"kind": "process", "id": "nope"}},
        headers=auth(tokens["write"]),
    )
    assert missing.status_code == 422
    assert "subject: no process with id 'nope'" in missing.json()["detail"]
    cited = client.get("/api/v1/sources/wmr-2024-ch8").json()["citations"]
    assert [c["id"] for c in cited if c["subject_id"] == "nope"] == []
    etag = client.get(f"/api/v1/citations/{ident}").headers["etag"]
    patched = client.patch(
        f"/api/v1/citations/{ident}",
        json={"locator": "p. 3"},
        headers=auth(tokens["write"], **{"If-Match": etag}),
    )
    assert patched.status_code == 200
    assert patched.json()["locator"] == "p. 3"
    assert (
        client.delete(f"/api/v1/citations/{ident}", headers=auth(tokens["admin"])).status_code
        == 204
    )
    cited = client.get("/api/v1/sources/wmr-2024-ch8").json()["citations"]
    (last,) = [c for c in cited if c["subject_id"] == "pledging-initiative"]
    before = snapshot(client, "/api/v1/processes/pledging-initiative")
    refused = client.delete(f"/api/v1/citations/{last['id']}", headers=auth(tokens["admin"]))
    assert refused.status_code == 422
    assert "last citation" in refused.json()["detail"]
    assert snapshot(client, "/api/v1/processes/pledging-initiative") == before
    assert client.get(f"/api/v1/citations/{last['id']}").json()["id"] == last["id"]
    ids = [c for c in client.get("/api/v1/changes", params={"kind": "citations"}).json()["items"]]
    assert [c["action"] for c in ids] == ["create", "update", "delete"]


def _patch(client, path, token, change):
    etag = client.get(path).headers["etag"]
    response = client.patch(path, json=change, headers=auth(token, **{"If-Match": etag}))
    assert response.status_code == 200, response.text


def _item(client, ident):
    (item,) = [i for i in client.get("/api/v1/timeline").json()["items"] if i["id"] == ident]
    return item


def test_timeline_shows_each_write_to_what_an_item_shows(api):
    """Timeline items are stored rendered: a write to a name, title or citation they show
    is seen on the next read (and the client fixture checks every stored item at the end)."""
    client, tokens = api
    person = "/api/v1/actors/juan-jose-gomez-camacho"
    _patch(client, person, tokens["write"], {"name": "Juan José Gómez Camacho (renamed)"})
    (participant,) = _item(client, "cm-15.s3")["actors"]
    assert participant["actor"]["name"] == "Juan José Gómez Camacho (renamed)"

    _patch(client, "/api/v1/events/cm-15", tokens["write"], {"title": "CM 15 (renamed)"})
    assert _item(client, "cm-15.s3")["parent"]["name"] == "CM 15 (renamed)"

    body = {
        "subject": {"kind": "participation", "id": "cm-15.s3.moderator.juan-jose-gomez-camacho"},
        "source": "desa-cm15-2017",
        "quote": "Permanent Representative of Mexico to the United Nations",
    }
    created = client.post("/api/v1/citations", json=body, headers=auth(tokens["write"]))
    assert created.status_code == 201, created.text
    (participant,) = _item(client, "cm-15.s3")["actors"]
    assert len(participant["citations"]) == 2
    deleted = client.delete(
        f"/api/v1/citations/{created.json()['id']}", headers=auth(tokens["admin"])
    )
    assert deleted.status_code == 204
    (participant,) = _item(client, "cm-15.s3")["actors"]
    assert len(participant["citations"]) == 1


def test_documents_show_each_write_to_what_they_show(api):
    """Profiles and pledges are stored rendered: a pledge, a citation of a row they show
    (a process role has no id of its own in a profile) and a rename are seen on the next
    read (and the client fixture checks every stored document at the end)."""
    client, tokens = api
    fresh = {"Cache-Control": "no-cache"}
    created = client.post("/api/v1/pledges", json=PLEDGE, headers=auth(tokens["write"]))
    assert created.status_code == 201, created.text
    for pledger in PLEDGE["pledgers"]:
        profile = client.get(f"/api/v1/actors/{pledger}", headers=fresh).json()
        assert PLEDGE["id"] in [p["id"] for p in profile["pledges"]]
    body = {
        "subject": {"kind": "process_role", "id": "coordination-meetings.participant.mexico.2017"},
        "source": "desa-cm15-2017",
        "quote": "Fifteenth Coordination Meeting on International Migration",
    }
    cited = client.post("/api/v1/citations", json=body, headers=auth(tokens["write"]))
    assert cited.status_code == 201, cited.text
    (role,) = client.get("/api/v1/actors/mexico", headers=fresh).json()["process_roles"]
    assert len(role["citations"]) == 2
    _patch(client, "/api/v1/actors/mexico", tokens["write"], {"name": "Mexico (renamed)"})
    pledge = client.get(f"/api/v1/pledges/{PLEDGE['id']}", headers=fresh).json()
    assert "Mexico (renamed)" in [p["name"] for p in pledge["pledgers"]]


def test_pledge_filters_page_like_the_whole_list_filtered(api):
    """Each filter and combination, paged one pledge at a time through its cursor, gives the
    whole list's pledges that pass, in the same order."""
    client, tokens = api
    made = [
        ("p-a", ["mexico"], [7], "pledging-initiative"),
        ("p-b", ["iom"], [7], None),
        ("p-c", ["iom", "mexico"], [], "coordination-meetings"),
        ("p-d", ["iom"], [7], "pledging-initiative"),
    ]
    for ident, pledgers, objectives, process in made:
        body = {**PLEDGE, "id": ident, "pledgers": pledgers, "objectives": objectives}
        body.pop("process")
        body |= {"process": process} if process else {}
        created = client.post("/api/v1/pledges", json=body, headers=auth(tokens["write"]))
        assert created.status_code == 201, created.text
    everything = client.get("/api/v1/pledges?limit=500").json()["items"]

    def passes(pledge, objective=None, actor=None, process=None):
        return (
            (objective is None or objective in pledge["objectives"])
            and (actor is None or actor in [a["id"] for a in pledge["pledgers"]])
            and (process is None or (pledge["process"] or {}).get("id") == process)
        )

    cases: list[dict[str, Any]] = [
        {"objective": 7},
        {"actor": "iom"},
        {"process": "pledging-initiative"},
        {"objective": 7, "actor": "mexico"},
        {"objective": 7, "process": "pledging-initiative"},
        {"actor": "iom", "process": "coordination-meetings"},
        {"objective": 7, "actor": "iom", "process": "pledging-initiative"},
    ]
    for case in cases:
        expected = [p["id"] for p in everything if passes(p, **case)]
        query = "&".join(f"{k}={v}" for k, v in case.items())
        got: list[str] = []
        url: str | None = f"/api/v1/pledges?limit=1&{query}"
        while url:
            page = client.get(url).json()
            got += [p["id"] for p in page["items"]]
            cursor = page["next_cursor"]
            url = f"/api/v1/pledges?limit=1&{query}&cursor={cursor}" if cursor else None
        assert got == expected, case
        assert expected, case


CSV_HEADER = "pledger,type,objectives,date,description,status,source\n"


def test_csv_import_all_or_nothing(api):
    client, tokens = api
    good = (
        CSV_HEADER
        + "Mexico,Policy,7,2022-05,Alternatives to detention,planned,https://example.org/p/1\n"
        + "IOM; mexico,Programme,Objective 7,2022,Joint pledge,in progress,https://example.org/p/2\n"
    )
    bad = (
        good
        + "Atlantis,Policy,7;12,2022,Unknown pledger,planned,wmr-2024-ch8\n"
        + "Mexico,Policy,25,2022-13,Bad objective and date,someday,\n"
    )
    headers = auth(tokens["write"], **{"Content-Type": "text/csv"})
    rejected = client.post("/api/v1/pledges/import", content=bad.encode(), headers=headers)
    assert rejected.status_code == 422, rejected.text
    errors = rejected.json()["errors"]
    assert {(e["row"], e["field"]) for e in errors} >= {
        (4, "pledger"),
        (4, "objectives"),
        (5, "objectives"),
        (5, "status"),
        (5, "source"),
        (5, "date"),
    }
    assert client.get("/api/v1/pledges").json()["items"][0]["id"] == "example-pledge"
    assert len(client.get("/api/v1/pledges").json()["items"]) == 1
    created = client.post("/api/v1/pledges/import", content=good.encode(), headers=headers)
    assert created.status_code == 201, created.text
    assert len(created.json()["created"]) == 2
    assert len(created.json()["sources_created"]) == 2
    joint = client.get("/api/v1/pledges", params={"actor": "iom"}).json()["items"]
    assert {p["id"] for p in joint} >= {"example-pledge"}
    assert any(len(p["pledgers"]) == 2 for p in joint)
    assert client.get("/api/v1/objectives/7").json()["pledges_recorded"] == 3


def test_csv_import_rejects_missing_columns_and_non_utf8(api):
    client, tokens = api
    headers = auth(tokens["write"], **{"Content-Type": "text/csv"})
    before = snapshot(client, "/api/v1/pledges?limit=500")
    no_columns = client.post(
        "/api/v1/pledges/import", content=b"pledger,type\nMexico,Policy\n", headers=headers
    )
    assert no_columns.status_code == 422
    assert "objectives" in no_columns.json()["detail"]
    latin1 = (CSV_HEADER + "México,Policy,7,2022,x,planned,wmr-2024-ch8\n").encode("latin-1")
    refused = client.post("/api/v1/pledges/import", content=latin1, headers=headers)
    assert refused.status_code == 400
    assert "the CSV is not UTF-8 (byte " in refused.json()["detail"]
    assert snapshot(client, "/api/v1/pledges?limit=500") == before
