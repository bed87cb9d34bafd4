"""What the audit log shows of a change: who made it, when, and the record before and after."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from app import models as m
from app.core.pagination import PageParams, encode_cursor
from app.views.schemas import Out, Utc


class ChangeOut(Out):
    id: int
    at: Utc
    key_name: str
    action: str
    kind: str
    record_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def changes_page(
    session: Session, query: Select[Any], page: PageParams
) -> tuple[list[ChangeOut], str | None]:
    """One page of the changes ``query`` selects, oldest first from the cursor's change on,
    and the next page's cursor (a cursor that names no change starts at the first)."""
    if page.after:
        try:
            after = int(page.after[0])
        except (TypeError, ValueError):
            after = 0
        query = query.where(m.Change.id > after)
    rows = list(session.scalars(query.order_by(m.Change.id).limit(page.limit + 1)))
    more, rows = len(rows) > page.limit, rows[: page.limit]
    items = [ChangeOut.model_validate(r) for r in rows]
    return items, encode_cursor((rows[-1].id,)) if more else None
