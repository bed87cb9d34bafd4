"""The 23 GCM objectives with their pledges, and the pledges themselves."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import Field, StringConstraints
from sqlalchemy import Select, bindparam, exists, func, select
from sqlalchemy.orm import Session

from app import models as m
from app.api import by_date, exports, facets, known, listing
from app.api.deps import read, reads, stored_documents
from app.api.instruments import ProvisionOut, provisions_out
from app.core.errors import InvalidParameter, NotFound
from app.core.pagination import Page as PageDep
from app.core.pagination import PageParams
from app.records import direct, documents
from app.views import facts
from app.views.schemas import Cited, DateOut, FacetedPage, FigureOut, Page, Ref, to_json

router = APIRouter(tags=["pledges"])


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


class ObjectiveDetail(ObjectiveOut):
    pledges: list[PledgeOut]


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


@router.get("/objectives", response_model=Page[ObjectiveOut], summary="The 23 GCM objectives")
async def objectives(request: Request) -> Response:
    """The Global Compact for Migration's 23 objectives in order (one page), each with its
    themes, the pledge records held toward it (null where none: the sources give aggregates),
    the latest count a source reports, what these cover, and the figures sources give."""
    body, _ = (await stored_documents(request, "objectives", [""]))[""]
    return Response(body, media_type="application/json")


def render_objectives(session: Session, keys: list[str]) -> dict[str, str]:
    """The objectives list as JSON (stored by ``app.records.documents`` under the key "")."""
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


@router.get("/objectives/{number}", response_model=ObjectiveDetail, summary="One GCM objective")
@reads
def objective(
    session: Session,
    number: Annotated[int, Path(ge=1, le=23, description="Objective number, 1-23")],
) -> ObjectiveDetail:
    found = _objectives(session, number)
    if not found:
        raise NotFound(f"GCM objective {number} is not in the dataset")
    rows = session.scalars(
        select(m.Pledge)
        .join(m.PledgeObjective, m.PledgeObjective.pledge_id == m.Pledge.id)
        .where(m.PledgeObjective.provision_id == f"gcm.objective.{number}")
        .order_by(m.Pledge.id)
    ).all()
    return ObjectiveDetail(**found[0].model_dump(), pledges=pledges_out(session, list(rows)))


PAGES: direct.Shapes[Select[Any]] = direct.Shapes()


@router.get(
    "/pledges",
    response_model=FacetedPage[PledgeOut],
    responses=exports.responses(),
    summary="List pledges",
)
async def list_pledges(
    request: Request,
    page: PageDep,
    facet: Annotated[list[str], facets.facet_param(*facets.PLEDGES)],
    fmt: Annotated[str, exports.format_param()],
    objectives: Annotated[
        list[Annotated[str, StringConstraints(max_length=200)]],
        Query(
            alias="objective",
            description="GCM objective number (repeatable, or a comma list)",
            examples=["7"],
        ),
    ] = [],  # noqa: B006
    actors: Annotated[
        list[Annotated[str, StringConstraints(max_length=200)]],
        Query(
            alias="actor",
            description="Pledger's actor id (repeatable, or a comma list: any of them)",
            examples=["mexico"],
        ),
    ] = [],  # noqa: B006
    processes: Annotated[
        list[Annotated[str, StringConstraints(max_length=200)]],
        Query(
            alias="process",
            description="Process id (repeatable, or a comma list: any of them)",
            examples=["pledging-initiative"],
        ),
    ] = [],  # noqa: B006
    sort: Annotated[by_date.Sort, Query(description=by_date.SORT_HELP)] = "id",
) -> Response:
    """Pledges toward the GCM, filtered by objective, pledger or process (several values of
    one filter: any of them), by id or in date order (`sort=date|-date`, undated last);
    `facet=objective` and `facet=status` count them, `format=csv|ndjson` gives every page as
    a file. An unknown objective, actor or process is a 422 with the closest known ones."""
    actor, process = known.split(actors), known.split(processes)
    objective = await _known_filters(request, objectives, actor, process)
    if fmt == "json" and not facet and not page.count and sort == "id":
        values = pledge_values(objective, actor, process) | listing.after_values(page)
        query = PAGES.get(
            (*values, len(objective) > 1, len(actor) > 1, page.limit),
            lambda: listing.stored_documents_query(
                "pledge", *matching_pledges(objective, actor, process), page
            ),
            values,
        )
        found = await listing.stored_documents_page(
            request.app.state.db.direct, query, values, page
        )
        if found is not None:
            return listing.stored_page(*found, None, page)
    keys, key = matching_pledges(objective, actor, process)
    return await read(
        request, lambda s: pledges_page(request, s, keys, key, page, facet, fmt, sort)
    )


async def _known_filters(
    request: Request, objectives: list[str], actor: list[str], process: list[str]
) -> list[int]:
    """The objective numbers asked for, once every filter value is known to name a record."""
    numbers = [n.strip() for raw in objectives for n in raw.split(",") if n.strip()]
    wrong = [n for n in numbers if not n.isdigit()]
    if wrong:
        raise InvalidParameter("objective", f"objective: not a number: {', '.join(wrong)}")

    def number(ident: str) -> str:
        return ident.removeprefix(OBJECTIVE)

    ids = [f"{OBJECTIVE}{int(n)}" for n in numbers]
    await known.require(request, "objective", ids, number)
    await known.require(request, "actor", actor)
    await known.require(request, "process", process)
    return [int(n) for n in numbers]


OBJECTIVE = "gcm.objective."


def pledges_page(
    request: Request,
    session: Session,
    keys: Select[tuple[str]],
    key: Any,
    page: PageParams,
    facet: list[str],
    fmt: str,
    sort: str = "id",
) -> FacetedPage[PledgeOut] | Response:
    query = select(m.Pledge).where(m.Pledge.id.in_(keys))
    if fmt != "json":
        return listing.respond(
            request,
            session,
            fmt,
            PledgeOut,
            lambda s, p: (
                listing.id_page(s, query, m.Pledge.id, p, pledges_out)
                if sort == "id"
                else by_date.page(s, query, m.Pledge, p, sort, pledges_out)
            ),
            page,
            "pledges",
        )
    if sort == "id":
        paged = listing.id_keys(session, keys, key, page)
    else:
        paged = by_date.page(
            session, query, m.Pledge, page, sort, lambda _, rows: [r.id for r in rows]
        )
    ids, cursor = paged
    found = documents.stored(session, "pledge", ids)
    counts = facets.count(session, keys, facets.PLEDGES, facet)
    bodies = [found[i][0] for i in ids]
    return listing.stored_page(bodies, cursor, counts, page, listing.total_of(paged))


def pledge_values(objective: list[int], actor: list[str], process: list[str]) -> dict[str, Any]:
    """The values ``matching_pledges`` binds to named parameters, by name."""
    values = {
        "provisions": [f"gcm.objective.{n}" for n in objective],
        "actors": actor,
        "processes": process,
    }
    return {name: value for name, value in values.items() if value}


def matching_pledges(
    objective: list[int], actor: list[str], process: list[str]
) -> tuple[Select[tuple[str]], Any]:
    """The ids of the pledges that pass the filters, and the column they are ordered by. An
    objective or pledger filter reads its link table's (link, pledge) index in pledge order,
    so a page of a long list is a range of that index, not the whole list sorted. Values are
    bound to the parameters named in ``pledge_values``."""
    po, pa, p = m.PledgeObjective, m.PledgeActor, m.Pledge
    if objective:
        provisions = [f"gcm.objective.{n}" for n in objective]
        key: Any = po.pledge_id
        ids = select(key).where(
            po.provision_id.in_(bindparam("provisions", provisions, expanding=True))
        )
        ids = ids.distinct() if len(objective) > 1 else ids
    elif actor:
        key = pa.pledge_id
        ids = select(key).where(pa.actor_id.in_(_any("actors", actor)))
        ids = ids.distinct() if len(actor) > 1 else ids
    else:
        key = p.id
        ids = select(key)
    if actor and objective:
        ids = ids.where(exists().where(pa.pledge_id == key, pa.actor_id.in_(_any("actors", actor))))
    if process and key is p.id:
        ids = ids.where(p.process_id.in_(_any("processes", process)))
    elif process:
        ids = ids.where(exists().where(p.id == key, p.process_id.in_(_any("processes", process))))
    return ids, key


def _any(name: str, values: list[str]) -> Any:
    return bindparam(name, values, expanding=True)


@router.get("/pledges/{pledge_id}", response_model=PledgeOut, summary="One pledge")
async def pledge_detail(
    request: Request, pledge_id: Annotated[str, Path(max_length=200)]
) -> Response:
    """A pledge with its pledgers, objectives, status and citations; its status history is
    in the audit log (`/api/v1/changes?kind=pledges&record=ID`)."""
    found = (await stored_documents(request, "pledge", [pledge_id])).get(pledge_id)
    if found is None:
        raise NotFound(f"No pledge with id '{pledge_id}'; list them at /api/v1/pledges")
    body, etag = found
    return Response(body, media_type="application/json", headers={"ETag": etag or ""})


def render_pledges(session: Session, ids: list[str]) -> dict[str, str]:
    """These pledges as JSON (stored by ``app.records.documents``)."""
    rows = list(session.scalars(select(m.Pledge).where(m.Pledge.id.in_(ids))))
    return {pledge.id: to_json(pledge).decode() for pledge in pledges_out(session, rows)}
