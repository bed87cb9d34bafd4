"""Forums, dialogues, commissions, compact processes and the links and roles among them."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import ID_LENGTH, Base, DatedMixin


class Process(DatedMixin, Base):
    __tablename__ = "processes"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    acronym: Mapped[str | None] = mapped_column(String(60))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    within_un: Mapped[bool | None] = mapped_column(Boolean)
    binding: Mapped[bool | None] = mapped_column(Boolean)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("processes.id"))
    description: Mapped[str | None] = mapped_column(Text)


class ProcessLink(Base):
    """A directed relation: ``source`` led_to / reviews / feeds_into / ... ``target``."""

    __tablename__ = "process_links"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("processes.id"), index=True)
    target_id: Mapped[str] = mapped_column(ForeignKey("processes.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)


class ProcessRole(DatedMixin, Base):
    """An actor's role in a process over a span (lead, co-facilitator, chair, ...)."""

    __tablename__ = "process_roles"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    actor_id: Mapped[str] = mapped_column(ForeignKey("actors.id"), index=True)
    process_id: Mapped[str] = mapped_column(ForeignKey("processes.id"), index=True)
    role: Mapped[str] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
