"""Fixtures: every database test runs on SQLite and on PostgreSQL, each on a fresh database.

PostgreSQL is reached at MGT_TEST_POSTGRES_URL (default: the local server, database ``test``).
Outside CI an unreachable server skips its tests with the reason; under CI=true it fails.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from app import readmodel
from app.api import pledges, timeline_query
from app.core.config import PROJECT_ROOT, Settings, get_settings
from app.core.db import make_engine, make_sessionmaker, unit_of_work
from app.main import create_app
from app.models import migrate
from app.records.auth import create_key
from app.records.loader import load

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


# Per process, as a mutation run forks test sessions from one process: the server's admin
# engine (or why the server is unreachable), and one thread dropping the tests' databases.
_ADMIN: dict[int, Engine | str] = {}
_DROPPERS: dict[int, ThreadPoolExecutor] = {}
_DROPS: list[Future[None]] = []


def _postgres_admin() -> Engine:
    """One AUTOCOMMIT engine on the server, whose pool checks each connection before use (a
    test may have restarted the server). Reachability is asked once; an unreachable server
    then skips every PostgreSQL test, or under CI=true fails it."""
    if os.getpid() not in _ADMIN:
        engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            _ADMIN[os.getpid()] = engine
        except OperationalError as error:
            engine.dispose()
            _ADMIN[os.getpid()] = f"PostgreSQL unreachable at {POSTGRES_URL}: {error.orig}"
    if isinstance(reason := _ADMIN[os.getpid()], str):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI=true: PostgreSQL tests must run)", pytrace=False)
        pytest.skip(reason)
    return reason


def _drop(admin: Engine, name: str) -> None:
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _drop_soon(admin: Engine, name: str) -> None:
    """Drop the database on a thread of its own while the next test runs (a drop waits for
    the server to remove its files); _drop_templates waits for every drop and reports its
    failure."""
    if os.getpid() not in _DROPPERS:
        _DROPPERS[os.getpid()] = ThreadPoolExecutor(1, thread_name_prefix="mgt-drop")
    _DROPS.append(_DROPPERS[os.getpid()].submit(_drop, admin, name))


def _fresh_database(
    kind: str, tmp_path: Path, template: str | None = None
) -> Generator[str, None, None]:
    """A new database, dropped afterwards: empty, or a copy of ``template`` (see seeded)."""
    if kind == "sqlite":
        path = tmp_path / f"{uuid.uuid4().hex}.sqlite3"
        if template:
            source, copy = sqlite3.connect(template), sqlite3.connect(path)
            source.backup(copy)
            source.close()
            copy.close()
        yield f"sqlite:///{path}"
        return
    admin = _postgres_admin()
    name = f"mgt_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        copied = f' TEMPLATE "{template}"' if template else ""
        connection.execute(text(f'CREATE DATABASE "{name}"{copied}'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        _drop_soon(admin, name)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Groups for a parallel run (``pytest -n auto --dist loadgroup``): one test file's tests
    on one engine run in one process, so its module-scoped databases and live servers are
    made once, while the two engines' halves of a slow file may run side by side. The browser
    tests share one process, as they share one server."""
    browser = Path(__file__).parent / "browser"
    for item in items:
        params = item.callspec.params.values() if hasattr(item, "callspec") else ()
        engines = sorted({p for p in params if isinstance(p, str) and p in ENGINES})
        group = "browser" if item.path.is_relative_to(browser) else str(item.path)
        item.add_marker(pytest.mark.xdist_group("::".join([group, *engines])))


@pytest.fixture(scope="module", autouse=True)
def _empty_statement_caches() -> None:
    """Each module starts with empty statement and plan caches. They are kept per process,
    and a test must run the statements its own code builds (a mutation run forks each test
    session from one process whose caches are warm)."""
    timeline_query.PAGES.clear()
    timeline_query.PLANS.clear()
    pledges.PAGES.clear()


@pytest.fixture(params=ENGINES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each engine, dropped after the test."""
    yield from _fresh_database(request.param, tmp_path)


@pytest.fixture(params=ENGINES)
def migrated_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of each engine at the head revision and empty, dropped after the test."""
    yield from _fresh_database(request.param, tmp_path, _template(request.param, None))


# Each engine's database is migrated (and loaded with a seeds directory) once per test
# session, then copied for each test that asks for it: SQLite copies the file, PostgreSQL
# creates the database with that one as its TEMPLATE. A seeds directory must not change once
# used. Each process of a parallel run (pytest -n) keeps its own templates.
_TEMPLATES: dict[tuple[str, Path | None], tuple[str, Generator[str, None, None]]] = {}
_TEMPLATE_DIR = Path(tempfile.gettempdir()) / f"mgt-seeded-{os.getpid()}"


def _template(kind: str, seeds: Path | None) -> str:
    """The template database (SQLite: its file) migrated and, unless None, loaded from seeds."""
    if (kind, seeds) not in _TEMPLATES:
        _TEMPLATE_DIR.mkdir(exist_ok=True)
        database = _fresh_database(kind, _TEMPLATE_DIR)
        url = next(database)
        migrate.upgrade(url)
        if seeds is not None:
            engine = make_engine(url)
            with engine.begin() as connection:
                load(connection, seeds, SOURCES_DIR)
            engine.dispose()
        _TEMPLATES[kind, seeds] = (make_url(url).database or "", database)
    return _TEMPLATES[kind, seeds][0]


@pytest.fixture(scope="session", autouse=True)
def _drop_templates() -> Iterator[None]:
    yield
    for _, database in _TEMPLATES.values():
        database.close()  # runs _fresh_database's drop
    _TEMPLATES.clear()
    shutil.rmtree(_TEMPLATE_DIR, ignore_errors=True)
    dropper = _DROPPERS.pop(os.getpid(), None)
    if dropper is not None:
        dropper.shutdown(wait=True)
    for drop in _DROPS:
        drop.result()  # a drop that failed fails the session's last test
    _DROPS.clear()
    admin = _ADMIN.pop(os.getpid(), None)
    if isinstance(admin, Engine):
        admin.dispose()


def seeded(kind: str, tmp_path: Path, seeds: Path) -> Iterator[str]:
    """A database of each engine holding the dataset in ``seeds``, dropped afterwards."""
    yield from _fresh_database(kind, tmp_path, _template(kind, seeds))


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


def generated_dataset(
    kind: str,
    factory: pytest.TempPathFactory,
    extra: dict[str, list[dict[str, Any]]],
    listing: str,
) -> Iterator[tuple[TestClient, list[dict[str, Any]]]]:
    """A client over the test dataset with the ``extra`` records added, and every item of the
    list at ``listing`` as read."""
    seeds = factory.mktemp("seeds")
    shutil.copytree(FIXTURE_SEEDS, seeds, dirs_exist_ok=True)
    (seeds / "generated.yaml").write_text(yaml.safe_dump(extra), encoding="utf-8")
    for url in seeded(kind, factory.mktemp("db"), seeds):
        for client in client_for(url):
            everything = client.get(listing, params={"limit": 500}).json()
            assert everything["next_cursor"] is None
            yield client, everything["items"]


def assert_rendered_current(url: str) -> None:
    """Whatever the tests wrote, every projection of the read model (search index, timeline
    items, actor events, stored documents, data version) equals a fresh rendering."""
    engine = make_engine(url)
    with engine.connect() as connection:
        differences = readmodel.check(connection, versions=False)
    engine.dispose()
    assert not differences, "read model out of step:\n" + "\n".join(differences)


def keyed_client(
    kind: str, tmp_path: Path, scopes: tuple[Literal["write", "admin"], ...] = ("write", "admin")
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """A client over a fresh copy of the test dataset, and a key's token for each scope (the
    key of scope ``s`` is named ``s-key``)."""
    for url in seeded(kind, tmp_path, FIXTURE_SEEDS):
        engine = make_engine(url)
        with unit_of_work(make_sessionmaker(engine)) as session:
            tokens: dict[str, str] = {s: create_key(session, f"{s}-key", s) for s in scopes}
        engine.dispose()
        for client in client_for(url):
            yield client, tokens


def snapshot(client: TestClient, path: str) -> tuple[int, Any, str, list[Any]]:
    """What a refused write must leave as it was: the record as read, its ETag, the audit log."""
    response = client.get(path, headers={"Cache-Control": "no-cache"})
    changes = client.get("/api/v1/changes", params={"limit": 500}).json()["items"]
    body = response.json()
    if isinstance(body, dict):
        body.pop("request_id", None)  # each request's own, in a problem body
    return response.status_code, body, response.headers.get("etag", ""), changes


@pytest.fixture(scope="module")
def client(fixture_db: str) -> Iterator[TestClient]:
    yield from client_for(fixture_db)


@pytest.fixture(scope="module")
def dataset_client(dataset_db: str) -> Iterator[TestClient]:
    yield from client_for(dataset_db)
