"""The version each projection of the read model was last built with (``app.readmodel``)."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class ProjectionVersion(Base):
    """A projection's name and the version of its rendering its stored rows were built with;
    a differing or missing row makes ``mgt db upgrade``, ``mgt seed`` and ``mgt serve``
    rebuild it."""

    __tablename__ = "readmodel_versions"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[str] = mapped_column(String(64))
