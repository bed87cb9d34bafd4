"""Meetings (and their sessions) and other dated events, with who took part and how."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import ID_LENGTH, Base, DatedMixin


class Event(DatedMixin, Base):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_chronology", "date_start", "date_end", "id"),
        # With the id, a process filter's events are found from the index alone.
        Index("ix_events_process_id", "process_id", "id"),
        Index("ix_events_parent_id", "parent_id", "id"),
        # A process's last meeting before a day and its next one after, without a scan.
        Index("ix_events_process_end", "process_id", "date_end", "id"),
        Index("ix_events_process_start", "process_id", "date_start", "id"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    is_meeting: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(20))
    process_id: Mapped[str | None] = mapped_column(ForeignKey("processes.id"))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("events.id"))
    held_as_id: Mapped[str | None] = mapped_column(ForeignKey("events.id"), index=True)
    ordinal: Mapped[int | None] = mapped_column(Integer)
    city: Mapped[str | None] = mapped_column(Text)
    country_id: Mapped[str | None] = mapped_column(ForeignKey("actors.id"), index=True)
    venue: Mapped[str | None] = mapped_column(Text)
    format: Mapped[str | None] = mapped_column(String(20))
    description: Mapped[str | None] = mapped_column(Text)


class Participation(Base):
    """An actor's role at a meeting or session, perhaps on behalf of another actor."""

    __tablename__ = "participations"
    __table_args__ = (
        Index("ix_participations_actor_id", "actor_id", "event_id"),
        Index("ix_participations_on_behalf_of_id", "on_behalf_of_id", "event_id"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id"), index=True)
    actor_id: Mapped[str] = mapped_column(ForeignKey("actors.id"))
    role: Mapped[str] = mapped_column(String(40))
    ordinal: Mapped[int] = mapped_column(Integer)
    on_behalf_of_id: Mapped[str | None] = mapped_column(ForeignKey("actors.id"))
    capacity: Mapped[str | None] = mapped_column(Text)
    statement: Mapped[str | None] = mapped_column(Text)


class StatementPoint(Base):
    """One point of what a participant said, in order; its themes and quotes are theme tags
    and citations with subject type ``statement_point``."""

    __tablename__ = "statement_points"
    __table_args__ = (Index("ix_statement_points_participation", "participation_id", "ordinal"),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    participation_id: Mapped[str] = mapped_column(ForeignKey("participations.id"))
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)


class EventInstrument(Base):
    """What an event did with an instrument: adopted, endorsed, published, negotiated, ..."""

    __tablename__ = "event_instruments"

    event_id: Mapped[str] = mapped_column(ForeignKey("events.id"), primary_key=True)
    instrument_id: Mapped[str] = mapped_column(
        ForeignKey("instruments.id"), primary_key=True, index=True
    )
    relation: Mapped[str] = mapped_column(String(40), primary_key=True)


class RenderedEvent(Base):
    """An event as a timeline page shows it (its JSON), made once and remade by every write
    that changes what it shows (``app.readmodel.rendered``), so a page is one indexed read."""

    __tablename__ = "rendered_events"

    event_id: Mapped[str] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    body: Mapped[str] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text, doc="what only its detail shows, as JSON")
    etag: Mapped[str | None] = mapped_column(String(40), doc="the event record's, for If-Match")


class ActorEvent(Base):
    """Each event an actor took part in or someone acted for it at, with the event's dates:
    derived from participations, posts and events, and remade with the event's stored JSON
    (``app.readmodel.rendered``), so one actor's timeline is read in date order from a range
    of its index."""

    __tablename__ = "actor_events"
    __table_args__ = (
        Index("ix_actor_events_chronology", "actor_id", "date_start", "date_end", "event_id"),
    )

    actor_id: Mapped[str] = mapped_column(
        ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True
    )
    event_id: Mapped[str] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    date_start: Mapped[dt.date | None] = mapped_column(Date)
    date_end: Mapped[dt.date | None] = mapped_column(Date)
    direct: Mapped[bool] = mapped_column(Boolean, doc="whether the actor itself took part")
    via: Mapped[str | None] = mapped_column(
        Text, doc="how others acted for the actor there, as a JSON array (None: nobody did)"
    )
