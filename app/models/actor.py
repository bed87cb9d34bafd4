"""States, organizations, mechanisms and persons, and the posts persons hold."""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import ID_LENGTH, Base, DatedMixin


class Actor(Base):
    __tablename__ = "actors"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    acronym: Mapped[str | None] = mapped_column(String(60))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    iso3: Mapped[str | None] = mapped_column(String(3))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("actors.id"), index=True)
    country_id: Mapped[str | None] = mapped_column(ForeignKey("actors.id"))
    description: Mapped[str | None] = mapped_column(Text)


class Position(DatedMixin, Base):
    """A person holding a post, perhaps in an organization, over a span."""

    __tablename__ = "positions"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("actors.id"), index=True)
    title: Mapped[str] = mapped_column(Text)
    organization_id: Mapped[str | None] = mapped_column(ForeignKey("actors.id"), index=True)
