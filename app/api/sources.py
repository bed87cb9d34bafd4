"""Sources and what cites them; figures."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from app import models as m
from app.api import citations, exports, listing
from app.api.cite import CitationFormat, as_file
from app.api.cite_as import CitedRoute
from app.api.deps import reads, reads_stored, stored_detail
from app.cite import csl
from app.core.errors import NotFound
from app.core.pagination import Page as PageDep
from app.core.pagination import PageParams, encode_cursor
from app.views import facts
from app.views.schemas import FigureOut, Page
from app.views.sources import SourceDetail, SourceOut, _source_out, detail_of

router = APIRouter(tags=["sources"], route_class=CitedRoute)
FormatDep = Annotated[str, exports.format_param()]
FILES = exports.responses()


SourceFormat = Annotated[str, exports.format_param("bibtex", "csl-json")]
CITATION_FILES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            exports.MEDIA["csv"]: {"schema": {"type": "string"}},
            exports.MEDIA["ndjson"]: {"schema": {"type": "string"}},
            exports.MEDIA["bibtex"]: {"schema": {"type": "string"}},
            exports.MEDIA["csl-json"]: {"schema": {"type": "array", "items": {"type": "object"}}},
        },
        "description": "A page as JSON, or every source as a file",
    }
}


async def _stored_sources(request: Request, page: PageParams, fmt: str) -> Response | None:
    if fmt != "json":
        return None
    ids = select(m.Source.id)
    return await listing.stored_items(
        request, "source-item", None, lambda: (ids, m.Source.id), {}, page
    )


@router.get(
    "/sources", response_model=Page[SourceOut], responses=CITATION_FILES, summary="List sources"
)
@reads_stored(_stored_sources)
def list_sources(
    request: Request, session: Session, page: PageDep, fmt: SourceFormat
) -> Page[SourceOut] | Response:
    """The documents and pages the dataset cites; `format=csv|ndjson` for a file, and
    `format=bibtex|csl-json` (or `Accept: application/x-bibtex`,
    `application/vnd.citationstyles.csl+json`) for every source as a bibliography."""
    if fmt in {"bibtex", "csl-json"}:
        every = session.scalars(select(m.Source).order_by(m.Source.id))
        return as_file(fmt, [csl.source_item(source) for source in every])
    return listing.respond(
        request,
        session,
        fmt,
        SourceOut,
        lambda s, p: listing.id_page(
            s, select(m.Source), m.Source.id, p, lambda _, rows: [_source_out(r) for r in rows]
        ),
        page,
        "sources",
    )


@router.get(
    "/sources/{source_id}",
    response_model=SourceDetail,
    summary="One source",
    responses={200: {"content": CITATION_FILES[200]["content"]}},
)
@reads
def source_detail(
    request: Request,
    session: Session,
    source_id: Annotated[str, Path(examples=["slocum-2017"], max_length=200)],
    fmt: CitationFormat,
) -> SourceDetail | Response:
    """A source, how many citations of it support records of each kind, and the first 100
    of them (record kind and id, quote, locator) — the first page of
    `/citations?source=ID&limit=100`, which `citations_url` lists in full and
    `citations_next_url` continues; `format=bibtex|csl-json` (or the matching Accept) for
    the source as a bibliography entry."""
    source = session.get(m.Source, source_id)
    if source is None:
        raise NotFound(f"No source with id '{source_id}'; list them at /api/v1/sources")
    if fmt != "json":
        return as_file(fmt, [csl.source_item(source)])
    every = request.url_for("list_citations").include_query_params(source=source_id)

    def after(key: tuple[str, str, int, str], limit: int) -> str:
        cursor = encode_cursor((*key, citations.ORDER))
        return str(every.include_query_params(limit=limit, cursor=cursor))

    return detail_of(session, source, str(every), after)


FIGURE_FILTERS = {
    "subject_kind": m.Figure.subject_type,
    "subject": m.Figure.subject_id,
    "unit": m.Figure.unit,
}


async def _stored_figures(
    request: Request, page: PageParams, fmt: str, **filters: str | None
) -> Response | None:
    if fmt != "json":
        return None
    values = {name: value for name, value in filters.items() if value}

    def ids() -> tuple[Select[Any], Any]:
        query = select(m.Figure.id)
        for name in values:
            query = query.where(FIGURE_FILTERS[name] == bindparam(name))
        return query, m.Figure.id

    shape = tuple(sorted(values))
    return await listing.stored_items(request, "figure-item", shape, ids, values, page)


@router.get("/figures", response_model=Page[FigureOut], responses=FILES, summary="List figures")
@reads_stored(_stored_figures)
def list_figures(
    request: Request,
    session: Session,
    page: PageDep,
    fmt: FormatDep,
    subject_kind: Annotated[
        str | None, Query(description="event, process, actor, provision, ...", max_length=40)
    ] = None,
    subject: Annotated[
        str | None, Query(description="Id of the record the figure is about", max_length=200)
    ] = None,
    unit: Annotated[str | None, Query(max_length=60, examples=["pledges"])] = None,
) -> Page[FigureOut] | Response:
    """Numbers the sources state (counts of pledges, migrants, states, delegates, ...),
    each with its unit, as-of date and citations; `format=csv|ndjson` for a file."""
    query = select(m.Figure)
    if subject_kind:
        query = query.where(m.Figure.subject_type == subject_kind)
    if subject:
        query = query.where(m.Figure.subject_id == subject)
    if unit:
        query = query.where(m.Figure.unit == unit)
    return listing.respond(
        request,
        session,
        fmt,
        FigureOut,
        lambda s, p: listing.id_page(s, query, m.Figure.id, p, facts.figures_out),
        page,
        "figures",
    )


@router.get("/figures/{figure_id}", response_model=FigureOut, summary="One figure")
async def figure_detail(
    request: Request,
    figure_id: Annotated[str, Path(examples=["gcm.objectives-count"], max_length=200)],
) -> Response:
    """A figure as the list shows it — its statement, value, unit, as-of date, subject and
    citations — with `cite_as`, so a number can be cited by its own URL."""
    missing = NotFound(f"No figure with id '{figure_id}'; list them at /api/v1/figures")
    return await stored_detail(request, "figure-item", figure_id, missing)
