"""The timeline query: dated items (meetings and other events) in chronological order.

One query pages the events by keyset on (start, end, id); a fixed handful more fetch, for the
whole page at once, the participants, processes, places, themes, citations and disputes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import Any, Literal

from pydantic import Field
from sqlalchemy import Select, Text, bindparam, exists, func, literal_column, select, tuple_
from sqlalchemy.orm import Session
from sqlalchemy.util import LRUCache

from app import models as m
from app.api.timeline_filter import (
    FEW,
    few_candidates,
    filter_shape,
    filter_values,
    filtered_events,
    one_actor,
    probed,
    probes,
    reaches,
)
from app.api.timeline_filter import TimelineFilter as TimelineFilter
from app.api.timeline_filter import TimelineFilterDep as TimelineFilterDep
from app.core.errors import InvalidParameter
from app.core.pagination import PageParams, cursor_dates, encode_cursor
from app.records import acting_for, direct, version
from app.seeding.schemas import EventFormat, EventStatus
from app.views import facts
from app.views.schemas import Cited, DateOut, DisputeOut, FigureOut, Out, Ref, to_json


class PlaceOut(Out):
    city: str | None = None
    country: Ref | None = None
    venue: str | None = None
    format: EventFormat | None = None


class PointOut(Cited):
    """One point of a statement, in the record's words, with its themes and quotes."""

    id: str = Field(examples=["cm-15.s5.panellist.ninette-kelley.point-3"])
    text: str
    themes: list[Ref]


class Participant(Cited):
    """An actor's role at an event, with the evidence for it."""

    actor: Ref
    role: str
    on_behalf_of: Ref | None = None
    capacity: str | None = None
    statement: str | None = None
    points: list[PointOut] = Field(
        default=[], description="What the statement said, point by point, each with quotes"
    )


class Via(Out):
    """How an item reaches an actor although the actor did not take part itself: someone
    acted for it there (ids; the person's participation and its citations are in the item's
    ``actors``)."""

    actor: str = Field(description="The actor reached", examples=["mexico"])
    kind: Literal["position", "on_behalf_of"] = Field(
        description="`position`: the person held a post in the actor at the time; "
        "`on_behalf_of`: the person took part on the actor's behalf"
    )
    person: str = Field(examples=["juan-jose-gomez-camacho"])
    participation: str = Field(description="The person's role at the item")
    position: str | None = Field(description="The post (for `position`)")
    post_held: Literal["during", "possibly", "undated"] | None = Field(
        description="`during`: the post's dates cover every day the item's date may denote; "
        "`possibly`: they only overlap (a partial date: the post may not have been held "
        "then); `undated`: the sources give the post no dates"
    )
    citations: list[str] = Field(
        description="Ids of the citations of the post or of the on-behalf-of record "
        "(each at /api/v1/citations/{id})"
    )


def _unless_none(value: object) -> bool:
    return value is None


class TimelineItem(Cited):
    id: str
    kind: str
    is_meeting: bool
    title: str
    date: DateOut
    status: EventStatus
    process: Ref | None
    parent: Ref | None = Field(description="The meeting this item is a session or part of")
    held_as: Ref | None = Field(
        description="For a meeting as announced or planned: the meeting as it was held"
    )
    place: PlaceOut | None
    actors: list[Participant]
    themes: list[Ref]
    disputes: list[DisputeOut]
    direct: bool | None = Field(
        None,
        description="In an actor's timeline (or with `actor=`): whether the actor took part itself",
        exclude_if=_unless_none,
    )
    via: list[Via] | None = Field(
        None,
        description="In an actor's timeline (or with `actor=`): how others acted for the "
        "actor at this item",
        exclude_if=_unless_none,
    )


class EventSummary(Out):
    id: str
    title: str
    kind: str
    status: str
    date: DateOut | None


class OutcomeDocument(Ref):
    relation: str


class EventDetail(TimelineItem):
    ordinal: int | None
    description: str | None
    announcements: list[EventSummary] = Field(
        description="Earlier announcements or plans of this meeting, as the sources state them"
    )
    outcome_documents: list[OutcomeDocument]
    figures: list[FigureOut]
    sessions: list[TimelineItem]


DETAIL_ONLY = {"ordinal", "description", "announcements", "outcome_documents", "figures"}


def event_summaries(rows: list[m.Event]) -> list[EventSummary]:
    return [
        EventSummary(
            id=e.id, title=e.title, kind=e.kind, status=e.status, date=DateOut.of(e.fuzzy_date)
        )
        for e in rows
    ]


def timeline_bodies(
    session: Session, f: TimelineFilter, page: PageParams
) -> tuple[list[str], str | None]:
    """One page of the filter as the items' stored JSON, in order, and the next cursor.

    One query finds the page's events and reads their stored JSON; an event without it (a
    database upgraded but not yet rendered) is rendered here instead.
    """
    query, values = page_query(f, page, few_candidates(f, session))
    rows, next_cursor = _paged(session.execute(query, values), page.limit, f.descending)
    made = completed(session, {row[0]: row[3] for row in rows})
    return [_reaching(made[row[0]], *row[4:]) for row in rows if row[0] in made], next_cursor


async def stored_timeline_bodies(
    reader: direct.Reader, f: TimelineFilter, page: PageParams
) -> tuple[list[str], str | None] | None:
    """``timeline_bodies`` read on the event loop; None when the page needs the session path
    (an item not stored) or the database did not answer there."""
    few = await _few(reader, f) if reader.is_sqlite else set()
    if few is None:
        return None
    query, values = page_query(f, page, few)
    rows = await reader.rows(query, **values)
    if rows is None:
        return None
    found, next_cursor = _paged(rows, page.limit, f.descending)
    if any(row[3] is None for row in found):
        return None
    return [_reaching(*row[3:]) for row in found], next_cursor


# The plan each process or actor filter took on SQLite (see FEW), by data version: counting a
# filter's events took longer than reading its page. A plan is never wrong, only slower.
PLANS: LRUCache[tuple[Any, ...], bool] = LRUCache(1000)


async def _few(reader: direct.Reader, f: TimelineFilter) -> set[str] | None:
    """``few_candidates`` on the event loop, remembered while the data does not change."""
    names = probed(f)
    if not names:
        return set()
    data_version = await version.current(reader)
    keys = {name: (data_version, name, *getattr(f, name)) for name in names}
    if any(key not in PLANS for key in keys.values()):
        for name, count in probes(f).items():
            counted = await reader.rows(count)
            if counted is None:
                return None
            PLANS[keys[name]] = counted[0][0] < FEW
    return {name for name, key in keys.items() if PLANS[key]}


PAGES: direct.Shapes[Select[Any]] = direct.Shapes()


def page_query(
    f: TimelineFilter, page: PageParams, few: set[str]
) -> tuple[Select[Any], dict[str, Any]]:
    """The page's (id, start, end, stored JSON) in order, one row more than the page, and
    the values of its named parameters."""
    values = filter_values(f)
    if page.after is not None:
        # A latest-first cursor says so, so that it is never read in the other direction.
        marked = (DESCENDING,) if f.descending else ()
        if len(page.after) != 3 + len(marked) or page.after[3:] != marked:
            raise InvalidParameter("cursor", "cursor is not valid for this list")
        start, end, ident = cursor_dates(page.after[:3], 2)
        values |= {"after_start": start, "after_end": end, "after_id": ident}
    shape = filter_shape(f)
    if shape is None:
        return _page_statement(f, page, few), values
    key = (*shape, *sorted(few), page.after is not None, page.limit, f.descending)
    return PAGES.get(key, lambda: _page_statement(f, page, few), values), values


def _page_statement(f: TimelineFilter, page: PageParams, few: set[str]) -> Select[Any]:
    e, a = m.Event, m.ActorEvent
    # One actor's events are read in the order of its index, whose dates are the events'.
    order = (
        (a.date_start, a.date_end, a.event_id) if one_actor(f) else (e.date_start, e.date_end, e.id)
    )
    start, end, ident = order
    reach = [a.direct, a.via] if one_actor(f) else []
    query = filtered_events(f, few).with_only_columns(ident.label("id"), start, end, *reach)
    if page.after is not None:
        after = tuple_(
            bindparam("after_start", type_=e.date_start.type),
            bindparam("after_end", type_=e.date_end.type),
            bindparam("after_id", type_=e.id.type),
        )
        query = query.where(tuple_(*order) < after if f.descending else tuple_(*order) > after)
    keys = query.order_by(*_directed(order, f)).limit(page.limit + 1).subquery()
    stored = select(m.RenderedEvent.body).where(m.RenderedEvent.event_id == keys.c.id)
    columns: list[Any] = [keys.c.id, keys.c.date_start, keys.c.date_end, stored.scalar_subquery()]
    if one_actor(f):
        columns += [keys.c.direct, keys.c.via]
    elif f.actors:
        columns += _reached_by_any(f, keys.c.id)
    return select(*columns).order_by(*_directed((keys.c.date_start, keys.c.date_end, keys.c.id), f))


def _reached_by_any(f: TimelineFilter, event_id: Any) -> list[Any]:
    """Whether any of the filter's actors took part in the event itself, and the ways
    others acted for them there, as one JSON array (for a filter on several actors)."""
    a = m.ActorEvent
    own = exists().where(a.event_id == event_id, reaches(f), a.direct.is_(True))
    ways = (
        select(func.substr(a.via, 2, func.length(a.via) - 2).label("inside"), a.actor_id)
        .where(a.event_id == event_id, reaches(f), a.via.is_not(None))
        .order_by(a.actor_id)
        .correlate_except(a)
        .subquery()
    )
    joined = acting_for.joined_in_order(ways.c.inside, ways.c.actor_id)
    via = select(literal_column("'['", Text) + joined + literal_column("']'", Text))
    return [own, via.scalar_subquery()]


DESCENDING = "-date"


def _directed(columns: tuple[Any, ...], f: TimelineFilter) -> tuple[Any, ...]:
    return tuple(c.desc() for c in columns) if f.descending else columns


def _paged(rows: Iterable[Any], limit: int, descending: bool) -> tuple[list[Any], str | None]:
    """The page's rows (id, start, end, stored JSON, and with an actor filter how the item
    reaches the actors), in order, and the cursor of the page after it."""
    found = list(rows)
    next_cursor = None
    if len(found) > limit:
        ident, start, end, *_ = found[limit - 1]
        key = (start, end, ident, *((DESCENDING,) if descending else ()))
        next_cursor = encode_cursor(key)
    return found[:limit], next_cursor


def _reaching(body: str, *reach: Any) -> str:
    """The item's stored JSON, with ``direct`` and ``via`` when the page has them."""
    if not reach:
        return body
    direct, via = reach
    return f'{body[:-1]},"direct":{"true" if direct else "false"},"via":{via or "[]"}}}'


def timeline_page(
    session: Session, f: TimelineFilter, page: PageParams
) -> tuple[list[TimelineItem], str | None]:
    bodies, next_cursor = timeline_bodies(session, f, page)
    return [TimelineItem.model_validate_json(body) for body in bodies], next_cursor


def completed(session: Session, bodies: dict[str, str | None]) -> dict[str, str]:
    """The stored JSON, with the events that have none (a database upgraded but not yet
    rendered) rendered now."""
    missing = [ident for ident, body in bodies.items() if body is None]
    fresh = render(session, missing) if missing else {}
    return {i: body or fresh[i] for i, body in bodies.items() if body or i in fresh}


def render(session: Session, ids: Collection[str]) -> dict[str, str]:
    """The timeline JSON of these events, made afresh (ids with no event are left out)."""
    events = session.scalars(select(m.Event).where(m.Event.id.in_(list(ids))))
    return {item.id: to_json(item).decode() for item in timeline_items(session, list(events))}


def render_details(session: Session, ids: Collection[str]) -> dict[str, str]:
    """What only these events' detail shows (``DETAIL_ONLY``), as a JSON object each, in the
    model's order; the detail is this spliced between the timeline item and its sessions."""
    e, link, i = m.Event, m.EventInstrument, m.Instrument
    wanted = list(ids)
    own = session.execute(select(e.id, e.ordinal, e.description).where(e.id.in_(wanted)))
    announced: dict[str, list[m.Event]] = defaultdict(list)
    for event in session.scalars(
        select(e).where(e.held_as_id.in_(wanted)).order_by(e.date_start, e.id)
    ):
        announced[event.held_as_id or ""].append(event)
    documents: dict[str, list[OutcomeDocument]] = defaultdict(list)
    for event_id, relation, ident, title in session.execute(
        select(link.event_id, link.relation, i.id, i.title)
        .join(i, i.id == link.instrument_id)
        .where(link.event_id.in_(wanted))
        .order_by(i.id)
    ):
        documents[event_id].append(OutcomeDocument(id=ident, name=title, relation=relation))
    numbers = facts.figures(session, "event", wanted)
    found = {}
    for ident, ordinal, description in own:
        parts: dict[str, Any] = {
            "ordinal": ordinal,
            "description": description,
            "announcements": event_summaries(announced[ident]),
            "outcome_documents": documents[ident],
            "figures": numbers[ident],
        }
        detail = EventDetail.model_construct(**parts)
        dumped = EventDetail.__pydantic_serializer__.to_json(
            detail, by_alias=True, include=DETAIL_ONLY
        )
        found[ident] = dumped.decode()
    return found


def participants(session: Session, event_ids: list[str]) -> dict[str, list[Participant]]:
    found: dict[str, list[Participant]] = defaultdict(list)
    if not event_ids:
        return found
    p = m.Participation
    rows = session.execute(
        select(p.id, p.event_id, p.actor_id, p.on_behalf_of_id, p.role, p.capacity, p.statement)
        .where(p.event_id.in_(event_ids))
        .order_by(p.event_id, p.ordinal)
    ).all()
    names = facts.refs(
        session, m.Actor, [r.actor_id for r in rows] + [r.on_behalf_of_id for r in rows]
    )
    evidence = facts.citations(session, "participation", [r.id for r in rows])
    said = points(session, event_ids)
    for row in rows:
        found[row.event_id].append(
            Participant(
                actor=names[row.actor_id],
                role=row.role,
                on_behalf_of=names.get(row.on_behalf_of_id) if row.on_behalf_of_id else None,
                capacity=row.capacity,
                statement=row.statement,
                points=said[row.id],
                citations=evidence[row.id],
            )
        )
    return found


def points(session: Session, event_ids: list[str]) -> dict[str, list[PointOut]]:
    """The statement points of the events' participants, by participation, in order."""
    sp = m.StatementPoint
    rows = session.execute(
        select(sp.id, sp.participation_id, sp.text)
        .where(sp.event_id.in_(event_ids))
        .order_by(sp.participation_id, sp.ordinal)
    ).all()
    ids = [r.id for r in rows]
    tags = facts.themes(session, "statement_point", ids)
    evidence = facts.citations(session, "statement_point", ids)
    found: dict[str, list[PointOut]] = defaultdict(list)
    for row in rows:
        found[row.participation_id].append(
            PointOut(id=row.id, text=row.text, themes=tags[row.id], citations=evidence[row.id])
        )
    return found


def timeline_items(session: Session, events: list[m.Event]) -> list[TimelineItem]:
    ids = [e.id for e in events]
    processes = facts.refs(session, m.Process, [e.process_id for e in events])
    parents = facts.refs(
        session, m.Event, [e.parent_id for e in events] + [e.held_as_id for e in events]
    )
    countries = facts.refs(session, m.Actor, [e.country_id for e in events])
    who = participants(session, ids)
    tags = facts.themes(session, "event", ids)
    evidence = facts.citations(session, "event", ids)
    disputed = facts.disputes(session, "event", ids)
    items = []
    for e in events:
        place = None
        if e.city or e.country_id or e.venue or e.format:
            place = PlaceOut(
                city=e.city,
                country=countries.get(e.country_id or ""),
                venue=e.venue,
                format=e.format,
            )
        date = DateOut.of(e.fuzzy_date)
        assert date is not None
        items.append(
            TimelineItem(
                id=e.id,
                kind=e.kind,
                is_meeting=e.is_meeting,
                title=e.title,
                date=date,
                status=e.status,
                process=processes.get(e.process_id or ""),
                parent=parents.get(e.parent_id or ""),
                held_as=parents.get(e.held_as_id or ""),
                place=place,
                actors=who[e.id],
                themes=tags[e.id],
                citations=evidence[e.id],
                disputes=disputed[e.id],
            )
        )
    return items
