"""The facet counts of whole lists: how many items of the timeline, the meetings and the pledges
have each value of each facet, kept with every write so that an unfiltered ``facet=`` is
read from a few rows instead of counted over every item.

Each facet is one query of (record id, value) pairs; the stored count of a value is the
number of its pairs over the whole list. ``facet_members`` keeps the pairs each record was
last counted under: a write to some records takes their old pairs off the counts and adds
their new ones (``refresh``), so it costs what those records cost, whatever the size of the
list. Writers queue on the data version row (``app.readmodel.version``), so two writes never
move the same counts at once. A seed load rebuilds everything (``rebuild``); ``check``
compares the stored counts with a fresh GROUP BY and the stored pairs with fresh ones.

An event's process is its own or, for a session without one, its parent's: a write to an
event also recounts the events whose parent it is.

The same counts keep how many top-level meetings cover each number of days
(``meeting_spans``): the longest bounds how far before a date a meeting that may fall on it
can start, so a snapshot walks the meetings starting in that window, not all before it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Select,
    Table,
    delete,
    extract,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.compiler import SQLCompiler

from app import models as m

AnySelect = Select[*tuple[Any, ...]]
Pairs = Callable[[list[str] | None], AnySelect]
CHUNK = 500
SPANS = "meeting_spans"
REBUILD_CHUNK = 5000
COUNTS: Table = m.FacetCount.__table__  # type: ignore[assignment]
MEMBERS: Table = m.FacetMember.__table__  # type: ignore[assignment]


def _year(value: Any) -> Any:  # a year, or a number of days
    return int(value) if value is not None else None


@dataclass(frozen=True)
class Counted:
    """One facet of one whole list: ``pairs(ids)`` selects (record id, value) for those
    records (all, for None); ``normal`` makes a value the same on both engines."""

    list: str
    kind: str  # the records whose writes move it, as audited: "events", "pledges"
    facet: str
    pairs: Pairs
    normal: Callable[[Any], Any] = lambda value: value


def _only(query: AnySelect, column: Any, ids: list[str] | None) -> AnySelect:
    return query if ids is None else query.where(column.in_(ids))


def _event_pairs(value: Callable[[Any, Any], Any], meetings: bool) -> Pairs:
    def pairs(ids: list[str] | None) -> AnySelect:
        e, parent = m.Event, aliased(m.Event)
        query = select(e.id, value(e, parent))
        if meetings:
            query = query.where(e.is_meeting.is_(True))
        return _only(query, e.id, ids)

    return pairs


def _event_process(ids: list[str] | None, meetings: bool) -> AnySelect:
    e, parent = m.Event, aliased(m.Event)
    value = func.coalesce(e.process_id, parent.process_id)
    query = select(e.id, value).outerjoin(parent, parent.id == e.parent_id)
    if meetings:
        query = query.where(e.is_meeting.is_(True))
    return _only(query, e.id, ids)


def _event_facets(name: str, meetings: bool) -> list[Counted]:
    return [
        Counted(name, "events", "kind", _event_pairs(lambda e, _: e.kind, meetings)),
        Counted(name, "events", "status", _event_pairs(lambda e, _: e.status, meetings)),
        Counted(name, "events", "process", lambda ids: _event_process(ids, meetings)),
        Counted(
            name,
            "events",
            "year",
            _event_pairs(lambda e, _: extract("year", e.date_start), meetings),
            _year,
        ),
    ]


class DaysBetween(ColumnElement[int]):
    """How many days after ``start`` ``end`` is (engine-specific at compile time)."""

    inherit_cache = False
    type = Integer()

    def __init__(self, start: Any, end: Any) -> None:
        self.start, self.end = start, end


@compiles(DaysBetween, "sqlite")
def _sqlite_days(element: DaysBetween, compiler: SQLCompiler, **kw: Any) -> str:
    end, start = compiler.process(element.end, **kw), compiler.process(element.start, **kw)
    return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)"


@compiles(DaysBetween)
def _days(element: DaysBetween, compiler: SQLCompiler, **kw: Any) -> str:
    end, start = compiler.process(element.end, **kw), compiler.process(element.start, **kw)
    return f"({end} - {start})"


def _meeting_span(ids: list[str] | None) -> AnySelect:
    e = m.Event
    query = select(e.id, DaysBetween(e.date_start, e.date_end)).where(
        e.parent_id.is_(None), e.is_meeting.is_(True), e.date_end.is_not(None)
    )
    return _only(query, e.id, ids)


def _pledge_status(ids: list[str] | None) -> AnySelect:
    return _only(select(m.Pledge.id, m.Pledge.status), m.Pledge.id, ids)


def _pledge_objective(ids: list[str] | None) -> AnySelect:
    o = m.PledgeObjective
    return _only(select(o.pledge_id, o.provision_id), o.pledge_id, ids)


COUNTED: tuple[Counted, ...] = (
    *_event_facets("timeline", meetings=False),
    *_event_facets("meetings", meetings=True),
    Counted("pledges", "pledges", "status", _pledge_status),
    Counted("pledges", "pledges", "objective", _pledge_objective),
    Counted(SPANS, "events", "days", _meeting_span, _year),
)
LISTS = {c.list: c.kind for c in COUNTED}
KEPT = {(c.list, c.facet) for c in COUNTED}


def identity() -> list[Any]:
    """What the counts are made by (the read model's version of them hashes these)."""
    return [
        _event_pairs,
        _event_process,
        _event_facets,
        _pledge_status,
        _pledge_objective,
        _meeting_span,
        _sqlite_days,
        _days,
    ]


def _key(value: Any) -> str:
    return json.dumps(value)


def stored(connection: Connection, name: str, facet: str) -> list[tuple[Any, int]]:
    """The stored (value, count) rows of one facet of a whole list."""
    c = COUNTS.c
    rows = connection.execute(
        select(c.value, c.count).where(c.list == name, c.facet == facet).order_by(c.value)
    )
    return [(json.loads(value), n) for value, n in rows]


def longest_meeting(connection: Connection) -> int | None:
    """How many days the longest top-level meeting covers; None when there is none."""
    days = [value for value, _ in stored(connection, SPANS, "days") if value is not None]
    return max(days, default=None)


def fresh_pairs(connection: Connection, kind: str, ids: list[str] | None) -> dict[Any, Any]:
    """Each record's (facet, value) pairs in each list its kind has, by (list, record id)."""
    found: dict[tuple[str, str], list[tuple[str, Any]]] = {}
    for counted in COUNTED:
        if counted.kind != kind:
            continue
        for ident, value in connection.execute(counted.pairs(ids)):
            found.setdefault((counted.list, ident), []).append(
                (counted.facet, counted.normal(value))
            )
    return {key: _members(pairs) for key, pairs in found.items()}


def _members(pairs: Iterable[tuple[str, Any]]) -> str:
    return json.dumps(sorted([facet, value] for facet, value in pairs), default=str)


def lists_of(kind: str) -> list[str]:
    return sorted(name for name, of in LISTS.items() if of == kind)


def stored_pairs(connection: Connection, kind: str, ids: list[str]) -> dict[Any, str]:
    c = MEMBERS.c
    query = select(c.list, c.record_id, c.facets).where(
        c.list.in_(lists_of(kind)), c.record_id.in_(ids)
    )
    return {(name, ident): facets for name, ident, facets in connection.execute(query)}


def _tally(delta: Counter[tuple[str, str, str]], members: dict[Any, str], sign: int) -> None:
    for (name, _), facets in members.items():
        for facet, value in json.loads(facets):
            delta[(name, facet, _key(value))] += sign


def _move(connection: Connection, delta: Counter[tuple[str, str, str]]) -> None:
    """Add each difference to its count (a new value gets a row; a count of 0 goes)."""
    c = COUNTS.c
    for (name, facet, value), by in sorted(delta.items()):
        if not by:
            continue
        where = (c.list == name) & (c.facet == facet) & (c.value == value)
        moved = connection.execute(update(COUNTS).where(where).values(count=c.count + by))
        if moved.rowcount == 0:
            connection.execute(insert(COUNTS).values(list=name, facet=facet, value=value, count=by))
        elif by < 0:
            connection.execute(delete(COUNTS).where(where, c.count <= 0))


def touches(connection: Connection, kind: str, ident: str) -> set[tuple[str, str]]:
    """The records whose counted values a write to (kind, ident) may change: the record, and
    for an event the sessions that take its process."""
    if kind not in LISTS.values():
        return set()
    found = {(kind, ident)}
    if kind == "events":
        children = select(m.Event.id).where(m.Event.parent_id == ident)
        found |= {("events", child) for child in connection.scalars(children)}
    return found


def refresh(connection: Connection, keys: set[tuple[str, str]]) -> None:
    """Move the counts by what these records count under now, less what they counted under
    when last counted; keep their new pairs."""
    for kind in sorted({kind for kind, _ in keys}):
        ids = sorted(ident for of, ident in keys if of == kind)
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            before = stored_pairs(connection, kind, chunk)
            after = fresh_pairs(connection, kind, chunk)
            delta: Counter[tuple[str, str, str]] = Counter()
            _tally(delta, before, -1)
            _tally(delta, after, +1)
            c = MEMBERS.c
            connection.execute(
                delete(MEMBERS).where(c.list.in_(lists_of(kind)), c.record_id.in_(chunk))
            )
            _insert_members(connection, after)
            _move(connection, delta)


def _insert_members(connection: Connection, members: dict[Any, str]) -> None:
    rows = [{"list": n, "record_id": i, "facets": f} for (n, i), f in sorted(members.items())]
    if rows:
        connection.execute(insert(MEMBERS), rows)


MODELS: dict[str, Any] = {"events": m.Event, "pledges": m.Pledge}


def all_ids(connection: Connection, kind: str) -> Iterator[list[str]]:
    """Every id of a kind, a chunk at a time, in id order."""
    model = MODELS[kind]
    last: str | None = None
    while True:
        query = select(model.id).order_by(model.id).limit(REBUILD_CHUNK)
        if last is not None:
            query = query.where(model.id > last)
        chunk = list(connection.scalars(query))
        if not chunk:
            return
        yield chunk
        last = chunk[-1]


def rebuild(connection: Connection) -> None:
    """Count every list again from the records."""
    connection.execute(delete(COUNTS))
    connection.execute(delete(MEMBERS))
    delta: Counter[tuple[str, str, str]] = Counter()
    for kind in sorted(set(LISTS.values())):
        for chunk in all_ids(connection, kind):
            members = fresh_pairs(connection, kind, chunk)
            _insert_members(connection, members)
            _tally(delta, members, +1)
    rows = [
        {"list": name, "facet": facet, "value": value, "count": n}
        for (name, facet, value), n in sorted(delta.items())
        if n
    ]
    if rows:
        connection.execute(insert(COUNTS), rows)


def grouped(connection: Connection, counted: Counted) -> dict[str, int]:
    """A fresh GROUP BY of one facet over its whole list, by value as stored."""
    pairs = counted.pairs(None).subquery()
    value = list(pairs.c)[1]
    rows = connection.execute(select(value, func.count()).group_by(value))
    found: Counter[str] = Counter()
    for v, n in rows:
        found[_key(counted.normal(v))] += n
    return dict(found)
