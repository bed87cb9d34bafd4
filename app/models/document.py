"""Detail documents (an actor's profile, a pledge, the objectives, ...) stored as JSON.

Assembling one of these takes a dozen queries and a nested model; storing the result makes a
read one indexed lookup. ``app.readmodel.documents`` makes them and remakes, inside every write's
transaction, those that mention a record the write touched.
"""

from __future__ import annotations

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import ID_LENGTH, Base


class RenderedDocument(Base):
    __tablename__ = "rendered_documents"

    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(String(40), doc="the record's, for If-Match")


class DocumentMention(Base):
    """A record id a stored document shows (as an ``id`` anywhere in its JSON)."""

    __tablename__ = "document_mentions"
    __table_args__ = (Index("ix_document_mentions_document", "kind", "key"),)

    ref: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
