"""Where sources disagree: the list of disputes, each with its cited claims."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import models as m
from app.api import exports, listing
from app.api.cite_as import CitedRoute
from app.api.deps import reads_stored
from app.core.pagination import Page as PageDep
from app.core.pagination import PageParams
from app.views import disputes
from app.views.schemas import DisputeOut, Page

router = APIRouter(tags=["sources"], route_class=CitedRoute)


async def _stored_disputes(request: Request, page: PageParams, fmt: str) -> Response | None:
    if fmt != "json":
        return None
    return await listing.stored_items(
        request, "dispute-item", None, lambda: (select(m.Dispute.id), m.Dispute.id), {}, page
    )


def _page(session: Session, page: PageParams) -> listing.Paged:
    ids, cursor = found = listing.id_keys(session, select(m.Dispute.id), m.Dispute.id, page)
    return listing.Paged(disputes.disputes_out(session, ids), cursor, listing.total_of(found))


@router.get(
    "/disputes",
    response_model=Page[DisputeOut],
    responses=exports.responses(),
    summary="Where sources disagree",
)
@reads_stored(_stored_disputes)
def list_disputes(
    request: Request,
    session: Session,
    page: PageDep,
    fmt: Annotated[str, exports.format_param()],
) -> Page[DisputeOut] | Response:
    """Every disagreement between sources: the claims, their citations, and which one the
    dataset follows and why; `format=csv|ndjson` for a file."""
    return listing.respond(request, session, fmt, DisputeOut, _page, page, "disputes")
