"""What a source, what cites it, a figure in a list and a theme show."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import Field
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app import models as m
from app.seeding.schemas import ORIGINS, SourceOrigin
from app.views import facts
from app.views.listing import item_renderer
from app.views.schemas import DateOut, Out, Ref


class SourceOut(Out):
    id: str
    title: str
    kind: str
    author: str | None
    publisher: str | None
    date: DateOut | None
    symbol: str | None
    url: str | None
    file: str | None
    origin: SourceOrigin = Field(description=ORIGINS)


class CitingFact(Out):
    """One citation of a source: the record it supports, and where in the source."""

    id: str = Field(description="The citation's id (/api/v1/citations/{id})", examples=["c-2f9e"])
    subject_type: str = Field(description="The cited record's kind", examples=["event"])
    subject_id: str = Field(description="The cited record's id", examples=["cm-15"])
    quote: str | None = Field(
        description="Verbatim from the source", examples=["The Fifteenth Coordination Meeting"]
    )
    locator: str | None = Field(description="Page or paragraph", examples=["para 16"])
    note: str | None = Field(examples=[None])


CITATIONS_SHOWN = 100  # a source's detail stays small however many records cite it


class SourceDetail(SourceOut):
    cited_by_kind: dict[str, int] = Field(
        description="How many citations of the source support records of each kind",
        examples=[{"event": 12, "participation": 30}],
    )
    citations_total: int = Field(description="How many citations of the source there are")
    citations: list[CitingFact] = Field(
        description=f"The first {CITATIONS_SHOWN} citations of the source by cited kind, "
        "record and the record's own order, as the first page of "
        f"/api/v1/citations?source=ID&limit={CITATIONS_SHOWN} lists them"
    )
    citations_url: str = Field(
        description="Every citation of the source, page by page (/api/v1/citations?source=ID)",
        examples=["http://127.0.0.1:8000/api/v1/citations?source=desa-cm15-2017"],
    )
    citations_next_url: str | None = Field(
        description="Where the citations after those listed here continue (the second page "
        f"of /api/v1/citations?source=ID&limit={CITATIONS_SHOWN}); null when all are listed"
    )


class ThemeOut(Ref):
    parent: str | None
    description: str | None


def _source_out(source: m.Source) -> SourceOut:
    return SourceOut(
        id=source.id,
        title=source.title,
        kind=source.kind,
        author=source.author,
        publisher=source.publisher,
        date=DateOut.of(source.fuzzy_date),
        symbol=source.symbol,
        url=source.url,
        file=source.file,
        origin=source.origin,
    )


def citations_of(source_id: str, kind: str | None = None) -> Select[Any]:
    """A source's citations (of records of one kind), for ``CITATION_ORDER``: a range of the
    index ``ix_citations_source_order``."""
    query = select(m.Citation).where(m.Citation.source_id == source_id)
    if kind is not None:
        query = query.where(m.Citation.subject_type == kind)
    return query


# Cited kind, record, the record's own order of its citations, and the id (so the order is
# total): the order of a source's citations in its detail and in /citations?source=.
CITATION_ORDER = (m.Citation.subject_type, m.Citation.subject_id, m.Citation.ordinal, m.Citation.id)


def citation_key(citation: m.Citation) -> tuple[str, str, int, str]:
    """A citation's place in ``CITATION_ORDER`` (what a cursor after it holds)."""
    return citation.subject_type, citation.subject_id, citation.ordinal, citation.id


def citing_facts(rows: list[m.Citation]) -> list[CitingFact]:
    return [
        CitingFact(
            id=c.id,
            subject_type=c.subject_type,
            subject_id=c.subject_id,
            quote=c.quote,
            locator=c.locator,
            note=c.note,
        )
        for c in rows
    ]


def detail_of(
    session: Session,
    source: m.Source,
    list_url: str,
    next_url: Callable[[tuple[str, str, int, str], int], str],
) -> SourceDetail:
    """The source with its first citations and how many there are of each kind;
    ``list_url`` lists them all, ``next_url(key, limit)`` is the page of ``limit`` after the
    citation at ``key``."""
    by_kind = session.execute(
        select(m.Citation.subject_type, func.count())
        .where(m.Citation.source_id == source.id)
        .group_by(m.Citation.subject_type)
        .order_by(m.Citation.subject_type)
    ).all()
    rows = list(
        session.scalars(citations_of(source.id).order_by(*CITATION_ORDER).limit(CITATIONS_SHOWN))
    )
    total = sum(count for _, count in by_kind)
    more = total > len(rows)
    return SourceDetail(
        **_source_out(source).model_dump(),
        cited_by_kind={kind: count for kind, count in by_kind},
        citations_total=total,
        citations=citing_facts(rows),
        citations_url=list_url,
        citations_next_url=next_url(citation_key(rows[-1]), CITATIONS_SHOWN) if more else None,
    )


render_items = item_renderer(m.Source, lambda _, rows: [_source_out(r) for r in rows])


render_figures = item_renderer(m.Figure, facts.figures_out)
