"""What a snapshot shows: the state of migration governance on one day (processes, posts,
roles, instruments)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import Field
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from app import models as m
from app.asof.coverage import Coverage, done_by, record_coverage
from app.core.dates import FuzzyDate
from app.views import facts
from app.views.schemas import Cited, DateOut, Out, Ref

Measure = Callable[[Any, dt.date, dt.date], Coverage | None]
CoverageField = Annotated[
    Literal["certain", "possible"],
    Field(
        description="certain: every reading of the dates puts the day inside; possible: "
        "some reading does (a partial, approximate or qualified date)"
    ),
]


class HeldPost(Cited):
    id: str
    person: Ref
    title: str
    organization: Ref | None
    date: DateOut
    coverage: CoverageField


class HeldRole(Cited):
    actor: Ref
    role: str
    date: DateOut
    coverage: CoverageField
    note: str | None


class MeetingRef(Cited):
    id: str
    title: str
    date: DateOut


class ActiveProcess(Cited):
    id: str
    name: str
    kind: str
    date: DateOut
    coverage: CoverageField
    roles: list[HeldRole] = Field(description="roles in the process held on the date")
    last_meeting: MeetingRef | None = Field(description="the latest meeting certainly before")
    next_meeting: MeetingRef | None = Field(description="the first meeting certainly after")
    meetings_on_date: list[MeetingRef] = Field(description="meetings that may fall on the date")


class AdoptedInstrument(Cited):
    id: str
    title: str
    kind: str
    date: DateOut
    coverage: CoverageField


class Snapshot(Out):
    date: DateOut
    processes: list[ActiveProcess]
    office_holders: list[HeldPost]
    instruments: list[AdoptedInstrument] = Field(description="instruments adopted by the date")
    undated: dict[str, int] = Field(
        description="records with no date, which no snapshot can place: posts, process roles "
        "and processes"
    )


def _possible(model: Any, lo: dt.date, hi: dt.date) -> Any:
    """The stored bounds are the widest reading: a span that may cover the date passes."""
    return (model.date_start <= hi) & or_(model.date_end.is_(None), model.date_end >= lo)


def _placed(
    session: Session, query: Select[Any], lo: dt.date, hi: dt.date, measure: Measure | None = None
) -> list[tuple[Any, Coverage]]:
    """The records ``query`` selects that ``measure`` (by default, whether their span covers
    the date) places on it, each with its coverage."""
    measure = measure or record_coverage
    covered = ((row, measure(row, lo, hi)) for row in session.scalars(query))
    return [(row, coverage) for row, coverage in covered if coverage]


def _done(record: Any, lo: dt.date, hi: dt.date) -> Coverage | None:
    return done_by(record.fuzzy_date, lo, hi) if record.fuzzy_date else None


def _marked(record: Any, coverage: Coverage, cited: dict[str, list[Any]]) -> dict[str, Any]:
    """What every placed item shows: its date, how sure its placing is, its citations."""
    return {"date": _dated(record), "coverage": coverage, "citations": cited[record.id]}


def _dated(record: Any) -> DateOut:
    """The date of a record the query selected by its date (so it has one)."""
    found = DateOut.of(record if isinstance(record, FuzzyDate) else record.fuzzy_date)
    assert found is not None
    return found


def _undated(session: Session, model: Any) -> int:
    return int(session.scalar(select(func.count()).where(model.date_edtf.is_(None))) or 0)


def _meetings(
    session: Session, process_ids: list[str], lo: dt.date, hi: dt.date, longest: int | None
) -> dict[str, dict[str, Any]]:
    """Each process's last meeting before the date, next one after, and those that may fall
    on it: one statement each, whatever the number of processes. The last (the next) is the
    first by id of those ending (starting) on the latest day before the date (the earliest
    after): two short walks of ``ix_events_process_end`` (``_start``) from the date, not a
    ranking of every meeting of the process. A meeting on the date starts at most
    ``longest`` days (the longest any top-level meeting covers) before it: the meetings on it
    are looked for among those starting from then."""
    e = m.Event
    own = e.parent_id.is_(None) & e.is_meeting.is_(True)
    found: dict[str, dict[str, Any]] = {p: {"on": []} for p in process_ids}
    for name, where, date, latest in (
        ("last", e.date_end < lo, e.date_end, True),
        ("next", e.date_start > hi, e.date_start, False),
    ):
        firsts = []
        for process in process_ids:
            mine = (e.process_id == process) & own
            edge = select(date).where(mine, where).order_by(date.desc() if latest else date)
            edge_date = edge.limit(1).scalar_subquery()
            first = select(e.id).where(mine, date == edge_date).order_by(e.id).limit(1)
            firsts.append(first.scalar_subquery())
        chosen = [i for i in session.execute(select(*firsts)).one() if i] if firsts else []
        for event in session.scalars(select(e).where(e.id.in_(chosen))) if chosen else []:
            found[str(event.process_id)][name] = event
    # top level, said so that SQLite (without statistics) does not read every top-level
    # event by ``ix_events_parent_id`` instead of these processes' dates (ids are never '')
    top = func.coalesce(e.parent_id, "") == ""
    on_date = select(e).where(e.process_id.in_(process_ids), top, e.is_meeting.is_(True))
    on_date = on_date.where(e.date_start <= hi)
    if longest is not None:
        on_date = on_date.where(e.date_start >= lo - dt.timedelta(days=longest))
    on_date = on_date.where(e.date_end >= lo).order_by(e.date_start, e.id)
    for event in session.scalars(on_date):
        found[str(event.process_id)]["on"].append(event)
    return found


def snapshot_on(
    session: Session, day: FuzzyDate, lo: dt.date, hi: dt.date, longest: int | None = None
) -> Snapshot:
    """What held on ``day`` (first and last possible days ``lo`` and ``hi``): the processes
    active, the roles held in them and their meetings around it, the posts held and the
    instruments adopted by then, each cited and marked certain or possible. ``longest``, the
    days the longest top-level meeting covers, if known, bounds the search for those on the
    date."""
    processes = _placed(session, select(m.Process).where(_possible(m.Process, lo, hi)), lo, hi)
    ids = [p.id for p, _ in processes]
    r, p, i = m.ProcessRole, m.Position, m.Instrument
    roles = _placed(
        session,
        select(r).where(r.process_id.in_(ids), _possible(r, lo, hi)).order_by(r.process_id, r.id),
        lo,
        hi,
    )
    posts = _placed(session, select(p).where(_possible(p, lo, hi)).order_by(p.id), lo, hi)
    adopted = _placed(session, select(i).where(i.date_start <= hi).order_by(i.id), lo, hi, _done)
    meetings = _meetings(session, ids, lo, hi, longest)
    events = [e for found in meetings.values() for e in (found.get("last"), found.get("next"))]
    events += [e for found in meetings.values() for e in found["on"]]
    cite = {
        "process": facts.citations(session, "process", ids),
        "process_role": facts.citations(session, "process_role", [r.id for r, _ in roles]),
        "position": facts.citations(session, "position", [p.id for p, _ in posts]),
        "instrument": facts.citations(session, "instrument", [i.id for i, _ in adopted]),
        "event": facts.citations(session, "event", [e.id for e in events if e is not None]),
    }
    people = [p.person_id for p, _ in posts] + [p.organization_id for p, _ in posts]
    actors = facts.refs(session, m.Actor, people + [r.actor_id for r, _ in roles])

    def meeting(event: m.Event) -> MeetingRef:
        return MeetingRef(
            id=event.id, title=event.title, date=_dated(event), citations=cite["event"][event.id]
        )

    def maybe(event: m.Event | None) -> MeetingRef | None:
        return meeting(event) if event is not None else None

    def held_roles(process_id: str) -> list[HeldRole]:
        return [
            HeldRole(
                actor=actors[r.actor_id],
                role=r.role,
                note=r.note,
                **_marked(r, covered, cite["process_role"]),
            )
            for r, covered in roles
            if r.process_id == process_id
        ]

    return Snapshot(
        date=_dated(day),
        processes=[
            ActiveProcess(
                id=p.id,
                name=p.name,
                kind=p.kind,
                roles=held_roles(p.id),
                last_meeting=maybe(meetings[p.id].get("last")),
                next_meeting=maybe(meetings[p.id].get("next")),
                meetings_on_date=[meeting(e) for e in meetings[p.id]["on"]],
                **_marked(p, covered, cite["process"]),
            )
            for p, covered in processes
        ],
        office_holders=[
            HeldPost(
                id=p.id,
                person=actors[p.person_id],
                title=p.title,
                organization=actors.get(p.organization_id) if p.organization_id else None,
                **_marked(p, covered, cite["position"]),
            )
            for p, covered in posts
        ],
        instruments=[
            AdoptedInstrument(
                id=i.id, title=i.title, kind=i.kind, **_marked(i, covered, cite["instrument"])
            )
            for i, covered in adopted
        ],
        undated={
            "positions": _undated(session, m.Position),
            "process_roles": _undated(session, m.ProcessRole),
            "processes": _undated(session, m.Process),
        },
    )
