"""What a process shows: in a list, and in its detail with its roles, links, meetings and
instruments (as it stood on a date, with ``as_of``)."""

from __future__ import annotations

from pydantic import Field
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from app import models as m
from app.asof.coverage import Coverage, done_by, one_date, record_coverage
from app.views import facts
from app.views.as_of import AsOfCoverage, held_on
from app.views.listing import item_renderer
from app.views.schemas import Cited, DateOut, DisputeOut, FigureOut, Out, Ref, to_json
from app.views.timeline import EventSummary, event_summaries


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
    undated_meetings: int = Field(description="meetings the sources give no date for, left out")


class ProcessMeeting(EventSummary):
    coverage: AsOfCoverage = None


class ProcessLinkOut(Cited):
    kind: str
    direction: str
    process: Ref
    note: str | None


MEETINGS_SHOWN = 100  # a detail stays small however many meetings a process has


class ProcessDetail(ProcessOut):
    as_of: ProcessAsOf | None = Field(None, exclude_if=lambda value: value is None)
    roles: list[ProcessRoleOut]
    links: list[ProcessLinkOut]
    children: list[Ref]
    meetings: list[ProcessMeeting] = Field(
        description=f"its meetings in date order, the first {MEETINGS_SHOWN} at most; with "
        "as_of, those certainly or possibly held by the date"
    )
    meetings_total: int = Field(
        description="how many meetings it has (with as_of, held by the date); where that is "
        "more than are listed, the rest are on the process's timeline, page by page"
    )
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


render_items = item_renderer(m.Process, process_out)


def render_details(session: Session, ids: list[str]) -> dict[str, str]:
    """These processes' details as JSON (stored by ``app.readmodel.documents``)."""
    found = list(session.scalars(select(m.Process).where(m.Process.id.in_(ids))))
    return {p.id: to_json(detail_of(session, p, None)).decode() for p in found}


def detail_of(session: Session, process: m.Process, as_of: str | None) -> ProcessDetail:
    process_id = process.id
    (base,) = process_out(session, [process])
    roles = roles_of(session, m.ProcessRole.process_id == process_id)
    day = one_date("as_of", as_of) if as_of else None
    shown = None if day else MEETINGS_SHOWN  # as of a date, the cut comes after the dates
    meetings = [
        ProcessMeeting(**s.model_dump())
        for s in event_summaries(_meetings(session, process_id, shown))
    ]
    total = _meeting_count(session, process_id) if shown is not None else len(meetings)
    coverage: dict[str, Coverage] = {}
    stood: ProcessAsOf | None = None
    if day is not None:
        asked, lo, hi = day
        coverage = {r.id: c for r, _, _ in roles if (c := record_coverage(r, lo, hi))}
        meetings, undated_meetings = held_on(meetings, lo, hi, done_by)
        total = len(meetings)
        stood = ProcessAsOf(
            date=DateOut.of(asked),
            active=record_coverage(process, lo, hi),
            undated_roles=sum(1 for r, _, _ in roles if r.fuzzy_date is None),
            undated_meetings=undated_meetings,
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
    instruments = session.execute(
        select(m.Instrument.id, m.Instrument.title)
        .where(
            or_(m.Instrument.process_id == process_id, m.Instrument.review_process_id == process_id)
        )
        .order_by(m.Instrument.id)
    )
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
        meetings=meetings[:MEETINGS_SHOWN],
        meetings_total=total,
        instruments=[Ref(id=i, name=t) for i, t in instruments],
        figures=facts.figures(session, "process", [process_id])[process_id],
        disputes=facts.disputes(session, "process", [process_id])[process_id],
    )


def _own_meetings(process_id: str) -> ColumnElement[bool]:
    """The process's own meetings, not their sessions."""
    return (m.Event.process_id == process_id) & m.Event.parent_id.is_(None)


def _meetings(session: Session, process_id: str, limit: int | None) -> list[m.Event]:
    """The process's own meetings in date order (the first ``limit``)."""
    query = (
        select(m.Event)
        .where(_own_meetings(process_id))
        .order_by(m.Event.date_start, m.Event.date_end, m.Event.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def _meeting_count(session: Session, process_id: str) -> int:
    count = select(func.count()).select_from(m.Event).where(_own_meetings(process_id))
    return session.scalar(count) or 0
