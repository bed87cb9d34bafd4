"""Timeline, meetings and events: what happened, when, where, in which process, and who."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import models as m
from app.api import facts
from app.api.deps import SessionDep
from app.api.schemas import FigureOut, Page, Ref
from app.api.timeline_query import (
    EventSummary,
    TimelineFilterDep,
    TimelineItem,
    event_summaries,
    timeline_items,
    timeline_page,
)
from app.core.errors import NotFound
from app.core.pagination import Page as PageDep
from app.records import store

router = APIRouter(tags=["timeline"])

EventId = Annotated[str, Path(description="Event id", examples=["cm-15"], max_length=200)]


class OutcomeDocument(Ref):
    relation: str


class EventDetail(TimelineItem):
    ordinal: int | None
    description: str | None
    sessions: list[TimelineItem]
    announcements: list[EventSummary] = Field(
        description="Earlier announcements or plans of this meeting, as the sources state them"
    )
    outcome_documents: list[OutcomeDocument]
    figures: list[FigureOut]


@router.get("/timeline", response_model=Page[TimelineItem], summary="Dated items in order")
def timeline(session: SessionDep, filters: TimelineFilterDep, page: PageDep) -> Page[TimelineItem]:
    """Meetings and other dated events (adoptions, publications, appointments, ...) in
    chronological order. Date filters match by overlap: a 2017 event matches
    `start=2017-03&end=2017-03`. Every item carries its citations and any disputes."""
    items, next_cursor = timeline_page(session, filters, page)
    return Page(items=items, next_cursor=next_cursor)


@router.get("/meetings", response_model=Page[TimelineItem], summary="Meetings in order")
def meetings(session: SessionDep, filters: TimelineFilterDep, page: PageDep) -> Page[TimelineItem]:
    """Meetings only (summits, conferences, dialogues, sessions, hearings, ...), with the same
    filters as the timeline."""
    filters.meetings_only = True
    items, next_cursor = timeline_page(session, filters, page)
    return Page(items=items, next_cursor=next_cursor)


def event_detail(session: Session, event_id: str, *, meetings_only: bool) -> EventDetail:
    event = session.get(m.Event, event_id)
    if event is None or (meetings_only and not event.is_meeting):
        what = "meeting" if meetings_only else "event"
        raise NotFound(f"No {what} with id '{event_id}'; list them at /api/v1/timeline")
    (item,) = timeline_items(session, [event])
    children = session.scalars(
        select(m.Event)
        .where(m.Event.parent_id == event_id)
        .order_by(m.Event.date_start, m.Event.date_end, m.Event.ordinal, m.Event.id)
    ).all()
    documents = session.execute(
        select(m.EventInstrument.relation, m.Instrument.id, m.Instrument.title)
        .join(m.Instrument, m.Instrument.id == m.EventInstrument.instrument_id)
        .where(m.EventInstrument.event_id == event_id)
        .order_by(m.Instrument.id)
    )
    return EventDetail(
        **item.model_dump(),
        ordinal=event.ordinal,
        description=event.description,
        sessions=timeline_items(session, list(children)),
        announcements=event_summaries(
            list(
                session.scalars(
                    select(m.Event)
                    .where(m.Event.held_as_id == event_id)
                    .order_by(m.Event.date_start, m.Event.id)
                )
            )
        ),
        outcome_documents=[OutcomeDocument(id=i, name=t, relation=r) for r, i, t in documents],
        figures=facts.figures(session, "event", [event_id])[event_id],
    )


@router.get("/meetings/{event_id}", response_model=EventDetail, summary="One meeting")
def meeting(session: SessionDep, event_id: EventId, response: Response) -> EventDetail:
    """A meeting with its participants and their roles, its sessions, figures (attendance),
    outcome documents, themes, citations and disputes."""
    detail = event_detail(session, event_id, meetings_only=True)
    response.headers["ETag"] = store.record_etag(session.connection(), "events", event_id) or ""
    return detail


@router.get("/events/{event_id}", response_model=EventDetail, summary="One dated item")
def event(session: SessionDep, event_id: EventId, response: Response) -> EventDetail:
    """Any timeline item (a meeting, adoption, publication, appointment, ...) in full."""
    detail = event_detail(session, event_id, meetings_only=False)
    response.headers["ETag"] = store.record_etag(session.connection(), "events", event_id) or ""
    return detail
