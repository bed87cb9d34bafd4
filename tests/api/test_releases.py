"""What the data rests on, in a header and at /meta; releases, their bundles and change lists."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app import models as m
from app.core.db import make_engine, make_sessionmaker, unit_of_work
from app.core.errors import Conflict
from app.records.auth import create_key
from app.releases.bundle import make_release
from app.seeding.content import files_hash, schema_revision
from app.seeding.exporter import export
from tests.conftest import FIXTURE_SEEDS, SOURCES_DIR, client_for, seeded

CITE = [
    {"source": "wmr-2024-ch8", "quote": "Pledges are measurable commitments made by Member States"}
]


@pytest.fixture(params=["sqlite", "postgresql"])
def api(request, tmp_path) -> Iterator[tuple[TestClient, str, str]]:
    for url in seeded(request.param, tmp_path, FIXTURE_SEEDS):
        engine = make_engine(url)
        with unit_of_work(make_sessionmaker(engine)) as session:
            token = create_key(session, "curator", "write")
        engine.dispose()
        for client in client_for(url):
            yield client, url, token


def _release(url: str, name: str, directory: Path) -> Any:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            return make_release(connection, name, directory, SOURCES_DIR)
    finally:
        engine.dispose()


def _pledge(client: TestClient, token: str, ident: str) -> None:
    body = {"id": ident, "title": f"Pledge {ident}", "pledgers": ["mexico"], "objectives": [7]}
    response = client.post(
        "/api/v1/pledges", json=body | {"cite": CITE}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201, response.text


def _header(client: TestClient) -> str:
    value: str = client.get("/api/v1/timeline", params={"limit": 1}).headers["mgt-data-release"]
    return value


def test_seed_load_is_the_basis_with_the_seed_files_hash(api):
    client, url, _ = api
    engine = make_engine(url)
    with engine.connect() as connection:
        expected = files_hash(FIXTURE_SEEDS, schema_revision(connection))
    engine.dispose()
    meta = client.get("/api/v1/meta").json()
    assert meta["basis"]["kind"] == "seeds"
    assert meta["basis"]["content_hash"] == expected
    assert meta["basis"]["changes_since"] == 0
    assert meta["latest_release"] is None
    assert meta["header"] == f"seeds; sha256={expected[:16]}; changes-since=0"
    assert _header(client) == meta["header"]
    assert client.get("/api/v1/actors/mexico").headers["mgt-data-release"] == meta["header"]


def test_meta_counts_every_kind(api):
    client, url, _ = api
    counts = client.get("/api/v1/meta").json()["counts"]
    engine = make_engine(url)
    with engine.connect() as connection:
        for kind, model in {"actors": m.Actor, "citations": m.Citation, "events": m.Event}.items():
            stored = connection.execute(select(func.count()).select_from(model)).scalar_one()
            assert counts[kind] == stored
    engine.dispose()


def test_changes_since_the_basis_are_counted_and_listed(api):
    client, _, token = api
    _pledge(client, token, "after-load")
    meta = client.get("/api/v1/meta").json()
    assert meta["basis"]["changes_since"] == 1
    assert meta["header"].endswith("changes-since=1")
    assert _header(client) == meta["header"]
    listed = client.get(meta["basis"]["changes_url"]).json()["items"]
    assert [(c["kind"], c["record_id"]) for c in listed] == [("pledges", "after-load")]


def test_releases_list_what_changed_since_the_one_before(api, tmp_path):
    client, url, token = api
    first = _release(url, "2026-11", tmp_path)
    assert first.changes is None
    meta = client.get("/api/v1/meta").json()
    assert meta["basis"]["kind"] == "release"
    assert meta["basis"]["name"] == "2026-11"
    assert meta["basis"]["content_hash"] == first.content_hash
    assert _header(client) == f"2026-11; sha256={first.content_hash[:16]}; changes-since=0"

    _pledge(client, token, "in-second")
    etag = client.get("/api/v1/pledges/in-second").headers["etag"]
    headers = {"Authorization": f"Bearer {token}", "If-Match": etag}
    changed = client.patch("/api/v1/pledges/in-second", json={"title": "Renamed"}, headers=headers)
    assert changed.status_code == 200, changed.text
    detail = client.get("/api/v1/releases/2026-11").json()
    assert detail["changes_since"] == 2
    assert [c["action"] for c in client.get(detail["changes_url"]).json()["items"]] == [
        "create",
        "update",
    ]

    second = _release(url, "2026-12", tmp_path)
    assert second.previous == "2026-11"
    assert second.changes == {"added": {"pledges": ["in-second"]}, "changed": {}, "removed": {}}
    listed = client.get("/api/v1/releases").json()["items"]
    assert [r["name"] for r in listed] == ["2026-12", "2026-11"]
    assert listed[0]["summary"] == {"added": 1, "changed": 0, "removed": 0}
    assert listed[0]["counts"]["pledges"] == listed[1]["counts"]["pledges"] + 1
    got = client.get("/api/v1/releases/2026-12").json()
    assert got["changes"]["added"] == {"pledges": ["in-second"]}
    assert got["changes_since"] == 0
    assert "2026-12; sha256=" in _header(client)


def test_a_bundle_checks_and_its_database_holds_its_seed_files(api, tmp_path):
    _, url, _ = api
    made = _release(url, "r1", tmp_path)
    bundle = made.directory
    for line in (bundle / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((bundle / name).read_bytes()).hexdigest() == digest
    assert files_hash(bundle / "seeds", schema_revision_of(url)) == made.content_hash
    copy = make_engine(f"sqlite:///{bundle / 'mgt.sqlite3'}")
    with copy.connect() as connection:
        export(connection, tmp_path / "again")
        assert connection.execute(select(func.count()).select_from(m.ApiKey)).scalar_one() == 0
    copy.dispose()
    for path in (bundle / "seeds").iterdir():
        assert (tmp_path / "again" / path.name).read_bytes() == path.read_bytes()


def schema_revision_of(url: str) -> str | None:
    engine = make_engine(url)
    with engine.connect() as connection:
        revision = schema_revision(connection)
    engine.dispose()
    return revision


def test_a_release_name_is_used_once(api, tmp_path):
    _, url, _ = api
    _release(url, "once", tmp_path)
    with pytest.raises(Conflict, match="exists already"):
        _release(url, "once", tmp_path / "elsewhere")


def test_unknown_release_is_404_and_a_bad_name_422(api):
    client, _, _ = api
    missing = client.get("/api/v1/releases/never")
    assert missing.status_code == 404
    assert "never" in missing.json()["detail"]
    assert client.get("/api/v1/releases/bad%20name").status_code == 422
