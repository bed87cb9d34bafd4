"""The content hash of a folder of seed files on a schema revision."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import Connection, inspect, text


def files_hash(directory: Path, revision: str | None) -> str:
    """SHA-256 of the YAML files below ``directory`` (by relative path and bytes) and the
    schema revision: the same files on the same schema always give the same hash."""
    digest = hashlib.sha256(f"schema {revision or 'none'}\n".encode())
    for path in sorted(directory.rglob("*.yaml")):
        digest.update(path.relative_to(directory).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def schema_revision(connection: Connection) -> str | None:
    """The Alembic revision the database is at; None for one built without migrations."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    found = connection.execute(text("SELECT version_num FROM alembic_version")).first()
    return str(found[0]) if found else None
