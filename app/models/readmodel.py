"""The version each projection of the read model was last built with (``app.readmodel``)."""

from __future__ import annotations

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import ID_LENGTH, Base


class ProjectionVersion(Base):
    """A projection's name and the version of its rendering its stored rows were built with;
    a differing or missing row makes ``mgt db upgrade``, ``mgt seed`` and ``mgt serve``
    rebuild it."""

    __tablename__ = "readmodel_versions"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[str] = mapped_column(String(64))


class FacetCount(Base):
    """How many items of a whole list (``timeline``, ``meetings``, ``pledges``: no filter)
    have each value of a facet, kept by the read model so that an unfiltered facet is read,
    not counted. ``value`` is the value as JSON (``null`` for none)."""

    __tablename__ = "facet_counts"

    list: Mapped[str] = mapped_column(String(20), primary_key=True)
    facet: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(String(250), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class FacetMember(Base):
    """The facet values one record was last counted under in one list (JSON pairs of facet
    and value): what a write takes off the counts before it adds the record's new values."""

    __tablename__ = "facet_members"

    list: Mapped[str] = mapped_column(String(20), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    facets: Mapped[str] = mapped_column(Text)
