"""Load the seed files into the database: validate everything, then sync in one transaction.

The seed files are the source of truth for the tables they fill: rows they add are inserted,
rows whose values differ are updated, rows they no longer hold are deleted. A second load of
the same files therefore changes nothing, and a file with any problem changes nothing at all.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, delete, func, insert, select, tuple_, update

from app import readmodel
from app.core.progress import progress
from app.models import ApiKey, Base, Change, IdempotentRequest, ProjectionVersion
from app.readmodel.projections import PROJECTIONS
from app.records import store
from app.seeding.checks import check_dataset
from app.seeding.content import files_hash, schema_revision
from app.seeding.reader import read_dataset
from app.seeding.rows import Row, Rows, build_rows


@dataclass
class LoadResult:
    inserted: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    deleted: Counter[str] = field(default_factory=Counter)
    total: Counter[str] = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.updated or self.deleted)


def read_rows(seeds_dir: Path, sources_dir: Path | None) -> Rows:
    dataset = read_dataset(seeds_dir)
    check_dataset(dataset, sources_dir)
    return build_rows(dataset)


def _key(table: Table, row: Row) -> tuple[Any, ...]:
    return tuple(row[c.name] for c in table.primary_key.columns)


def _self_ref_order(table: Table, rows: list[Row]) -> list[Row]:
    """Order rows so that a row another row of the same table points at comes first."""
    columns = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    if not columns:
        return rows
    by_key = {row["id"]: row for row in rows}
    ordered: list[Row] = []
    done: set[str] = set()

    def visit(row: Row) -> None:
        if row["id"] in done:
            return
        done.add(row["id"])
        for column in columns:
            target = by_key.get(row[column])
            if target is not None:
                visit(target)
        ordered.append(row)

    for row in rows:
        visit(row)
    return ordered


def seeded_tables() -> list[Table]:
    """The tables the seed files fill; keys, the audit log and the read model are not."""
    derived = {table for projection in PROJECTIONS for table in projection.tables}
    kept = {t.__table__ for t in (ApiKey, Change, IdempotentRequest, ProjectionVersion)}
    return [t for t in Base.metadata.sorted_tables if t not in derived | kept]


def sync(connection: Connection, rows: Rows, content_hash: str | None = None) -> LoadResult:
    result = LoadResult()
    tables = seeded_tables()
    plans: dict[Table, tuple[list[Row], list[Row], list[tuple[Any, ...]]]] = {}
    for table in tables:
        desired = {_key(table, row): row for row in rows.get(table, [])}
        existing = {
            _key(table, dict(r._mapping)): dict(r._mapping)
            for r in connection.execute(select(table))
        }
        inserts = [row for key, row in desired.items() if key not in existing]
        updates = [
            row
            for key, row in desired.items()
            if key in existing and existing[key] != {c: row.get(c) for c in existing[key]}
        ]
        deletes = [key for key in existing if key not in desired]
        plans[table] = (inserts, updates, deletes)
        result.total[table.name] = len(desired)
    for table in progress(tables, "writing tables"):
        inserts, updates, _ = plans[table]
        if inserts:
            connection.execute(insert(table), _self_ref_order(table, inserts))
            result.inserted[table.name] = len(inserts)
        for row in updates:
            keys = table.primary_key.columns
            condition = tuple_(*keys) == tuple_(*(row[c.name] for c in keys))
            connection.execute(update(table).where(condition).values(row))
        if updates:
            result.updated[table.name] = len(updates)
    for table in reversed(tables):
        deletes = plans[table][2]
        if deletes:
            columns = list(table.primary_key.columns)
            for start in range(0, len(deletes), 500):
                chunk = deletes[start : start + 500]
                connection.execute(delete(table).where(tuple_(*columns).in_(chunk)))
            result.deleted[table.name] = len(deletes)
    readmodel.rebuild(connection)
    if not result.changed:
        return result
    totals = {
        "inserted": sum(result.inserted.values()),
        "updated": sum(result.updated.values()),
        "deleted": sum(result.deleted.values()),
        "content_hash": content_hash,
    }
    store.record_change(connection, "seed", "load", "seeds", "*", None, totals)
    return result


def changes_since_last_load(connection: Connection) -> int:
    """Changes made through the API since the seed files were last loaded."""
    last = connection.execute(
        select(func.max(Change.id)).where(Change.kind == "seeds")
    ).scalar_one()
    query = select(func.count()).select_from(Change).where(Change.kind != "seeds")
    if last is not None:
        query = query.where(Change.id > last)
    return int(connection.execute(query).scalar_one())


def load(connection: Connection, seeds_dir: Path, sources_dir: Path | None) -> LoadResult:
    """Validate the seeds, then sync them inside the caller's transaction. The audit entry of
    a load that changed anything records the seed files' content hash."""
    content_hash = files_hash(seeds_dir, schema_revision(connection))
    return sync(connection, read_rows(seeds_dir, sources_dir), content_hash)
