"""What the list of disputes shows: each disagreement between sources, its claims in order,
each claim's citations, and the one the dataset follows marked."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import models as m
from app.views import facts
from app.views.schemas import DisputeOut, to_json


def disputes_out(session: Session, ids: list[str]) -> list[DisputeOut]:
    """These disputes as the list shows them, in id order (three statements: the disputes
    with their claims, and the claims' citations with their sources)."""
    if not ids:
        return []
    rows = session.execute(
        select(m.Dispute, m.DisputeClaim)
        .join(m.DisputeClaim, m.DisputeClaim.dispute_id == m.Dispute.id)
        .where(m.Dispute.id.in_(ids))
        .order_by(m.Dispute.id, m.DisputeClaim.ordinal)
    ).all()
    grouped = facts.group_disputes(session, rows)
    return sorted((d for found in grouped.values() for d in found), key=lambda d: d.id)


def render_items(session: Session, keys: list[str]) -> dict[str, str]:
    """The list items of these disputes as JSON (stored by ``app.records.documents``)."""
    return {item.id: to_json(item).decode() for item in disputes_out(session, keys)}
