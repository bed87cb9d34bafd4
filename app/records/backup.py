"""A full backup, and its restore into an empty database.

A backup is the export (the records as seed files) plus what seed files do not hold, in
``admin/`` as one JSON object a line: the API keys (their SHA-256 hashes, never a token),
the audit log, and the responses remembered for ``Idempotency-Key`` retries. A restore
validates and loads the records as ``mgt seed`` does, then puts those rows back with their
ids, so the audit log reads as before, every key that worked still works (and a revoked one
still does not), and the changes made through the API stay guarded against a seed load.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, DateTime, Table, delete, func, insert, select, text

from app import models as m
from app.readmodel import version
from app.records.loader import load, seeded_tables
from app.seeding.exporter import export
from app.seeding.reader import SeedError

ADMIN_DIR = "admin"  # not *.yaml, which the loader would read as seed files
# In the order they are restored: a remembered response belongs to a key.
ADMIN_TABLES: tuple[Table, ...] = tuple(
    model.__table__  # type: ignore[misc]
    for model in (m.ApiKey, m.Change, m.IdempotentRequest)
)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)  # SQLite drops the zone
        return aware.astimezone(dt.UTC).isoformat()
    return value


def _line(row: dict[str, Any]) -> str:
    return json.dumps({k: _plain(v) for k, v in row.items()}, ensure_ascii=False, sort_keys=True)


def backup(connection: Connection, directory: Path) -> dict[str, int]:
    """Write a full backup into ``directory`` (new or empty); rows written per table."""
    if directory.exists() and any(directory.iterdir()):
        raise SeedError([f"{directory} is not empty: back up into a new directory"])
    counts = {"seed files": len(export(connection, directory))}
    admin = directory / ADMIN_DIR
    admin.mkdir()
    for table in ADMIN_TABLES:
        rows = connection.execute(select(table).order_by(*table.primary_key.columns))
        lines = [_line(dict(row._mapping)) for row in rows]
        (admin / f"{table.name}.ndjson").write_text(
            "".join(line + "\n" for line in lines), encoding="utf-8"
        )
        counts[table.name] = len(lines)
    return counts


def _read(table: Table, path: Path) -> list[dict[str, Any]]:
    times = {c.name for c in table.columns if isinstance(c.type, DateTime)}
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        rows.append(
            {
                k: dt.datetime.fromisoformat(v) if k in times and v is not None else v
                for k, v in row.items()
            }
        )
    return rows


def _is_empty(connection: Connection) -> bool:
    return not any(
        connection.execute(select(func.count()).select_from(table)).scalar_one()
        for table in (*seeded_tables(), *ADMIN_TABLES)
    )


def restore(connection: Connection, directory: Path, sources_dir: Path | None) -> dict[str, int]:
    """Load a full backup into an empty database, inside the caller's transaction."""
    admin = directory / ADMIN_DIR
    missing = [t.name for t in ADMIN_TABLES if not (admin / f"{t.name}.ndjson").is_file()]
    if missing:
        raise SeedError(
            [f"{directory} is not a full backup: {admin} lacks {', '.join(missing)} (`mgt backup`)"]
        )
    if not _is_empty(connection):
        raise SeedError(["a backup is restored into an empty database only; this one has data"])
    result = load(connection, directory, sources_dir)
    connection.execute(delete(m.Change))  # the load's own entry: the backup's log replaces it
    counts = {"records": sum(result.total.values())}
    for table in ADMIN_TABLES:
        rows = _read(table, admin / f"{table.name}.ndjson")
        if rows:
            connection.execute(insert(table), rows)
        counts[table.name] = len(rows)
    if connection.dialect.name == "postgresql":  # ids given explicitly: move the sequences on
        for name in ("api_keys", "changes"):
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {name}), false)"
                )
            )
    version.bump(connection)
    return counts
