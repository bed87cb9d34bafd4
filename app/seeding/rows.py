"""Turn a validated dataset into table rows, keyed by primary key."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Table

from app import models as m
from app.seeding import kinds as k
from app.seeding import schemas as s
from app.seeding.ids import (
    instrument_act_id,
    participation_id,
    point_id,
    process_link_id,
    process_role_id,
    provision_id,
)
from app.seeding.reader import Dataset

Row = dict[str, Any]
Rows = dict[Table, list[Row]]


class RowBuilder:
    def __init__(self) -> None:
        self.rows: Rows = {table: [] for table in m.Base.metadata.sorted_tables}

    def add(self, model: type[m.Base], **values: Any) -> None:
        table: Table = model.__table__  # type: ignore[assignment]
        self.rows[table].append(values)

    def put(self, kind: k.Kind, record: s.Record, **placed: Any) -> None:
        """The record's row, as its kind declares it, with columns given by where it sits."""
        self.rows[kind.table].append(kind.row(record, **placed))

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
            self.put(
                k.CITATION,
                citation,
                id=hashlib.sha1(key.encode()).hexdigest()[:20],
                subject_type=subject_type,
                subject_id=subject_id,
                ordinal=len(self.rows[k.CITATION.table]),
            )

    def tag(self, subject_type: str, subject_id: str, themes: Iterable[str]) -> None:
        for theme in dict.fromkeys(themes):
            self.add(m.ThemeTag, subject_type=subject_type, subject_id=subject_id, theme_id=theme)


def build_rows(dataset: Dataset) -> Rows:
    b = RowBuilder()
    for kind in (k.SOURCE, k.THEME, k.ACTOR, k.POSITION, k.FIGURE):
        for r in dataset.of(kind.plural or ""):
            b.put(kind, r)
    for r in dataset.of("processes"):
        b.put(k.PROCESS, r)
        b.tag("process", r.id, r.themes)
    for r in dataset.of("process_links"):
        ident = process_link_id(r)
        b.put(k.PROCESS_LINK, r, id=ident)
        b.cite("process_link", ident, r.cite)
    for r in dataset.of("process_roles"):
        ident = process_role_id(r)
        b.put(k.PROCESS_ROLE, r, id=ident)
        b.cite("process_role", ident, r.cite)
    for r in dataset.of("instruments"):
        b.put(k.INSTRUMENT, r)
        b.tag("instrument", r.id, r.themes)
        for ordinal, act in enumerate(r.acts):
            ident = instrument_act_id(r.id, act)
            b.put(k.INSTRUMENT_ACT, act, id=ident, instrument_id=r.id, ordinal=ordinal)
            b.cite("instrument_act", ident, act.cite)
    for ordinal, r in enumerate(dataset.of("provisions")):
        ident = provision_id(r)
        b.put(k.PROVISION, r, id=ident, ordinal=ordinal)
        b.tag("provision", ident, r.themes)
        b.cite("provision", ident, r.cite)
    for r in dataset.of("events"):
        b.put(k.EVENT, r, is_meeting=r.kind in s.MEETING_KINDS)
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
            b.put(k.PARTICIPATION, p, id=ident, event_id=r.id, ordinal=ordinal)
            b.cite("participation", ident, p.cite)
            for index, point in enumerate(p.points):
                point_ident = point_id(ident, index)
                b.put(
                    k.STATEMENT_POINT,
                    point,
                    id=point_ident,
                    participation_id=ident,
                    event_id=r.id,
                    ordinal=index,
                )
                b.tag("statement_point", point_ident, point.themes)
                b.cite("statement_point", point_ident, point.cite)
    for r in dataset.of("pledges"):
        b.put(k.PLEDGE, r)
        b.tag("pledge", r.id, r.themes)
        for actor in dict.fromkeys(r.pledgers):
            b.add(m.PledgeActor, pledge_id=r.id, actor_id=actor)
        for number in dict.fromkeys(r.objectives):
            b.add(m.PledgeObjective, pledge_id=r.id, provision_id=f"gcm.objective.{number}")
    for r in dataset.of("disputes"):
        b.put(k.DISPUTE, r)
        for ordinal, claim in enumerate(r.claims):
            ident = f"{r.id}.{ordinal + 1}"
            b.put(k.DISPUTE_CLAIM, claim, id=ident, dispute_id=r.id, ordinal=ordinal)
            b.cite("dispute_claim", ident, claim.cite)
    for kind in (k.ACTOR, k.POSITION, k.PROCESS, k.INSTRUMENT, k.EVENT, k.PLEDGE, k.FIGURE):
        for r in dataset.of(kind.plural or ""):
            b.cite(kind.name, r.id, r.cite)
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
