"""Keep the search index in step with the records: a projection of the read model
(``app.readmodel``), rebuilt whole by ``sync_index`` and refreshed by ``refresh`` after a
write to a record or a citation.

One row per searchable record: ``title`` (weighted higher) and ``body`` are what is searched;
``subject`` is the record a hit belongs to (for a citation, the fact it supports; for a
provision, its instrument; for a figure, what it counts; for a statement's point, the event
where it was made).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import Any

from sqlalchemy import (
    Connection,
    Table,
    delete,
    insert,
    not_,
    select,
    tuple_,
    update,
)

from app import models as m
from app.search.text import added_forms
from app.seeding.kinds import ACTOR, INSTRUMENT, PLEDGE, PROCESS, Kind

Doc = dict[str, Any]
TABLE: Table = m.SearchEntry.__table__  # type: ignore[assignment]
S = TABLE.c
KINDS = (
    "actor",
    "process",
    "event",
    "instrument",
    "provision",
    "pledge",
    "figure",
    "citation",
    "point",
)
PLURAL = {f"{k}s": k for k in KINDS} | {"processes": "process"}


def _join(*parts: Any) -> str:
    found: list[str] = []
    for part in parts:
        if isinstance(part, list | tuple):
            found += [str(p) for p in part if p]
        elif part:
            found.append(str(part))
    return "\n".join(found)


def _doc(
    kind: str, ident: str, title: str, body: str, subject: tuple[Any, Any] = (None, None)
) -> Doc:
    """An index entry; its body ends with the words joined or folded for searching (a last
    line, ``added_forms``)."""
    return {
        "kind": kind,
        "record_id": ident,
        "title": title,
        "body": _join(body, " ".join(added_forms(f"{title}\n{body}"))),
        "subject_type": subject[0],
        "subject_id": subject[1] if subject[0] else None,
    }


def _rows(connection: Connection, query: Any, key: Any, ids: Collection[str] | None) -> Any:
    if ids is not None:
        query = query.where(key.in_(list(ids)))
    return connection.execute(query)


def _declared(kind: Kind) -> Callable[[Connection, Collection[str] | None], Iterable[Doc]]:
    """Entries for a kind whose declaration names its searched columns: title, then body."""
    title, *body = kind.search

    def build(c: Connection, ids: Collection[str] | None) -> Iterable[Doc]:
        for r in _rows(c, select(kind.model), kind.table.c.id, ids):
            yield _doc(kind.name, r.id, getattr(r, title), _join(*(getattr(r, f) for f in body)))

    return build


def _events(c: Connection, ids: Collection[str] | None) -> Iterable[Doc]:
    e, p = m.Event, m.Participation
    said: dict[str, list[str]] = {}
    for event_id, capacity, statement in _rows(
        c, select(p.event_id, p.capacity, p.statement).order_by(p.ordinal), p.event_id, ids
    ):
        said.setdefault(event_id, []).extend(x for x in (capacity, statement) if x)
    sp = m.StatementPoint
    query = select(sp.event_id, sp.text).order_by(sp.participation_id, sp.ordinal)
    for event_id, point in _rows(c, query, sp.event_id, ids):
        said.setdefault(event_id, []).append(point)
    for r in _rows(c, select(e), e.id, ids):
        body = _join(r.description, r.city, r.venue, said.get(r.id, []))
        yield _doc("event", r.id, r.title, body)


def _provisions(c: Connection, ids: Collection[str] | None) -> Iterable[Doc]:
    p = m.Provision
    for r in _rows(c, select(p), p.id, ids):
        body = _join(f"{r.kind.replace('_', ' ')} {r.number}", r.short_title)
        yield _doc("provision", r.id, r.title, body, ("instrument", r.instrument_id))


def _figures(c: Connection, ids: Collection[str] | None) -> Iterable[Doc]:
    f = m.Figure
    for r in _rows(c, select(f), f.id, ids):
        yield _doc("figure", r.id, r.statement, r.unit, (r.subject_type, r.subject_id))


def _points(c: Connection, ids: Collection[str] | None, *, events: bool = False) -> Iterable[Doc]:
    """A statement's points, each under its event, with who made it (``ids`` are point ids,
    or event ids when ``events``)."""
    sp, p, a = m.StatementPoint, m.Participation, m.Actor
    query = (
        select(sp.id, sp.event_id, sp.text, a.name, p.capacity)
        .join(p, p.id == sp.participation_id)
        .join(a, a.id == p.actor_id)
    )
    for r in _rows(c, query, sp.event_id if events else sp.id, ids):
        yield _doc("point", r.id, r.text, _join(r.name, r.capacity), ("event", r.event_id))


def _citations(c: Connection, ids: Collection[str] | None) -> Iterable[Doc]:
    t = m.Citation
    query = select(t).where(t.quote.is_not(None))
    for r in _rows(c, query, t.id, ids):
        body = _join(r.note, r.locator)
        yield _doc("citation", r.id, r.quote or "", body, (r.subject_type, r.subject_id))


BUILDERS: dict[str, Callable[[Connection, Collection[str] | None], Iterable[Doc]]] = {
    "actor": _declared(ACTOR),
    "process": _declared(PROCESS),
    "event": _events,
    "instrument": _declared(INSTRUMENT),
    "provision": _provisions,
    "pledge": _declared(PLEDGE),
    "figure": _figures,
    "citation": _citations,
    "point": _points,
}
FIELDS = ("title", "body", "subject_type", "subject_id")


def _apply(connection: Connection, desired: list[Doc], existing: Iterable[Any]) -> int:
    """Insert, update and delete entries so that the index holds ``desired``; count changes."""
    wanted = {(d["kind"], d["record_id"]): d for d in desired}
    stale, changed = [], 0
    for row in existing:
        doc = wanted.pop((row.kind, row.record_id), None)
        if doc is None:
            stale.append(row.entry)
        elif any(getattr(row, f) != doc[f] for f in FIELDS):
            connection.execute(
                update(TABLE).where(S.entry == row.entry).values({f: doc[f] for f in FIELDS})
            )
            changed += 1
    for start in range(0, len(stale), 500):
        connection.execute(delete(TABLE).where(S.entry.in_(stale[start : start + 500])))
    if wanted:
        connection.execute(insert(TABLE), list(wanted.values()))
    return changed + len(stale) + len(wanted)


def sync_index(connection: Connection) -> int:
    """Make the whole index match the records (the read model's rebuild calls this)."""
    desired = [doc for build in BUILDERS.values() for doc in build(connection, None)]
    return _apply(connection, desired, connection.execute(select(TABLE)))


def _refresh(connection: Connection, kind: str, ids: list[str]) -> None:
    if not ids:
        return
    existing = connection.execute(select(TABLE).where(S.kind == kind, S.record_id.in_(ids)))
    _apply(connection, list(BUILDERS[kind](connection, ids)), existing)


def refresh(connection: Connection, kind: str, ident: str) -> None:
    """Bring the index up to date after a write to one record (``kind`` singular or plural,
    e.g. ``events`` or ``event``): the record itself, its citations and its participants'."""
    kind = PLURAL.get(kind, kind)
    subjects = [(kind, ident)]
    if kind == "event":
        participants = select(m.Participation.id).where(m.Participation.event_id == ident)
        subjects += [("participation", p) for p in connection.execute(participants).scalars()]
    if kind in BUILDERS:
        _refresh(connection, kind, [ident])
    if kind == "event":
        points = select(m.StatementPoint.id).where(m.StatementPoint.event_id == ident)
        subjects += [("statement_point", p) for p in connection.execute(points).scalars()]
        existing = connection.execute(select(TABLE).where(S.kind == "point", S.subject_id == ident))
        _apply(connection, list(_points(connection, [ident], events=True)), existing)
    cited = m.Citation
    connection.execute(
        delete(TABLE).where(
            S.kind == "citation",
            not_(S.record_id.in_(select(cited.id).where(cited.quote.is_not(None)))),
        )
    )
    citation_ids = connection.execute(
        select(cited.id).where(tuple_(cited.subject_type, cited.subject_id).in_(subjects))
    ).scalars()
    _refresh(connection, "citation", list(citation_ids))
