"""Documents facts come from, and the citations that tie any fact to one of them."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import ID_LENGTH, Base, DatedMixin


class Source(DatedMixin, Base):
    __tablename__ = "sources"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40))
    author: Mapped[str | None] = mapped_column(Text)
    publisher: Mapped[str | None] = mapped_column(Text)
    symbol: Mapped[str | None] = mapped_column(String(100), index=True)
    url: Mapped[str | None] = mapped_column(Text)
    file: Mapped[str | None] = mapped_column(String(200))
    origin: Mapped[str] = mapped_column(
        String(20), doc="document, reference or web_page: what the source is to the dataset"
    )


class Citation(Base):
    """A fact's evidence. ``subject_type``/``subject_id`` name the cited row in any table."""

    __tablename__ = "citations"
    __table_args__ = (
        Index("ix_citations_subject", "subject_type", "subject_id"),
        # A source's citations in the order its detail and /citations?source= list them
        # (cited kind, record, the record's own order of citations): a page is a range.
        Index(
            "ix_citations_source_order", "source_id", "subject_type", "subject_id", "ordinal", "id"
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    ordinal: Mapped[int] = mapped_column(Integer)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"))
    quote: Mapped[str | None] = mapped_column(String(200))
    locator: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
