"""What a source, what cites it, a figure in a list and a theme show."""

from __future__ import annotations

from pydantic import Field

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
    id: str
    subject_type: str
    subject_id: str
    quote: str | None
    locator: str | None
    note: str | None


class SourceDetail(SourceOut):
    cited_by_kind: dict[str, int]
    citations: list[CitingFact]


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


render_items = item_renderer(m.Source, lambda _, rows: [_source_out(r) for r in rows])


render_figures = item_renderer(m.Figure, facts.figures_out)
