"""If-Match and Idempotency-Key: every form of the header, and every refused write leaves the
record and the audit log exactly as they were."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from app import models as m
from app.records import store
from app.seeding.etags import etag, record_etags
from tests.conftest import ENGINES, keyed_client, snapshot

PLEDGE_PATH = "/api/v1/pledges/example-pledge"
CHANGED = "The record changed since you read it (ETag mismatch); read it again and reapply"
NEW_PLEDGE = {
    "id": "new-pledge",
    "title": "A new pledge toward Objective 7",
    "pledgers": ["mexico"],
    "objectives": [7],
    "date": "2022-05",
    "cite": [
        {
            "source": "wmr-2024-ch8",
            "quote": "Pledges are measurable commitments made by Member States",
        }
    ],
}


@pytest.fixture(params=ENGINES)
def api(request, tmp_path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    yield from keyed_client(request.param, tmp_path)


def auth(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


def refused(response, status: int, detail: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"] == detail


def test_etag_is_a_quoted_digest_of_the_record_in_any_key_order():
    tag = etag({"id": "x", "date": "2017", "cite": [{"source": "s"}]})
    assert re.fullmatch(r'"[0-9a-f]{32}"', tag)
    assert tag == etag({"cite": [{"source": "s"}], "date": "2017", "id": "x"})
    assert tag != etag({"id": "x", "date": "2018", "cite": [{"source": "s"}]})


def _stale_forms(current: str) -> list[str]:
    return [
        '"stale"',
        current.strip('"'),
        f"W/{current}",
        '"a", "b"',
        f"{current[:-2]}0{current[-1]}" if current[-2] != "0" else f'{current[:-2]}1"',
        "",
    ]


def test_patch_refused_for_every_if_match_that_is_not_the_current_etag(api):
    client, tokens = api
    before = snapshot(client, PLEDGE_PATH)
    patch = {"status": "in_progress"}
    missing = client.patch(PLEDGE_PATH, json=patch, headers=auth(tokens["write"]))
    refused(
        missing,
        428,
        "Send If-Match with the ETag of the record you read, so that no change is lost",
    )
    assert snapshot(client, PLEDGE_PATH) == before
    for form in _stale_forms(before[2]):
        response = client.patch(
            PLEDGE_PATH, json=patch, headers=auth(tokens["write"], **{"If-Match": form})
        )
        refused(response, 412, CHANGED)
        assert snapshot(client, PLEDGE_PATH) == before, form


@pytest.mark.parametrize(
    "form",
    [
        lambda tag: tag,
        lambda tag: f"  {tag} ",
        lambda tag: f'"stale", {tag}',
        lambda tag: f'{tag},"stale"',
        lambda tag: "*",
        lambda tag: " * ",
    ],
)
def test_patch_accepted_for_the_current_etag_in_any_list_or_star(api, form):
    client, tokens = api
    tag = client.get(PLEDGE_PATH).headers["etag"]
    response = client.patch(
        PLEDGE_PATH,
        json={"status": "in_progress"},
        headers=auth(tokens["write"], **{"If-Match": form(tag)}),
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "in_progress"
    assert response.headers["etag"] != tag
    after = client.get(PLEDGE_PATH, headers={"Cache-Control": "no-cache"})
    assert after.json()["status"] == "in_progress"
    assert after.headers["etag"] == response.headers["etag"]


def test_delete_with_a_stale_etag_is_refused_and_deletes_nothing(api):
    client, tokens = api
    before = snapshot(client, PLEDGE_PATH)
    for form in _stale_forms(before[2]):
        response = client.delete(PLEDGE_PATH, headers=auth(tokens["admin"], **{"If-Match": form}))
        refused(response, 412, CHANGED)
        assert snapshot(client, PLEDGE_PATH) == before, form
    deleted = client.delete(PLEDGE_PATH, headers=auth(tokens["admin"], **{"If-Match": before[2]}))
    assert deleted.status_code == 204, deleted.text
    assert client.get(PLEDGE_PATH).status_code == 404
    (last, *_) = client.get("/api/v1/changes", params={"record": "example-pledge"}).json()["items"]
    assert (last["action"], last["key_name"], last["after"]) == ("delete", "admin-key", None)


@pytest.mark.parametrize("if_match", [None, " * "])
def test_delete_without_if_match_or_with_star_deletes(api, if_match):
    client, tokens = api
    headers = auth(tokens["admin"], **({"If-Match": if_match} if if_match else {}))
    before = client.get(PLEDGE_PATH).json()
    deleted = client.delete(PLEDGE_PATH, headers=headers)
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert client.get(PLEDGE_PATH).status_code == 404
    (last, *_) = client.get("/api/v1/changes", params={"record": "example-pledge"}).json()["items"]
    assert (last["action"], last["before"]["title"], last["after"]) == (
        "delete",
        before["title"],
        None,
    )


def test_idempotency_key_reused_for_another_body_is_refused(api):
    client, tokens = api
    headers = auth(tokens["write"], **{"Idempotency-Key": "k-1"})
    first = client.post("/api/v1/pledges", json=NEW_PLEDGE, headers=headers)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    replay = client.post("/api/v1/pledges", json=NEW_PLEDGE, headers=headers)
    assert (replay.status_code, replay.headers["idempotent-replayed"]) == (201, "true")
    assert (replay.json(), replay.headers["etag"]) == (first.json(), first.headers["etag"])
    before = snapshot(client, "/api/v1/pledges/other-pledge")
    other = client.post(
        "/api/v1/pledges", json=NEW_PLEDGE | {"id": "other-pledge"}, headers=headers
    )
    refused(other, 422, "Idempotency-Key was already used for a different request; use a new key")
    assert snapshot(client, "/api/v1/pledges/other-pledge") == before


def test_idempotency_keys_belong_to_one_api_key(api):
    client, tokens = api
    mine = client.post(
        "/api/v1/pledges",
        json=NEW_PLEDGE,
        headers=auth(tokens["write"], **{"Idempotency-Key": "k"}),
    )
    theirs = client.post(
        "/api/v1/pledges",
        json=NEW_PLEDGE | {"id": "their-pledge"},
        headers=auth(tokens["admin"], **{"Idempotency-Key": "k"}),
    )
    assert (mine.status_code, theirs.status_code) == (201, 201), theirs.text
    assert "idempotent-replayed" not in theirs.headers
    assert client.get("/api/v1/pledges/their-pledge").json()["id"] == "their-pledge"


def test_a_concurrent_request_with_the_same_idempotency_key_is_a_409(api, monkeypatch):
    """Another request stores the same key between this one's look-up and its own store:
    this one is refused as a whole, and a retry then succeeds."""
    client, tokens = api
    real_create = store.create

    def racing(connection, kind, data, key_name, sources_dir):
        created = real_create(connection, kind, data, key_name, sources_dir)
        key_id = connection.scalar(select(m.ApiKey.id).where(m.ApiKey.name == key_name))
        row = {"key": "race", "api_key_id": key_id, "request_hash": "0" * 64, "status": 201}
        now = dt.datetime.now(dt.UTC)
        connection.execute(insert(m.IdempotentRequest).values(**row, body="{}", created_at=now))
        return created

    path = "/api/v1/pledges/new-pledge"
    before = snapshot(client, path)
    headers = auth(tokens["write"], **{"Idempotency-Key": "race"})
    monkeypatch.setattr(store, "create", racing)
    response = client.post("/api/v1/pledges", json=NEW_PLEDGE, headers=headers)
    refused(response, 409, "The same Idempotency-Key is being used by a concurrent request")
    assert snapshot(client, path) == before
    monkeypatch.setattr(store, "create", real_create)
    retried = client.post("/api/v1/pledges", json=NEW_PLEDGE, headers=headers)
    assert retried.status_code == 201, retried.text
    assert client.get(path).json()["title"] == NEW_PLEDGE["title"]


def test_a_patched_quote_is_checked_against_its_source(api):
    client, tokens = api
    before = snapshot(client, PLEDGE_PATH)
    cite = [{"source": "wmr-2024-ch8", "quote": "words the chapter never says"}]
    response = client.patch(
        PLEDGE_PATH, json={"cite": cite}, headers=auth(tokens["write"], **{"If-Match": before[2]})
    )
    assert response.status_code == 422, response.text
    assert "quote not found in 004_7eed26272a734672.txt" in response.json()["detail"]
    assert snapshot(client, PLEDGE_PATH) == before


def test_a_positions_etag_is_the_one_its_patch_takes(api):
    client, tokens = api
    path = "/api/v1/positions/gomez-camacho-pr-mexico"
    tag = client.get(path).headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', tag)
    response = client.patch(
        path, json={"date": "2017-02-16"}, headers=auth(tokens["write"], **{"If-Match": tag})
    )
    assert response.status_code == 200, response.text
    after = client.get(path, headers={"Cache-Control": "no-cache"})
    assert after.json()["date"]["edtf"] == "2017-02-16"
    assert after.headers["etag"] == response.headers["etag"] != tag


def test_record_etags_are_those_of_the_records_asked_for(api):
    client, tokens = api
    created = client.post("/api/v1/pledges", json=NEW_PLEDGE, headers=auth(tokens["write"]))
    assert created.status_code == 201, created.text
    with client.app.state.db.engine.connect() as connection:
        tags = record_etags(connection, "pledges", ["example-pledge", "no-such-pledge"])
    assert tags == {"example-pledge": client.get(PLEDGE_PATH).headers["etag"]}
