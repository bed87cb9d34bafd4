"""Reads of stored JSON answered on the event loop by the database driver itself.

The data version (once per request), a stored document, an event's stored parts: each is
one statement that an index answers at once. Through a session on a worker thread such a
read cost ten times the read itself (the thread hop, the pool, the ORM), so these go through
a driver connection this process keeps for them, in autocommit: each statement sees every
commit made before it, in this process or another. On SQLite the read is a local WAL read
that never waits; on PostgreSQL an asynchronous query, one at a time on the connection,
reconnecting after a failure. A read that fails answers None, and the caller takes the
ordinary path, which reports the failure.

Statements are SQLAlchemy selects, compiled once for the engine's dialect; their parameters
are ``bindparam`` names given as keywords.
"""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import psycopg
from sqlalchemy import Engine
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler


class Reader:
    def __init__(self, engine: Engine) -> None:
        self.url = engine.url
        self.dialect = engine.dialect
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.sqlite: sqlite3.Connection | None = None
        self.postgres: psycopg.AsyncConnection[tuple[Any, ...]] | None = None
        self.lock = asyncio.Lock()
        self.compiled: dict[ClauseElement, SQLCompiler] = {}

    async def rows(self, statement: ClauseElement, **params: Any) -> list[tuple[Any, ...]] | None:
        """The statement's rows, or None when the database did not answer it."""
        sql, values = self._bind(statement, params)
        if self.is_sqlite:
            return self._sqlite_rows(sql, values)
        async with self.lock:
            return await self._postgres_rows(sql, values)

    def _bind(self, statement: ClauseElement, params: dict[str, Any]) -> tuple[str, Any]:
        compiled = self.compiled.get(statement)
        if compiled is None:
            made = statement.compile(dialect=self.dialect)
            assert isinstance(made, SQLCompiler)
            compiled = self.compiled[statement] = made
        values = compiled.construct_params(params) or {}
        if compiled.positiontup is None:  # PostgreSQL's named %(name)s parameters
            return compiled.string, values
        return compiled.string, tuple(values[name] for name in compiled.positiontup)

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
