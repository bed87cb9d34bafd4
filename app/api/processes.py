"""Processes: forums, dialogues, commissions, compact processes, review forums, RCPs."""

from __future__ import annotations

from typing import Annotated, get_args

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import Field
from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from app import models as m
from app.api import exports, facets, known, listing
from app.api.as_of import AsOfParam
from app.api.deps import reads, reads_stored, stored_documents
from app.api.events import TIMELINE_RESPONSES, TimelineFacets, TimelineFormat, timeline_list
from app.api.timeline_filter import search_param
from app.api.timeline_query import TimelineFilterDep
from app.asof.coverage import Coverage, done_by, one_date, record_coverage
from app.core.errors import NotFound
from app.core.pagination import Page as PageDep
from app.core.pagination import PageParams
from app.search.sql import matching
from app.seeding.schemas import ProcessKind
from app.views import facts
from app.views.as_of import AsOfCoverage
from app.views.schemas import (
    Cited,
    DateOut,
    DisputeOut,
    FacetedPage,
    FigureOut,
    Out,
    Ref,
    to_json,
)
from app.views.timeline import EventSummary, TimelineItem, event_summaries

router = APIRouter(tags=["processes"])

ProcessId = Annotated[str, Path(description="Process id", examples=["gfmd"], max_length=200)]


class ProcessOut(Cited):
    id: str
    name: str
    kind: str
    acronym: str | None
    aliases: list[str]
    within_un: bool | None
    binding: bool | None
    date: DateOut | None
    parent: Ref | None
    description: str | None
    themes: list[Ref]


class ProcessRoleOut(Cited):
    actor: Ref
    role: str
    date: DateOut | None
    note: str | None
    coverage: AsOfCoverage = None


class ProcessAsOf(Out):
    """The process as it stood on a date (``as_of``)."""

    date: DateOut
    active: Coverage | None = Field(
        description="whether the process's span certainly or possibly covers the date; null "
        "when it does not, or the process is undated"
    )
    undated_roles: int = Field(description="roles the sources give no date for, left out")


class ProcessLinkOut(Cited):
    kind: str
    direction: str
    process: Ref
    note: str | None


class ProcessDetail(ProcessOut):
    as_of: ProcessAsOf | None = Field(None, exclude_if=lambda value: value is None)
    roles: list[ProcessRoleOut]
    links: list[ProcessLinkOut]
    children: list[Ref]
    meetings: list[EventSummary]
    instruments: list[Ref]
    figures: list[FigureOut]
    disputes: list[DisputeOut]


def process_out(session: Session, rows: list[m.Process]) -> list[ProcessOut]:
    ids = [p.id for p in rows]
    parents = facts.refs(session, m.Process, [p.parent_id for p in rows])
    evidence = facts.citations(session, "process", ids)
    tags = facts.themes(session, "process", ids)
    return [
        ProcessOut(
            id=p.id,
            name=p.name,
            kind=p.kind,
            acronym=p.acronym,
            aliases=p.aliases,
            within_un=p.within_un,
            binding=p.binding,
            date=DateOut.of(p.fuzzy_date),
            parent=parents.get(p.parent_id or ""),
            description=p.description,
            themes=tags[p.id],
            citations=evidence[p.id],
        )
        for p in rows
    ]


def roles_of(session: Session, condition: object) -> list[tuple[m.ProcessRole, Ref, Ref]]:
    rows = session.scalars(
        select(m.ProcessRole)
        .where(condition)  # type: ignore[arg-type]
        .order_by(m.ProcessRole.date_start.nulls_last(), m.ProcessRole.id)
    ).all()
    actors = facts.refs(session, m.Actor, [r.actor_id for r in rows])
    processes = facts.refs(session, m.Process, [r.process_id for r in rows])
    return [(r, actors[r.actor_id], processes[r.process_id]) for r in rows]


render_items = listing.item_renderer(m.Process, process_out)


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
    found = (await stored_documents(request, "process", [process_id])).get(process_id)
    if found is None:
        raise no_process(process_id)
    return Response(found[0], media_type="application/json")


def render_details(session: Session, ids: list[str]) -> dict[str, str]:
    """These processes' details as JSON (stored by ``app.records.documents``)."""
    found = list(session.scalars(select(m.Process).where(m.Process.id.in_(ids))))
    return {p.id: to_json(detail_of(session, p, None)).decode() for p in found}


@router.get("/processes/{process_id}", response_model=ProcessDetail, summary="One process")
@reads_stored(_stored_process)
def process_detail(
    session: Session, process_id: ProcessId, as_of: AsOfParam = None
) -> ProcessDetail:
    """A process with its roles over time (who leads, chairs, co-facilitates), linked
    processes, sub-processes, meetings, instruments, figures, citations and disputes.
    With `as_of`, the roles held on that date (each marked certain or possible) and the
    meetings held by then."""
    return detail_of(session, get_process(session, process_id), as_of)


def detail_of(session: Session, process: m.Process, as_of: str | None) -> ProcessDetail:
    process_id = process.id
    (base,) = process_out(session, [process])
    roles = roles_of(session, m.ProcessRole.process_id == process_id)
    day = one_date("as_of", as_of) if as_of else None
    coverage: dict[str, Coverage] = {}
    stood: ProcessAsOf | None = None
    if day is not None:
        asked, lo, hi = day
        coverage = {r.id: c for r, _, _ in roles if (c := record_coverage(r, lo, hi))}
        stood = ProcessAsOf(
            date=DateOut.of(asked),
            active=record_coverage(process, lo, hi),
            undated_roles=sum(1 for r, _, _ in roles if r.fuzzy_date is None),
        )
        roles = [role for role in roles if role[0].id in coverage]
    role_evidence = facts.citations(session, "process_role", [r.id for r, _, _ in roles])
    links = session.scalars(
        select(m.ProcessLink)
        .where(or_(m.ProcessLink.source_id == process_id, m.ProcessLink.target_id == process_id))
        .order_by(m.ProcessLink.id)
    ).all()
    linked = facts.refs(
        session, m.Process, [x.source_id for x in links] + [x.target_id for x in links]
    )
    link_evidence = facts.citations(session, "process_link", [x.id for x in links])
    children = session.scalars(
        select(m.Process).where(m.Process.parent_id == process_id).order_by(m.Process.id)
    ).all()
    meetings = session.scalars(
        select(m.Event)
        .where(m.Event.process_id == process_id, m.Event.parent_id.is_(None))
        .order_by(m.Event.date_start, m.Event.date_end, m.Event.id)
    ).all()
    instruments = session.execute(
        select(m.Instrument.id, m.Instrument.title)
        .where(
            or_(m.Instrument.process_id == process_id, m.Instrument.review_process_id == process_id)
        )
        .order_by(m.Instrument.id)
    )
    if day is not None:
        _, lo, hi = day
        meetings = [e for e in meetings if e.fuzzy_date and done_by(e.fuzzy_date, lo, hi)]
    return ProcessDetail(
        **base.model_dump(),
        as_of=stood,
        roles=[
            ProcessRoleOut(
                actor=actor,
                role=r.role,
                date=DateOut.of(r.fuzzy_date),
                note=r.note,
                citations=role_evidence[r.id],
                coverage=coverage.get(r.id),
            )
            for r, actor, _ in roles
        ],
        links=[
            ProcessLinkOut(
                kind=x.kind,
                direction="outgoing" if x.source_id == process_id else "incoming",
                process=linked[x.target_id if x.source_id == process_id else x.source_id],
                note=x.note,
                citations=link_evidence[x.id],
            )
            for x in links
        ],
        children=[Ref(id=c.id, name=c.name) for c in children],
        meetings=event_summaries(list(meetings)),
        instruments=[Ref(id=i, name=t) for i, t in instruments],
        figures=facts.figures(session, "process", [process_id])[process_id],
        disputes=facts.disputes(session, "process", [process_id])[process_id],
    )


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
