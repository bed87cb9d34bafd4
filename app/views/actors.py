"""What an actor shows: in a list, and in its profile with its posts, roles at meetings and in
processes, acts for it by others, pledges and figures."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any
from urllib.parse import quote

from pydantic import Field, TypeAdapter
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app import models as m
from app.core.dates import FuzzyDate
from app.seeding.kinds import ACTOR
from app.views import acting_for, facts
from app.views.as_of import AsOfCoverage, held_on
from app.views.listing import item_renderer
from app.views.processes import ProcessRoleOut, roles_of
from app.views.schemas import Cited, DateOut, DisputeOut, FigureOut, Out, Ref, to_json
from app.views.timeline import EventSummary, PointOut, Via, event_summaries, points

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
    coverage: AsOfCoverage = None


class MeetingRole(Cited):
    event: EventSummary
    role: str
    on_behalf_of: Ref | None
    capacity: str | None
    statement: str | None
    points: list[PointOut] = Field(
        default=[], description="What the statement said, point by point, each with quotes"
    )


class ActedFor(Out):
    """An item at which others acted for the actor, and how (the actor may also have taken
    part itself)."""

    event: EventSummary
    via: list[Via]


class ActorProcessRole(ProcessRoleOut):
    process: Ref


class PledgeSummary(Ref):
    date: DateOut | None


class ActorAsOf(Out):
    """The profile as it stood on a date (``as_of``): the posts and process roles held then.
    Meeting roles, acts for the actor, pledges and figures are dated facts of their own and
    are shown whole (the actor's timeline with ``end=`` gives what it did by a date)."""

    date: DateOut
    undated_posts: int = Field(description="posts the sources give no date for, left out")
    undated_roles: int = Field(description="process roles the sources give no date for, left out")


class ActorDetail(ActorOut):
    as_of: ActorAsOf | None = Field(None, exclude_if=lambda value: value is None)
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
    acted_for: list[ActedFor] = Field(
        description="Items at which others acted for the actor: people holding a post in it "
        "at the time, or acting on its behalf. The first "
        f"{PROFILE_LIST_LIMIT} in date order; all of them are in the actor's timeline"
    )
    acted_for_more: str | None = Field(
        description="When there are more than shown: the actor's timeline"
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
            **ACTOR.shown(
                a, ActorOut, parent=parents.get(a.parent_id or ""), citations=evidence[a.id]
            )
        )
        for a in rows
    ]


render_items = item_renderer(m.Actor, actor_out)


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


def _positions_by(session: Session, column: Any, ids: list[str]) -> dict[str, list[PositionOut]]:
    """The posts whose ``column`` (person or organization) is one of ``ids``, in date order."""
    rows = session.scalars(
        select(m.Position)
        .where(column.in_(ids))
        .order_by(m.Position.date_start.nulls_last(), m.Position.id)
    ).all()
    found: dict[str, list[PositionOut]] = defaultdict(list)
    for row, out in zip(rows, positions_out(session, list(rows)), strict=True):
        found[getattr(row, column.key)].append(out)
    return found


def _meeting_roles(session: Session, ids: list[str]) -> dict[str, list[MeetingRole]]:
    """Each actor's first PROFILE_LIST_LIMIT + 1 roles (one more, to tell there are more):
    its roles at the first events it took part in, in date order, then in the order listed."""
    e, p = m.Event, m.Participation
    limit = PROFILE_LIST_LIMIT + 1
    place = func.dense_rank().over(
        partition_by=p.actor_id, order_by=(e.date_start, e.date_end, e.id)
    )
    ranked = (
        select(p.id, place.label("place"))
        .join(e, e.id == p.event_id)
        .where(p.actor_id.in_(ids))
        .subquery()
    )
    first = select(ranked.c.id, ranked.c.place).where(ranked.c.place <= limit)
    places: dict[str, int] = {ident: at for ident, at in session.execute(first)}
    roles = session.scalars(select(p).where(p.id.in_(list(places)))).all()
    attended = select(e).where(e.id.in_({role.event_id for role in roles}))
    events = {event.id: event for event in session.scalars(attended)}
    by_actor: dict[str, list[m.Participation]] = defaultdict(list)
    for role in sorted(roles, key=lambda role: (places[role.id], role.ordinal)):
        if len(by_actor[role.actor_id]) < limit:
            by_actor[role.actor_id].append(role)
    kept = [role for listed in by_actor.values() for role in listed]
    on_behalf = facts.refs(session, m.Actor, [role.on_behalf_of_id for role in kept])
    evidence = facts.citations(session, "participation", [role.id for role in kept])
    said = points(session, list({role.event_id for role in kept}))
    summaries = dict(
        zip((r.id for r in kept), event_summaries([events[r.event_id] for r in kept]), strict=True)
    )
    return {
        actor_id: [
            MeetingRole(
                event=summaries[role.id],
                role=role.role,
                on_behalf_of=on_behalf.get(role.on_behalf_of_id or ""),
                capacity=role.capacity,
                statement=role.statement,
                points=said[role.id],
                citations=evidence[role.id],
            )
            for role in listed
        ]
        for actor_id, listed in by_actor.items()
    }


def _acted_for(session: Session, ids: list[str]) -> dict[str, list[ActedFor]]:
    """Each actor's first PROFILE_LIST_LIMIT + 1 items at which others acted for it, in date
    order, derived as ``actor_events`` derives them."""
    reached = acting_for.actor_events(actors=ids).subquery()
    place = func.row_number().over(
        partition_by=reached.c.actor_id,
        order_by=(reached.c.date_start, reached.c.date_end, reached.c.event_id),
    )
    ranked = (
        select(reached.c.actor_id, reached.c.event_id, reached.c.via, place.label("place"))
        .where(reached.c.via.is_not(None))
        .subquery()
    )
    first = session.execute(
        select(ranked.c.actor_id, ranked.c.event_id, ranked.c.via)
        .where(ranked.c.place <= PROFILE_LIST_LIMIT + 1)
        .order_by(ranked.c.actor_id, ranked.c.place)
    ).all()
    wanted = select(m.Event).where(m.Event.id.in_({event_id for _, event_id, _ in first}))
    events = list(session.scalars(wanted))
    summaries = dict(zip((e.id for e in events), event_summaries(events), strict=True))
    found: dict[str, list[ActedFor]] = defaultdict(list)
    for actor_id, event_id, via in first:
        ways = TypeAdapter(list[Via]).validate_json(via)
        found[actor_id].append(ActedFor(event=summaries[event_id], via=ways))
    return found


def _pledges(session: Session, ids: list[str]) -> dict[str, list[m.Pledge]]:
    """Each actor's first PROFILE_LIST_LIMIT + 1 pledges in date order."""
    pa, pl = m.PledgeActor, m.Pledge
    place = func.row_number().over(
        partition_by=pa.actor_id, order_by=(pl.date_start.nulls_last(), pl.id)
    )
    ranked = (
        select(pa.actor_id, pa.pledge_id, place.label("place"))
        .join(pl, pl.id == pa.pledge_id)
        .where(pa.actor_id.in_(ids))
        .subquery()
    )
    first = session.execute(
        select(ranked.c.actor_id, ranked.c.pledge_id)
        .where(ranked.c.place <= PROFILE_LIST_LIMIT + 1)
        .order_by(ranked.c.actor_id, ranked.c.place)
    ).all()
    wanted = select(pl).where(pl.id.in_({pledge_id for _, pledge_id in first}))
    pledges = {pledge.id: pledge for pledge in session.scalars(wanted)}
    found: dict[str, list[m.Pledge]] = defaultdict(list)
    for actor_id, pledge_id in first:
        found[actor_id].append(pledges[pledge_id])
    return found


def profile_as_of(body: str, asked: FuzzyDate, lo: dt.date, hi: dt.date) -> str:
    """A stored profile as it stood on a date: its posts and process roles held then."""
    profile = ActorDetail.model_validate_json(body)
    positions, undated = held_on(profile.positions, lo, hi)
    posts, undated_in = held_on(profile.posts_in_organization, lo, hi)
    roles, undated_roles = held_on(profile.process_roles, lo, hi)
    stood = ActorAsOf(
        date=DateOut.of(asked), undated_posts=undated + undated_in, undated_roles=undated_roles
    )
    update = {"as_of": stood, "positions": positions, "posts_in_organization": posts}
    return to_json(profile.model_copy(update=update | {"process_roles": roles})).decode()


def render_profiles(session: Session, ids: list[str]) -> dict[str, str]:
    """The profiles of these actors as JSON (stored by ``app.readmodel.documents``), made
    together: a fixed number of statements however many actors."""
    actors = list(session.scalars(select(m.Actor).where(m.Actor.id.in_(ids))))
    return {detail.id: to_json(detail).decode() for detail in profiles(session, actors)}


def profiles(session: Session, actors: list[m.Actor]) -> list[ActorDetail]:
    ids = [actor.id for actor in actors]
    members: dict[str | None, list[Ref]] = defaultdict(list)
    children = select(m.Actor.parent_id, m.Actor.id, m.Actor.name).where(m.Actor.parent_id.in_(ids))
    for parent_id, ident, name in session.execute(children.order_by(m.Actor.id)):
        members[parent_id].append(Ref(id=ident, name=name))
    roles = roles_of(session, m.ProcessRole.actor_id.in_(ids))
    role_evidence = facts.citations(session, "process_role", [r.id for r, _, _ in roles])
    process_roles: dict[str, list[ActorProcessRole]] = defaultdict(list)
    for r, actor_ref, process in roles:
        process_roles[r.actor_id].append(
            ActorProcessRole(
                actor=actor_ref,
                process=process,
                role=r.role,
                date=DateOut.of(r.fuzzy_date),
                note=r.note,
                citations=role_evidence[r.id],
            )
        )
    i = m.Instrument
    instruments = select(i.id, i.title, i.lead_id, i.adopted_by_id).where(
        or_(i.lead_id.in_(ids), i.adopted_by_id.in_(ids))
    )
    led: dict[str | None, list[Ref]] = defaultdict(list)
    for ident, title, lead_id, adopted_by_id in session.execute(instruments.order_by(i.id)):
        for actor_id in dict.fromkeys((lead_id, adopted_by_id)):  # an actor once per instrument
            led[actor_id].append(Ref(id=ident, name=title))
    pledges = _pledges(session, ids)
    meeting_roles = _meeting_roles(session, ids)
    acted_for = _acted_for(session, ids)
    positions = _positions_by(session, m.Position.person_id, ids)
    posts = _positions_by(session, m.Position.organization_id, ids)
    figures = facts.figures(session, "actor", ids)
    disputes = facts.disputes(session, "actor", ids)
    details = []
    for base in actor_out(session, actors):
        a, link = base.id, quote(base.id, safe="")
        details.append(
            ActorDetail(
                **base.model_dump(),
                members=members[a],
                positions=positions[a],
                posts_in_organization=posts[a],
                meeting_roles=meeting_roles.get(a, [])[:PROFILE_LIST_LIMIT],
                meeting_roles_more=_more(f"/api/v1/actors/{link}/timeline", meeting_roles.get(a)),
                acted_for=acted_for[a][:PROFILE_LIST_LIMIT],
                acted_for_more=_more(f"/api/v1/actors/{link}/timeline", acted_for[a]),
                process_roles=process_roles[a],
                pledges=[
                    PledgeSummary(id=p.id, name=p.title, date=DateOut.of(p.fuzzy_date))
                    for p in pledges[a][:PROFILE_LIST_LIMIT]
                ],
                pledges_more=_more(f"/api/v1/pledges?actor={link}", pledges[a]),
                instruments_led=led[a],
                figures=figures[a],
                disputes=disputes[a],
            )
        )
    return details


def _more(link: str, listed: list[Any] | None) -> str | None:
    """The link to the whole list, when the profile shows only its first part."""
    return link if len(listed or []) > PROFILE_LIST_LIMIT else None
