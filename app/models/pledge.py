"""Pledges toward the GCM: who pledged, on what occasion, toward which objectives."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import ID_LENGTH, Base, DatedMixin


class Pledge(DatedMixin, Base):
    __tablename__ = "pledges"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    process_id: Mapped[str | None] = mapped_column(ForeignKey("processes.id"), index=True)
    event_id: Mapped[str | None] = mapped_column(ForeignKey("events.id"), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    type: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[str | None] = mapped_column(String(20))
    matches_id: Mapped[str | None] = mapped_column(ForeignKey("pledges.id"))


class PledgeActor(Base):
    __tablename__ = "pledge_actors"
    # With the pledge id, an actor's pledges are read from the index in pledge order.
    __table_args__ = (Index("ix_pledge_actors_actor_id", "actor_id", "pledge_id"),)

    pledge_id: Mapped[str] = mapped_column(ForeignKey("pledges.id"), primary_key=True)
    actor_id: Mapped[str] = mapped_column(ForeignKey("actors.id"), primary_key=True)


class PledgeObjective(Base):
    __tablename__ = "pledge_objectives"
    __table_args__ = (Index("ix_pledge_objectives_provision_id", "provision_id", "pledge_id"),)

    pledge_id: Mapped[str] = mapped_column(ForeignKey("pledges.id"), primary_key=True)
    provision_id: Mapped[str] = mapped_column(ForeignKey("provisions.id"), primary_key=True)
