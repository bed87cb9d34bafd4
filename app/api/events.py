"""Timeline, meetings and events: what happened, when, where, in which process, and who."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from app import models as m
from app.api import exports, facets, listing
from app.api.cite_as import CitedRoute
from app.api.deps import on_thread, read
from app.api.timeline_filter import filtered_events, probed, whole_list
from app.api.timeline_query import (
    TimelineFilter,
    TimelineFilterDep,
    completed,
    stored_timeline_bodies,
    timeline_bodies,
    timeline_page,
)
from app.core.errors import NotFound
from app.core.pagination import Page as PageDep
from app.core.pagination import PageParams
from app.seeding import etags
from app.views.calendar import ics_writer, timelinejs_writer
from app.views.jsonld import event_jsonld
from app.views.schemas import FacetedPage
from app.views.timeline import EventDetail, TimelineItem, render_details, spliced_detail

router = APIRouter(tags=["timeline"], route_class=CitedRoute)

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
    # every match is counted: the process and actor filters read by their own indexes
    ids = filtered_events(filters, set(probed(filters))).with_only_columns(m.Event.id)
    counts = facets.count(session, ids, facets.TIMELINE, facet, whole_list(filters))
    total = listing.counted(session, ids, page)
    return listing.stored_page(bodies, next_cursor, counts, page, total)


@router.get(
    "/timeline",
    response_model=FacetedPage[TimelineItem],
    responses=TIMELINE_RESPONSES,
    summary="Dated items in order",
)
async def timeline(
    request: Request,
    filters: TimelineFilterDep,
    page: PageDep,
    facet: TimelineFacets,
    fmt: TimelineFormat,
) -> Response:
    """Meetings and other dated events (adoptions, publications, appointments, ...) in
    chronological order. Date filters match by overlap: a 2017 event matches
    `start=2017-03&end=2017-03`. Every item carries its citations and any disputes.
    `facet=kind|process|status|year` adds counts; `format=csv|ndjson|ics|timelinejs` gives
    every page as a file (iCalendar: one all-day event per item)."""
    return await timeline_response(request, filters, page, facet, fmt, "timeline")


@router.get(
    "/meetings",
    response_model=FacetedPage[TimelineItem],
    responses=TIMELINE_RESPONSES,
    summary="Meetings in order",
)
async def meetings(
    request: Request,
    filters: TimelineFilterDep,
    page: PageDep,
    facet: TimelineFacets,
    fmt: TimelineFormat,
) -> Response:
    """Meetings only (summits, conferences, dialogues, sessions, hearings, ...), with the same
    filters, facets and formats as the timeline."""
    filters.meetings_only = True
    return await timeline_response(request, filters, page, facet, fmt, "meetings")


async def timeline_response(
    request: Request,
    filters: TimelineFilter,
    page: PageParams,
    facet: list[str],
    fmt: str,
    name: str,
) -> Response:
    """A JSON page without facets read on the event loop where it can be (see
    ``stored_timeline_bodies``); anything else through ``timeline_list``."""
    if fmt == "json" and not facet and not page.count:
        found = await stored_timeline_bodies(request.app.state.db.direct, filters, page)
        if found is not None:
            return listing.stored_page(*found, None, page)
    return await read(request, lambda s: timeline_list(request, s, filters, page, facet, fmt, name))


_e, _r = m.Event, m.RenderedEvent
# An event and its sessions, each with its stored timeline JSON, detail part and ETag.
EVENT_PARTS = (
    select(_e.id, _e.is_meeting, _r.body, _r.detail, _r.etag)
    .outerjoin(_r, _r.event_id == _e.id)
    .where(or_(_e.id == bindparam("event_id"), _e.parent_id == bindparam("event_id")))
    .order_by(_e.date_start, _e.date_end, _e.ordinal, _e.id)
)


async def stored_event_detail(
    request: Request, event_id: str, *, meetings_only: bool
) -> tuple[bytes, str]:
    """The event's detail JSON and record ETag, read on the event loop when every part is
    stored; otherwise made (or reported missing) on a worker thread."""
    rows = await request.app.state.db.direct.rows(EVENT_PARTS, event_id=event_id) or []
    items = {ident: body for ident, _, body, _, _ in rows}
    event = next((row for row in rows if row[0] == event_id), None)
    if event is None or (meetings_only and not event[1]) or None in (*items.values(), *event[3:]):
        return await on_thread(
            request, lambda s: event_detail(s, event_id, meetings_only=meetings_only)
        )
    return spliced_detail(event_id, items, event[3]), event[4]


def event_detail(session: Session, event_id: str, *, meetings_only: bool) -> tuple[bytes, str]:
    """The event's detail JSON and record ETag, rendering the parts not stored."""
    rows = session.execute(EVENT_PARTS, {"event_id": event_id}).all()
    event = next((row for row in rows if row.id == event_id), None)
    if event is None or (meetings_only and not event.is_meeting):
        what = "meeting" if meetings_only else "event"
        raise NotFound(f"No {what} with id '{event_id}'; list them at /api/v1/timeline")
    items = completed(session, {row.id: row.body for row in rows})
    detail = event.detail or render_details(session, [event_id])[event_id]
    etag = event.etag or etags.record_etag(session.connection(), "events", event_id)
    return spliced_detail(event_id, items, detail), etag or ""


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
async def meeting(
    request: Request,
    event_id: EventId,
    fmt: Annotated[str, exports.format_param("jsonld", base=("json",))],
) -> Response:
    """A meeting with its participants and their roles, its sessions, figures (attendance),
    outcome documents, themes, citations and disputes. With `Accept: application/ld+json`
    (or `format=jsonld`), a schema.org `Event`."""
    if fmt == "jsonld":
        return await read(request, lambda s: meeting_jsonld(s, event_id, str(request.base_url)))
    body, etag = await stored_event_detail(request, event_id, meetings_only=True)
    return Response(body, media_type="application/json", headers={"ETag": etag})


def meeting_jsonld(session: Session, event_id: str, base_url: str) -> Response:
    body, etag = event_detail(session, event_id, meetings_only=True)
    detail = EventDetail.model_validate_json(body)
    actors = [p.actor.id for p in detail.actors]
    rows = session.execute(select(m.Actor.id, m.Actor.kind).where(m.Actor.id.in_(actors)))
    kinds = {actor_id: kind for actor_id, kind in rows}
    linked = event_jsonld(detail, detail.description, detail.sessions, kinds, base_url)
    return JSONResponse(linked, media_type="application/ld+json", headers={"ETag": etag})


@router.get("/events/{event_id}", response_model=EventDetail, summary="One dated item")
async def event(request: Request, event_id: EventId) -> Response:
    """Any timeline item (a meeting, adoption, publication, appointment, ...) in full."""
    body, etag = await stored_event_detail(request, event_id, meetings_only=False)
    return Response(body, media_type="application/json", headers={"ETag": etag})
