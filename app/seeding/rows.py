"""Turn a validated dataset into table rows, keyed by primary key."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Table

from app import models as m
from app.core.dates import parse_date
from app.seeding import schemas as s
from app.seeding.ids import (
    participation_id,
    point_id,
    process_link_id,
    process_role_id,
    provision_id,
)
from app.seeding.reader import Dataset

Row = dict[str, Any]
Rows = dict[Table, list[Row]]

SUBJECT_OF: dict[type[s.Record], str] = {
    s.ActorIn: "actor",
    s.PositionIn: "position",
    s.ProcessIn: "process",
    s.EventIn: "event",
    s.InstrumentIn: "instrument",
    s.PledgeIn: "pledge",
    s.FigureIn: "figure",
}


def _dated(record: Any) -> Row:
    edtf = getattr(record, "date", None)
    parsed = parse_date(edtf) if edtf else None
    return {
        "date_edtf": edtf,
        "date_qualifier": getattr(record, "date_qualifier", None),
        "date_start": parsed.lower if parsed else None,
        "date_end": parsed.upper if parsed else None,
    }


class RowBuilder:
    def __init__(self) -> None:
        self.rows: Rows = {table: [] for table in m.Base.metadata.sorted_tables}

    def add(self, model: type[m.Base], **values: Any) -> None:
        table: Table = model.__table__  # type: ignore[assignment]
        self.rows[table].append(values)

    def cite(self, subject_type: str, subject_id: str, cites: Iterable[s.CitationIn]) -> None:
        for citation in cites:
            key = "|".join(
                (
                    subject_type,
                    subject_id,
                    citation.source,
                    citation.quote or "",
                    citation.locator or "",
                )
            )
            self.add(
                m.Citation,
                id=hashlib.sha1(key.encode()).hexdigest()[:20],
                subject_type=subject_type,
                subject_id=subject_id,
                ordinal=len(self.rows[m.Citation.__table__]),  # type: ignore[index]
                source_id=citation.source,
                quote=citation.quote,
                locator=citation.locator,
                note=citation.note,
            )

    def tag(self, subject_type: str, subject_id: str, themes: Iterable[str]) -> None:
        for theme in dict.fromkeys(themes):
            self.add(m.ThemeTag, subject_type=subject_type, subject_id=subject_id, theme_id=theme)


def build_rows(dataset: Dataset) -> Rows:
    b = RowBuilder()
    for r in dataset.of("sources"):
        b.add(
            m.Source,
            id=r.id,
            title=r.title,
            kind=r.kind,
            author=r.author,
            publisher=r.publisher,
            symbol=r.symbol,
            url=r.url,
            file=r.file,
            **_dated(r),
        )
    for r in dataset.of("themes"):
        b.add(m.Theme, id=r.id, name=r.name, parent_id=r.parent, description=r.description)
    for r in dataset.of("actors"):
        b.add(
            m.Actor,
            id=r.id,
            name=r.name,
            kind=r.kind,
            acronym=r.acronym,
            aliases=list(r.aliases),
            iso3=r.iso3,
            parent_id=r.parent,
            country_id=r.country,
            description=r.description,
        )
    for r in dataset.of("positions"):
        b.add(
            m.Position,
            id=r.id,
            person_id=r.person,
            title=r.title,
            organization_id=r.organization,
            **_dated(r),
        )
    for r in dataset.of("processes"):
        b.add(
            m.Process,
            id=r.id,
            name=r.name,
            kind=r.kind,
            acronym=r.acronym,
            aliases=list(r.aliases),
            within_un=r.within_un,
            binding=r.binding,
            parent_id=r.parent,
            description=r.description,
            **_dated(r),
        )
        b.tag("process", r.id, r.themes)
    for r in dataset.of("process_links"):
        ident = process_link_id(r)
        b.add(
            m.ProcessLink,
            id=ident,
            source_id=r.source,
            target_id=r.target,
            kind=r.kind,
            note=r.note,
        )
        b.cite("process_link", ident, r.cite)
    for r in dataset.of("process_roles"):
        ident = process_role_id(r)
        b.add(
            m.ProcessRole,
            id=ident,
            actor_id=r.actor,
            process_id=r.process,
            role=r.role,
            note=r.note,
            **_dated(r),
        )
        b.cite("process_role", ident, r.cite)
    for r in dataset.of("instruments"):
        b.add(
            m.Instrument,
            id=r.id,
            title=r.title,
            kind=r.kind,
            short_title=r.short_title,
            acronym=r.acronym,
            aliases=list(r.aliases),
            symbol=r.symbol,
            adopted_by_id=r.adopted_by,
            vote=r.vote,
            vote_note=r.vote_note,
            binding=r.binding,
            lead_id=r.lead,
            process_id=r.process,
            review_process_id=r.review,
            basis=r.basis,
            follow_up=r.follow_up,
            description=r.description,
            **_dated(r),
        )
        b.tag("instrument", r.id, r.themes)
    for ordinal, r in enumerate(dataset.of("provisions")):
        ident = provision_id(r)
        b.add(
            m.Provision,
            id=ident,
            instrument_id=r.instrument,
            kind=r.kind,
            number=r.number,
            ordinal=ordinal,
            title=r.title,
            short_title=r.short_title,
        )
        b.tag("provision", ident, r.themes)
        b.cite("provision", ident, r.cite)
    for r in dataset.of("events"):
        b.add(
            m.Event,
            id=r.id,
            title=r.title,
            kind=r.kind,
            is_meeting=r.kind in s.MEETING_KINDS,
            status=r.status,
            process_id=r.process,
            parent_id=r.parent,
            held_as_id=r.held_as,
            ordinal=r.ordinal,
            city=r.city,
            country_id=r.country,
            venue=r.venue,
            format=r.format,
            description=r.description,
            **_dated(r),
        )
        b.tag("event", r.id, r.themes)
        for link in dict.fromkeys(r.instruments):
            b.add(
                m.EventInstrument,
                event_id=r.id,
                instrument_id=link.instrument,
                relation=link.relation,
            )
        for ordinal, p in enumerate(r.participants):
            ident = participation_id(r.id, p)
            b.add(
                m.Participation,
                id=ident,
                event_id=r.id,
                actor_id=p.actor,
                role=p.role,
                ordinal=ordinal,
                on_behalf_of_id=p.on_behalf_of,
                capacity=p.capacity,
                statement=p.statement,
            )
            b.cite("participation", ident, p.cite)
            for index, point in enumerate(p.points):
                point_ident = point_id(ident, index)
                b.add(
                    m.StatementPoint,
                    id=point_ident,
                    participation_id=ident,
                    event_id=r.id,
                    ordinal=index,
                    text=point.text,
                )
                b.tag("statement_point", point_ident, point.themes)
                b.cite("statement_point", point_ident, point.cite)
    for r in dataset.of("pledges"):
        b.add(
            m.Pledge,
            id=r.id,
            title=r.title,
            process_id=r.process,
            event_id=r.event,
            description=r.description,
            type=r.type,
            status=r.status,
            matches_id=r.matches,
            **_dated(r),
        )
        b.tag("pledge", r.id, r.themes)
        for actor in dict.fromkeys(r.pledgers):
            b.add(m.PledgeActor, pledge_id=r.id, actor_id=actor)
        for number in dict.fromkeys(r.objectives):
            b.add(m.PledgeObjective, pledge_id=r.id, provision_id=f"gcm.objective.{number}")
    for r in dataset.of("figures"):
        b.add(
            m.Figure,
            id=r.id,
            statement=r.statement,
            value=r.value,
            unit=r.unit,
            subject_type=r.subject.kind if r.subject else None,
            subject_id=r.subject.id if r.subject else None,
            **_dated(r),
        )
    for r in dataset.of("disputes"):
        b.add(
            m.Dispute,
            id=r.id,
            subject_type=r.subject.kind,
            subject_id=r.subject.id,
            field=r.field,
            question=r.question,
            resolution=r.resolution,
        )
        for ordinal, claim in enumerate(r.claims):
            ident = f"{r.id}.{ordinal + 1}"
            b.add(
                m.DisputeClaim,
                id=ident,
                dispute_id=r.id,
                ordinal=ordinal,
                claim=claim.claim,
                followed=claim.followed,
            )
            b.cite("dispute_claim", ident, claim.cite)
    for plural in (
        "actors",
        "positions",
        "processes",
        "instruments",
        "events",
        "pledges",
        "figures",
    ):
        for r in dataset.of(plural):
            b.cite(SUBJECT_OF[type(r)], r.id, r.cite)
    for r in dataset.of("citations"):
        b.cite(r.subject.kind, r.subject.id, r.cite)
    return _dedupe(b.rows)


def _dedupe(rows: Rows) -> Rows:
    """Keep the first of rows sharing a primary key (a fact cited twice in the same words)."""
    result: Rows = {}
    for table, table_rows in rows.items():
        keys = [c.name for c in table.primary_key.columns]
        seen: dict[tuple[Any, ...], Row] = {}
        for row in table_rows:
            seen.setdefault(tuple(row[k] for k in keys), row)
        result[table] = list(seen.values())
    return result
