"""The data version: a number that goes up, in the same transaction, with every write."""

from __future__ import annotations

import asyncio
import sqlite3

import psycopg
from sqlalchemy import Connection, Engine, update

from app.models import DataVersion

ROW = DataVersion.id == 1
QUERY = "SELECT version FROM data_version WHERE id = 1"


def bump(connection: Connection) -> None:
    """Mark the data as changed; called by every write path before it commits."""
    connection.execute(update(DataVersion).where(ROW).values(version=DataVersion.version + 1))


class Reader:
    """The current version as the response cache asks for it, once per request, on the event
    loop: None when the database does not answer.

    It keeps a driver connection of its own in autocommit, so each read is a statement of
    its own and sees every commit made before it, in this process or another. On SQLite the
    read is a local WAL read that never waits; on PostgreSQL it is an asynchronous query,
    one at a time on the connection, reconnecting after a failure.
    """

    def __init__(self, engine: Engine) -> None:
        self.url = engine.url
        self.sqlite: sqlite3.Connection | None = None
        self.postgres: psycopg.AsyncConnection[tuple[int]] | None = None
        self.lock = asyncio.Lock()

    async def __call__(self) -> int | None:
        if self.url.get_backend_name() == "sqlite":
            return self._read_sqlite()
        async with self.lock:
            return await self._read_postgres()

    def _read_sqlite(self) -> int | None:
        try:
            if self.sqlite is None:
                self.sqlite = sqlite3.connect(
                    self.url.database or "", isolation_level=None, check_same_thread=False
                )
            row = self.sqlite.execute(QUERY).fetchone()
        except sqlite3.Error:
            self.close_sqlite()
            return None
        return int(row[0]) if row else None

    async def _read_postgres(self) -> int | None:
        try:
            if self.postgres is None or self.postgres.closed:
                conninfo = self.url.set(drivername="postgresql").render_as_string(False)
                self.postgres = await psycopg.AsyncConnection.connect(
                    conninfo, autocommit=True, connect_timeout=5
                )
            cursor = await self.postgres.execute(QUERY)
            row = await cursor.fetchone()
        except psycopg.Error:
            await self.close_postgres()
            return None
        return int(row[0]) if row else None

    def close_sqlite(self) -> None:
        if self.sqlite is not None:
            self.sqlite.close()
            self.sqlite = None

    async def close_postgres(self) -> None:
        if self.postgres is not None:
            await self.postgres.close()
            self.postgres = None

    async def close(self) -> None:
        self.close_sqlite()
        await self.close_postgres()
