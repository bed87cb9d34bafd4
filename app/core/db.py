"""Engine and sessions. SQLite runs with foreign keys enforced, WAL and a busy timeout."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from app.core import metrics
from app.core.errors import Busy


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself: see _sqlite_begin
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    """Writers take the write lock when they begin (BEGIN IMMEDIATE), so two writers queue
    on the busy timeout instead of failing when a read transaction tries to upgrade."""
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


WRITE_TRANSACTION = {"sqlite_begin": "IMMEDIATE"}
WRITE_WAIT_SECONDS = 30.0


@contextmanager
def write_turn(engine: Engine, lock: threading.Lock) -> Iterator[None]:
    """SQLite's busy handler is not a queue: a writer that has backed off can keep losing the
    lock to later ones for longer than the busy timeout. On SQLite the writers of one process
    therefore wait for their turn on ``lock`` (other processes still queue on the busy
    timeout); a turn that does not come within WRITE_WAIT_SECONDS is ``Busy``."""
    if engine.dialect.name != "sqlite":
        yield
        return
    started = time.perf_counter()
    turn = lock.acquire(timeout=WRITE_WAIT_SECONDS)
    metrics.write_turn_waited(time.perf_counter() - started, turn)
    if not turn:
        raise Busy("Other writes are queued ahead of this one; retry shortly.")
    try:
        yield
    finally:
        lock.release()


def make_engine(
    url: str,
    *,
    single_connection: bool = False,
    pool_size: int = 5,
    max_overflow: int = 10,
    pool_timeout: float = 30.0,
) -> Engine:
    """single_connection: one connection kept open, for one thread at a time (SQLite only).
    The pool's size, overflow and wait for a connection apply to PostgreSQL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        static = {"poolclass": StaticPool} if single_connection else {}
        engine = create_engine(url, connect_args={"check_same_thread": False}, **static)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        connect_args={"connect_timeout": 5},
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
    )


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def make_read_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions for GETs. PostgreSQL's READ COMMITTED gives each statement its own snapshot
    even inside a transaction, so autocommit reads see the same data and save the BEGIN and
    COMMIT round trips; SQLite keeps one snapshot per request (a deferred transaction)."""
    if engine.dialect.name == "postgresql":
        engine = engine.execution_options(isolation_level="AUTOCOMMIT")
    return make_sessionmaker(engine)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit if the block succeeds, roll back if it raises."""
    with factory() as session, session.begin():
        yield session
