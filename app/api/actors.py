"""Actors: states, agencies, civil society, persons — their posts, roles, meetings, pledges."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import StringConstraints
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from app import models as m
from app.api import exports, facets, known, listing
from app.api.as_of import AsOfParam
from app.api.cite_as import CitedRoute
from app.api.deps import reads, reads_stored, stored_documents
from app.api.events import TIMELINE_RESPONSES, TimelineFacets, TimelineFormat, timeline_list
from app.api.timeline_filter import search_param
from app.api.timeline_query import TimelineFilterDep
from app.asof.coverage import one_date
from app.core.errors import NotFound
from app.core.pagination import Page as PageDep
from app.core.pagination import PageParams, encode_cursor
from app.search.sql import matching
from app.search.text import WORD, fold
from app.seeding import etags
from app.seeding.schemas import ActorKind
from app.views.actors import (
    ActorDetail,
    ActorOut,
    PositionOut,
    actor_out,
    positions_out,
    profile_as_of,
)
from app.views.schemas import FacetedPage
from app.views.timeline import TimelineItem

router = APIRouter(tags=["actors"], route_class=CitedRoute)

ActorId = Annotated[str, Path(description="Actor id", examples=["iom"], max_length=200)]


async def _stored_actors(
    request: Request,
    page: PageParams,
    facet: list[str],
    fmt: str,
    kinds: list[str],
    q: str | None = None,
    sort: str = "id",
) -> Response | None:
    """A page of actors by id from their stored items (no search, facets or other order)."""
    kind = known.kinds("kind", kinds, get_args(ActorKind))
    if fmt != "json" or facet or search_param(q) or sort != "id":
        return None
    values = {"kinds": kind} if kind else {}
    return await listing.stored_items(
        request, "actor-item", bool(kind), lambda: _actor_ids(bool(kind)), values, page
    )


def _actor_ids(by_kind: bool) -> tuple[Select[Any], Any]:
    query = select(m.Actor.id)
    if by_kind:
        query = query.where(m.Actor.kind.in_(bindparam("kinds", expanding=True)))
    return query, m.Actor.id


@router.get(
    "/actors",
    response_model=FacetedPage[ActorOut],
    responses=exports.responses(),
    summary="List actors",
)
@reads_stored(_stored_actors)
def list_actors(
    request: Request,
    session: Session,
    page: PageDep,
    facet: Annotated[list[str], facets.facet_param(*facets.ACTORS)],
    fmt: Annotated[str, exports.format_param()],
    kinds: Annotated[
        list[Annotated[str, StringConstraints(max_length=40)]],
        Query(alias="kind", description="state, un_entity, person, ... (repeatable)"),
    ] = [],  # noqa: B006
    q: Annotated[
        str | None,
        Query(
            description="Full-text search of the name, acronym, aliases and description: "
            'words, "phrases", prefix*, OR, -exclusion',
            max_length=200,
        ),
    ] = None,
    sort: Annotated[
        Literal["id", "name"], Query(description="id (the default) or name, A to Z")
    ] = "id",
) -> FacetedPage[ActorOut] | Response:
    """States, organizations, mechanisms and persons by id (or `sort=name`); `facet=kind`
    counts them by kind, `format=csv|ndjson` gives every page as a file."""
    query = select(m.Actor)
    if kind := known.kinds("kind", kinds, get_args(ActorKind)):
        query = query.where(m.Actor.kind.in_(kind))
    exact: list[str] = []
    if search := search_param(q):
        query = query.where(m.Actor.id.in_(matching(search, "actor")))
        exact = named_exactly(session, query, search.exact())
    return listing.respond(
        request,
        session,
        fmt,
        ActorOut,
        lambda s, p: (
            _exact_first(s, query, p, exact)
            if sort == "id"
            else listing.sorted_page(s, query, (m.Actor.name, m.Actor.id), p, actor_out, sort)
        ),
        page,
        "actors",
        lambda: facets.count(session, query.with_only_columns(m.Actor.id), facets.ACTORS, facet),
    )


def named_exactly(session: Session, query: Select[m.Actor], words: str) -> list[str]:
    """The ids of the actors the search finds whose id, name, acronym or an alias is the
    search's words (any case, accents folded), in id order."""
    if not words:
        return []
    found = []
    for actor in session.scalars(query.order_by(m.Actor.id)):
        names = [actor.id, actor.name, actor.acronym or "", *actor.aliases]
        if any(" ".join(WORD.findall(fold(n.lower()))) == words for n in names):
            found.append(actor.id)
    return found


def _exact_first(
    session: Session, query: Select[m.Actor], page: PageParams, exact: list[str]
) -> listing.Paged:
    """A page of the search's actors in id order, the ones it names exactly first (on the
    first page; later pages continue with the others)."""
    total = listing.counted(session, query, page)
    rest = query.where(m.Actor.id.not_in(exact)) if exact else query
    if page.after is not None or not exact:
        found, cursor = listing.id_page(session, rest, m.Actor.id, page, actor_out)
        return listing.Paged(list(found), cursor, total)
    named = list(session.scalars(select(m.Actor).where(m.Actor.id.in_(exact))))
    named.sort(key=lambda actor: exact.index(actor.id))
    first = actor_out(session, named[: page.limit])
    if len(first) == page.limit:  # the others from their start, on the next page
        more = session.scalar(rest.with_only_columns(m.Actor.id).limit(1)) is not None
        cursor = encode_cursor(("",)) if more or len(named) > page.limit else None
        return listing.Paged(first, cursor, total)
    room = replace(page, limit=page.limit - len(first))
    found, cursor = listing.id_page(session, rest, m.Actor.id, room, actor_out)
    return listing.Paged([*first, *found], cursor, total)


def get_actor(session: Session, actor_id: str) -> m.Actor:
    actor = session.get(m.Actor, actor_id)
    if actor is None:
        raise no_actor(actor_id)
    return actor


def no_actor(actor_id: str) -> NotFound:
    return NotFound(f"No actor with id '{actor_id}'; search them at /api/v1/actors?q=")


@router.get("/actors/{actor_id}", response_model=ActorDetail, summary="One actor")
async def actor_detail(request: Request, actor_id: ActorId, as_of: AsOfParam = None) -> Response:
    """An actor with its aliases, posts held (persons) or posts within it (organizations),
    roles at meetings (with what was said) and in processes, pledges and figures. With
    `as_of`, the posts and process roles held on that date, each marked certain or
    possible; undated ones are counted under `as_of`, not placed."""
    day = one_date("as_of", as_of) if as_of else None
    found = (await stored_documents(request, "actor", [actor_id])).get(actor_id)
    if found is None:
        raise no_actor(actor_id)
    body, etag = found
    if day is not None:
        body = profile_as_of(body, *day)
    return Response(body, media_type="application/json", headers={"ETag": etag or ""})


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
