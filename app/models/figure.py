"""Numeric facts, and disputes where sources disagree (every claim kept, one followed)."""

from __future__ import annotations

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import ID_LENGTH, Base, DatedMixin


class Figure(DatedMixin, Base):
    """A number with its unit; the date is the as-of date."""

    __tablename__ = "figures"
    __table_args__ = (Index("ix_figures_subject", "subject_type", "subject_id"),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    statement: Mapped[str] = mapped_column(Text)
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))


class Dispute(Base):
    __tablename__ = "disputes"
    __table_args__ = (Index("ix_disputes_subject", "subject_type", "subject_id"),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    field: Mapped[str] = mapped_column(String(100))
    question: Mapped[str] = mapped_column(Text)
    resolution: Mapped[str] = mapped_column(Text)


class DisputeClaim(Base):
    __tablename__ = "dispute_claims"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    dispute_id: Mapped[str] = mapped_column(ForeignKey("disputes.id"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    claim: Mapped[str] = mapped_column(Text)
    followed: Mapped[bool] = mapped_column(Boolean)
