"""The full-text search index: one row per searchable record, kept in step with every write.

The rows are derived data (``app.search.index`` builds them from the other tables). What
matches them is engine-specific and created by hand in migration 0003: on SQLite an FTS5
table over this one (``search_fts``, porter stemming) fed by triggers; on PostgreSQL a
stored generated ``document`` column (a weighted English tsvector of title and body) with a
GIN index. Autogenerate cannot describe either, so the comparator below tells it to leave
them alone, as ``include_object`` would.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate.compare import comparators
from alembic.operations import ops
from alembic.util import DispatchPriority, PriorityDispatchResult
from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import ID_LENGTH, Base

FTS_TABLE = "search_fts"
TSV_INDEX = "ix_search_index_document"
TSV_COLUMN = "document"


class SearchEntry(Base):
    """A searchable record (actor, process, event, instrument, provision, pledge, figure or
    citation): its display title, the text searched, and the record it belongs to."""

    __tablename__ = "search_index"
    __table_args__ = (UniqueConstraint("kind", "record_id"),)

    entry: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))


def _hand_made(op: Any) -> bool:
    if isinstance(op, ops.DropTableOp):
        return bool(op.table_name == FTS_TABLE or op.table_name.startswith(f"{FTS_TABLE}_"))
    if isinstance(op, ops.DropIndexOp):
        return bool(op.index_name == TSV_INDEX)
    if isinstance(op, ops.DropColumnOp):
        return bool(op.table_name == "search_index" and op.column_name == TSV_COLUMN)
    return False


@comparators.dispatch_for("schema", priority=DispatchPriority.LAST)
def _leave_search_internals(autogen_context: Any, upgrade_ops: Any, schemas: Any) -> Any:
    for container in [upgrade_ops, *[o for o in upgrade_ops.ops if hasattr(o, "ops")]]:
        container.ops[:] = [o for o in container.ops if not _hand_made(o)]
    upgrade_ops.ops[:] = [o for o in upgrade_ops.ops if not (hasattr(o, "ops") and not o.ops)]
    return PriorityDispatchResult.CONTINUE
