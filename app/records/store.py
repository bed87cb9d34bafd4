"""Create, replace and delete single records, in seed-file form, inside one transaction.

A write is validated like a seed file (schema, references to existing rows, quotes found in
the source documents), turned into rows by the same builder the loader uses, applied, and
recorded (``record_change``): in the audit log with the record before and after, and in
every projection of the read model.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, Table, and_, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from app import models as m
from app import readmodel
from app.core.errors import Conflict, NotFound, UnprocessableRecord
from app.records import integrity
from app.seeding import kinds as k
from app.seeding import schemas as s
from app.seeding.checks import quote_problem, record_citations, references
from app.seeding.exporter import as_data, read_records
from app.seeding.kinds import SCHEMAS, TABLE_OF_KIND, Writable
from app.seeding.reader import Dataset, Located
from app.seeding.rows import build_rows

SUBJECT = {plural: kind.name for plural, kind in k.WRITABLE.items()}
OWNED = {plural: kind.owned for plural, kind in k.WRITABLE.items()}


def validate(kind: str, data: Any) -> Writable:
    try:
        return SCHEMAS[kind].model_validate(data)
    except ValidationError as error:
        raise UnprocessableRecord(
            [
                f"{'.'.join(str(p) for p in e['loc']) or 'record'}: {e['msg']}"
                for e in error.errors()
            ]
        ) from error


def _table(model: type[m.Base]) -> Table:
    return model.__table__  # type: ignore[return-value]


def exists(connection: Connection, kind: str, ident: str) -> bool:
    table = _table(TABLE_OF_KIND[kind])
    return connection.execute(select(table.c.id).where(table.c.id == ident)).first() is not None


def check_record(connection: Connection, record: s.Record, sources_dir: Path | None) -> None:
    """Every reference resolves to an existing row, every quote occurs in its source, and the
    record breaks no rule the loader checks across records (``integrity``)."""
    problems = []
    for field, value, kind in references(Located("request", record)):
        if kind == "provision" and not exists(connection, "provision", value):
            problems.append(
                f"{field}: GCM objective '{value.rsplit('.', 1)[-1]}' is not in the dataset"
            )
        elif kind != "provision" and not exists(connection, kind, value):
            problems.append(f"{field}: refers to {kind} '{value}', which does not exist")
    problems += quote_problems(connection, list(record_citations(record)), sources_dir)
    if problems:
        raise UnprocessableRecord(problems)
    integrity.check_loadable(connection, record)


def quote_problems(
    connection: Connection, citations: list[s.CitationIn], sources_dir: Path | None
) -> list[str]:
    if sources_dir is None or not sources_dir.is_dir():
        return []
    rows = connection.execute(
        select(m.Source.id, m.Source.file).where(
            m.Source.id.in_({c.source for c in citations}), m.Source.file.is_not(None)
        )
    )
    files = {source_id: file for source_id, file in rows}
    found = (quote_problem(c, files.get(c.source), sources_dir) for c in citations)
    return [f"cite: {problem}" for problem in found if problem]


def read_one(connection: Connection, kind: str, ident: str) -> s.Record:
    found = read_records(connection, kind, [ident])
    if not found:
        raise NotFound(f"No {SUBJECT[kind]} with id '{ident}'")
    return found[0]


def lock_row(connection: Connection, model: type[m.Base], ident: str) -> None:
    """Lock one row until the transaction ends (``SELECT ... FOR UPDATE`` on PostgreSQL), so
    that what the write reads of it is what it changes. SQLite's write transaction holds the
    whole database already."""
    table = _table(model)
    connection.execute(select(table.c.id).where(table.c.id == ident).with_for_update())


def read_for_update(connection: Connection, kind: str, ident: str) -> s.Record:
    """``read_one``, with the record's row locked for the rest of the transaction: the
    If-Match check and the change it guards are one step."""
    lock_row(connection, TABLE_OF_KIND[SUBJECT[kind]], ident)
    return read_one(connection, kind, ident)


def _owned_subjects(connection: Connection, kind: str, ident: str) -> list[tuple[str, str]]:
    subjects = [(SUBJECT[kind], ident)]
    if kind == "events":
        rows = connection.execute(
            select(m.Participation.id).where(m.Participation.event_id == ident)
        ).scalars()
        subjects += [("participation", p) for p in rows]
        points = connection.execute(
            select(m.StatementPoint.id).where(m.StatementPoint.event_id == ident)
        ).scalars()
        subjects += [("statement_point", p) for p in points]
    return subjects


def _clear(connection: Connection, kind: str, ident: str) -> None:
    """Remove what belongs to the record (children, citations, theme tags), not the row."""
    subjects = _owned_subjects(connection, kind, ident)
    for table in (_table(m.Citation), _table(m.ThemeTag)):
        connection.execute(
            delete(table).where(
                or_(
                    *(and_(table.c.subject_type == t, table.c.subject_id == i) for t, i in subjects)
                )
            )
        )
    for model, column in OWNED[kind]:
        table = _table(model)
        connection.execute(delete(table).where(table.c[column] == ident))


def _write(connection: Connection, kind: str, record: Writable, *, new: bool) -> None:
    dataset = Dataset()
    dataset.records[kind].append(Located("request", record))
    rows = build_rows(dataset)
    main = _table(TABLE_OF_KIND[SUBJECT[kind]])
    ident = record.id
    if not new:
        _clear(connection, kind, ident)
    for table, table_rows in rows.items():
        if not table_rows:
            continue
        if table is main:
            if new:
                connection.execute(insert(table), table_rows)
            else:
                connection.execute(update(table).where(table.c.id == ident).values(table_rows[0]))
        else:
            connection.execute(insert(table), table_rows)


def record_change(
    connection: Connection,
    key_name: str,
    action: str,
    kind: str,
    ident: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    connection.execute(
        insert(_table(m.Change)).values(
            at=dt.datetime.now(dt.UTC),
            key_name=key_name,
            action=action,
            kind=kind,
            record_id=ident,
            before=before,
            after=after,
        )
    )
    readmodel.apply(connection, readmodel.Change(kind, ident, before, after))


def create(
    connection: Connection, kind: str, data: Any, key_name: str, sources_dir: Path | None
) -> dict[str, Any]:
    record = validate(kind, data)
    ident = record.id
    if exists(connection, SUBJECT[kind], ident):
        raise Conflict(f"A {SUBJECT[kind]} with id '{ident}' exists already; PATCH it instead")
    check_record(connection, record, sources_dir)
    try:
        _write(connection, kind, record, new=True)
    except IntegrityError as error:  # created since ``exists`` looked, by a writer not queued
        raise Conflict(
            f"A {SUBJECT[kind]} with id '{ident}' was created at the same moment; PATCH it instead"
        ) from error
    after = as_data(record)
    record_change(connection, key_name, "create", kind, ident, None, after)
    return after


def replace(
    connection: Connection,
    kind: str,
    ident: str,
    data: Any,
    key_name: str,
    sources_dir: Path | None,
    *,
    before: dict[str, Any],
) -> dict[str, Any]:
    record = validate(kind, data)
    if record.id != ident:
        raise UnprocessableRecord([f"id: a record's id cannot change (it is '{ident}')"])
    check_record(connection, record, sources_dir)
    _write(connection, kind, record, new=False)
    after = as_data(read_one(connection, kind, ident))
    record_change(connection, key_name, "update", kind, ident, before, after)
    return after


def remove(
    connection: Connection, kind: str, ident: str, key_name: str, *, before: dict[str, Any]
) -> None:
    integrity.check_removable(connection, SUBJECT[kind], ident)
    _clear(connection, kind, ident)
    table = _table(TABLE_OF_KIND[SUBJECT[kind]])
    try:
        with connection.begin_nested():
            connection.execute(delete(table).where(table.c.id == ident))
    except IntegrityError as error:
        raise Conflict(
            f"The {SUBJECT[kind]} '{ident}' is still referred to by other records; "
            "change or delete those first"
        ) from error
    record_change(connection, key_name, "delete", kind, ident, before, None)


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON Merge Patch."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result
