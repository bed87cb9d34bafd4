"""A source's citations, page by page: the list its detail shows the start of.

(``/citations/{id}``, the curators' write form of one citation, is in ``linked_writes``.)
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import StringConstraints
from sqlalchemy.orm import Session

from app.api import exports, known, listing
from app.api.deps import read
from app.api.query_route import QueryRoute
from app.core.errors import InvalidParameter
from app.core.pagination import Page as PageDep
from app.core.pagination import PageParams
from app.seeding.schemas import CITED_KINDS
from app.views.schemas import Page
from app.views.sources import CITATION_ORDER, CitingFact, citations_of, citing_facts

router = APIRouter(tags=["sources"], route_class=QueryRoute)

BAD_CURSOR = "cursor is not valid for this list"


@router.get(
    "/citations",
    response_model=Page[CitingFact],
    responses=exports.responses(),
    summary="List a source's citations",
)
async def list_citations(
    request: Request,
    page: PageDep,
    fmt: Annotated[str, exports.format_param()],
    source: Annotated[
        str,
        Query(
            max_length=200,
            description="The cited source's id (one; see /api/v1/sources)",
            examples=["desa-cm15-2017"],
        ),
    ],
    kinds: Annotated[
        list[Annotated[str, StringConstraints(max_length=40)]],
        Query(
            alias="kind",
            description="Only citations of records of this kind (one kind, so that a page "
            f"stays a range of the source's index): {', '.join(CITED_KINDS)}",
            examples=["event"],
        ),
    ] = [],  # noqa: B006
) -> Response:
    """What cites a source: each citation with the kind and id of the record it supports,
    its quote, locator and note, by cited kind, record and the record's own order of its
    citations — the order of the source's detail, whose `citations` are this list's first
    100. `count=true` adds the total, `format=csv|ndjson` gives every page as a file. An
    unknown source is a 422 with the closest source ids."""
    given = known.kinds("kind", kinds, CITED_KINDS)
    if len(given) > 1:
        raise InvalidParameter("kind", f"kind: one kind at a time, not {', '.join(given)}")
    kind = given[0] if given else None
    await known.require(request, "source", [source])
    return await read(
        request,
        lambda session: listing.respond(
            request,
            session,
            fmt,
            CitingFact,
            lambda s, p: citations_page(s, source, kind, p),
            page,
            "citations",
        ),
    )


# The name a cursor of this list carries, so that no other list's order reads it.
ORDER = "source"


def citations_page(
    session: Session, source: str, kind: str | None, page: PageParams
) -> listing.Paged:
    """One page of the source's citations in ``CITATION_ORDER`` after the cursor's citation:
    one statement (two with ``count=true``), a range of ``ix_citations_source_order``."""
    query = citations_of(source, kind)
    return listing.sorted_page(
        session, query, CITATION_ORDER, page, lambda _, rows: citing_facts(rows), ORDER
    )
