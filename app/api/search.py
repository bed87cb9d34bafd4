"""Full-text search across actors, processes, meetings and other events, instruments,
provisions, pledges, figures, citation quotes and the points of speakers' statements, ranked
best first."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from fastapi import APIRouter, Query, Request, Response
from pydantic import StringConstraints
from sqlalchemy.orm import Session

from app.api import exports, known, listing
from app.api.deps import reads
from app.api.query_route import QueryRoute
from app.api.timeline_filter import search_param
from app.core.errors import InvalidParameter
from app.core.pagination import Page as PageDep
from app.search import sql
from app.search.index import KINDS
from app.search.query import SearchQuery
from app.views.schemas import FacetedPage, FacetValue
from app.views.search import HitKind, SearchHit, search_page

router = APIRouter(tags=["search"], route_class=QueryRoute)


def _kind_facet(session: Session, query: SearchQuery, kinds: list[str]) -> list[FacetValue]:
    counts = sql.kind_counts(session, query, kinds)
    return [
        FacetValue(value=k, label=k, count=n)
        for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


@router.get(
    "/search",
    response_model=FacetedPage[SearchHit],
    responses=exports.responses(),
    summary="Search everything",
)
@reads
def search(
    request: Request,
    session: Session,
    page: PageDep,
    fmt: Annotated[str, exports.format_param()],
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            description='Words (stemmed: "pledges" finds "pledge"), "exact phrases", '
            "prefix* , a OR b, -excluded",
            examples=['"global compact" pledges'],
        ),
    ],
    kind: Annotated[
        list[Annotated[str, StringConstraints(max_length=40)]],
        Query(description="Only hits of these kinds (repeatable)"),
    ] = [],  # noqa: B006
    facet: Annotated[
        list[Literal["kind"]], Query(description="kind: how many hits of each kind")
    ] = [],  # noqa: B006
) -> FacetedPage[SearchHit] | Response:
    """Ranked hits across the dataset, each with its kind, id, title, the matching passage
    and where to read it. Citation hits are verbatim quotes from the sources, with the fact
    they support as `subject`. Bad syntax (an unclosed quote, a stray `*`, `OR` or `-`) is a
    422 that says how to write it."""
    query = search_param(q)
    if query is None:
        raise InvalidParameter("q", "q: the search has no words in it (letters or digits)")
    asked = known.kinds("kind", kind, get_args(HitKind))
    kinds: list[str] = [k for k in KINDS if k in asked]
    if fmt != "json":
        return exports.export(
            request, fmt, SearchHit, lambda s, p: search_page(s, query, kinds, p), page, "search"
        )
    items, cursor = search_page(session, query, kinds, page)
    facets = {"kind": _kind_facet(session, query, kinds)} if facet else None
    return listing.page_response(items, cursor, page, facets)
