"""The declarative base, its naming convention, and the columns every dated record shares."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.core.dates import FuzzyDate, parse_date

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID_LENGTH = 200


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class DatedMixin:
    """A partial date: the EDTF text and wording as written, and its ISO bounds for queries."""

    date_edtf: Mapped[str | None] = mapped_column(String(60))
    date_qualifier: Mapped[str | None] = mapped_column(String(10))
    date_start: Mapped[dt.date | None] = mapped_column(Date)
    date_end: Mapped[dt.date | None] = mapped_column(Date)

    def set_date(self, edtf: str | None, qualifier: str | None = None) -> None:
        self.date_edtf, self.date_qualifier = edtf, qualifier
        parsed = parse_date(edtf) if edtf else None
        self.date_start = parsed.lower if parsed else None
        self.date_end = parsed.upper if parsed else None

    @property
    def fuzzy_date(self) -> FuzzyDate | None:
        if self.date_edtf is None:
            return None
        return parse_date(self.date_edtf, self.date_qualifier)  # type: ignore[arg-type]
