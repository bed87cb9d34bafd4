"""Backups that restore: the write API refuses what the loader would refuse, so an export
always loads; a full backup (`mgt backup`) brings back the records, the audit log and the
API keys into an empty database. On SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app import models as m
from app.cli import main
from app.core.config import get_settings
from app.core.db import make_engine, make_sessionmaker, unit_of_work
from app.models import migrate
from app.records.auth import create_key, revoke_key
from app.records.loader import load, seeded_tables
from app.seeding.exporter import export
from tests.conftest import FIXTURE_SEEDS, SOURCES_DIR, _fresh_database, client_for, seeded


def cite(n: int = 1) -> list[dict[str, str]]:
    return [{"source": "gfmd-org-greece2009", "locator": f"para {n}"}]


@pytest.fixture(params=["sqlite", "postgresql"])
def api(request, tmp_path) -> Iterator[tuple[TestClient, str, dict[str, str]]]:
    """A client over a fresh copy of the test dataset, its URL, and an admin key's header."""
    for url in seeded(request.param, tmp_path, FIXTURE_SEEDS):
        engine = make_engine(url)
        with unit_of_work(make_sessionmaker(engine)) as session:
            token = create_key(session, "curator", "admin")
        engine.dispose()
        for client in client_for(url):
            yield client, url, {"Authorization": f"Bearer {token}"}


def _etag(client: TestClient, path: str) -> str:
    return str(client.get(path, headers={"Cache-Control": "no-cache"}).headers["etag"])


def _patch(client: TestClient, path: str, headers: dict[str, str], change: Any) -> Any:
    return client.patch(path, json=change, headers={**headers, "If-Match": _etag(client, path)})


def _conflict_naming(response: Any, other: str) -> dict[str, Any]:
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert f"'{other}'" in body["detail"], body
    return body


class TestLoaderRulesOnWrites:
    @pytest.mark.parametrize(
        ("name", "acronym", "aliases", "owner"),
        [
            ("Mexico", None, [], "mexico"),
            ("MEXICO", None, [], "mexico"),
            ("Another body", "iom", [], "iom"),
            ("Another body", None, ["The UN Migration Agency"], "iom"),
            ("International Organization for Migration", None, [], "iom"),
        ],
    )
    def test_create_with_a_name_another_actor_has_is_409(self, api, name, acronym, aliases, owner):
        client, _, headers = api
        actor = {"id": "mexico-again", "name": name, "kind": "state", "cite": cite()}
        actor |= {"acronym": acronym} if acronym else {}
        body = _conflict_naming(
            client.post("/api/v1/actors", json={**actor, "aliases": aliases}, headers=headers),
            owner,
        )
        assert body["errors"][0]["record"] == {"kind": "actor", "id": owner}
        assert client.get("/api/v1/actors/mexico-again").status_code == 404

    def test_an_actor_may_repeat_its_own_names_and_take_near_duplicates(self, api):
        client, _, headers = api
        actor = {"id": "mexico-city", "name": "Mexico City", "kind": "local_government"}
        created = client.post(
            "/api/v1/actors",
            json={**actor, "aliases": ["Mexico City", "CDMX"], "acronym": "CDMX", "cite": cite()},
            headers=headers,
        )
        assert created.status_code == 201, created.text
        stored = client.get("/api/v1/actors/mexico-city").json()
        assert (stored["aliases"], stored["acronym"]) == (["Mexico City", "CDMX"], "CDMX")
        renamed = _patch(
            client, "/api/v1/actors/mexico", headers, {"aliases": ["MEXICO", "Méjico"]}
        )
        assert renamed.status_code == 200, renamed.text
        assert client.get("/api/v1/actors/mexico").json()["aliases"] == ["MEXICO", "Méjico"]

    def test_patch_to_a_name_another_actor_has_is_409(self, api):
        client, _, headers = api
        response = _patch(client, "/api/v1/actors/mexico", headers, {"aliases": ["IOM"]})
        _conflict_naming(response, "iom")
        assert client.get("/api/v1/actors/mexico").json().get("aliases") in (None, [])

    def test_overlapping_post_of_the_same_person_is_409(self, api):
        client, _, headers = api
        post = {
            "id": "gomez-camacho-pr-again",
            "person": "juan-jose-gomez-camacho",
            "title": "Permanent Representative of Mexico to the United Nations",
            "organization": "mexico",
            "date": "2016/2018",
            "cite": cite(),
        }
        _conflict_naming(
            client.post("/api/v1/positions", json=post, headers=headers), "gomez-camacho-pr-mexico"
        )
        later = {**post, "date": "2019/2021"}
        assert client.post("/api/v1/positions", json=later, headers=headers).status_code == 201
        moved = _patch(
            client, "/api/v1/positions/gomez-camacho-pr-again", headers, {"date": "2017"}
        )
        _conflict_naming(moved, "gomez-camacho-pr-mexico")

    def test_a_parent_cycle_is_409(self, api):
        client, _, headers = api
        for ident, parent in (("body-a", None), ("body-b", "body-a")):
            actor = {"id": ident, "name": ident.upper(), "kind": "igo", "cite": cite()}
            actor |= {"parent": parent} if parent else {}
            assert client.post("/api/v1/actors", json=actor, headers=headers).status_code == 201
        body = _conflict_naming(
            _patch(client, "/api/v1/actors/body-a", headers, {"parent": "body-b"}), "body-b"
        )
        assert "cycle" in body["detail"]
        assert (
            _patch(client, "/api/v1/actors/body-a", headers, {"parent": "body-a"}).status_code
            == 200
        )
        meeting = {"id": "loop-session", "title": "A session", "kind": "session", "parent": "cm-15"}
        created = client.post(
            "/api/v1/events", json={**meeting, "date": "2017", "cite": cite()}, headers=headers
        )
        assert created.status_code == 201, created.text
        _conflict_naming(
            _patch(client, "/api/v1/events/cm-15", headers, {"parent": "loop-session"}),
            "loop-session",
        )

    def test_deleting_what_a_dispute_is_about_is_409(self, api):
        client, _, headers = api
        assert client.delete("/api/v1/events/cm-15.s3", headers=headers).status_code == 204
        body = _conflict_naming(
            client.delete("/api/v1/events/cm-15", headers=headers), "gfmd-2010-host"
        )
        assert body["errors"][0]["record"] == {"kind": "dispute", "id": "gfmd-2010-host"}
        assert client.get("/api/v1/events/cm-15").status_code == 200


def _write_burst(
    client: TestClient, headers: dict[str, str], count: int, seed: int
) -> dict[int, int]:
    """``count`` random writes of every kind, a quarter of them meant to collide; every answer
    is a success or a clean 409/422 (never a 5xx). Returns how many of each status."""
    rng = random.Random(seed)
    actors = ["iom", "mexico", "juan-jose-gomez-camacho"]
    names = ["International Organization for Migration", "Mexico", "IOM", "the UN Migration Agency"]
    pledges, events = ["example-pledge"], ["cm-15", "gfmd-2009"]
    statuses: dict[int, int] = {}
    body: dict[str, Any]
    for n in range(count):
        action = rng.choice(
            [
                "actor",
                "actor",
                "alias",
                "pledge",
                "pledge_patch",
                "event",
                "position",
                "citation",
                "participant",
                "delete",
            ]
        )
        if action in ("pledge_patch", "delete") and not pledges:
            action = "pledge"
        if action == "actor":
            ident = f"burst-actor-{n}"
            base = rng.choice(names)
            name = rng.choice([base.upper(), base.lower(), base + " Office", f"Body {n}", base])
            body = {
                "id": ident,
                "name": name,
                "kind": rng.choice(["igo", "cso", "state"]),
                "cite": cite(n),
            }
            if rng.random() < 0.3:
                body["parent"] = rng.choice(actors)
            response = client.post("/api/v1/actors", json=body, headers=headers)
            if response.status_code == 201:
                actors.append(ident)
                names.append(name)
        elif action == "alias":
            target = rng.choice(actors)
            alias = rng.choice([rng.choice(names).swapcase(), f"alias {n}"])
            response = _patch(client, f"/api/v1/actors/{target}", headers, {"aliases": [alias]})
            if response.status_code == 200:
                names.append(alias)
        elif action == "pledge":
            ident = f"burst-pledge-{n}"
            body = {
                "id": ident,
                "title": rng.choice(["=1+1", f"Pledge {n}", "-2 children", "@home"]),
                "pledgers": rng.sample(actors, k=min(len(actors), rng.randint(1, 2))),
                "objectives": rng.sample([1, 7], k=rng.randint(0, 2)),
                "date": rng.choice(["2019", "2022-05", "2021-21", "202X", "2018~", "2020/2022"]),
                "cite": cite(n),
            }
            response = client.post("/api/v1/pledges", json=body, headers=headers)
            if response.status_code == 201:
                pledges.append(ident)
        elif action == "pledge_patch":
            change = {
                "status": rng.choice(["planned", "in_progress", "fulfilled"]),
                "title": f"Changed {n}",
            }
            response = _patch(client, f"/api/v1/pledges/{rng.choice(pledges)}", headers, change)
        elif action == "event":
            ident = f"burst-event-{n}"
            body = {
                "id": ident,
                "title": f"Meeting {n}",
                "kind": rng.choice(["meeting", "session", "workshop"]),
                "date": rng.choice(["2017-02-16", "2019-12", "2023"]),
                "participants": [
                    {"actor": a, "role": rng.choice(["speaker", "chair"]), "cite": cite(n)}
                    for a in rng.sample(actors, k=2)
                ],
                "cite": cite(n),
            }
            if rng.random() < 0.3:
                body["parent"] = rng.choice(events)
            response = client.post("/api/v1/events", json=body, headers=headers)
            if response.status_code == 201:
                events.append(ident)
        elif action == "position":
            body = {
                "id": f"burst-post-{n}",
                "person": "juan-jose-gomez-camacho",
                "title": rng.choice(["Ambassador", "Co-facilitator"]),
                "date": str(rng.randint(2010, 2024)),
                "cite": cite(n),
            }
            response = client.post("/api/v1/positions", json=body, headers=headers)
        elif action == "citation":
            subject = rng.choice(
                [
                    ("actor", rng.choice(actors)),
                    ("theme", "governance"),
                    ("source", "wmr-2024-ch8"),
                    ("provision", "gcm.objective.7"),
                ]
            )
            body = {"subject": {"kind": subject[0], "id": subject[1]}, **cite(1000 + n)[0]}
            response = client.post("/api/v1/citations", json=body, headers=headers)
        elif action == "participant":
            body = {
                "event": rng.choice(events),
                "actor": rng.choice(actors),
                "role": "attendee",
                "cite": cite(n),
            }
            response = client.post("/api/v1/participations", json=body, headers=headers)
        else:
            victim = rng.choice(pledges)
            response = client.delete(f"/api/v1/pledges/{victim}", headers=headers)
            if response.status_code == 204:
                pledges.remove(victim)
        assert response.status_code < 500, (action, response.text)
        if response.status_code >= 400:
            assert response.status_code in (409, 422), (action, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    return statuses


def _files(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def _seeded_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table the seed files fill, but for citations' ordinals (their
    order in the whole dataset, renumbered by a load; the order per record is kept)."""
    engine = make_engine(url)
    with engine.connect() as connection:
        rows = {
            table.name: sorted(
                (
                    tuple(repr(v) for c, v in row._mapping.items() if c != "ordinal")
                    for row in connection.execute(select(table))
                ),
            )
            for table in seeded_tables()
        }
    engine.dispose()
    return rows


def test_burst_of_writes_then_export_loads_into_an_empty_database_identically(api, tmp_path):
    client, url, headers = api
    statuses = _write_burst(client, headers, 200, seed=13)
    assert statuses.get(409, 0) >= 10, statuses  # near-duplicates were tried and refused
    assert sum(n for s, n in statuses.items() if s < 300) >= 100, statuses
    engine = make_engine(url)
    with engine.connect() as connection:
        export(connection, tmp_path / "first")
    engine.dispose()
    kind = "sqlite" if url.startswith("sqlite") else "postgresql"
    for empty in _fresh_database(kind, tmp_path):
        migrate.upgrade(empty)
        engine = make_engine(empty)
        with engine.begin() as connection:
            load(connection, tmp_path / "first", SOURCES_DIR)
        with engine.connect() as connection:
            export(connection, tmp_path / "second")
        engine.dispose()
        assert _seeded_rows(empty) == _seeded_rows(url)
    assert _files(tmp_path / "first") == _files(tmp_path / "second")
    exported = (tmp_path / "first" / "actors.yaml").read_text(encoding="utf-8")
    assert "burst-actor-" in exported


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    def use(url: str) -> None:
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.setenv("MGT_SEEDS_DIR", str(FIXTURE_SEEDS))
        get_settings.cache_clear()

    yield use
    get_settings.cache_clear()


def _admin_state(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    with engine.connect() as connection:
        changes = [
            (
                c.id,
                c.key_name,
                c.action,
                c.kind,
                c.record_id,
                c.before,
                c.after,
                c.at.replace(tzinfo=None),
            )
            for c in connection.execute(select(m.Change).order_by(m.Change.id))
        ]
        keys = [
            (k.id, k.name, k.scope, k.token_hash, k.revoked_at is not None)
            for k in connection.execute(select(m.ApiKey).order_by(m.ApiKey.id))
        ]
        replays = [
            (r.key, r.api_key_id, r.request_hash, r.status, r.body)
            for r in connection.execute(
                select(m.IdempotentRequest).order_by(m.IdempotentRequest.key)
            )
        ]
    engine.dispose()
    return {"changes": changes, "keys": keys, "replays": replays}


def test_full_backup_restores_records_audit_log_and_keys(api, tmp_path, cli_env, capsys):
    client, url, headers = api
    _write_burst(client, headers, 40, seed=7)
    replayed = client.post(
        "/api/v1/pledges",
        json={"id": "kept-pledge", "title": "Kept", "pledgers": ["mexico"], "cite": cite()},
        headers={**headers, "Idempotency-Key": "kept-1"},
    )
    assert replayed.status_code == 201
    engine = make_engine(url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        revoked = create_key(session, "former", "write")
        revoke_key(session, "former")
    engine.dispose()
    before = _admin_state(url)
    assert len(before["changes"]) > 30
    assert len(before["keys"]) == 2
    assert before["replays"]

    cli_env(url)
    assert main(["backup", str(tmp_path / "backup")]) == 0
    assert "changes" in capsys.readouterr().out
    backup = _files(tmp_path / "backup")
    assert headers["Authorization"].split()[1] not in str(backup)  # hashes only, no token

    kind = "sqlite" if url.startswith("sqlite") else "postgresql"
    for empty in _fresh_database(kind, tmp_path):
        cli_env(empty)
        assert main(["restore", str(tmp_path / "backup")]) == 0
        assert main(["restore", str(tmp_path / "backup")]) == 1  # only into an empty database
        assert "empty" in capsys.readouterr().err
        assert _admin_state(empty) == before
        assert main(["backup", str(tmp_path / "again")]) == 0
        assert _files(tmp_path / "again") == backup
        for restored in client_for(empty):
            assert (
                restored.get("/api/v1/changes?limit=500").json()["items"]
                == client.get("/api/v1/changes?limit=500").json()["items"]
            )
            # the restored key still writes; the revoked one still does not
            created = restored.post(
                "/api/v1/actors",
                json={
                    "id": "after-restore",
                    "name": "After restore",
                    "kind": "other",
                    "cite": cite(),
                },
                headers=headers,
            )
            assert created.status_code == 201, created.text
            assert (
                restored.post(
                    "/api/v1/actors",
                    json={"id": "x", "name": "X", "kind": "other", "cite": cite()},
                    headers={"Authorization": f"Bearer {revoked}"},
                ).status_code
                == 401
            )
            again = restored.post(
                "/api/v1/pledges",
                json={"id": "kept-pledge", "title": "Kept", "pledgers": ["mexico"], "cite": cite()},
                headers={**headers, "Idempotency-Key": "kept-1"},
            )
            assert again.headers.get("idempotent-replayed") == "true"
            log = restored.get("/api/v1/changes", params={"record": "after-restore"}).json()
            assert [c["action"] for c in log["items"]] == ["create"]
            assert log["items"][0]["id"] > before["changes"][-1][0]
        cli_env(url)
