"""What an instrument shows: in a list, in its detail with its acts and provisions (as it
stood on a date, with ``as_of``), and as one side of a comparison."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import models as m
from app.asof.coverage import Coverage, done_by
from app.core.dates import FuzzyDate
from app.views import facts
from app.views.as_of import AsOfCoverage, held_on, span_of, surest
from app.views.listing import item_renderer
from app.views.schemas import Cited, DateOut, DisputeOut, FigureOut, Out, Ref, to_json
from app.views.timeline import EventSummary, event_summaries


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


def provisions_of(session: Session, instrument_id: str) -> list[ProvisionOut]:
    rows = session.scalars(
        select(m.Provision)
        .where(m.Provision.instrument_id == instrument_id)
        .order_by(m.Provision.ordinal)
    ).all()
    return provisions_out(session, list(rows))


render_items = item_renderer(m.Instrument, instrument_out)


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


def detail_of(
    session: Session, instrument: m.Instrument, day: tuple[FuzzyDate, dt.date, dt.date] | None
) -> InstrumentDetail:
    """The instrument with its provisions, the events that adopted, endorsed or published
    it, figures and disputes; on a ``day``, as it stood then (``instrument_as_of``)."""
    instrument_id = instrument.id
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


class InstrumentSide(Out):
    """What a comparison shows of one instrument (stored by ``app.readmodel.documents``)."""

    instrument: InstrumentOut
    provisions: list[ProvisionOut]


def render_details(session: Session, ids: list[str]) -> dict[str, str]:
    """These instruments' details as JSON (stored by ``app.readmodel.documents``)."""
    found = session.scalars(select(m.Instrument).where(m.Instrument.id.in_(ids)))
    return {i.id: to_json(detail_of(session, i, None)).decode() for i in found}


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
