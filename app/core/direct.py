"""Reads of stored JSON answered on the event loop by the database driver itself.

The data version (once per request; requests that ask at once share a read), a stored
document, an event's stored parts, a page of stored timeline items or pledges: each is one
statement on indexes. Through a session on a worker thread such a read cost several times
the read itself (the thread hop, the pool, the ORM), so these go through a driver connection
this process keeps for them, in autocommit: each statement sees every commit made before it,
in this process or another. On SQLite the read is a local WAL read that never waits; on
PostgreSQL an asynchronous query, one at a time on the connection (four connections
measured no faster), reconnecting after a failure. A read that fails answers None, and the
caller takes the ordinary path, which reports the failure.

Statements are SQLAlchemy selects (fixed ones take ``bindparam`` values as keywords),
compiled once per shape for the engine's dialect.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable, Hashable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy import Engine
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.util import LRUCache

if TYPE_CHECKING:
    import psycopg

COMPILED_SHAPES = 500  # as many as SQLAlchemy's own compiled cache keeps by default


class Reader:
    def __init__(self, engine: Engine) -> None:
        self.url = engine.url
        self.dialect = engine.dialect
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.sqlite: sqlite3.Connection | None = None
        self.postgres: psycopg.AsyncConnection[tuple[Any, ...]] | None = None
        self.lock = asyncio.Lock()
        self.compiled: LRUCache[Any, SQLCompiler] = LRUCache(COMPILED_SHAPES)
        self.shared: dict[ClauseElement, SharedRead] = {}

    async def rows(self, statement: ClauseElement, **params: Any) -> list[tuple[Any, ...]] | None:
        """The statement's rows, or None when the database did not answer it."""
        sql, values = self._bind(statement, params)
        if self.is_sqlite:
            return self._sqlite_rows(sql, values)
        async with self.lock:
            return await self._postgres_rows(sql, values)

    async def latest(self, statement: ClauseElement) -> list[tuple[Any, ...]] | None:
        """``rows(statement)`` for a statement without parameters that most requests ask (the
        data version), read once for all who ask at the same time: a caller that arrives
        while the statement is being read waits for the next read, which starts after it
        arrived and so sees every write committed before it."""
        shared = self.shared.get(statement)
        if shared is None:
            shared = self.shared[statement] = SharedRead(lambda: self.rows(statement))
        return await shared.read()

    def _bind(self, statement: ClauseElement, params: dict[str, Any]) -> tuple[str, Any]:
        """The driver's SQL and parameters. A statement is compiled once per shape, under
        SQLAlchemy's own cache key (which leaves out the values, and the length of IN lists),
        as a Connection would; the values are then bound as it binds them."""
        key = statement._generate_cache_key()
        compiled = self.compiled.get(key.key) if key is not None else None
        if compiled is None:
            made = statement.compile(dialect=self.dialect, cache_key=key)
            assert isinstance(made, SQLCompiler)
            compiled = made
            if key is not None:
                self.compiled[key.key] = compiled
        extracted = key.bindparams if key is not None else None
        values = compiled.construct_params(params, extracted_parameters=extracted)
        state = compiled.construct_expanded_state(values)
        processors: dict[str, Any] = {**compiled._bind_processors, **state.processors}
        bound = {
            name: processors[name](value) if name in processors else value
            for name, value in state.parameters.items()
        }
        if state.positiontup is None:  # PostgreSQL's named %(name)s parameters
            return state.statement, bound
        return state.statement, tuple(bound[name] for name in state.positiontup)

    def _sqlite_rows(self, sql: str, values: Any) -> list[tuple[Any, ...]] | None:
        try:
            if self.sqlite is None:
                self.sqlite = sqlite3.connect(
                    self.url.database or "", isolation_level=None, check_same_thread=False
                )
            return self.sqlite.execute(sql, values).fetchall()
        except sqlite3.Error:
            self._close_sqlite()
            return None

    async def _postgres_rows(self, sql: str, values: Any) -> list[tuple[Any, ...]] | None:
        import psycopg  # not imported where only SQLite is served

        try:
            if self.postgres is None or self.postgres.closed:
                conninfo = self.url.set(drivername="postgresql").render_as_string(False)
                self.postgres = await psycopg.AsyncConnection.connect(
                    conninfo, autocommit=True, connect_timeout=5
                )
            cursor = await self.postgres.execute(sql, values)
            return await cursor.fetchall()
        except psycopg.Error:
            await self._close_postgres()
            return None

    def _close_sqlite(self) -> None:
        if self.sqlite is not None:
            self.sqlite.close()
            self.sqlite = None

    async def _close_postgres(self) -> None:
        if self.postgres is not None:
            await self.postgres.close()
            self.postgres = None

    async def close(self) -> None:
        self._close_sqlite()
        await self._close_postgres()


Rows = list[tuple[Any, ...]] | None
S = TypeVar("S", bound=ClauseElement)


class Shapes(Generic[S]):
    """Statements built once per shape (the filters given, a cursor or not, the page size)
    and given their values by name at each read: building a page's statement cost more than
    reading the page."""

    def __init__(self, size: int = COMPILED_SHAPES) -> None:
        self.built: LRUCache[Hashable, S] = LRUCache(size)

    def get(self, shape: Hashable, build: Callable[[], S], values: dict[str, Any]) -> S:
        statement = self.built.get(shape)
        if statement is None:
            statement = self.built[shape] = _takes_all(build(), values)
        return statement

    def clear(self) -> None:
        self.built.clear()


def _takes_all(statement: S, values: dict[str, Any]) -> S:
    """The statement, made sure to take every value a request gives it from ``values``: a
    value left embedded would answer the next request of its shape with this one's."""
    key = statement._generate_cache_key()
    named = {p.key for p in key.bindparams if not p.key.startswith("%(")} if key else set()
    if named != set(values):
        raise RuntimeError(f"statement binds {sorted(named)}, given {sorted(values)}")
    return statement


class SharedRead:
    """One read in flight at a time; those who ask meanwhile share the read after it."""

    def __init__(self, read: Callable[[], Awaitable[Rows]]) -> None:
        self.run = read
        self.busy = False
        self.next: asyncio.Future[Rows] | None = None
        self.task: asyncio.Task[None] | None = None

    async def read(self) -> Rows:
        if not self.busy:
            self.busy = True
            return await self._read()
        if self.next is None:
            self.next = asyncio.get_running_loop().create_future()
        return await asyncio.shield(self.next)

    async def _read(self) -> Rows:
        try:
            return await self.run()
        finally:
            waiting, self.next = self.next, None
            self.busy = waiting is not None
            if waiting is not None:
                self.task = asyncio.get_running_loop().create_task(self._answer(waiting))

    async def _answer(self, waiting: asyncio.Future[Rows]) -> None:
        try:
            waiting.set_result(await self._read())
        except asyncio.CancelledError:
            waiting.cancel()
            raise
        except Exception as error:
            waiting.set_exception(error)
