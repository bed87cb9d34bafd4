"""Full-text search across actors, processes, meetings and other events, instruments,
provisions, pledges, figures, citation quotes and the points of speakers' statements, ranked
best first."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field, StringConstraints
from sqlalchemy.orm import Session

from app.api import exports, known, listing
from app.api.deps import reads
from app.api.timeline_filter import search_param
from app.core.errors import InvalidParameter
from app.core.pagination import Page as PageDep
from app.core.pagination import PageParams, encode_cursor
from app.search import sql
from app.search.index import KINDS
from app.search.query import SearchQuery
from app.views.schemas import FacetedPage, FacetValue, Out

router = APIRouter(tags=["search"])

HitKind = Literal[
    "actor", "process", "event", "instrument", "provision", "pledge", "figure", "citation", "point"
]
PATHS = {
    "actor": "actors",
    "process": "processes",
    "event": "events",
    "instrument": "instruments",
    "pledge": "pledges",
    "citation": "citations",
}


class SubjectOut(Out):
    kind: str = Field(examples=["event"])
    id: str = Field(examples=["cm-15"])


class SearchHit(Out):
    kind: HitKind = Field(examples=["event"])
    id: str = Field(examples=["cm-15"])
    title: str = Field(
        description="The record's name or title; for a citation, its quote; for a figure, "
        "its statement; for a point of what a speaker said, the point",
        examples=["Fifteenth Coordination Meeting on International Migration"],
    )
    snippet: str = Field(
        description="The best matching passage, matched words marked **like this**",
        examples=["Fifteenth **Coordination** Meeting on International Migration"],
    )
    score: float = Field(description="Relevance (higher is better; compare within one search)")
    subject: SubjectOut | None = Field(
        description="The record this hit belongs to: the fact a citation supports, a "
        "provision's instrument, what a figure counts, the event where a point was made"
    )
    path: str | None = Field(
        description="Where to read the hit in this API", examples=["/api/v1/events/cm-15"]
    )


def _path(kind: str, ident: str, subject: SubjectOut | None) -> str | None:
    if kind in PATHS:
        return f"/api/v1/{PATHS[kind]}/{ident}"
    if subject and subject.kind in PATHS:
        return f"/api/v1/{PATHS[subject.kind]}/{subject.id}"
    return None


def _after(page: PageParams) -> tuple[float, str, str] | None:
    if page.after is None:
        return None
    try:
        rank, kind, ident = page.after
        return float(rank), str(kind), str(ident)
    except (TypeError, ValueError) as error:
        raise InvalidParameter("cursor", "cursor is not valid for this list") from error


def search_page(
    session: Session, query: SearchQuery, kinds: list[str], page: PageParams
) -> tuple[list[SearchHit], str | None]:
    found = sql.hits(session, query, kinds, _after(page), page.limit + 1)
    more, found = len(found) > page.limit, found[: page.limit]
    snippets = sql.snippets(session, query, [h.entry for h in found])
    items = []
    for h in found:
        subject = SubjectOut(kind=h.subject_type, id=h.subject_id) if h.subject_id else None
        items.append(
            SearchHit(
                kind=h.kind,
                id=h.record_id,
                title=h.title,
                snippet=snippets.get(h.entry) or h.title,
                score=round(-h.rank, 6) + 0.0,
                subject=subject,
                path=_path(h.kind, h.record_id, subject),
            )
        )
    last = found[-1] if more else None
    cursor = encode_cursor((repr(last.rank), last.kind, last.record_id)) if last else None
    return items, cursor


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
