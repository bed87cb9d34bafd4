"""Lists in date order (``sort=date`` earliest first, ``sort=-date`` latest first): keyset
pages on (start, end, id) of a record's partial date, so a record dated only "2022" sorts by
the span it may denote, never by an invented day. Undated records come last either way."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, Literal, TypeVar

from sqlalchemy import Date, Select, bindparam, func, literal, tuple_
from sqlalchemy.orm import Session

from app.api.listing import Paged, counted
from app.core.errors import InvalidParameter
from app.core.pagination import PageParams, cursor_dates, encode_cursor

T = TypeVar("T")
Sort = Literal["id", "date", "-date"]
SORT_HELP = "id (the default); date: earliest first (by start, then end); -date: latest first"


def keys(model: Any, descending: bool) -> tuple[Any, Any, Any]:
    """The order's columns, an undated record's bounds put past every date."""
    past = dt.date.min if descending else dt.date.max
    start = func.coalesce(model.date_start, literal(past, Date))
    end = func.coalesce(model.date_end, literal(past, Date))
    return start, end, model.id


def page(
    session: Session,
    query: Select[Any],
    model: Any,
    page: PageParams,
    sort: str,
    shape: Callable[[Session, list[Any]], Sequence[T]],
) -> Paged:
    """One page of ``query`` (rows of ``model``) in date order; its cursor names the sort,
    so no other order reads it."""
    descending = sort == "-date"
    columns = keys(model, descending)
    paged = query
    if page.after is not None:
        if len(page.after) != 4 or page.after[3] != sort:
            raise InvalidParameter("cursor", "cursor is not valid for this list")
        start, end, ident, _ = cursor_dates(page.after, 2)
        after = tuple_(
            bindparam("after_start", start, type_=Date),
            bindparam("after_end", end, type_=Date),
            bindparam("after_id", str(ident)),
        )
        row = tuple_(*columns)
        paged = query.where(row < after if descending else row > after)
    order = [c.desc() for c in columns] if descending else list(columns)
    rows = list(session.scalars(paged.order_by(*order).limit(page.limit + 1)))
    more, rows = len(rows) > page.limit, rows[: page.limit]
    cursor = None
    if more:
        past = dt.date.min if descending else dt.date.max
        last = rows[-1]
        cursor = encode_cursor((last.date_start or past, last.date_end or past, last.id, sort))
    return Paged(shape(session, rows), cursor, counted(session, query, page))
