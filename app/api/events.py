"""Timeline, meetings and events: what happened, when, where, in which process, and who."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app import models as m
from app.api import exports, facets, listing
from app.api.calendar import ics_writer, timelinejs_writer
from app.api.deps import reads
from app.api.jsonld import event_jsonld
from app.api.schemas import FacetedPage
from app.api.timeline_filter import filtered_events
from app.api.timeline_query import (
    EventDetail,
    TimelineFilter,
    TimelineFilterDep,
    TimelineItem,
    completed,
    render_details,
    timeline_bodies,
    timeline_page,
)
from app.core.errors import NotFound
from app.core.pagination import Page as PageDep
from app.core.pagination import PageParams
from app.records import etags

router = APIRouter(tags=["timeline"])

EventId = Annotated[str, Path(description="Event id", examples=["cm-15"], max_length=200)]


TimelineFormat = Annotated[str, exports.format_param("ics", "timelinejs")]
TimelineFacets = Annotated[list[str], facets.facet_param(*facets.TIMELINE)]
TIMELINE_RESPONSES = exports.responses("ics")


def timeline_list(
    request: Request,
    session: Session,
    filters: TimelineFilter,
    page: PageParams,
    facet: list[str],
    fmt: str,
    name: str,
) -> FacetedPage[TimelineItem] | Response:
    """A timeline page (with facets if asked), or every page as CSV, NDJSON, iCalendar or
    TimelineJS."""
    if fmt != "json":
        base = str(request.base_url)
        writers = {
            "ics": (ics_writer(base, name), "ics"),
            "timelinejs": (timelinejs_writer(name), "json"),
        }
        return exports.export(
            request,
            fmt,
            TimelineItem,
            lambda s, p: timeline_page(s, filters, p),
            page,
            name,
            writers,
        )
    bodies, next_cursor = timeline_bodies(session, filters, page)
    ids = filtered_events(filters).with_only_columns(m.Event.id)
    counts = facets.count(session, ids, facets.TIMELINE, facet)
    return listing.stored_page(bodies, next_cursor, counts)


@router.get(
    "/timeline",
    response_model=FacetedPage[TimelineItem],
    responses=TIMELINE_RESPONSES,
    summary="Dated items in order",
)
@reads
def timeline(
    request: Request,
    session: Session,
    filters: TimelineFilterDep,
    page: PageDep,
    facet: TimelineFacets,
    fmt: TimelineFormat,
) -> FacetedPage[TimelineItem] | Response:
    """Meetings and other dated events (adoptions, publications, appointments, ...) in
    chronological order. Date filters match by overlap: a 2017 event matches
    `start=2017-03&end=2017-03`. Every item carries its citations and any disputes.
    `facet=kind|process|status|year` adds counts; `format=csv|ndjson|ics|timelinejs` gives
    every page as a file (iCalendar: one all-day event per item)."""
    return timeline_list(request, session, filters, page, facet, fmt, "timeline")


@router.get(
    "/meetings",
    response_model=FacetedPage[TimelineItem],
    responses=TIMELINE_RESPONSES,
    summary="Meetings in order",
)
@reads
def meetings(
    request: Request,
    session: Session,
    filters: TimelineFilterDep,
    page: PageDep,
    facet: TimelineFacets,
    fmt: TimelineFormat,
) -> FacetedPage[TimelineItem] | Response:
    """Meetings only (summits, conferences, dialogues, sessions, hearings, ...), with the same
    filters, facets and formats as the timeline."""
    filters.meetings_only = True
    return timeline_list(request, session, filters, page, facet, fmt, "meetings")


def event_detail(session: Session, event_id: str, *, meetings_only: bool) -> tuple[bytes, str]:
    """An event's ``EventDetail`` JSON, spliced from the stored JSON of the event, of what
    only its detail shows and of its sessions' timeline items (byte for byte what the model
    would give, without parsing them again), and the event record's ETag."""
    e, r = m.Event, m.RenderedEvent
    found = session.execute(
        select(e.id, e.is_meeting, r.body, r.detail, r.etag)
        .outerjoin(r, r.event_id == e.id)
        .where(or_(e.id == event_id, e.parent_id == event_id))
        .order_by(e.date_start, e.date_end, e.ordinal, e.id)
    ).all()
    event = next((row for row in found if row.id == event_id), None)
    if event is None or (meetings_only and not event.is_meeting):
        what = "meeting" if meetings_only else "event"
        raise NotFound(f"No {what} with id '{event_id}'; list them at /api/v1/timeline")
    bodies = completed(session, {row.id: row.body for row in found})
    detail = event.detail or render_details(session, [event_id])[event_id]
    sessions = ",".join(bodies[row.id] for row in found if row.id != event_id)
    item = bodies[event_id]
    body = f'{item[:-1]},{detail[1:-1]},"sessions":[{sessions}]}}'.encode()
    etag = event.etag or etags.record_etag(session.connection(), "events", event_id)
    return body, etag or ""


@router.get(
    "/meetings/{event_id}",
    response_model=EventDetail,
    responses={
        200: {
            "content": {"application/ld+json": {"schema": {"type": "object"}}},
            "description": "The meeting; as a schema.org Event with Accept: application/ld+json",
        }
    },
    summary="One meeting",
)
@reads
def meeting(
    request: Request,
    session: Session,
    event_id: EventId,
    fmt: Annotated[str, exports.format_param("jsonld", base=("json",))],
) -> EventDetail | Response:
    """A meeting with its participants and their roles, its sessions, figures (attendance),
    outcome documents, themes, citations and disputes. With `Accept: application/ld+json`
    (or `format=jsonld`), a schema.org `Event`."""
    body, etag = event_detail(session, event_id, meetings_only=True)
    if fmt == "jsonld":
        detail = EventDetail.model_validate_json(body)
        actors = [p.actor.id for p in detail.actors]
        rows = session.execute(select(m.Actor.id, m.Actor.kind).where(m.Actor.id.in_(actors)))
        kinds = {actor_id: kind for actor_id, kind in rows}
        linked = event_jsonld(
            detail, detail.description, detail.sessions, kinds, str(request.base_url)
        )
        return JSONResponse(linked, media_type="application/ld+json", headers={"ETag": etag})
    return Response(body, media_type="application/json", headers={"ETag": etag})


@router.get("/events/{event_id}", response_model=EventDetail, summary="One dated item")
@reads
def event(session: Session, event_id: EventId) -> Response:
    """Any timeline item (a meeting, adoption, publication, appointment, ...) in full."""
    body, etag = event_detail(session, event_id, meetings_only=False)
    return Response(body, media_type="application/json", headers={"ETag": etag})
