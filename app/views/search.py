"""What a search answers: a page of hits, best first, each with its snippet, the record it
belongs to and where to read it."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from sqlalchemy.orm import Session

from app.core.errors import InvalidParameter
from app.core.pagination import PageParams, encode_cursor
from app.search import sql
from app.search.query import SearchQuery
from app.views.schemas import Out

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
