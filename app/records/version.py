"""The data version: a number that goes up, in the same transaction, with every write."""

from __future__ import annotations

import anyio.to_thread
from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.exc import SQLAlchemyError

from app.core.db import make_engine
from app.models import DataVersion

ROW = DataVersion.id == 1


def bump(connection: Connection) -> None:
    """Mark the data as changed; called by every write path before it commits."""
    connection.execute(update(DataVersion).where(ROW).values(version=DataVersion.version + 1))


def current(connection: Connection) -> int | None:
    return connection.execute(select(DataVersion.version).where(ROW)).scalar_one_or_none()


class Reader:
    """The current version as the response cache asks for it: None when the database does
    not answer. On SQLite, a connection of its own read on the event loop (a WAL read never
    waits); elsewhere in a worker thread, so that a slow network never stalls the loop."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.on_loop = engine.dialect.name == "sqlite"
        if self.on_loop:
            self.engine = make_engine(engine.url.render_as_string(False), single_connection=True)

    async def __call__(self) -> int | None:
        if self.on_loop:
            return self._read()
        return await anyio.to_thread.run_sync(self._read)

    def _read(self) -> int | None:
        try:
            with self.engine.connect() as connection:
                return current(connection)
        except SQLAlchemyError:
            return None

    def close(self) -> None:
        if self.on_loop:
            self.engine.dispose()
