"""Fixtures: every database test runs on SQLite and on PostgreSQL, each on a fresh database.

PostgreSQL is reached at MGT_TEST_POSTGRES_URL (default: the local server, database ``test``).
Outside CI an unreachable server skips its tests with the reason; under CI=true it fails.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.api.timeline_query import render, render_details
from app.core import migrate
from app.core.config import PROJECT_ROOT, Settings, get_settings
from app.core.db import make_engine
from app.main import create_app
from app.models import ActorEvent, DocumentMention, Event, RenderedDocument, RenderedEvent
from app.records import documents, rendered
from app.records.etags import record_etags
from app.seeding.loader import load

POSTGRES_URL = os.environ.get(
    "MGT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
FIXTURE_SEEDS = Path(__file__).parent / "fixtures" / "seeds"
SOURCES_DIR = get_settings().sources_dir
ENGINES = ["sqlite", "postgresql"]


def require_sources() -> None:
    """Skip (fail under CI) a test that needs the source documents when they are absent."""
    if not SOURCES_DIR.is_dir():
        message = f"source documents not found at {SOURCES_DIR} (set MGT_SOURCES_DIR)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


def _postgres_admin_url() -> str:
    try:
        engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except OperationalError as error:
        reason = f"PostgreSQL unreachable at {POSTGRES_URL}: {error.orig}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI=true: PostgreSQL tests must run)", pytrace=False)
        pytest.skip(reason)
    return POSTGRES_URL


def _fresh_database(kind: str, tmp_path: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / f'{uuid.uuid4().hex}.sqlite3'}"
        return
    admin_url = _postgres_admin_url()
    name = f"mgt_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        admin.dispose()  # a test may have restarted the server: drop over a new connection
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=ENGINES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each engine, dropped after the test."""
    yield from _fresh_database(request.param, tmp_path)


@pytest.fixture
def migrated_url(db_url: str) -> str:
    migrate.upgrade(db_url)
    return db_url


def seeded(kind: str, tmp_path: Path, seeds: Path) -> Iterator[str]:
    for url in _fresh_database(kind, tmp_path):
        migrate.upgrade(url)
        engine = make_engine(url)
        with engine.begin() as connection:
            load(connection, seeds, SOURCES_DIR)
        engine.dispose()
        yield url


@pytest.fixture(scope="module", params=ENGINES)
def fixture_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database holding the small test dataset, shared by one module's read-only tests."""
    yield from seeded(request.param, tmp_path_factory.mktemp("db"), FIXTURE_SEEDS)


@pytest.fixture(scope="module", params=ENGINES)
def dataset_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database holding the real dataset in seeds/, for read-only tests."""
    yield from seeded(request.param, tmp_path_factory.mktemp("db"), PROJECT_ROOT / "seeds")


def client_for(url: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=url)), raise_server_exceptions=False) as c:
        yield c
    assert_rendered_current(url)


def assert_rendered_current(url: str) -> None:
    """Whatever the tests wrote, each event's stored timeline JSON and ETag, each actor's
    events with their dates, and each stored document with the ids it mentions, equal a
    fresh rendering."""
    engine = make_engine(url)
    with engine.connect() as connection, Session(bind=connection) as session:
        r = RenderedEvent
        rows = session.execute(select(r.event_id, r.body, r.detail, r.etag))
        stored = {i: (b, d, t) for i, b, d, t in rows}
        ids = list(session.scalars(select(Event.id)))
        tags = record_etags(connection, "events", ids)
        details = render_details(session, ids)
        fresh = {i: (b, details[i], tags[i]) for i, b in render(session, ids).items()}
        stale = sorted(i for i in fresh.keys() | stored.keys() if fresh.get(i) != stored.get(i))
        assert not stale, f"stored timeline JSON out of date for {stale[:5]}"
        a = ActorEvent
        kept_actors = set(session.execute(select(*a.__table__.c)))
        derived = set(session.execute(rendered.actor_events()))
        assert kept_actors == derived, (
            f"actor_events out of date: {sorted(kept_actors ^ derived)[:5]}"
        )
        for kind, spec in documents.kinds().items():
            d, mention = RenderedDocument, DocumentMention
            query = select(d.key, d.body, d.etag).where(d.kind == kind)
            kept = {key: (body, etag) for key, body, etag in session.execute(query)}
            made = documents.render(session, kind, list(connection.execute(spec.keys).scalars()))
            stale = sorted(k for k in made.keys() | kept.keys() if made.get(k) != kept.get(k))
            assert not stale, f"stored {kind} documents out of date for {stale[:5]}"
            mentioned = select(mention.key, mention.ref).where(mention.kind == kind)
            refs = {(key, ref) for key, ref in session.execute(mentioned)}
            shown = {
                (k, ref) for k, (body, _) in made.items() for ref in documents.mentioned(k, body)
            }
            assert refs == shown, f"{kind} mentions out of date: {sorted(refs ^ shown)[:5]}"
    engine.dispose()


@pytest.fixture(scope="module")
def client(fixture_db: str) -> Iterator[TestClient]:
    yield from client_for(fixture_db)


@pytest.fixture(scope="module")
def dataset_client(dataset_db: str) -> Iterator[TestClient]:
    yield from client_for(dataset_db)
