"""The audit log: every change made through the API, who made it, and the record before/after."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import select

from app import models as m
from app.api.deps import SessionDep
from app.api.schemas import Out, Page
from app.core.pagination import Page as PageDep
from app.core.pagination import encode_cursor

router = APIRouter(tags=["changes"])


class ChangeOut(Out):
    id: int
    at: dt.datetime
    key_name: str
    action: str
    kind: str
    record_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@router.get("/changes", response_model=Page[ChangeOut], summary="The audit log")
def list_changes(
    session: SessionDep,
    page: PageDep,
    kind: Annotated[
        str | None, Query(max_length=40, description="actors, events, pledges, ...")
    ] = None,
    record: Annotated[
        str | None, Query(max_length=200, description="A record's id: its history")
    ] = None,
) -> Page[ChangeOut]:
    """Every change made through the API, oldest first: who (the key's name), when, what,
    and the record before and after. `?kind=pledges&record=ID` is one record's history."""
    query = select(m.Change)
    if kind:
        query = query.where(m.Change.kind == kind)
    if record:
        query = query.where(m.Change.record_id == record)
    if page.after:
        try:
            after = int(page.after[0])
        except (TypeError, ValueError):
            after = 0
        query = query.where(m.Change.id > after)
    rows = list(session.scalars(query.order_by(m.Change.id).limit(page.limit + 1)))
    next_cursor = encode_cursor((rows[page.limit - 1].id,)) if len(rows) > page.limit else None
    return Page(
        items=[ChangeOut.model_validate(r) for r in rows[: page.limit]], next_cursor=next_cursor
    )
