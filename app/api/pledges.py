"""The 23 GCM objectives with their pledges, and the pledges themselves."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import StringConstraints
from sqlalchemy import Select, bindparam, exists, select
from sqlalchemy.orm import Session

from app import models as m
from app.api import by_date, exports, facets, known, listing
from app.api.cite_as import CitedRoute
from app.api.deps import read, reads, stored_detail, stored_documents
from app.core import direct
from app.core.errors import InvalidParameter, NotFound
from app.core.pagination import Page as PageDep
from app.core.pagination import PageParams
from app.readmodel import documents
from app.views.pledges import (
    ObjectiveDetail,
    ObjectiveOut,
    PledgeOut,
    objective_detail,
    pledges_out,
)
from app.views.schemas import FacetedPage, Page

router = APIRouter(tags=["pledges"], route_class=CitedRoute)


@router.get("/objectives", response_model=Page[ObjectiveOut], summary="The 23 GCM objectives")
async def objectives(request: Request) -> Response:
    """The Global Compact for Migration's 23 objectives in order (one page), each with its
    themes, the pledge records held toward it (null where none: the sources give aggregates),
    the latest count a source reports, what these cover, and the figures sources give."""
    body, _ = (await stored_documents(request, "objectives", [""]))[""]
    return Response(body, media_type="application/json")


@router.get("/objectives/{number}", response_model=ObjectiveDetail, summary="One GCM objective")
@reads
def objective(
    session: Session,
    number: Annotated[int, Path(ge=1, le=23, description="Objective number, 1-23")],
) -> ObjectiveDetail:
    found = objective_detail(session, number)
    if found is None:
        raise NotFound(f"GCM objective {number} is not in the dataset")
    return found


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
    whole = None if objective or actor or process else "pledges"
    return await read(
        request, lambda s: pledges_page(request, s, keys, key, page, facet, fmt, sort, whole)
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
    whole: str | None = None,
) -> FacetedPage[PledgeOut] | Response:
    """A page of the pledges ``keys`` selects, with the facets asked (read as the read model
    keeps them when ``whole`` names the list, unfiltered), or every page as a file."""
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
    counts = facets.count(session, keys, facets.PLEDGES, facet, whole)
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
    missing = NotFound(f"No pledge with id '{pledge_id}'; list them at /api/v1/pledges")
    return await stored_detail(request, "pledge", pledge_id, missing)
