"""The data version: a number that goes up, in the same transaction, with every write."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select, update

from app.models import DataVersion
from app.records import direct

ROW = DataVersion.id == 1
CURRENT = select(DataVersion.version).where(ROW)


def ensure(connection: Connection) -> None:
    """The one row exists (migration 0004 makes it; a database emptied by hand may lack it)."""
    if connection.execute(CURRENT).first() is None:
        connection.execute(insert(DataVersion).values(id=1, version=0))


def bump(connection: Connection) -> None:
    """Mark the data as changed; called by every write path before it commits."""
    connection.execute(update(DataVersion).where(ROW).values(version=DataVersion.version + 1))


async def current(reader: direct.Reader) -> int | None:
    """The version as the response cache asks for it, once per request: None when the
    database does not answer."""
    rows = await reader.latest(CURRENT)
    return int(rows[0][0]) if rows else None
