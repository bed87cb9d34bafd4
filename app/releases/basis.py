"""What the data answering now rests on: the last seed load or release, and how many changes
were made through the API since — read in one statement (``STATEMENT``), so the header that
says it costs one read per data version, off the request's own connection."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select

from app import models as m

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


def _statement() -> Any:
    c, r = m.Change, m.Release
    load = select(c).where(c.kind == SEEDS).order_by(c.id.desc()).limit(1).subquery()
    release = select(r).order_by(r.created_at.desc(), r.name.desc()).limit(1).subquery()

    def after(last: Any) -> Any:
        counted = select(func.count()).where(c.kind != SEEDS, c.id > func.coalesce(last, 0))
        return counted.scalar_subquery()

    return select(
        select(load.c.id).scalar_subquery(),
        select(load.c.at).scalar_subquery(),
        select(load.c.after).scalar_subquery(),
        after(select(load.c.id).scalar_subquery()),
        select(release.c.name).scalar_subquery(),
        select(release.c.created_at).scalar_subquery(),
        select(release.c.content_hash).scalar_subquery(),
        select(release.c.last_change).scalar_subquery(),
        after(select(release.c.last_change).scalar_subquery()),
    )


STATEMENT = _statement()


def _utc(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    at = dt.datetime.fromisoformat(value) if isinstance(value, str) else value  # SQLite: text
    assert isinstance(at, dt.datetime)
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


def from_row(row: Sequence[Any]) -> Basis:
    load_id, load_at, load_after, since_load, name, made, content_hash, last, since = row
    if name is not None and (load_id is None or last >= load_id):
        return Basis("release", name, content_hash, _utc(made), int(last), int(since))
    if load_id is not None:
        after = json.loads(load_after) if isinstance(load_after, str) else load_after
        loaded_hash = (after or {}).get("content_hash")
        return Basis(SEEDS, SEEDS, loaded_hash, _utc(load_at), int(load_id), int(since_load))
    return Basis(None, None, None, None, 0, int(since_load))


def current(connection: Connection) -> Basis:
    return from_row(connection.execute(STATEMENT).one())


def changes_after(connection: Connection, last_change: int) -> int:
    c = m.Change
    query = select(func.count()).where(c.id > last_change, c.kind != SEEDS)
    return int(connection.execute(query).scalar_one())
