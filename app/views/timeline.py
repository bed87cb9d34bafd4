"""Timeline items: what a dated item (a meeting or another event) shows in a list, and what
only its detail adds, rendered for many events at once with a fixed handful of statements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from typing import Any, Literal

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import models as m
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


def spliced_detail(event_id: str, items: dict[str, str], detail: str) -> bytes:
    """``EventDetail`` JSON from its parts, byte for byte what the model would give, without
    parsing them again: the event's timeline item, its detail part, its sessions' items (in
    ``items``, in order)."""
    listed = ",".join(body for ident, body in items.items() if ident != event_id)
    return f'{items[event_id][:-1]},{detail[1:-1]},"sessions":[{listed}]}}'.encode()
