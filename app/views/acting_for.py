"""How an event reaches an actor: the actor took part itself, or someone acted for it there.

Someone acts for an actor at an event when they take part in it

- recorded as acting on its behalf (a participation's ``on_behalf_of``), or
- while holding a post in it (a position whose organization is the actor): the Permanent
  Representative of Mexico co-facilitating a negotiation round reaches Mexico.

Posts and events are dated as precisely as the sources allow, so "at the time" is said as
precisely as it is known (``post_held``): ``during`` when the post's dates cover every day
the event's date may denote, ``possibly`` when they only overlap (a post held in February
2017 and an event dated 2017), ``undated`` when the sources give the post no dates. A post
whose dates do not meet the event's does not reach it.

Each way is one JSON object of ids (``Via`` in ``app.views.timeline``), made by SQL
from ids alone: ids are slugs and citation ids hex, so they need no escaping.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    Text,
    and_,
    case,
    cast,
    func,
    literal_column,
    null,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from app import models as m

Column = ColumnElement[Any] | QueryableAttribute[Any]


class joined_in_order(FunctionElement[str]):  # noqa: N801 (an SQL function, named like one)
    """The values of its first argument joined by commas, in the order of the others."""

    type = Text()
    inherit_cache = True


@compiles(joined_in_order)
def _string_agg(element: joined_in_order, compiler: SQLCompiler, **kw: Any) -> str:
    value, *order = (compiler.process(c, **kw) for c in element.clauses)
    return f"string_agg({value}, ',' ORDER BY {', '.join(order)})"


@compiles(joined_in_order, "sqlite")
def _group_concat(element: joined_in_order, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite before 3.44 has no ORDER BY in an aggregate: callers feed the rows in order.
    value = compiler.process(element.clauses.clauses[0], **kw)
    return f"group_concat({value}, ',')"


def _text(*parts: str | Column) -> ColumnElement[str]:
    """The SQL concatenation of constant strings (written into the SQL: they hold no
    single quotes) and columns."""
    merged: list[str | Column] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    pieces = [literal_column(f"'{p}'", Text) if isinstance(p, str) else p for p in merged]
    joined: ColumnElement[str] = pieces[0]  # type: ignore[assignment]
    for piece in pieces[1:]:
        joined = joined + piece
    return joined


def _citation_ids(kind: str, subject: Column) -> ColumnElement[str]:
    """The subject's citation ids as the inside of a JSON array, in their order."""
    c = m.Citation
    ordered = (
        select(_text('"', c.id, '"').label("quoted"), c.ordinal, c.id)
        .where(c.subject_type == kind, c.subject_id == subject)
        .order_by(c.ordinal, c.id)
        .correlate_except(c)
        .subquery()
    )
    listed = select(joined_in_order(ordered.c.quoted, ordered.c.ordinal, ordered.c.id))
    return listed.scalar_subquery()


def _entry(
    actor: Column,
    kind: str,
    participation: Column,
    person: Column,
    position: Column | None,
    post_held: Column | None,
    citations: Column,
) -> ColumnElement[str]:
    def quoted(value: Column | None) -> tuple[str | Column, ...]:
        return ("null",) if value is None else ('"', value, '"')

    return _text(
        '{"actor":"',
        actor,
        f'","kind":"{kind}","person":"',
        person,
        '","participation":"',
        participation,
        '","position":',
        *quoted(position),
        ',"post_held":',
        *quoted(post_held),
        ',"citations":[',
        func.coalesce(citations, literal_column("''", Text)),
        "]}",
    )


def routes(events: list[str] | None = None, actors: list[str] | None = None) -> CompoundSelect[Any]:
    """(actor, event, direct, way) for every way an event reaches an actor: ``direct`` is 1
    and ``way`` null for its own participation, otherwise 0 and the JSON object of the way;
    limited to these events and these actors when given."""
    p, post, e = m.Participation, m.Position, m.Event

    def limited(query: Select[*tuple[Any, ...]], actor: Column) -> Select[*tuple[Any, ...]]:
        if events is not None:
            query = query.where(p.event_id.in_(events))
        if actors is not None:
            query = query.where(actor.in_(actors))
        return query

    own = limited(
        select(
            p.actor_id.label("actor_id"),
            p.event_id.label("event_id"),
            literal_column("1", Integer).label("direct"),
            null().label("way"),
        ),
        p.actor_id,
    )
    behalf = limited(
        select(
            p.on_behalf_of_id,
            p.event_id,
            literal_column("0", Integer),
            _entry(
                p.on_behalf_of_id,
                "on_behalf_of",
                p.id,
                p.actor_id,
                None,
                None,
                _citation_ids("participation", p.id),
            ),
        ).where(p.on_behalf_of_id.is_not(None)),
        p.on_behalf_of_id,
    )
    covers = and_(
        post.date_start <= e.date_start,
        or_(post.date_end.is_(None), post.date_end >= e.date_end),
    )
    meets = and_(
        post.date_start <= e.date_end,
        or_(post.date_end.is_(None), post.date_end >= e.date_start),
    )
    held = case(
        (post.date_start.is_(None), literal_column("'undated'", Text)),
        (covers, literal_column("'during'", Text)),
        else_=literal_column("'possibly'", Text),
    )
    posts = limited(
        select(
            post.organization_id,
            p.event_id,
            literal_column("0", Integer),
            _entry(
                post.organization_id,
                "position",
                p.id,
                p.actor_id,
                post.id,
                held,
                _citation_ids("position", post.id),
            ),
        )
        .join(post, post.person_id == p.actor_id)
        .join(e, e.id == p.event_id)
        .where(post.organization_id.is_not(None), or_(post.date_start.is_(None), meets)),
        post.organization_id,
    )
    return own.union_all(behalf, posts)


def actor_events(
    ids: list[str] | None = None, actors: list[str] | None = None
) -> Select[str, str, dt.date | None, dt.date | None, bool, str | None]:
    """What ``actor_events`` holds (for these events, or these actors, when given): each
    actor an event reaches, with the event's dates, whether the actor took part itself and
    the JSON array of the ways others acted for it there (``routes``)."""
    e = m.Event
    ways = routes(ids, actors).subquery()
    # In order, so that SQLite joins each actor's ways at an event in order too.
    ordered = select(ways).order_by(ways.c.actor_id, ways.c.event_id, ways.c.way).subquery()
    joined = joined_in_order(ordered.c.way, ordered.c.way)
    return (
        select(
            ordered.c.actor_id,
            ordered.c.event_id,
            e.date_start,
            e.date_end,
            cast(func.max(ordered.c.direct), Boolean).label("direct"),
            (literal_column("'['", Text) + joined + literal_column("']'", Text)).label("via"),
        )
        .join(e, e.id == ordered.c.event_id)
        .group_by(ordered.c.actor_id, ordered.c.event_id, e.date_start, e.date_end)
    )
