"""Compacts, declarations, conventions, frameworks and reports, and their numbered provisions."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import ID_LENGTH, Base, DatedMixin


class Instrument(DatedMixin, Base):
    """The date is the adoption (or publication) date."""

    __tablename__ = "instruments"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    short_title: Mapped[str | None] = mapped_column(Text)
    acronym: Mapped[str | None] = mapped_column(String(60))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    symbol: Mapped[str | None] = mapped_column(String(100))
    adopted_by_id: Mapped[str | None] = mapped_column(ForeignKey("actors.id"))
    vote: Mapped[str | None] = mapped_column(String(30))
    vote_note: Mapped[str | None] = mapped_column(Text)
    binding: Mapped[bool | None] = mapped_column(Boolean)
    lead_id: Mapped[str | None] = mapped_column(ForeignKey("actors.id"))
    process_id: Mapped[str | None] = mapped_column(ForeignKey("processes.id"))
    review_process_id: Mapped[str | None] = mapped_column(ForeignKey("processes.id"))
    basis: Mapped[str | None] = mapped_column(Text)
    follow_up: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)


class InstrumentAct(DatedMixin, Base):
    """One act that made an instrument what it is, with its own date, body, meeting, symbol
    and vote: a compact adopted at a conference on one day and endorsed by the General
    Assembly, by a recorded vote, on another."""

    __tablename__ = "instrument_acts"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    instrument_id: Mapped[str] = mapped_column(ForeignKey("instruments.id"), index=True)
    act: Mapped[str] = mapped_column(String(20))
    ordinal: Mapped[int] = mapped_column(Integer)
    body_id: Mapped[str | None] = mapped_column(ForeignKey("actors.id"))
    meeting_id: Mapped[str | None] = mapped_column(ForeignKey("events.id"))
    symbol: Mapped[str | None] = mapped_column(String(100))
    vote: Mapped[str | None] = mapped_column(String(30))
    vote_note: Mapped[str | None] = mapped_column(Text)


class Provision(Base):
    """An objective, principle, element, priority area, ... of an instrument, by number."""

    __tablename__ = "provisions"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    instrument_id: Mapped[str] = mapped_column(ForeignKey("instruments.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    number: Mapped[str] = mapped_column(String(20))
    ordinal: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    short_title: Mapped[str | None] = mapped_column(Text)
