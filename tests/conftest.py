"""Fixtures: every database test runs on SQLite and on PostgreSQL, each on a fresh database.

PostgreSQL is reached at MGT_TEST_POSTGRES_URL (default: the local server, database ``test``).
Outside CI an unreachable server skips its tests with the reason; under CI=true it fails.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from typing import Any, Literal

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, event, text
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


def _group(nodeid: str) -> str:
    """A test's group in a parallel run: its file and the engines among its parameters (as
    its id names them); the browser tests are one group."""
    path, _, name = nodeid.partition("::")
    if PurePosixPath(path).parent.name == "browser":
        return "browser"
    params = name.rpartition("[")[2].removesuffix("]").split("-") if name.endswith("]") else []
    return "::".join([path, *sorted(set(params) & set(ENGINES))])


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """A parallel run (``pytest -n auto``) sends each group (see _group) whole to one process,
    so a file's module-scoped databases and live servers are made once, while the two
    engines' halves of a slow file may run side by side; the browser tests share one process,
    as they share one server. Groups are handed out in collection order (see
    pytest_collection_modifyitems). (xdist's own ``--dist loadgroup`` reads its groups from
    the test ids, which pytest 9.2 no longer lets a plugin change.)"""
    if config.getvalue("dist") not in ("load", "loadgroup"):
        return None  # another --dist asked for by name
    from xdist.scheduler import LoadScopeScheduling

    class ByGroup(LoadScopeScheduling):  # type: ignore[misc]  # xdist is untyped
        def _split_scope(self, nodeid: str) -> str:
            return _group(nodeid)

    return ByGroup(config, log)


@pytest.hookimpl(trylast=True)  # after pytest orders the tests by their fixtures
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The groups holding a test marked ``slow`` first, so that a parallel run starts its
    longest groups while the others still wait, and ends on short ones."""
    slow = {_group(item.nodeid) for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: _group(item.nodeid) not in slow)


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


# Each engine's database is migrated (and loaded with a seeds directory) once per test run,
# then copied for each test that asks for it: SQLite copies the file, PostgreSQL creates the
# database with that one as its TEMPLATE. A seeds directory must not change once used. The
# processes of a parallel run (pytest -n) share the templates: the first to need one builds
# it under a file lock, the others wait for it and copy it. They are named after the run
# (MGT_TEST_RUN, set anew by each session's controlling process) and dropped when it ends.
_TEMPLATES: dict[tuple[str, Path | None], str] = {}
RUN_VARIABLE = "MGT_TEST_RUN"
TEMPLATE_PREFIX = "mgt_tpl_"


def _run_directory() -> Path:
    return Path(tempfile.gettempdir()) / f"mgt-templates-{os.environ[RUN_VARIABLE]}"


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # not an xdist worker: a new run
        os.environ[RUN_VARIABLE] = uuid.uuid4().hex[:10]


def pytest_unconfigure(config: pytest.Config) -> None:
    """The run's controlling process drops its templates once every process is done."""
    if hasattr(config, "workerinput") or RUN_VARIABLE not in os.environ:
        return
    shutil.rmtree(_run_directory(), ignore_errors=True)
    prefix = f"{TEMPLATE_PREFIX}{os.environ.pop(RUN_VARIABLE)}_"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            names = connection.execute(
                text("SELECT datname FROM pg_database WHERE starts_with(datname, :prefix)"),
                {"prefix": prefix},
            ).scalars()
            for name in list(names):
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    except OperationalError:
        pass  # unreachable: no PostgreSQL template was made
    finally:
        admin.dispose()


def _template(kind: str, seeds: Path | None) -> str:
    """The template database (SQLite: its file) migrated and, unless None, loaded from seeds."""
    if (kind, seeds) not in _TEMPLATES:
        admin = _postgres_admin() if kind == "postgresql" else None
        directory = _run_directory()
        directory.mkdir(exist_ok=True)
        key = hashlib.sha256(f"{kind}\n{seeds}".encode()).hexdigest()[:12]
        with open(directory / f"{key}.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
            built = directory / f"{key}.built"
            if not built.exists():
                _build_template(kind, seeds, directory, key, admin)
                built.touch()
        if admin is None:
            _TEMPLATES[kind, seeds] = str(directory / f"{key}.sqlite3")
        else:
            _TEMPLATES[kind, seeds] = f"{TEMPLATE_PREFIX}{os.environ[RUN_VARIABLE]}_{key}"
    return _TEMPLATES[kind, seeds]


def _build_template(
    kind: str, seeds: Path | None, directory: Path, key: str, admin: Engine | None
) -> None:
    if admin is None:
        path = directory / f"{key}.sqlite3"
        path.unlink(missing_ok=True)  # a build that failed half-way
        url = f"sqlite:///{path}"
    else:
        name = f"{TEMPLATE_PREFIX}{os.environ[RUN_VARIABLE]}_{key}"
        _drop(admin, name)
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = admin.url.set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(url)
    if seeds is not None:
        engine = make_engine(url)
        with engine.begin() as connection:
            load(connection, seeds, SOURCES_DIR)
        engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def _drop_templates() -> Iterator[None]:
    """Waits for the tests' databases to be dropped (the templates are the run's: see
    pytest_unconfigure), and closes this process's engines."""
    yield
    _TEMPLATES.clear()
    dropper = _DROPPERS.pop(os.getpid(), None)
    if dropper is not None:
        dropper.shutdown(wait=True)
    for drop in _DROPS:
        drop.result()  # a drop that failed fails the session's last test
    _DROPS.clear()
    admin = _ADMIN.pop(os.getpid(), None)
    if isinstance(admin, Engine):
        admin.dispose()
    for pid, kind in list(_CHECKERS):
        if pid == os.getpid():
            _CHECKERS.pop((pid, kind))[0].dispose()


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
    items, actor events, stored documents, data version) equals a fresh rendering.

    The check reads only the database, so a SQLite database whose bytes equal those of one
    that passed it in this process passes it again without being read (the copies of a
    template that no test wrote to)."""
    contents = _sqlite_contents(url)
    passed = _PASSED.setdefault(os.getpid(), set())
    if contents is not None and contents in passed:
        return
    engine = _checker(url)
    with engine.connect() as connection:
        differences = readmodel.check(connection, versions=False)
    engine.dispose()  # no connection stays open on the test's database
    assert not differences, "read model out of step:\n" + "\n".join(differences)
    if contents is not None:
        passed.add(contents)


# Per process (a mutation run forks its test sessions, each with other code, from one
# process): the digests of the SQLite databases that passed the read-model check.
_PASSED: dict[int, set[str]] = {}


def _sqlite_contents(url: str) -> str | None:
    """The digest of a SQLite database's file and write-ahead log; None for PostgreSQL."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    digest = hashlib.sha256()
    for path in (Path(parsed.database), Path(f"{parsed.database}-wal")):
        digest.update(path.read_bytes() if path.exists() else b"-")
    return digest.hexdigest()


# The check runs on one engine per engine kind and process, whose connections open the
# database asked for: an engine keeps the statements it compiled, and compiling the check's
# statements anew on an engine per test took half of its CPU time.
_CHECKERS: dict[tuple[int, str], tuple[Engine, dict[str, str]]] = {}


def _checker(url: str) -> Engine:
    """The checking engine of ``url``'s kind, its next connections opened to ``url``."""
    key = (os.getpid(), make_url(url).get_backend_name())
    if key not in _CHECKERS:
        engine, target = make_engine(url), {"url": url}

        @event.listens_for(engine, "do_connect")
        def _to_target(dialect: Any, record: Any, cargs: list[Any], cparams: dict[str, Any]):
            database = make_url(target["url"]).database
            if cargs:  # SQLite: the file
                cargs[0] = database
            else:
                cparams["dbname"] = database

        _CHECKERS[key] = (engine, target)
    engine, target = _CHECKERS[key]
    target["url"] = url
    return engine


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
