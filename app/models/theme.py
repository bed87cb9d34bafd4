"""The theme taxonomy, and which processes, events, instruments, provisions and pledges it tags."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import ID_LENGTH, Base


class Theme(Base):
    __tablename__ = "themes"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("themes.id"))
    description: Mapped[str | None] = mapped_column(Text)


class ThemeTag(Base):
    __tablename__ = "theme_tags"

    subject_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    theme_id: Mapped[str] = mapped_column(ForeignKey("themes.id"), primary_key=True, index=True)
