"""The timeline's filters (dates by overlap, process, actor, kind, theme, status, search) and
the query of the events they select. Lists are repeated parameters or comma lists; an
unknown value is a 422 with the closest known ones (``app.api.known``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, get_args

from fastapi import Depends, Query, Request
from pydantic import StringConstraints
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from app import models as m
from app.api import known
from app.api.known import require, split
from app.core.dates import DateFormatError, parse_bound
from app.core.errors import InvalidParameter
from app.search.query import SearchQuery, SearchSyntaxError, parse
from app.search.sql import matching
from app.seeding.schemas import EVENT_KINDS, EventStatus

Id = Annotated[str, StringConstraints(max_length=200)]


@dataclass
class TimelineFilter:
    start: dt.date | None = None
    end: dt.date | None = None
    processes: list[str] = field(default_factory=list)
    actors: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    q: SearchQuery | None = None
    meetings_only: bool = False
    top_level: bool = False
    descending: bool = False  # sort=-date: latest first
    direct_only: bool = False


def whole_list(f: TimelineFilter) -> str | None:
    """The whole list the filter selects (``timeline`` or ``meetings``: no filter but the
    kind of list and the order), whose facet counts the read model keeps; None otherwise."""
    bare = TimelineFilter(meetings_only=f.meetings_only, descending=f.descending)
    if f != bare:
        return None
    return "meetings" if f.meetings_only else "timeline"


def _bound(name: str, value: str | None, *, upper: bool) -> dt.date | None:
    if value is None:
        return None
    try:
        return parse_bound(value, upper=upper)
    except DateFormatError as error:
        raise InvalidParameter(name, str(error)) from error


async def timeline_filter(
    request: Request,
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
        list[Id], Query(description="Process id (repeatable), e.g. gfmd, gcm, hld")
    ] = [],  # noqa: B006
    actor: Annotated[
        list[Id],
        Query(
            description="Actor id (repeatable): items the actor took part in, or at which "
            "someone acted for it (a person holding a post in it at the time, or anyone "
            "acting on its behalf); each item then says how under `direct` and `via`"
        ),
    ] = [],  # noqa: B006
    kind: Annotated[
        list[Annotated[str, StringConstraints(max_length=40)]],
        Query(description="Item kind (repeatable): summit, session, adoption, publication, ..."),
    ] = [],  # noqa: B006
    theme: Annotated[
        list[Id],
        Query(
            description="Theme id (repeatable): items tagged with it, or where a speaker made "
            "a point on it"
        ),
    ] = [],  # noqa: B006
    status: Annotated[
        list[Annotated[str, StringConstraints(max_length=20)]],
        Query(description="held, planned, announced, ... (repeatable)"),
    ] = [],  # noqa: B006
    q: Annotated[
        str | None,
        Query(
            description="Full-text search of the title, description, place and what was said: "
            'words (stemmed), "phrases", prefix*, OR, -exclusion',
            max_length=200,
        ),
    ] = None,
    top_level: Annotated[
        bool, Query(description="Leave out sessions and other items that belong to a meeting")
    ] = False,
    sort: Annotated[
        Literal["date", "-date"],
        Query(description="date: earliest first (by start, then end); -date: latest first"),
    ] = "date",
    direct_only: Annotated[
        bool,
        Query(
            description="With `actor`: only the items the actor took part in itself, not "
            "those where someone acted for it"
        ),
    ] = False,
) -> TimelineFilter:
    lower, upper = _bound("start", start, upper=False), _bound("end", end, upper=True)
    if lower and upper and upper < lower:
        raise InvalidParameter("end", f"end ({end}) is before start ({start})")
    process, actor, kind, theme = split(process), split(actor), split(kind), split(theme)
    statuses = split(status)
    for name, values in (("process", process), ("actor", actor), ("theme", theme)):
        await require(request, name, values)
    wrong = sorted(set(statuses) - set(get_args(EventStatus)))
    if wrong:
        raise known.unknown("status", wrong, list(get_args(EventStatus)))
    unknown = sorted(set(kind) - EVENT_KINDS)
    if unknown:
        raise known.unknown("kind", unknown, sorted(EVENT_KINDS), listed=True)
    return TimelineFilter(
        lower,
        upper,
        process,
        actor,
        kind,
        theme,
        statuses,
        search_param(q),
        top_level=top_level,
        descending=sort == "-date",
        direct_only=direct_only,
    )


TimelineFilterDep = Annotated[TimelineFilter, Depends(timeline_filter)]


def search_param(q: str | None, name: str = "q") -> SearchQuery | None:
    """Parse a ``q=`` search; bad syntax is a 422 naming the parameter."""
    if q is None or not q.strip():
        return None
    try:
        return parse(q)
    except SearchSyntaxError as error:
        raise InvalidParameter(name, f"{name}: {error}") from error


# A page in date order can be found two ways: read the few events a filter selects by its
# index and sort them, or walk the date index and keep the events that pass, stopping at a
# page. The first is fast when the filter selects few events, the second when it selects
# many; a filter selecting fewer than this many rows takes the first way.
FEW = 2500
# Built once: an alias is costly to make, and the same one serves every request.
OWN, CHILD, PARENT = aliased(m.Event), aliased(m.Event), aliased(m.Event)


def filter_values(f: TimelineFilter) -> dict[str, Any]:
    """The values ``filtered_events`` binds to named parameters, by name: a statement built
    for one filter serves any other with the same names (see ``filter_shape``)."""
    values = {
        "start": f.start,
        "end": f.end,
        "processes": f.processes,
        "actors": f.actors,
        "kinds": f.kinds,
        "themes": f.themes,
        "statuses": f.statuses,
    }
    return {name: value for name, value in values.items() if value}


def filter_shape(f: TimelineFilter) -> tuple[Any, ...] | None:
    """What the statement of ``filtered_events`` depends on besides the values; None for a
    search, whose statement depends on the search itself."""
    if f.q:
        return None
    return (*filter_values(f), f.meetings_only, f.top_level, one_actor(f), f.direct_only)


def one_actor(f: TimelineFilter) -> bool:
    """A filter on one actor reads that actor's events in date order (``m.ActorEvent``)."""
    return len(f.actors) == 1


def _list(name: str, values: list[str]) -> BindParameter[Any]:
    return bindparam(name, values, expanding=True)


def probed(f: TimelineFilter) -> list[str]:
    """The filters that can be read two ways (see FEW): process, and more than one actor."""
    names = ["processes"] if f.processes else []
    if len(f.actors) > 1:
        names.append("actors")
    return names


def candidates(f: TimelineFilter) -> dict[str, Any]:
    """The ids each of the process and actor filters selects, read by their own indexes."""
    found: dict[str, Any] = {}
    if f.processes:
        own, child, parent = OWN, CHILD, PARENT
        processes = _list("processes", f.processes)
        found["processes"] = union_all(
            select(own.id).where(own.process_id.in_(processes)),
            select(child.id)
            .join(parent, parent.id == child.parent_id)
            .where(parent.process_id.in_(processes)),
        )
    if "actors" in probed(f):
        found["actors"] = select(m.ActorEvent.event_id).where(reaches(f))
    return found


def reaches(f: TimelineFilter) -> ColumnElement[bool]:
    """The ``actor_events`` rows of the filter's actors (their own only, if asked)."""
    a = m.ActorEvent
    wanted = a.actor_id.in_(_list("actors", f.actors))
    return and_(wanted, a.direct.is_(True)) if f.direct_only else wanted


def probes(f: TimelineFilter) -> dict[str, Select[int]]:
    """For each process or actor filter, how many events it selects, counting up to FEW: a
    filter selecting fewer is read by its own index. Only SQLite asks; PostgreSQL's planner
    weighs the two ways itself, from its statistics."""
    return {
        name: select(func.count()).select_from(ids.limit(FEW).subquery())
        for name, ids in candidates(f).items()
    }


def few_candidates(f: TimelineFilter, session: Session) -> set[str]:
    """The filters to read by their own index (see ``probes``)."""
    if session.get_bind().dialect.name != "sqlite":
        return set()
    return {name for name, count in probes(f).items() if (session.scalar(count) or 0) < FEW}


def filtered_events(f: TimelineFilter, few: set[str] | None = None) -> Select[m.Event]:
    """The events the filter selects; the process and actor filters named in ``few`` are read
    by their own index (see FEW), the others while walking the dates. Values are bound to
    the parameters named in ``filter_values``."""
    e = m.Event
    few = few or set()
    query = select(e)
    if f.start:
        query = query.where(e.date_end >= bindparam("start", f.start))
    if f.end:
        query = query.where(e.date_start <= bindparam("end", f.end))
    found = candidates(f) if few else {}
    if f.processes:
        if "processes" in few:
            query = query.where(e.id.in_(found["processes"]))
        else:
            processes = _list("processes", f.processes)
            query = query.where(
                or_(
                    e.process_id.in_(processes),
                    exists().where(PARENT.id == e.parent_id, PARENT.process_id.in_(processes)),
                )
            )
    if one_actor(f):
        a = m.ActorEvent
        query = query.join(a, and_(a.event_id == e.id, reaches(f)))
    elif f.actors:
        if "actors" in few:
            query = query.where(e.id.in_(found["actors"]))
        else:
            query = query.where(exists().where(m.ActorEvent.event_id == e.id, reaches(f)))
    if f.kinds:
        query = query.where(e.kind.in_(_list("kinds", f.kinds)))
    if f.themes:
        tag, point = m.ThemeTag, m.StatementPoint
        themes = _list("themes", f.themes)
        spoken = (
            select(point.id)
            .join(tag, and_(tag.subject_type == "statement_point", tag.subject_id == point.id))
            .where(point.event_id == e.id, tag.theme_id.in_(themes))
        )
        query = query.where(
            or_(
                exists().where(
                    tag.subject_type == "event", tag.subject_id == e.id, tag.theme_id.in_(themes)
                ),
                exists(spoken),
            )
        )
    if f.statuses:
        query = query.where(e.status.in_(_list("statuses", f.statuses)))
    if f.meetings_only:
        query = query.where(e.is_meeting.is_(True))
    if f.top_level:
        query = query.where(e.parent_id.is_(None))
    if f.q:
        query = query.where(e.id.in_(matching(f.q, "event")))
    return query
