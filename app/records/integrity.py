"""What the loader would refuse in a dataset, refused on a single write (409, naming the
other record), so that an export of whatever the API accepted always loads again.

The rules are the loader's own (``app.seeding.checks``): no two actors share a name, acronym
or alias; one person's same post is one record however its spans are cited; a figure or a
dispute is about a record that exists. A record may
also not close a loop of references within its table (an actor's parent or country, an
event's parent or ``held_as``, a pledge's ``matches``), which the loader could not insert in
any order. On PostgreSQL the check and the write of one kind take turns on a transaction
lock, so two writers cannot each pass the check with names that clash.
"""

from __future__ import annotations

import zlib
from typing import Any

from sqlalchemy import Connection, Table, func, select

from app import models as m
from app.core.errors import Conflict
from app.seeding import schemas as s
from app.seeding.checks import name_keys, same_post
from app.seeding.exporter import read_records

TABLES: dict[type[s.Record], type[m.Base]] = {
    s.ActorIn: m.Actor,
    s.EventIn: m.Event,
    s.PledgeIn: m.Pledge,
    s.PositionIn: m.Position,
}


def check_loadable(connection: Connection, record: s.Record) -> None:
    """Raise :class:`Conflict` if the dataset with ``record`` written would not load."""
    model = TABLES.get(type(record))
    if model is None:
        return
    table: Table = model.__table__  # type: ignore[assignment]
    if connection.dialect.name == "postgresql":
        lock = zlib.crc32(f"mgt-loadable-{table.name}".encode())
        connection.execute(select(func.pg_advisory_xact_lock(lock)))
    if isinstance(record, s.ActorIn):
        _unique_names(connection, record)
    if isinstance(record, s.PositionIn):
        _one_record_per_post(connection, record)
    _no_loop(connection, table, record)


def check_removable(connection: Connection, kind: str, ident: str) -> None:
    """Raise :class:`Conflict` if a figure or a dispute is about the record (``kind`` as
    citations name it: actor, event, ...): the loader refuses a subject that is not there."""
    for model, label in ((m.Figure, "figure"), (m.Dispute, "dispute")):
        about = select(model.id).where(model.subject_type == kind, model.subject_id == ident)
        found = connection.execute(about.limit(1)).scalar()
        if found is not None:
            raise _refusal(
                "id",
                f"the {kind} '{ident}' is the subject of {label} '{found}'; "
                "change or remove that first",
                label,
                found,
            )


def _refusal(field: str, detail: str, kind: str, other: str) -> Conflict:
    return Conflict(
        f"{field}: {detail}",
        errors=[{"field": field, "detail": detail, "record": {"kind": kind, "id": other}}],
    )


def _unique_names(connection: Connection, actor: s.ActorIn) -> None:
    mine = name_keys(actor.name, actor.acronym, actor.aliases)
    others = select(m.Actor.id, m.Actor.name, m.Actor.acronym, m.Actor.aliases).where(
        m.Actor.id != actor.id
    )
    for ident, name, acronym, aliases in connection.execute(others):
        shared = mine & name_keys(name, acronym, aliases or [])
        if shared:
            taken = sorted(shared)[0]
            field = next(
                f
                for f, values in (
                    ("name", [actor.name]),
                    ("acronym", [actor.acronym]),
                    ("aliases", actor.aliases),
                )
                if any(v is not None and v.casefold() == taken for v in values)
            )
            raise _refusal(
                field,
                f"the name or alias '{taken}' belongs to actor '{ident}' already; "
                "an actor's names must be its own (add it to that actor, or qualify it)",
                "actor",
                ident,
            )


def _one_record_per_post(connection: Connection, position: s.PositionIn) -> None:
    same_person = select(m.Position.id).where(
        m.Position.person_id == position.person, m.Position.id != position.id
    )
    ids = list(connection.execute(same_person).scalars())
    for other in read_records(connection, "positions", ids) if ids else []:
        assert isinstance(other, s.PositionIn)
        if same_post(position, other):
            raise _refusal(
                "date",
                f"'{other.id}' is the same post of {position.person} over overlapping dates; "
                "cite that record instead of adding a second one",
                "position",
                other.id,
            )


def _no_loop(connection: Connection, table: Table, record: Any) -> None:
    columns = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    for column in columns:
        target = getattr(record, column.removesuffix("_id"))
        if target is None or target == record.id:
            continue
        seen, frontier = {target}, {target}
        while frontier:
            rows = connection.execute(
                select(*(table.c[c] for c in columns)).where(
                    table.c.id.in_(frontier), table.c.id != record.id
                )
            )
            frontier = {ref for row in rows for ref in row if ref is not None} - seen
            if record.id in frontier:
                raise _refusal(
                    column.removesuffix("_id"),
                    f"'{target}' leads back to '{record.id}' through {', '.join(columns)}: "
                    "a cycle of references that could not be loaded in any order",
                    table.name.removesuffix("s"),
                    target,
                )
            seen |= frontier
