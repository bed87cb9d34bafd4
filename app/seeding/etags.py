"""A record's ETag: a digest of its seed-file form, which a PATCH or PUT sends as If-Match."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from typing import Any

from sqlalchemy import Connection

from app.seeding.exporter import as_data, read_records


def etag(data: Any) -> str:
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
    return f'"{digest[:32]}"'


def record_etags(connection: Connection, kind: str, ids: Collection[str]) -> dict[str, str]:
    """The ETags of these records of ``kind`` (as audited: actors, events, ...) that exist."""
    return {r.id: etag(as_data(r)) for r in read_records(connection, kind, list(ids))}  # type: ignore[attr-defined]


def record_etag(connection: Connection, kind: str, ident: str) -> str | None:
    """The ETag a PATCH of this record must send as If-Match (None if there is no record)."""
    return record_etags(connection, kind, [ident]).get(ident)
