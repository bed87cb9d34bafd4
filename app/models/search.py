"""The full-text search index: one row per searchable record, kept in step with every write.

The rows are derived data (``app.search.index`` builds them from the other tables). What
matches them is engine-specific and created by hand in migration 0003: on SQLite an FTS5
table over this one (``search_fts``, porter stemming) fed by triggers; on PostgreSQL a
stored generated ``document`` column (a weighted English tsvector of title and body) with a
GIN index. Autogenerate cannot describe either; a comparator in ``app.models.migrate`` tells
it to leave them alone.
"""

from __future__ import annotations

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
