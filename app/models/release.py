"""Named releases of the dataset: what each held, and what changed since the one before."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class Release(Base):
    """A release made by ``mgt release``. ``last_change`` is the newest audit-log entry it
    includes, so the changes made since are the entries after it; ``digests`` is a digest of
    every record (gzipped JSON), to list what the next release adds, changes and removes."""

    __tablename__ = "releases"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    schema_revision: Mapped[str | None] = mapped_column(String(40))
    last_change: Mapped[int] = mapped_column(Integer)
    previous: Mapped[str | None] = mapped_column(String(100))
    counts: Mapped[dict[str, int]] = mapped_column(JSON)
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    digests: Mapped[bytes] = mapped_column(LargeBinary)
