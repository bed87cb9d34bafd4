"""What the GCM objectives and the pledges show: each objective with the pledges held and
reported toward it, and each pledge with its pledgers and objectives."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import models as m
from app.views import facts
from app.views.instruments import ProvisionOut, provisions_out
from app.views.schemas import Cited, DateOut, FigureOut, Ref, to_json


class ObjectiveOut(ProvisionOut):
    pledges_recorded: int | None = Field(
        description="Pledge records this dataset holds linked to the objective; null where "
        "it holds none, since the sources give aggregates only (never a 0 that would read "
        "as no pledges): see `pledges_reported` and `coverage`"
    )
    pledges_reported: FigureOut | None = Field(
        description="The latest count of pledges toward the objective a source gives, with "
        "its as-of date and citations; null where no source gives one"
    )
    coverage: str = Field(description="What the pledge figures above do and do not cover")
    figures: list[FigureOut]


def _coverage(recorded: int, reported: FigureOut | None) -> str:
    held = (
        f"This dataset holds {recorded} individual pledge records toward this objective, not "
        "every pledge made"
        if recorded
        else "This dataset holds no individual pledges toward this objective: the sources "
        "give aggregates only"
    )
    if reported is None:
        return f"{held}; no source in the dataset gives a count for it."
    as_of = f" as of {reported.date.display}" if reported.date else ""
    return f"{held}; a source reports {reported.value:g} pledges{as_of} (`pledges_reported`)."


def _latest_pledge_count(figures: list[FigureOut]) -> FigureOut | None:
    counts = [f for f in figures if f.unit == "pledges"]
    return max(counts, key=lambda f: (f.date.end if f.date else None) or dt.date.min, default=None)


class PledgeOut(Cited):
    id: str
    title: str
    pledgers: list[Ref]
    process: Ref | None
    event: Ref | None
    date: DateOut | None
    description: str | None
    type: str | None
    status: str | None
    objectives: list[int]
    themes: list[Ref]
    matches: Ref | None


PLEDGES_SHOWN = 100  # an objective's detail stays small however many pledges it has


class ObjectiveDetail(ObjectiveOut):
    pledges: list[PledgeOut] = Field(
        description=f"the first {PLEDGES_SHOWN} pledge records toward it, by id, as the first "
        f"page of /api/v1/pledges?objective=N&limit={PLEDGES_SHOWN} lists them; "
        "pledges_recorded counts them all, and that list pages through the rest"
    )


def objective_detail(session: Session, number: int) -> ObjectiveDetail | None:
    """The objective with its first pledge records; None if the dataset does not hold it."""
    found = _objectives(session, number)
    if not found:
        return None
    rows = session.scalars(
        select(m.Pledge)
        .join(m.PledgeObjective, m.PledgeObjective.pledge_id == m.Pledge.id)
        .where(m.PledgeObjective.provision_id == f"gcm.objective.{number}")
        .order_by(m.Pledge.id)
        .limit(PLEDGES_SHOWN)
    ).all()
    return ObjectiveDetail(**found[0].model_dump(), pledges=pledges_out(session, list(rows)))


def _objectives(session: Session, number: int | None = None) -> list[ObjectiveOut]:
    query = select(m.Provision).where(
        m.Provision.instrument_id == "gcm", m.Provision.kind == "objective"
    )
    if number is not None:
        query = query.where(m.Provision.id == f"gcm.objective.{number}")
    rows = list(session.scalars(query.order_by(m.Provision.ordinal)))
    counted = session.execute(
        select(m.PledgeObjective.provision_id, func.count())
        .where(m.PledgeObjective.provision_id.in_([p.id for p in rows]))
        .group_by(m.PledgeObjective.provision_id)
    )
    counts = {provision_id: n for provision_id, n in counted}
    numbers = facts.figures(session, "provision", [p.id for p in rows])
    found = []
    for p in provisions_out(session, rows):
        recorded, reported = counts.get(p.id, 0), _latest_pledge_count(numbers[p.id])
        found.append(
            ObjectiveOut(
                **p.model_dump(),
                pledges_recorded=recorded or None,
                pledges_reported=reported,
                coverage=_coverage(recorded, reported),
                figures=numbers[p.id],
            )
        )
    return found


def render_objectives(session: Session, keys: list[str]) -> dict[str, str]:
    """The objectives list as JSON (stored by ``app.readmodel.documents`` under the key "")."""
    items = ",".join(to_json(objective).decode() for objective in _objectives(session))
    return {"": f'{{"items":[{items}],"next_cursor":null}}'}


def pledges_out(session: Session, rows: list[m.Pledge]) -> list[PledgeOut]:
    ids = [p.id for p in rows]
    pledgers: dict[str, list[str]] = defaultdict(list)
    for pledge_id, actor_id in session.execute(
        select(m.PledgeActor.pledge_id, m.PledgeActor.actor_id)
        .where(m.PledgeActor.pledge_id.in_(ids))
        .order_by(m.PledgeActor.actor_id)
    ):
        pledgers[pledge_id].append(actor_id)
    objectives: dict[str, list[int]] = defaultdict(list)
    for pledge_id, provision_id in session.execute(
        select(m.PledgeObjective.pledge_id, m.PledgeObjective.provision_id).where(
            m.PledgeObjective.pledge_id.in_(ids)
        )
    ):
        objectives[pledge_id].append(int(provision_id.rsplit(".", 1)[1]))
    actors = facts.refs(session, m.Actor, [a for v in pledgers.values() for a in v])
    processes = facts.refs(session, m.Process, [p.process_id for p in rows])
    events = facts.refs(session, m.Event, [p.event_id for p in rows])
    matched = facts.refs(session, m.Pledge, [p.matches_id for p in rows])
    evidence = facts.citations(session, "pledge", ids)
    tags = facts.themes(session, "pledge", ids)
    return [
        PledgeOut(
            id=p.id,
            title=p.title,
            pledgers=[actors[a] for a in pledgers[p.id]],
            process=processes.get(p.process_id or ""),
            event=events.get(p.event_id or ""),
            date=DateOut.of(p.fuzzy_date),
            description=p.description,
            type=p.type,
            status=p.status,
            objectives=sorted(objectives[p.id]),
            themes=tags[p.id],
            matches=matched.get(p.matches_id or ""),
            citations=evidence[p.id],
        )
        for p in rows
    ]


def render_pledges(session: Session, ids: list[str]) -> dict[str, str]:
    """These pledges as JSON (stored by ``app.readmodel.documents``)."""
    rows = list(session.scalars(select(m.Pledge).where(m.Pledge.id.in_(ids))))
    return {pledge.id: to_json(pledge).decode() for pledge in pledges_out(session, rows)}
