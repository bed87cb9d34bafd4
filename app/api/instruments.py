"""Instruments and their provisions, and side-by-side comparison of two instruments."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Annotated, Any, get_args

import orjson
from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import Field
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app import models as m
from app.api import exports, known, listing
from app.api.as_of import AsOfParam
from app.api.deps import reads, reads_stored, stored_documents
from app.api.tabular import COMPARISON_COLUMNS, comparison_rows
from app.asof.coverage import Coverage, done_by, one_date
from app.core.dates import FuzzyDate
from app.core.errors import InvalidParameter, NotFound
from app.core.pagination import Page as PageDep
from app.core.pagination import PageParams
from app.seeding.schemas import InstrumentKind
from app.views import facts
from app.views.as_of import AsOfCoverage, held_on, span_of, surest
from app.views.schemas import Cited, DateOut, DisputeOut, FigureOut, Out, Page, Ref, to_json
from app.views.timeline import EventSummary, event_summaries

router = APIRouter(tags=["instruments"])

InstrumentId = Annotated[str, Path(description="Instrument id", examples=["gcm"], max_length=200)]


class InstrumentAct(Cited):
    """One act that made the instrument what it is (adopted at a conference, endorsed or
    affirmed by the General Assembly), with its own date, body, meeting, symbol and vote."""

    act: str = Field(examples=["endorsement"])
    date: DateOut | None
    body: Ref | None = Field(description="The actor that acted (an organ, a conference body)")
    meeting: Ref | None = Field(description="The meeting at which it acted")
    symbol: str | None = Field(examples=["A/RES/73/195"])
    vote: str | None = Field(description="In favour-against-abstentions", examples=["152-5-12"])
    vote_note: str | None
    coverage: AsOfCoverage = None


class InstrumentOut(Cited):
    id: str
    title: str
    kind: str
    short_title: str | None
    acronym: str | None
    aliases: list[str]
    symbol: str | None
    date: DateOut | None = None
    adopted_by: Ref | None
    vote: str | None = None
    vote_note: str | None = None
    binding: bool | None
    lead: Ref | None
    process: Ref | None
    review: Ref | None
    basis: str | None
    follow_up: str | None
    description: str | None
    themes: list[Ref]
    acts: list[InstrumentAct] = Field(
        description="Its adoption, endorsement or affirmation, each with its own date, body, "
        "meeting, symbol, vote and citations, where these are distinct acts"
    )


class ProvisionOut(Cited):
    id: str
    instrument: str
    kind: str
    number: str
    title: str
    short_title: str | None
    themes: list[Ref]


class InstrumentEvent(EventSummary):
    relation: str
    coverage: AsOfCoverage = None


class InstrumentAsOf(Out):
    """The instrument as it stood on a date (``as_of``): which of its acts had happened."""

    date: DateOut
    adopted: Coverage | None = Field(
        description="whether it had certainly or possibly been adopted by the date: by its "
        "adoption act, or by its own date where no adoption is recorded; null if not by "
        "then, or if it has neither"
    )
    endorsed: Coverage | None = Field(
        description="whether an endorsement or affirmation had certainly or possibly happened "
        "by the date; null if none had (or none is recorded)"
    )
    undated_acts: int = Field(description="acts the sources give no date for, left out")


class InstrumentDetail(InstrumentOut):
    as_of: InstrumentAsOf | None = Field(None, exclude_if=lambda value: value is None)
    provisions: list[ProvisionOut]
    events: list[InstrumentEvent]
    figures: list[FigureOut]
    disputes: list[DisputeOut]


def instrument_out(session: Session, rows: list[m.Instrument]) -> list[InstrumentOut]:
    ids = [i.id for i in rows]
    actors = facts.refs(
        session, m.Actor, [i.adopted_by_id for i in rows] + [i.lead_id for i in rows]
    )
    processes = facts.refs(
        session, m.Process, [i.process_id for i in rows] + [i.review_process_id for i in rows]
    )
    evidence = facts.citations(session, "instrument", ids)
    tags = facts.themes(session, "instrument", ids)
    acts = _acts(session, ids)
    return [
        InstrumentOut(
            id=i.id,
            title=i.title,
            kind=i.kind,
            short_title=i.short_title,
            acronym=i.acronym,
            aliases=i.aliases,
            symbol=i.symbol,
            date=DateOut.of(i.fuzzy_date),
            adopted_by=actors.get(i.adopted_by_id or ""),
            vote=i.vote,
            vote_note=i.vote_note,
            binding=i.binding,
            lead=actors.get(i.lead_id or ""),
            process=processes.get(i.process_id or ""),
            review=processes.get(i.review_process_id or ""),
            basis=i.basis,
            follow_up=i.follow_up,
            description=i.description,
            themes=tags[i.id],
            acts=acts[i.id],
            citations=evidence[i.id],
        )
        for i in rows
    ]


def _acts(session: Session, ids: list[str]) -> dict[str, list[InstrumentAct]]:
    a = m.InstrumentAct
    rows = list(
        session.scalars(
            select(a).where(a.instrument_id.in_(ids)).order_by(a.instrument_id, a.ordinal)
        )
    )
    bodies = facts.refs(session, m.Actor, [r.body_id for r in rows])
    meetings = facts.refs(session, m.Event, [r.meeting_id for r in rows])
    evidence = facts.citations(session, "instrument_act", [r.id for r in rows])
    found: dict[str, list[InstrumentAct]] = defaultdict(list)
    for r in rows:
        found[r.instrument_id].append(
            InstrumentAct(
                act=r.act,
                date=DateOut.of(r.fuzzy_date),
                body=bodies.get(r.body_id or ""),
                meeting=meetings.get(r.meeting_id or ""),
                symbol=r.symbol,
                vote=r.vote,
                vote_note=r.vote_note,
                citations=evidence[r.id],
            )
        )
    return found


def provisions_out(session: Session, rows: list[m.Provision]) -> list[ProvisionOut]:
    ids = [p.id for p in rows]
    evidence = facts.citations(session, "provision", ids)
    tags = facts.themes(session, "provision", ids)
    return [
        ProvisionOut(
            id=p.id,
            instrument=p.instrument_id,
            kind=p.kind,
            number=p.number,
            title=p.title,
            short_title=p.short_title,
            themes=tags[p.id],
            citations=evidence[p.id],
        )
        for p in rows
    ]


def get_instrument(session: Session, instrument_id: str) -> m.Instrument:
    instrument = session.get(m.Instrument, instrument_id)
    if instrument is None:
        raise NotFound(no_instrument(instrument_id))
    return instrument


def no_instrument(instrument_id: str) -> str:
    return f"No instrument with id '{instrument_id}'; list them at /api/v1/instruments"


def provisions_of(session: Session, instrument_id: str) -> list[ProvisionOut]:
    rows = session.scalars(
        select(m.Provision)
        .where(m.Provision.instrument_id == instrument_id)
        .order_by(m.Provision.ordinal)
    ).all()
    return provisions_out(session, list(rows))


render_items = listing.item_renderer(m.Instrument, instrument_out)


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


@router.get(
    "/instruments/{instrument_id}", response_model=InstrumentDetail, summary="One instrument"
)
@reads
def instrument_detail(
    session: Session, instrument_id: InstrumentId, as_of: AsOfParam = None
) -> InstrumentDetail:
    """An instrument with its attributes, numbered provisions (objectives, principles, ...),
    the events that adopted, endorsed or published it, figures, citations and disputes.
    With `as_of`, whether it had been adopted and endorsed by that date, and only the acts
    and events that had happened by then, each marked certain or possible."""
    day = one_date("as_of", as_of) if as_of else None
    instrument = get_instrument(session, instrument_id)
    (base,) = instrument_out(session, [instrument])
    links = session.execute(
        select(m.EventInstrument.relation, m.Event)
        .join(m.Event, m.Event.id == m.EventInstrument.event_id)
        .where(m.EventInstrument.instrument_id == instrument_id)
        .order_by(m.Event.date_start, m.Event.id)
    ).all()
    summaries = event_summaries([e for _, e in links])
    detail = InstrumentDetail(
        **base.model_dump(),
        provisions=provisions_of(session, instrument_id),
        events=[
            InstrumentEvent(**s.model_dump(), relation=r)
            for (r, _), s in zip(links, summaries, strict=True)
        ],
        figures=facts.figures(session, "instrument", [instrument_id])[instrument_id],
        disputes=facts.disputes(session, "instrument", [instrument_id])[instrument_id],
    )
    return detail if day is None else instrument_as_of(detail, *day)


def instrument_as_of(
    detail: InstrumentDetail, asked: FuzzyDate, lo: dt.date, hi: dt.date
) -> InstrumentDetail:
    """The acts and events done by the date, and whether it was adopted and endorsed then."""
    acts, undated = held_on(detail.acts, lo, hi, done_by)
    events, _ = held_on(detail.events, lo, hi, done_by)
    adoptions = [a.coverage for a in acts if a.act == "adoption"]
    if not any(a.act == "adoption" for a in detail.acts) and detail.date is not None:
        adoptions.append(done_by(span_of(detail.date), lo, hi))
    stood = InstrumentAsOf(
        date=DateOut.of(asked),
        adopted=surest(adoptions),
        endorsed=surest(a.coverage for a in acts if a.act in {"endorsement", "affirmation"}),
        undated_acts=undated,
    )
    return detail.model_copy(update={"as_of": stood, "acts": acts, "events": events})


class InstrumentSide(Out):
    """What a comparison shows of one instrument (stored by ``app.records.documents``)."""

    instrument: InstrumentOut
    provisions: list[ProvisionOut]


def render_sides(session: Session, ids: list[str]) -> dict[str, str]:
    rows = list(session.scalars(select(m.Instrument).where(m.Instrument.id.in_(ids))))
    p = m.Provision
    provisions = session.scalars(
        select(p).where(p.instrument_id.in_(ids)).order_by(p.instrument_id, p.ordinal)
    ).all()
    by_instrument: dict[str, list[ProvisionOut]] = {i: [] for i in ids}
    for out in provisions_out(session, list(provisions)):
        by_instrument[out.instrument].append(out)
    return {
        out.id: to_json(InstrumentSide(instrument=out, provisions=by_instrument[out.id])).decode()
        for out in instrument_out(session, rows)
    }


class AttributeRow(Out):
    attribute: str
    left: object
    right: object
    same: bool


class ThemeRow(Out):
    theme: Ref
    left: list[ProvisionOut]
    right: list[ProvisionOut]


class Comparison(Out):
    left: InstrumentOut
    right: InstrumentOut
    attributes: list[AttributeRow]
    shared_themes: list[ThemeRow]
    left_only_themes: list[ThemeRow]
    right_only_themes: list[ThemeRow]
    unthemed: list[ProvisionOut]


COMPARED = (
    "kind",
    "symbol",
    "date",
    "adopted_by",
    "vote",
    "adoption",
    "endorsement",
    "binding",
    "lead",
    "process",
    "review",
    "basis",
    "follow_up",
)


# The acts a comparison shows in a row of their own: an affirmation is the General
# Assembly's endorsement under another name (the GCR's, in its resolution on UNHCR).
ACT_ROWS = {"adoption": ("adoption",), "endorsement": ("endorsement", "affirmation")}


def _attribute(instrument: dict[str, Any], name: str) -> Any:
    """An attribute of a stored instrument; for an act's row, the act (or None)."""
    if name not in ACT_ROWS:
        return instrument[name]
    return next((a for a in instrument["acts"] if a["act"] in ACT_ROWS[name]), None)


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
    # Built from the stored sides' JSON as plain values (a ``Comparison`` in shape, which a
    # test checks): parsing them into models again would cost more than the rest.
    found = await stored_documents(request, "instrument", [left, right])
    for name, ident in (("left", left), ("right", right)):
        if ident not in found:
            raise InvalidParameter(name, no_instrument(ident))
    sides = [orjson.loads(found[ident][0]) for ident in (left, right)]
    one, other = (side["instrument"] for side in sides)
    by_theme: dict[str, tuple[dict[str, str], list[Any], list[Any]]] = {}
    unthemed: list[Any] = []
    for index, side in enumerate(sides):
        for provision in side["provisions"]:
            if not provision["themes"]:
                unthemed.append(provision)
            for theme in provision["themes"]:
                _, left_side, right_side = by_theme.setdefault(theme["id"], (theme, [], []))
                (right_side if index else left_side).append(provision)
    rows = [
        {"theme": theme, "left": lp, "right": rp}
        for theme, lp, rp in sorted(by_theme.values(), key=lambda entry: entry[0]["name"])
    ]
    comparison = {
        "left": one,
        "right": other,
        "attributes": [
            {"attribute": a, "left": x, "right": y, "same": x == y}
            for a in COMPARED
            for x, y in [(_attribute(one, a), _attribute(other, a))]
        ],
        "shared_themes": [r for r in rows if r["left"] and r["right"]],
        "left_only_themes": [r for r in rows if r["left"] and not r["right"]],
        "right_only_themes": [r for r in rows if r["right"] and not r["left"]],
        "unthemed": unthemed,
    }
    if fmt == "csv":
        return exports.rows_csv(COMPARISON_COLUMNS, comparison_rows(comparison), f"{left}-{right}")
    return Response(orjson.dumps(comparison), media_type="application/json")
