"""The write path's parts on their own: writers get their turn in the order they asked, a
turn that does not come is ``Busy``, the lock file queues processes on SQLite, PostgreSQL
writers take the one lock row first, and a unit of work is retried only when retrying can
help, after a pause that doubles."""

from __future__ import annotations

import fcntl
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app import models as m
from app.core import db
from app.core.db import TurnLock, Writer, make_engine, make_sessionmaker, write_turn
from app.core.errors import Busy
from app.models import migrate
from app.readmodel import version

WAIT = 5.0  # a bound on every wait in these tests, far above what any of them needs


def _waiting(lock: TurnLock, count: int) -> None:
    deadline = time.monotonic() + WAIT
    while len(lock._waiting) < count:
        assert time.monotonic() < deadline, "the waiter never queued"
        time.sleep(0.001)


def _in_thread(target: Any) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def _granted_elsewhere(lock: TurnLock) -> bool:
    """Whether another thread gets the lock at once (and gives it back)."""
    got: list[bool] = []
    _in_thread(lambda: got.append(lock.acquire(timeout=0))).join(WAIT)
    if got[0]:
        lock.release()
    return got[0]


class TestTurnLock:
    def test_waiters_get_the_lock_in_the_order_they_asked(self):
        lock = TurnLock()
        assert lock.acquire()
        order: list[str] = []

        def writer(name: str) -> None:
            assert lock.acquire(timeout=WAIT)
            order.append(name)
            lock.release()

        threads = []
        for count, name in enumerate("abcd", start=1):
            threads.append(_in_thread(lambda name=name: writer(name)))
            _waiting(lock, count)
        lock.release()
        for thread in threads:
            thread.join(WAIT)
        assert order == list("abcd")
        assert _granted_elsewhere(lock)

    def test_a_held_lock_is_not_granted_until_released(self):
        lock = TurnLock()
        assert lock.acquire(timeout=0)
        assert not _granted_elsewhere(lock)
        lock.release()
        assert _granted_elsewhere(lock)

    def test_without_a_timeout_a_waiter_waits_until_released(self):
        lock = TurnLock()
        lock.acquire()
        got: list[bool] = []
        waiter = _in_thread(lambda: got.append(lock.acquire()))
        _waiting(lock, 1)
        waiter.join(0.2)
        assert got == []  # still waiting
        lock.release()
        waiter.join(WAIT)
        assert got == [True]
        assert not _granted_elsewhere(lock)  # held by the waiter now

    @pytest.mark.parametrize("timeout", [0, 0.05])
    def test_a_waiter_whose_time_is_up_gives_up_and_leaves_the_queue(self, timeout):
        lock = TurnLock()
        lock.acquire()
        got: list[bool] = []
        started = time.monotonic()
        _in_thread(lambda: got.append(lock.acquire(timeout=timeout))).join(WAIT)
        assert got == [False]
        assert time.monotonic() - started < WAIT / 2
        lock.release()  # no waiter left to hand it to: free again
        assert _granted_elsewhere(lock)

    def test_a_turn_handed_over_as_the_wait_ends_is_kept(self, monkeypatch):
        lock = TurnLock()
        lock.acquire()

        class HandedAtTheLastMoment(threading.Event):
            def wait(self, timeout: float | None = None) -> bool:
                lock.release()  # the holder hands over just as the wait times out
                return False

        monkeypatch.setattr("app.core.db.threading.Event", HandedAtTheLastMoment)
        assert lock.acquire(timeout=0.01)
        monkeypatch.undo()
        assert not _granted_elsewhere(lock)
        assert not lock._waiting
        lock.release()
        assert _granted_elsewhere(lock)


@pytest.fixture
def file_engine(tmp_path: Path) -> Iterator[Any]:
    engine = make_engine(f"sqlite:///{tmp_path / 'mgt.db'}")
    yield engine
    engine.dispose()


class TestWriteTurn:
    def test_a_turn_that_does_not_come_in_time_is_busy(self, file_engine, monkeypatch):
        monkeypatch.setattr(db, "WRITE_WAIT_SECONDS", 0.05)
        lock = TurnLock()
        lock.acquire()
        entered = []
        with pytest.raises(Busy, match="queued ahead"), write_turn(file_engine, lock):
            entered.append(True)
        assert entered == []

    def test_the_turn_ends_with_the_block_also_when_it_fails(self, file_engine):
        lock = TurnLock()
        held: list[bool] = []

        def failing_write() -> None:
            with write_turn(file_engine, lock):
                held.append(not _granted_elsewhere(lock))
                raise ValueError("the write failed")

        with pytest.raises(ValueError, match="the write failed"):
            failing_write()
        assert held == [True]
        assert _granted_elsewhere(lock)

    def test_processes_queue_on_a_lock_file_beside_the_database(self, file_engine, monkeypatch):
        monkeypatch.setattr(db, "WRITE_WAIT_SECONDS", 0.05)
        path = Path(f"{file_engine.url.database}.write-turn")
        with write_turn(file_engine, TurnLock()), path.open("a") as other:
            with pytest.raises(BlockingIOError):  # another process would wait here
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with path.open("a") as other:  # the turn ended with the block
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
            with pytest.raises(Busy, match="queued ahead"), write_turn(file_engine, TurnLock()):
                pytest.fail("got a turn that another process holds")
        with write_turn(file_engine, TurnLock()):  # and now that it let go
            pass

    @pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
    def test_a_database_in_memory_needs_no_lock_file(self, url, tmp_path, monkeypatch):
        monkeypatch.chdir(tmp_path)
        engine = make_engine(url)
        with write_turn(engine, TurnLock()):
            pass
        assert list(tmp_path.iterdir()) == []
        engine.dispose()

    def test_other_databases_queue_on_their_own_lock(self, tmp_path, monkeypatch):
        monkeypatch.chdir(tmp_path)
        engine = SimpleNamespace(
            url=SimpleNamespace(database="test"), dialect=SimpleNamespace(name="postgresql")
        )
        with write_turn(engine, TurnLock()):  # type: ignore[arg-type]
            pass
        assert list(tmp_path.iterdir()) == []


class Recorder:
    def __init__(self, dialect: str) -> None:
        self.dialect = SimpleNamespace(name=dialect)
        self.statements: list[str] = []

    def exec_driver_sql(self, statement: str) -> None:
        self.statements.append(statement)


def test_server_database_writers_take_the_lock_row_first_with_a_bounded_wait():
    """PostgreSQL (a recorder of statements stands in for it, so that this runs on any
    engine); SQLite took the lock with BEGIN IMMEDIATE."""
    connection = Recorder("postgresql")
    db.take_write_lock(connection)  # type: ignore[arg-type]
    assert connection.statements == [
        "SET LOCAL lock_timeout = 60000",
        "SELECT version FROM data_version WHERE id = 1 FOR UPDATE",
    ]
    sqlite = Recorder("sqlite")
    db.take_write_lock(sqlite)  # type: ignore[arg-type]
    assert sqlite.statements == []  # BEGIN IMMEDIATE took it


class Deadlock(Exception):
    sqlstate = "40P01"


class NotNull(Exception):
    sqlstate = "23502"


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[Writer]:
    """A writer over a migrated SQLite file (PostgreSQL's retries: test_concurrency)."""
    url = f"sqlite:///{tmp_path / 'writes.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    yield Writer(engine, make_sessionmaker(engine), TurnLock())
    engine.dispose()


def _current(writer: Writer) -> int:
    with writer.engine.connect() as connection:
        return int(connection.execute(version.CURRENT).scalar_one())


class TestWriter:
    def test_the_work_runs_in_its_turn_holding_the_database_lock(self, writer):
        def work(session: Session) -> str:
            session.execute(update(m.DataVersion).values(version=m.DataVersion.version + 1))
            assert not _granted_elsewhere(writer.turn)
            other = sqlite3.connect(writer.engine.url.database, timeout=0)
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            other.close()
            return "done"

        before = _current(writer)
        assert writer.run(work) == "done"
        assert _current(writer) == before + 1
        assert _granted_elsewhere(writer.turn)

    def test_the_lock_is_held_from_the_first_statement(self, writer):
        def work(session: Session) -> None:  # reads only, yet holds the write lock
            session.execute(version.CURRENT)
            other = sqlite3.connect(writer.engine.url.database, timeout=0)
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            other.close()

        writer.run(work)

    def test_retries_pause_longer_each_time(self, writer, monkeypatch, caplog):
        """Each pause doubles, times a random factor between 0.5 and 1.5 (here its top),
        and each retry is logged with the database's reason."""
        pauses: list[float] = []
        jitter: list[tuple[float, float]] = []

        def top(low: float, high: float) -> float:
            jitter.append((low, high))
            return high

        monkeypatch.setattr("app.core.db.time.sleep", pauses.append)
        monkeypatch.setattr("app.core.db.random.uniform", top)
        caplog.set_level(logging.INFO, logger="mgt")
        attempts: list[int] = []

        def work(session: Session) -> None:
            attempts.append(1)
            raise OperationalError("UPDATE data_version", {}, Deadlock("deadlock detected"))

        with pytest.raises(OperationalError):
            writer.run(work)
        assert len(attempts) == db.RETRY_ATTEMPTS == 4
        assert pauses == pytest.approx([0.075, 0.15, 0.3])
        assert jitter == [(0.5, 1.5)] * 3
        retried = [r.getMessage() for r in caplog.records if r.name == "mgt"]
        assert retried == [
            f"write attempt {n} failed (deadlock detected); retrying" for n in (1, 2, 3)
        ]

    def test_an_error_retrying_cannot_mend_is_raised_at_once(self, writer, monkeypatch):
        monkeypatch.setattr("app.core.db.time.sleep", lambda seconds: pytest.fail("paused"))
        attempts: list[int] = []
        before = _current(writer)

        def work(session: Session) -> None:
            attempts.append(1)
            session.execute(update(m.DataVersion).values(version=m.DataVersion.version + 1))
            raise OperationalError("INSERT", {}, NotNull("null value in column"))

        with pytest.raises(OperationalError, match="null value"):
            writer.run(work)
        assert attempts == [1]
        assert _current(writer) == before  # rolled back
        assert _granted_elsewhere(writer.turn)

    def test_a_retry_that_succeeds_returns_its_result(self, writer, monkeypatch):
        monkeypatch.setattr("app.core.db.time.sleep", lambda seconds: None)
        attempts: list[int] = []

        def work(session: Session) -> int:
            attempts.append(1)
            if len(attempts) < db.RETRY_ATTEMPTS:
                raise OperationalError("UPDATE", {}, Deadlock("deadlock detected"))
            return len(attempts)

        assert writer.run(work) == db.RETRY_ATTEMPTS
