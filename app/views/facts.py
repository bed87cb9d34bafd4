"""Batch loaders: citations, disputes, themes, figures and names for many records at once.

Each runs a fixed number of statements whatever the number of records, so a page of results
costs the same few queries as a single record.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import models as m
from app.views.schemas import (
    CitationOut,
    ClaimOut,
    DateOut,
    DisputeOut,
    FigureOut,
    Ref,
    SourceRef,
)


def citations(
    session: Session, subject_type: str, ids: Collection[str]
) -> dict[str, list[CitationOut]]:
    found: dict[str, list[CitationOut]] = defaultdict(list)
    if not ids:
        return found
    c, s = m.Citation, m.Source
    rows = session.execute(
        select(
            c.subject_id,
            c.source_id,
            s.title,
            s.symbol,
            s.url,
            s.origin,
            c.quote,
            c.locator,
            c.note,
        )
        .join(s, s.id == c.source_id)
        .where(c.subject_type == subject_type, c.subject_id.in_(list(ids)))
        .order_by(c.ordinal)
    )
    for subject_id, source_id, title, symbol, url, origin, quote, locator, note in rows:
        found[subject_id].append(
            CitationOut(
                source=SourceRef(id=source_id, title=title, symbol=symbol, url=url, origin=origin),
                quote=quote,
                locator=locator,
                note=note,
                outside_source=origin == "web_page",
            )
        )
    return found


def disputes(
    session: Session, subject_type: str, ids: Collection[str]
) -> dict[str, list[DisputeOut]]:
    found: dict[str, list[DisputeOut]] = defaultdict(list)
    if not ids:
        return found
    rows = session.execute(
        select(m.Dispute, m.DisputeClaim)
        .join(m.DisputeClaim, m.DisputeClaim.dispute_id == m.Dispute.id)
        .where(m.Dispute.subject_type == subject_type, m.Dispute.subject_id.in_(list(ids)))
        .order_by(m.Dispute.id, m.DisputeClaim.ordinal)
    ).all()
    return group_disputes(session, rows)


def group_disputes(session: Session, rows: Iterable[Any]) -> dict[str, list[DisputeOut]]:
    """Shape (Dispute, DisputeClaim) rows, keyed by the disputed record's id."""
    rows = list(rows)
    evidence = citations(session, "dispute_claim", [claim.id for _, claim in rows])
    by_id: dict[str, DisputeOut] = {}
    found: dict[str, list[DisputeOut]] = defaultdict(list)
    for dispute, claim in rows:
        if dispute.id not in by_id:
            by_id[dispute.id] = DisputeOut(
                id=dispute.id,
                field=dispute.field,
                question=dispute.question,
                resolution=dispute.resolution,
                claims=[],
            )
            found[dispute.subject_id].append(by_id[dispute.id])
        by_id[dispute.id].claims.append(
            ClaimOut(claim=claim.claim, followed=claim.followed, citations=evidence[claim.id])
        )
    return found


def themes(session: Session, subject_type: str, ids: Collection[str]) -> dict[str, list[Ref]]:
    found: dict[str, list[Ref]] = defaultdict(list)
    if not ids:
        return found
    rows = session.execute(
        select(m.ThemeTag.subject_id, m.Theme.id, m.Theme.name)
        .join(m.Theme, m.Theme.id == m.ThemeTag.theme_id)
        .where(m.ThemeTag.subject_type == subject_type, m.ThemeTag.subject_id.in_(list(ids)))
        .order_by(m.Theme.id)
    )
    for subject_id, theme_id, name in rows:
        found[subject_id].append(Ref(id=theme_id, name=name))
    return found


def figures(
    session: Session, subject_type: str, ids: Collection[str]
) -> dict[str, list[FigureOut]]:
    found: dict[str, list[FigureOut]] = defaultdict(list)
    if not ids:
        return found
    rows = session.scalars(
        select(m.Figure)
        .where(m.Figure.subject_type == subject_type, m.Figure.subject_id.in_(list(ids)))
        .order_by(m.Figure.date_start.nulls_last(), m.Figure.id)
    ).all()
    for figure in figures_out(session, rows):
        assert figure.subject is not None
        found[figure.subject["id"]].append(figure)
    return found


def figures_out(session: Session, rows: Collection[m.Figure]) -> list[FigureOut]:
    evidence = citations(session, "figure", [f.id for f in rows])
    return [
        FigureOut(
            id=f.id,
            statement=f.statement,
            value=f.value,
            unit=f.unit,
            date=DateOut.of(f.fuzzy_date),
            subject={"kind": f.subject_type, "id": f.subject_id} if f.subject_id else None,
            citations=evidence[f.id],
        )
        for f in rows
    ]


NAMED: dict[type[m.Base], Any] = {
    m.Actor: m.Actor.name,
    m.Process: m.Process.name,
    m.Event: m.Event.title,
    m.Instrument: m.Instrument.title,
    m.Theme: m.Theme.name,
    m.Pledge: m.Pledge.title,
}


def refs(session: Session, model: type[m.Base], ids: Iterable[str | None]) -> dict[str, Ref]:
    """Readable references for the given ids of one table."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    key = model.__table__.c.id
    rows = session.execute(select(key, NAMED[model]).where(key.in_(wanted)))
    return {ident: Ref(id=ident, name=name) for ident, name in rows}
