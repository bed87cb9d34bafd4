"""The data version: a number that goes up, in the same transaction, with every write.

It is one row, not a sequence. The response cache reuses a rendered answer for as long as
the database reports the same number, so a reader must never see a number before the data
it stands for is committed. A row updated inside the write's transaction becomes visible
with the write's commit, and not before. A sequence's value is visible to everyone as soon
as ``nextval`` hands it out, before that transaction commits (a reader would cache the old
data under the new number, and keep serving it), and values are handed out in the order
writers ask, not the order they commit. The row is no bottleneck because every write
holds it from its first statement anyway (``app.core.db.WRITE_LOCK``): the row is the one
lock writers queue on, which gives all of them the same lock order.
"""

from __future__ import annotations

from sqlalchemy import Connection, insert, select, update

from app.core import direct
from app.models import DataVersion

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
