"""Rendered GET responses are reused while the data is unchanged, and never after a change."""

from __future__ import annotations

from app.core.db import make_engine, make_sessionmaker, unit_of_work
from app.records import store
from app.seeding.exporter import as_data
from tests.api.test_writes import PLEDGE, api, auth

__all__ = ["api"]

URL = "/api/v1/pledges?objective=7"


def test_get_has_an_etag_and_if_none_match_gets_304(api):
    client, _ = api
    first = client.get(URL)
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "no-cache"
    again = client.get(URL, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    other = client.get(URL, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200
    assert other.content == first.content


def test_a_write_is_seen_by_the_next_read(api):
    client, tokens = api
    before = client.get(URL)
    created = client.post("/api/v1/pledges", json=PLEDGE, headers=auth(tokens["write"]))
    assert created.status_code == 201
    after = client.get(URL, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert PLEDGE["id"] in [p["id"] for p in after.json()["items"]]
    assert after.headers["etag"] != before.headers["etag"]


def test_a_change_by_another_process_is_seen(api):
    """Another connection (a second worker, `mgt import`) changes a title, which bumps the
    data version this process's cache reads."""
    client, _ = api
    first = client.get(URL).json()["items"][0]
    engine = make_engine(client.app.state.db.engine.url.render_as_string(False))
    with unit_of_work(make_sessionmaker(engine)) as session:
        connection = session.connection()
        before = as_data(store.read_one(connection, "pledges", first["id"]))
        renamed = {**before, "title": "Renamed"}
        store.replace(connection, "pledges", first["id"], renamed, "other", None, before=before)
    engine.dispose()
    assert client.get(URL).json()["items"][0]["title"] == "Renamed"


def test_no_cache_renders_afresh_and_credentials_bypass(api):
    client, tokens = api
    first = client.get(URL)
    fresh = client.get(URL, headers={"Cache-Control": "no-cache"})
    assert fresh.content == first.content
    with_key = client.get(URL, headers=auth(tokens["write"]))
    assert with_key.status_code == 200
    assert "etag" not in with_key.headers


def test_a_records_own_etag_is_kept_and_never_answers_304(api):
    """A meeting's ETag is the record's (for If-Match on PATCH); what the page shows of its
    participants can change without it, so it never makes a 304."""
    client, _ = api
    meeting_id = client.get("/api/v1/meetings").json()["items"][0]["id"]
    first = client.get(f"/api/v1/meetings/{meeting_id}")
    again = client.get(
        f"/api/v1/meetings/{meeting_id}", headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 200
    assert again.headers["etag"] == first.headers["etag"]
