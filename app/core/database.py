"""The database of one process: every handle the application holds on it, in one object.

``Database`` owns the engine, the sessions for writes and for reads, the direct reader that
answers stored JSON on the event loop (``app.core.direct``), the bound on read threads,
and the write turn with the ``Writer`` that runs each write as one retried unit of work
(``app.core.db``). The application keeps one on ``app.state.db``; routes reach the database
only through it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.core import direct, metrics
from app.core.db import TurnLock, Writer, make_engine, make_read_sessionmaker, make_sessionmaker

T = TypeVar("T")


class Database:
    def __init__(self, url: str, *, read_threads: int, **pool: Any) -> None:
        self.engine: Engine = make_engine(url, **pool)
        metrics.watch_pool(self.engine)
        self.sessions: sessionmaker[Session] = make_sessionmaker(self.engine)
        self.read_sessions: sessionmaker[Session] = make_read_sessionmaker(self.engine)
        self.direct = direct.Reader(self.engine)
        self.read_limiter = anyio.CapacityLimiter(read_threads)
        self.write_turn = TurnLock()
        self.writer = Writer(self.engine, self.sessions, self.write_turn)

    async def read(self, build: Callable[[Session], T]) -> T:
        """``build(session)`` on a worker thread, in a read transaction (at most
        ``read_threads`` at once)."""

        def run() -> T:
            with self.read_sessions() as session, session.begin():
                return build(session)

        return await anyio.to_thread.run_sync(run, limiter=self.read_limiter)

    async def write(self, work: Callable[[Session], T]) -> T:
        """``work(session)`` on a worker thread as one write (``Writer.run``)."""
        return await anyio.to_thread.run_sync(lambda: self.writer.run(work))

    async def close(self) -> None:
        await self.direct.close()
        self.engine.dispose()
