"""The timeline query: dated items (meetings and other events) in chronological order.

One query pages the events by keyset on (start, end, id); a fixed handful more fetch, for the
whole page at once, the participants, processes, places, themes, citations and disputes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Query
from pydantic import Field
from sqlalchemy import Select, exists, func, or_, select, tuple_
from sqlalchemy.orm import Session, aliased

from app import models as m
from app.api import facts
from app.api.schemas import Cited, DateOut, DisputeOut, Out, Ref
from app.core.dates import DateFormatError, parse_bound
from app.core.errors import InvalidParameter
from app.core.pagination import PageParams, cursor_dates, encode_cursor
from app.seeding.schemas import EVENT_KINDS, EventFormat, EventStatus


class PlaceOut(Out):
    city: str | None = None
    country: Ref | None = None
    venue: str | None = None
    format: EventFormat | None = None


class Participant(Cited):
    """An actor's role at an event, with the evidence for it."""

    actor: Ref
    role: str
    on_behalf_of: Ref | None = None
    capacity: str | None = None
    statement: str | None = None


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


class EventSummary(Out):
    id: str
    title: str
    kind: str
    status: str
    date: DateOut | None


def event_summaries(rows: list[m.Event]) -> list[EventSummary]:
    return [
        EventSummary(
            id=e.id, title=e.title, kind=e.kind, status=e.status, date=DateOut.of(e.fuzzy_date)
        )
        for e in rows
    ]


@dataclass
class TimelineFilter:
    start: dt.date | None = None
    end: dt.date | None = None
    processes: list[str] = field(default_factory=list)
    actors: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    q: str | None = None
    meetings_only: bool = False
    top_level: bool = False


def _bound(name: str, value: str | None, *, upper: bool) -> dt.date | None:
    if value is None:
        return None
    try:
        return parse_bound(value, upper=upper)
    except DateFormatError as error:
        raise InvalidParameter(name, str(error)) from error


def timeline_filter(
    start: Annotated[
        str | None,
        Query(
            description="Items that overlap this date or later; partial dates allowed (2016, "
            "2016-09, 2016-09-19)",
            examples=["2016"],
            max_length=20,
        ),
    ] = None,
    end: Annotated[
        str | None,
        Query(
            description="Items that overlap this date or earlier; partial dates allowed",
            examples=["2018-12"],
            max_length=20,
        ),
    ] = None,
    process: Annotated[
        list[str], Query(description="Process id (repeatable), e.g. gfmd, gcm, hld", max_length=200)
    ] = [],  # noqa: B006
    actor: Annotated[
        list[str],
        Query(description="Actor id (repeatable): items the actor took part in", max_length=200),
    ] = [],  # noqa: B006
    kind: Annotated[
        list[str],
        Query(
            description="Item kind (repeatable): summit, session, adoption, publication, ...",
            max_length=40,
        ),
    ] = [],  # noqa: B006
    theme: Annotated[list[str], Query(description="Theme id (repeatable)", max_length=200)] = [],  # noqa: B006
    status: Annotated[list[EventStatus], Query(description="held, planned, announced, ...")] = [],  # noqa: B006
    q: Annotated[
        str | None, Query(description="Words in the title or description", max_length=200)
    ] = None,
    top_level: Annotated[
        bool, Query(description="Leave out sessions and other items that belong to a meeting")
    ] = False,
) -> TimelineFilter:
    lower, upper = _bound("start", start, upper=False), _bound("end", end, upper=True)
    if lower and upper and upper < lower:
        raise InvalidParameter("end", f"end ({end}) is before start ({start})")
    unknown = sorted(set(kind) - EVENT_KINDS)
    if unknown:
        raise InvalidParameter(
            "kind", f"unknown kind {', '.join(unknown)}; one of {', '.join(sorted(EVENT_KINDS))}"
        )
    return TimelineFilter(
        lower,
        upper,
        process,
        actor,
        kind,
        theme,
        list(status),
        q.strip() if q else None,
        top_level=top_level,
    )


TimelineFilterDep = Annotated[TimelineFilter, Depends(timeline_filter)]


def like_pattern(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def filtered_events(f: TimelineFilter) -> Select[m.Event]:
    e = m.Event
    query = select(e)
    if f.start:
        query = query.where(e.date_end >= f.start)
    if f.end:
        query = query.where(e.date_start <= f.end)
    if f.processes:
        parent = aliased(m.Event)
        query = query.where(
            or_(
                e.process_id.in_(f.processes),
                e.parent_id.in_(select(parent.id).where(parent.process_id.in_(f.processes))),
            )
        )
    if f.actors:
        query = query.where(
            exists().where(m.Participation.event_id == e.id, m.Participation.actor_id.in_(f.actors))
        )
    if f.kinds:
        query = query.where(e.kind.in_(f.kinds))
    if f.themes:
        query = query.where(
            exists().where(
                m.ThemeTag.subject_type == "event",
                m.ThemeTag.subject_id == e.id,
                m.ThemeTag.theme_id.in_(f.themes),
            )
        )
    if f.statuses:
        query = query.where(e.status.in_(f.statuses))
    if f.meetings_only:
        query = query.where(e.is_meeting.is_(True))
    if f.top_level:
        query = query.where(e.parent_id.is_(None))
    if f.q:
        pattern = like_pattern(f.q)
        query = query.where(
            or_(
                func.lower(e.title).like(pattern, escape="\\"),
                func.lower(e.description).like(pattern, escape="\\"),
            )
        )
    return query


def timeline_page(
    session: Session, f: TimelineFilter, page: PageParams
) -> tuple[list[TimelineItem], str | None]:
    e = m.Event
    query = filtered_events(f)
    if page.after is not None:
        if len(page.after) != 3:
            raise InvalidParameter("cursor", "cursor is not valid for this list")
        start, end, ident = cursor_dates(page.after, 2)
        query = query.where(tuple_(e.date_start, e.date_end, e.id) > tuple_(start, end, ident))
    rows = list(
        session.scalars(query.order_by(e.date_start, e.date_end, e.id).limit(page.limit + 1))
    )
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    next_cursor = None
    if more:
        last = rows[-1]
        next_cursor = encode_cursor((last.date_start, last.date_end, last.id))
    return timeline_items(session, rows), next_cursor


def participants(session: Session, event_ids: list[str]) -> dict[str, list[Participant]]:
    found: dict[str, list[Participant]] = defaultdict(list)
    if not event_ids:
        return found
    rows = session.scalars(
        select(m.Participation)
        .where(m.Participation.event_id.in_(event_ids))
        .order_by(m.Participation.event_id, m.Participation.ordinal)
    ).all()
    names = facts.refs(
        session, m.Actor, [p.actor_id for p in rows] + [p.on_behalf_of_id for p in rows]
    )
    evidence = facts.citations(session, "participation", [p.id for p in rows])
    for p in rows:
        found[p.event_id].append(
            Participant(
                actor=names[p.actor_id],
                role=p.role,
                on_behalf_of=names.get(p.on_behalf_of_id) if p.on_behalf_of_id else None,
                capacity=p.capacity,
                statement=p.statement,
                citations=evidence[p.id],
            )
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
