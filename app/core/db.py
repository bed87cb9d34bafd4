"""Engine and sessions. SQLite runs with foreign keys enforced, WAL and a busy timeout.

Writes go through ``Writer.run``: one unit of work, one transaction that takes the database's
write lock before it reads or writes anything else, retried whole on a deadlock or a
serialization failure.
"""

from __future__ import annotations

import fcntl
import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from app.core import metrics
from app.core.errors import Busy, is_retryable

T = TypeVar("T")
logger = logging.getLogger("mgt")


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
WRITE_WAIT_SECONDS = 60.0


class TurnLock:
    """A lock that waiters get in the order they asked for it: ``release`` hands it to the
    longest waiting, so no writer waits while later ones go ahead (``threading.Lock``
    makes no such promise, and under load some writers waited tens of seconds)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiting: deque[threading.Event] = deque()
        self._held = False

    def acquire(self, timeout: float = -1) -> bool:
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            turn = threading.Event()
            self._waiting.append(turn)
        if turn.wait(None if timeout < 0 else timeout):
            return True
        with self._mutex:
            if turn.is_set():  # handed over just as the wait ended
                return True
            self._waiting.remove(turn)
            return False

    def release(self) -> None:
        with self._mutex:
            if self._waiting:
                self._waiting.popleft().set()  # still held: now by the next in line
            else:
                self._held = False


TURN_POLL_SECONDS = 0.002
QUEUED = "Other writes are queued ahead of this one; retry shortly."
RETRY_ATTEMPTS = 4
RETRY_PAUSE_SECONDS = 0.05  # the first retry's pause, doubled for each further one
# Every write takes this row first (PostgreSQL): the one lock all writers queue on, in the
# order they asked, before they touch a record or any table derived from the records. The
# row is the data version every write bumps anyway (``app.readmodel.version``).
WRITE_LOCK = "SELECT version FROM data_version WHERE id = 1 FOR UPDATE"


@contextmanager
def write_turn(engine: Engine, lock: TurnLock) -> Iterator[None]:
    """The writers of one process wait for their turn on ``lock``, so that a process holds
    one connection for writes at a time, not one per waiting request (and on SQLite, whose
    busy handler is not a queue, a writer that has backed off does not keep losing the
    database lock to later ones). Between processes, writers queue on the database's own
    lock (PostgreSQL) or on a lock file (SQLite, ``_between_processes``). A turn that does
    not come within WRITE_WAIT_SECONDS is ``Busy``."""
    started = time.perf_counter()
    deadline = time.monotonic() + WRITE_WAIT_SECONDS
    turn = lock.acquire(timeout=WRITE_WAIT_SECONDS)
    metrics.write_turn_waited(time.perf_counter() - started, turn)
    if not turn:
        raise Busy(QUEUED)
    try:
        with _between_processes(engine, deadline):
            yield
    finally:
        lock.release()


@contextmanager
def _between_processes(engine: Engine, deadline: float) -> Iterator[None]:
    """SQLite: the turn of this process among the processes writing to the database, taken
    on a lock file beside it, asked for every few milliseconds. SQLite's busy handler asks
    only every 100 ms once it has waited a while, so while one process's writers follow
    each other closely, another's hardly ever got in (one waited over 60 s). Closing the
    file ends the turn, also when the process dies."""
    path = engine.url.database
    if engine.dialect.name != "sqlite" or not path or path == ":memory:":
        yield
        return
    with open(f"{path}.write-turn", "a") as turn:
        while True:
            try:
                fcntl.flock(turn, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise Busy(QUEUED) from None
                time.sleep(TURN_POLL_SECONDS)
        yield


def take_write_lock(connection: Connection) -> None:
    """Wait (at most WRITE_WAIT_SECONDS) for the database's write lock, held until the
    transaction ends. On SQLite the transaction holds it already (``BEGIN IMMEDIATE``)."""
    if connection.dialect.name == "postgresql":
        timeout = int(WRITE_WAIT_SECONDS * 1000)
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = {timeout}")
        connection.exec_driver_sql(WRITE_LOCK)


class Writer:
    """Runs units of work that write, for one process: each takes its turn (``write_turn``),
    opens a transaction that takes the write lock first, and commits. A deadlock, a
    serialization failure or a database lock not granted in time (SQLite's busy timeout)
    rolls it back and runs it again, whole, after a short random pause, at most
    RETRY_ATTEMPTS times; what still fails is raised."""

    def __init__(self, engine: Engine, factory: sessionmaker[Session], turn: TurnLock) -> None:
        self.engine, self.factory, self.turn = engine, factory, turn

    def run(self, work: Callable[[Session], T]) -> T:
        attempt = 1
        while True:
            try:
                with write_turn(self.engine, self.turn), unit_of_work(self.factory) as session:
                    take_write_lock(session.connection(execution_options=WRITE_TRANSACTION))
                    return work(session)
            except DBAPIError as error:
                if attempt >= RETRY_ATTEMPTS or not is_retryable(error):
                    raise
                logger.info("write attempt %d failed (%s); retrying", attempt, error.orig)
            time.sleep(RETRY_PAUSE_SECONDS * 2 ** (attempt - 1) * random.uniform(0.5, 1.5))
            attempt += 1


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
