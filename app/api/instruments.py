"""Instruments and their provisions, and side-by-side comparison of two instruments."""

from __future__ import annotations

from typing import Annotated, get_args

import orjson
from fastapi import APIRouter, Path, Query, Request, Response
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app import models as m
from app.api import exports, known, listing
from app.api.as_of import AsOfParam
from app.api.cite_as import CitedRoute
from app.api.deps import reads_stored, stored_detail, stored_documents
from app.asof.coverage import one_date
from app.core.errors import InvalidParameter, NotFound
from app.core.pagination import Page as PageDep
from app.core.pagination import PageParams
from app.seeding.schemas import InstrumentKind
from app.views import compare as side_by_side
from app.views.instruments import (
    Comparison,
    InstrumentDetail,
    InstrumentOut,
    detail_of,
    instrument_out,
)
from app.views.schemas import Page
from app.views.tabular import COMPARISON_COLUMNS, comparison_rows

router = APIRouter(tags=["instruments"], route_class=CitedRoute)

InstrumentId = Annotated[str, Path(description="Instrument id", examples=["gcm"], max_length=200)]


def get_instrument(session: Session, instrument_id: str) -> m.Instrument:
    instrument = session.get(m.Instrument, instrument_id)
    if instrument is None:
        raise NotFound(no_instrument(instrument_id))
    return instrument


def no_instrument(instrument_id: str) -> str:
    return f"No instrument with id '{instrument_id}'; list them at /api/v1/instruments"


async def _stored_instruments(
    request: Request, page: PageParams, fmt: str, kind: str | None = None
) -> Response | None:
    if kind:
        known.kinds("kind", [kind], get_args(InstrumentKind))
    if fmt != "json":
        return None
    query = select(m.Instrument.id)
    if kind:
        query = query.where(m.Instrument.kind == bindparam("kind"))
    values = {"kind": kind} if kind else {}
    return await listing.stored_items(
        request, "instrument-item", bool(kind), lambda: (query, m.Instrument.id), values, page
    )


@router.get(
    "/instruments",
    response_model=Page[InstrumentOut],
    responses=exports.responses(),
    summary="List instruments",
)
@reads_stored(_stored_instruments)
def list_instruments(
    request: Request,
    session: Session,
    page: PageDep,
    fmt: Annotated[str, exports.format_param()],
    kind: Annotated[
        str | None,
        Query(description="compact, declaration, convention, report, ...", max_length=40),
    ] = None,
) -> Page[InstrumentOut] | Response:
    """Compacts, declarations, conventions, reports, ... by id; `format=csv|ndjson` gives
    every page as a file."""
    query = select(m.Instrument)
    if kind:
        known.kinds("kind", [kind], get_args(InstrumentKind))
        query = query.where(m.Instrument.kind == kind)
    return listing.respond(
        request,
        session,
        fmt,
        InstrumentOut,
        lambda s, p: listing.id_page(s, query, m.Instrument.id, p, instrument_out),
        page,
        "instruments",
    )


async def _stored_instrument(
    request: Request, instrument_id: str, as_of: str | None = None
) -> Response | None:
    """The instrument's stored detail (as it stands now; ``as_of`` renders afresh)."""
    if as_of is not None:
        return None
    missing = NotFound(no_instrument(instrument_id))
    return await stored_detail(request, "instrument-detail", instrument_id, missing)


@router.get(
    "/instruments/{instrument_id}", response_model=InstrumentDetail, summary="One instrument"
)
@reads_stored(_stored_instrument)
def instrument_detail(
    session: Session, instrument_id: InstrumentId, as_of: AsOfParam = None
) -> InstrumentDetail:
    """An instrument with its attributes, numbered provisions (objectives, principles, ...),
    the events that adopted, endorsed or published it, figures, citations and disputes.
    With `as_of`, whether it had been adopted and endorsed by that date, and only the acts
    and events that had happened by then, each marked certain or possible."""
    day = one_date("as_of", as_of) if as_of else None
    return detail_of(session, get_instrument(session, instrument_id), day)


@router.get(
    "/compare",
    response_model=Comparison,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
    summary="Two instruments side by side",
)
async def compare(
    request: Request,
    left: Annotated[str, Query(description="Instrument id", examples=["gcm"], max_length=200)],
    right: Annotated[str, Query(description="Instrument id", examples=["gcr"], max_length=200)],
    fmt: Annotated[str, exports.format_param(base=("json", "csv"))],
) -> Response:
    """Compare two instruments: their attributes (date and body, vote, the adoption and the
    endorsement or affirmation each with its own date, body, meeting, symbol, vote and
    citations, binding, lead, the process that made them, follow-up and review) and their
    provisions aligned by theme — themes both cover, and themes only one covers.
    `format=csv`: one row per attribute and one per theme alignment."""
    found = await stored_documents(request, "instrument", [left, right])
    for name, ident in (("left", left), ("right", right)):
        if ident not in found:
            raise InvalidParameter(name, no_instrument(ident))
    comparison = side_by_side.comparison([orjson.loads(found[ident][0]) for ident in (left, right)])
    if fmt == "csv":
        return exports.rows_csv(COMPARISON_COLUMNS, comparison_rows(comparison), f"{left}-{right}")
    return Response(orjson.dumps(comparison), media_type="application/json")
