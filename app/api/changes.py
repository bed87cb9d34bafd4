"""The audit log: every change made through the API, who made it, and the record before/after."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import models as m
from app.api import exports, listing
from app.api.deps import reads
from app.api.query_route import QueryRoute
from app.core.pagination import Page as PageDep
from app.views.changes import ChangeOut, changes_page
from app.views.schemas import Page

router = APIRouter(tags=["changes"], route_class=QueryRoute)


@router.get(
    "/changes",
    response_model=Page[ChangeOut],
    responses=exports.responses(),
    summary="The audit log",
)
@reads
def list_changes(
    request: Request,
    session: Session,
    page: PageDep,
    fmt: Annotated[str, exports.format_param()],
    kind: Annotated[
        str | None, Query(max_length=40, description="actors, events, pledges, ...")
    ] = None,
    record: Annotated[
        str | None, Query(max_length=200, description="A record's id: its history")
    ] = None,
    after_change: Annotated[
        int | None,
        Query(
            ge=0,
            le=2**31 - 1,
            description="Only changes after this one (by id): what changed since a release "
            "or a seed load (see /meta and /releases)",
        ),
    ] = None,
) -> Page[ChangeOut] | Response:
    """Every change made through the API, oldest first: who (the key's name), when, what,
    and the record before and after. `?kind=pledges&record=ID` is one record's history;
    `format=csv|ndjson` gives every page as a file."""
    query = select(m.Change)
    if kind:
        query = query.where(m.Change.kind == kind)
    if record:
        query = query.where(m.Change.record_id == record)
    if after_change is not None:
        query = query.where(m.Change.id > after_change, m.Change.kind != "seeds")

    return listing.respond(
        request,
        session,
        fmt,
        ChangeOut,
        lambda s, p: changes_page(s, query, p),
        page,
        "changes",
    )
