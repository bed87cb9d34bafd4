"""Actors: states, agencies, civil society, persons — their posts, roles, meetings, pledges."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import Field
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app import models as m
from app.api import exports, facets, facts, listing
from app.api.deps import reads, stored_documents
from app.api.events import TIMELINE_RESPONSES, TimelineFacets, TimelineFormat, timeline_list
from app.api.processes import ProcessRoleOut, roles_of
from app.api.schemas import Cited, DateOut, DisputeOut, FacetedPage, FigureOut, Ref, to_json
from app.api.timeline_filter import (
    TimelineFilter,
    few_candidates,
    filtered_events,
    search_param,
)
from app.api.timeline_query import (
    EventSummary,
    TimelineFilterDep,
    TimelineItem,
    event_summaries,
)
from app.core.errors import NotFound
from app.core.pagination import Page as PageDep
from app.records import etags
from app.search.sql import matching
from app.seeding.schemas import ActorKind

router = APIRouter(tags=["actors"])

ActorId = Annotated[str, Path(description="Actor id", examples=["iom"], max_length=200)]


PROFILE_LIST_LIMIT = 100  # roles and pledges shown in a profile; the rest are a link away


class ActorOut(Cited):
    id: str
    name: str
    kind: str
    acronym: str | None
    aliases: list[str]
    iso3: str | None
    parent: Ref | None
    description: str | None


class PositionOut(Cited):
    id: str
    person: Ref
    title: str
    organization: Ref | None
    date: DateOut | None


class MeetingRole(Cited):
    event: EventSummary
    role: str
    on_behalf_of: Ref | None
    capacity: str | None
    statement: str | None


class ActorProcessRole(ProcessRoleOut):
    process: Ref


class PledgeSummary(Ref):
    date: DateOut | None


class ActorDetail(ActorOut):
    members: list[Ref]
    positions: list[PositionOut]
    posts_in_organization: list[PositionOut]
    meeting_roles: list[MeetingRole] = Field(
        description=f"The first {PROFILE_LIST_LIMIT} in date order; the rest under "
        "`meeting_roles_more`"
    )
    meeting_roles_more: str | None = Field(
        description="When there are more roles than shown: the actor's timeline, which holds "
        "every item the actor took part in, with its role"
    )
    process_roles: list[ActorProcessRole]
    pledges: list[PledgeSummary] = Field(
        description=f"The first {PROFILE_LIST_LIMIT} in date order; all under `pledges_more`"
    )
    pledges_more: str | None = Field(
        description="When there are more pledges than shown: the list of all of them"
    )
    instruments_led: list[Ref]
    figures: list[FigureOut]
    disputes: list[DisputeOut]


def actor_out(session: Session, rows: list[m.Actor]) -> list[ActorOut]:
    parents = facts.refs(session, m.Actor, [a.parent_id for a in rows])
    evidence = facts.citations(session, "actor", [a.id for a in rows])
    return [
        ActorOut(
            id=a.id,
            name=a.name,
            kind=a.kind,
            acronym=a.acronym,
            aliases=a.aliases,
            iso3=a.iso3,
            parent=parents.get(a.parent_id or ""),
            description=a.description,
            citations=evidence[a.id],
        )
        for a in rows
    ]


@router.get(
    "/actors",
    response_model=FacetedPage[ActorOut],
    responses=exports.responses(),
    summary="List actors",
)
@reads
def list_actors(
    request: Request,
    session: Session,
    page: PageDep,
    facet: Annotated[list[str], facets.facet_param(*facets.ACTORS)],
    fmt: Annotated[str, exports.format_param()],
    kind: Annotated[list[ActorKind], Query(description="state, un_entity, person, ...")] = [],  # noqa: B006
    q: Annotated[
        str | None,
        Query(
            description="Full-text search of the name, acronym, aliases and description: "
            'words, "phrases", prefix*, OR, -exclusion',
            max_length=200,
        ),
    ] = None,
) -> FacetedPage[ActorOut] | Response:
    """States, organizations, mechanisms and persons by id; `facet=kind` counts them by
    kind, `format=csv|ndjson` gives every page as a file."""
    query = select(m.Actor)
    if kind:
        query = query.where(m.Actor.kind.in_(kind))
    if search := search_param(q):
        query = query.where(m.Actor.id.in_(matching(search, "actor")))
    return listing.respond(
        request,
        session,
        fmt,
        ActorOut,
        lambda s, p: listing.id_page(s, query, m.Actor.id, p, actor_out),
        page,
        "actors",
        lambda: facets.count(session, query.with_only_columns(m.Actor.id), facets.ACTORS, facet),
    )


def get_actor(session: Session, actor_id: str) -> m.Actor:
    actor = session.get(m.Actor, actor_id)
    if actor is None:
        raise no_actor(actor_id)
    return actor


def no_actor(actor_id: str) -> NotFound:
    return NotFound(f"No actor with id '{actor_id}'; search them at /api/v1/actors?q=")


def positions_out(session: Session, rows: list[m.Position]) -> list[PositionOut]:
    names = facts.refs(
        session, m.Actor, [p.person_id for p in rows] + [p.organization_id for p in rows]
    )
    evidence = facts.citations(session, "position", [p.id for p in rows])
    return [
        PositionOut(
            id=p.id,
            person=names[p.person_id],
            title=p.title,
            organization=names.get(p.organization_id or ""),
            date=DateOut.of(p.fuzzy_date),
            citations=evidence[p.id],
        )
        for p in rows
    ]


def _positions(session: Session, condition: object) -> list[PositionOut]:
    rows = session.scalars(
        select(m.Position)
        .where(condition)  # type: ignore[arg-type]
        .order_by(m.Position.date_start, m.Position.id)
    ).all()
    return positions_out(session, list(rows))


def _meeting_roles(session: Session, actor_id: str) -> list[MeetingRole]:
    """The actor's first PROFILE_LIST_LIMIT + 1 roles (one more, to tell there are more)."""
    e, p = m.Event, m.Participation
    # The first roles are among the first events the actor took part in, found as the
    # actor's timeline finds them (by index or by walking the dates, whichever is faster).
    by_actor = TimelineFilter(actors=[actor_id])
    attended = filtered_events(by_actor, few_candidates(by_actor, session))
    events = session.scalars(
        attended.order_by(e.date_start, e.date_end, e.id).limit(PROFILE_LIST_LIMIT + 1)
    ).all()
    place = {event.id: (index, event) for index, event in enumerate(events)}
    roles = session.scalars(select(p).where(p.actor_id == actor_id, p.event_id.in_(place))).all()
    roles = sorted(roles, key=lambda role: (place[role.event_id][0], role.ordinal))
    rows = [(role, place[role.event_id][1]) for role in roles[: PROFILE_LIST_LIMIT + 1]]
    on_behalf = facts.refs(session, m.Actor, [p.on_behalf_of_id for p, _ in rows])
    evidence = facts.citations(session, "participation", [p.id for p, _ in rows])
    summaries = event_summaries([e for _, e in rows])
    return [
        MeetingRole(
            event=summary,
            role=p.role,
            on_behalf_of=on_behalf.get(p.on_behalf_of_id or ""),
            capacity=p.capacity,
            statement=p.statement,
            citations=evidence[p.id],
        )
        for (p, _), summary in zip(rows, summaries, strict=True)
    ]


@router.get("/actors/{actor_id}", response_model=ActorDetail, summary="One actor")
async def actor_detail(request: Request, actor_id: ActorId) -> Response:
    """An actor with its aliases, posts held (persons) or posts within it (organizations),
    roles at meetings (with what was said) and in processes, pledges and figures."""
    found = (await stored_documents(request, "actor", [actor_id])).get(actor_id)
    if found is None:
        raise no_actor(actor_id)
    body, etag = found
    return Response(body, media_type="application/json", headers={"ETag": etag or ""})


def render_profiles(session: Session, ids: list[str]) -> dict[str, str]:
    """The profiles of these actors as JSON (stored by ``app.records.documents``)."""
    actors = session.scalars(select(m.Actor).where(m.Actor.id.in_(ids)))
    return {actor.id: to_json(profile(session, actor)).decode() for actor in actors}


def profile(session: Session, actor: m.Actor) -> ActorDetail:
    actor_id = actor.id
    (base,) = actor_out(session, [actor])
    members = session.execute(
        select(m.Actor.id, m.Actor.name).where(m.Actor.parent_id == actor_id).order_by(m.Actor.id)
    )
    roles = roles_of(session, m.ProcessRole.actor_id == actor_id)
    role_evidence = facts.citations(session, "process_role", [r.id for r, _, _ in roles])
    pledges = session.scalars(
        select(m.Pledge)
        .join(m.PledgeActor, m.PledgeActor.pledge_id == m.Pledge.id)
        .where(m.PledgeActor.actor_id == actor_id)
        .order_by(m.Pledge.date_start, m.Pledge.id)
        .limit(PROFILE_LIST_LIMIT + 1)
    ).all()
    meeting_roles = _meeting_roles(session, actor_id)
    led = session.execute(
        select(m.Instrument.id, m.Instrument.title)
        .where(or_(m.Instrument.lead_id == actor_id, m.Instrument.adopted_by_id == actor_id))
        .order_by(m.Instrument.id)
    )
    return ActorDetail(
        **base.model_dump(),
        members=[Ref(id=i, name=n) for i, n in members],
        positions=_positions(session, m.Position.person_id == actor_id),
        posts_in_organization=_positions(session, m.Position.organization_id == actor_id),
        meeting_roles=meeting_roles[:PROFILE_LIST_LIMIT],
        meeting_roles_more=f"/api/v1/actors/{quote(actor_id, safe='')}/timeline"
        if len(meeting_roles) > PROFILE_LIST_LIMIT
        else None,
        process_roles=[
            ActorProcessRole(
                actor=actor_ref,
                process=process,
                role=r.role,
                date=DateOut.of(r.fuzzy_date),
                note=r.note,
                citations=role_evidence[r.id],
            )
            for r, actor_ref, process in roles
        ],
        pledges=[
            PledgeSummary(id=p.id, name=p.title, date=DateOut.of(p.fuzzy_date))
            for p in pledges[:PROFILE_LIST_LIMIT]
        ],
        pledges_more=f"/api/v1/pledges?actor={quote(actor_id, safe='')}"
        if len(pledges) > PROFILE_LIST_LIMIT
        else None,
        instruments_led=[Ref(id=i, name=t) for i, t in led],
        figures=facts.figures(session, "actor", [actor_id])[actor_id],
        disputes=facts.disputes(session, "actor", [actor_id])[actor_id],
    )


@router.get(
    "/actors/{actor_id}/timeline",
    response_model=FacetedPage[TimelineItem],
    responses=TIMELINE_RESPONSES,
    summary="An actor's timeline",
)
@reads
def actor_timeline(
    request: Request,
    session: Session,
    actor_id: ActorId,
    filters: TimelineFilterDep,
    page: PageDep,
    facet: TimelineFacets,
    fmt: TimelineFormat,
) -> FacetedPage[TimelineItem] | Response:
    """The timeline restricted to items the actor took part in (same facets and formats)."""
    get_actor(session, actor_id)
    filters.actors = [actor_id]
    return timeline_list(request, session, filters, page, facet, fmt, f"{actor_id}-timeline")


@router.get("/positions/{position_id}", response_model=PositionOut, summary="One post held")
@reads
def position_detail(
    session: Session,
    position_id: Annotated[str, Path(max_length=200, examples=["peter-sutherland.srsg"])],
    response: Response,
) -> PositionOut:
    """A person's post in an organization over a span, with its citations."""
    position = session.get(m.Position, position_id)
    if position is None:
        raise NotFound(f"No position with id '{position_id}'; see an actor's positions")
    response.headers["ETag"] = (
        etags.record_etag(session.connection(), "positions", position_id) or ""
    )
    return positions_out(session, [position])[0]
