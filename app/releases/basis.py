"""What the data answering now rests on: the last seed load or release, and how many changes
were made through the API since."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from app import models as m
from app.releases.bundle import latest

SEEDS = "seeds"


@dataclass(frozen=True)
class Basis:
    kind: str | None  # "release", "seeds", or None for data neither loaded nor released
    name: str | None
    content_hash: str | None
    at: dt.datetime | None
    last_change: int
    changes_since: int

    @property
    def header(self) -> str:
        """The ``MGT-Data-Release`` header's value, e.g. ``2026-12; sha256=…; changes-since=0``."""
        parts = [self.name or "unreleased"]
        if self.content_hash:
            parts.append(f"sha256={self.content_hash[:16]}")
        return "; ".join([*parts, f"changes-since={self.changes_since}"])


def changes_after(connection: Connection, last_change: int) -> int:
    c = m.Change
    query = select(func.count()).where(c.id > last_change, c.kind != SEEDS)
    return int(connection.execute(query).scalar_one())


def current(connection: Connection) -> Basis:
    c = m.Change
    load = connection.execute(
        select(c.id, c.at, c.after).where(c.kind == SEEDS).order_by(c.id.desc()).limit(1)
    ).first()
    release = latest(connection)
    if release is not None and (load is None or release.last_change >= load.id):
        return Basis(
            "release",
            release.name,
            release.content_hash,
            release.created_at,
            release.last_change,
            changes_after(connection, release.last_change),
        )
    if load is not None:
        content_hash = (load.after or {}).get("content_hash")
        return Basis(
            SEEDS, SEEDS, content_hash, load.at, load.id, changes_after(connection, load.id)
        )
    return Basis(None, None, None, None, 0, changes_after(connection, 0))
