"""Processes: forums, dialogues, commissions, compact processes, review forums, RCPs."""

from __future__ import annotations

from typing import Annotated, get_args

from fastapi import APIRouter, Path, Query, Request, Response
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app import models as m
from app.api import exports, facets, known, listing
from app.api.as_of import AsOfParam
from app.api.cite_as import CitedRoute
from app.api.deps import reads, reads_stored, stored_detail
from app.api.events import TIMELINE_RESPONSES, TimelineFacets, TimelineFormat, timeline_list
from app.api.timeline_filter import search_param
from app.api.timeline_query import TimelineFilterDep
from app.core.errors import NotFound
from app.core.pagination import Page as PageDep
from app.core.pagination import PageParams
from app.search.sql import matching
from app.seeding.schemas import ProcessKind
from app.views.processes import ProcessDetail, ProcessOut, detail_of, process_out
from app.views.schemas import FacetedPage
from app.views.timeline import TimelineItem

router = APIRouter(tags=["processes"], route_class=CitedRoute)

ProcessId = Annotated[str, Path(description="Process id", examples=["gfmd"], max_length=200)]


async def _stored_processes(
    request: Request,
    page: PageParams,
    facet: list[str],
    fmt: str,
    kind: str | None = None,
    q: str | None = None,
) -> Response | None:
    """A page of processes by id from their stored items (no search or facets)."""
    if kind:
        known.kinds("kind", [kind], get_args(ProcessKind))
    if fmt != "json" or facet or search_param(q):
        return None
    query = select(m.Process.id)
    if kind:
        query = query.where(m.Process.kind == bindparam("kind"))
    values = {"kind": kind} if kind else {}
    return await listing.stored_items(
        request, "process-item", bool(kind), lambda: (query, m.Process.id), values, page
    )


@router.get(
    "/processes",
    response_model=FacetedPage[ProcessOut],
    responses=exports.responses(),
    summary="List processes",
)
@reads_stored(_stored_processes)
def list_processes(
    request: Request,
    session: Session,
    page: PageDep,
    facet: Annotated[list[str], facets.facet_param(*facets.PROCESSES)],
    fmt: Annotated[str, exports.format_param()],
    kind: Annotated[
        str | None, Query(description="forum, dialogue, rcp, ...", max_length=40)
    ] = None,
    q: Annotated[
        str | None,
        Query(
            description="Full-text search of the name, acronym, aliases and description: "
            'words, "phrases", prefix*, OR, -exclusion',
            max_length=200,
        ),
    ] = None,
) -> FacetedPage[ProcessOut] | Response:
    """Forums, dialogues, compact processes, ... by id; `facet=kind` counts them by kind,
    `format=csv|ndjson` gives every page as a file."""
    query = select(m.Process)
    if kind:
        known.kinds("kind", [kind], get_args(ProcessKind))
        query = query.where(m.Process.kind == kind)
    if search := search_param(q):
        query = query.where(m.Process.id.in_(matching(search, "process")))
    return listing.respond(
        request,
        session,
        fmt,
        ProcessOut,
        lambda s, p: listing.id_page(s, query, m.Process.id, p, process_out),
        page,
        "processes",
        lambda: facets.count(
            session, query.with_only_columns(m.Process.id), facets.PROCESSES, facet
        ),
    )


def get_process(session: Session, process_id: str) -> m.Process:
    process = session.get(m.Process, process_id)
    if process is None:
        raise no_process(process_id)
    return process


def no_process(process_id: str) -> NotFound:
    return NotFound(f"No process with id '{process_id}'; list them at /api/v1/processes")


async def _stored_process(
    request: Request, process_id: str, as_of: str | None = None
) -> Response | None:
    """The process's stored detail (as it stands now; ``as_of`` renders afresh)."""
    if as_of is not None:
        return None
    return await stored_detail(request, "process", process_id, no_process(process_id))


@router.get("/processes/{process_id}", response_model=ProcessDetail, summary="One process")
@reads_stored(_stored_process)
def process_detail(
    session: Session, process_id: ProcessId, as_of: AsOfParam = None
) -> ProcessDetail:
    """A process with its roles over time (who leads, chairs, co-facilitates), linked
    processes, sub-processes, meetings, instruments, figures, citations and disputes.
    With `as_of`, the roles held on that date and the meetings held by then (each marked
    certain or possible), and whether the process was active then."""
    return detail_of(session, get_process(session, process_id), as_of)


@router.get(
    "/processes/{process_id}/timeline",
    response_model=FacetedPage[TimelineItem],
    responses=TIMELINE_RESPONSES,
    summary="A process's timeline",
)
@reads
def process_timeline(
    request: Request,
    session: Session,
    process_id: ProcessId,
    filters: TimelineFilterDep,
    page: PageDep,
    facet: TimelineFacets,
    fmt: TimelineFormat,
) -> FacetedPage[TimelineItem] | Response:
    """The timeline restricted to one process (its meetings, their sessions, its events),
    with the timeline's facets and formats."""
    get_process(session, process_id)
    filters.processes = [process_id]
    return timeline_list(request, session, filters, page, facet, fmt, f"{process_id}-timeline")
