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
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from app import readmodel
from app.core import migrate
from app.core.config import PROJECT_ROOT, Settings, get_settings
from app.core.db import make_engine
from app.main import create_app
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
    """Whatever the tests wrote, every projection of the read model (search index, timeline
    items, actor events, stored documents, data version) equals a fresh rendering."""
    engine = make_engine(url)
    with engine.connect() as connection:
        differences = readmodel.check(connection, versions=False)
    engine.dispose()
    assert not differences, "read model out of step:\n" + "\n".join(differences)


@pytest.fixture(scope="module")
def client(fixture_db: str) -> Iterator[TestClient]:
    yield from client_for(fixture_db)


@pytest.fixture(scope="module")
def dataset_client(dataset_db: str) -> Iterator[TestClient]:
    yield from client_for(dataset_db)
