"""What every list shares: keyset pages by id, and answering as a JSON page (with facets
when asked) or, for ``format=csv|ndjson``, as a file of every page."""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

from fastapi import Request, Response
from pydantic import BaseModel, TypeAdapter
from sqlalchemy import Select, and_, bindparam, func, select, tuple_
from sqlalchemy.orm import Session

from app import models as m
from app.api import exports
from app.core import direct
from app.core.errors import InvalidParameter
from app.core.pagination import PageParams, encode_cursor
from app.views.schemas import FacetedPage, FacetValue, to_json

T = TypeVar("T", bound=BaseModel)


class Paged(tuple[Any, ...]):
    """A page's (items, next cursor), which also holds ``total`` when the page was asked to
    count the filter (``count=true``)."""

    total: int | None

    def __new__(cls, items: Any, cursor: str | None, total: int | None = None) -> Paged:
        paged = super().__new__(cls, (items, cursor))
        paged.total = total
        return paged


def counted(session: Session, query: Select[Any], page: PageParams) -> int | None:
    """How many rows ``query`` selects, if the page asks (one COUNT over the filter)."""
    if not page.count:
        return None
    return session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))


def total_of(result: Any) -> int | None:
    """The total a fetch found, if it counted."""
    return getattr(result, "total", None)


def _asked(page: PageParams, total: int | None) -> None:
    """A list that cannot count says so rather than leaving ``total`` out."""
    if page.count and total is None:
        raise InvalidParameter("count", "count: this list does not count its items")


def id_page(
    session: Session,
    query: Select[Any],
    key: Any,
    page: PageParams,
    shape: Callable[[Session, list[Any]], Sequence[T]],
) -> tuple[Sequence[T], str | None]:
    """One page of ``query`` in ``key`` order (the table's id), shaped for the response."""
    rows, more = _keyset(session, query, key, page)
    cursor = encode_cursor((rows[-1].id,)) if more else None
    return Paged(shape(session, rows), cursor, counted(session, query, page))


def sorted_page(
    session: Session,
    query: Select[Any],
    columns: tuple[Any, ...],
    page: PageParams,
    shape: Callable[[Session, list[Any]], Sequence[T]],
    sort: str,
) -> Paged:
    """One page of ``query`` in the order of ``columns`` (ending with the id, so the order is
    total) for ``sort=``; its cursor names the sort, so no other order reads it."""
    paged = query
    if page.after is not None:
        if len(page.after) != len(columns) + 1 or page.after[-1] != sort:
            raise InvalidParameter("cursor", "cursor is not valid for this list")
        if not all(map(_of_type, page.after[:-1], columns)):  # PostgreSQL would not compare
            raise InvalidParameter("cursor", "cursor is not valid for this list")
        after: list[Any] = [bindparam(f"after_{i}", v) for i, v in enumerate(page.after[:-1])]
        paged = query.where(tuple_(*columns) > tuple_(*after))
    rows = list(session.scalars(paged.order_by(*columns).limit(page.limit + 1)))
    more, rows = len(rows) > page.limit, rows[: page.limit]
    cursor = encode_cursor((*(getattr(rows[-1], c.key) for c in columns), sort)) if more else None
    return Paged(shape(session, rows), cursor, counted(session, query, page))


def _of_type(value: Any, column: Any) -> bool:
    """Whether a cursor's value is of its column's type (a bool is no integer)."""
    kind = column.type.python_type
    return isinstance(value, kind) and not (kind is int and isinstance(value, bool))


def id_keys(
    session: Session, query: Select[Any], key: Any, page: PageParams
) -> tuple[list[str], str | None]:
    """One page of the ids ``query`` selects, in order, and the next cursor."""
    ids, more = _keyset(session, query, key, page)
    return Paged(ids, encode_cursor((ids[-1],)) if more else None, counted(session, query, page))


def stored_documents_query(
    kind: str, query: Select[Any], key: Any, page: PageParams
) -> Select[Any]:
    """The page ``id_keys`` finds, with the stored documents of those ids, in one statement
    (the cursor's key bound as ``after``)."""
    ids = _after(query, key, page).subquery()
    ident, d = list(ids.c)[0], m.RenderedDocument
    stored = and_(d.kind == kind, d.key == ident)
    return select(ident, d.body).outerjoin(d, stored).order_by(ident)


async def stored_documents_page(
    reader: direct.Reader, query: Select[Any], values: dict[str, Any], page: PageParams
) -> tuple[list[str], str | None] | None:
    """A ``stored_documents_query`` read on the event loop; None when a document is not
    stored or the database did not answer there."""
    rows = await reader.rows(query, **values)
    if rows is None or any(body is None for _, body in rows):
        return None
    cursor = encode_cursor((rows[page.limit - 1][0],)) if len(rows) > page.limit else None
    return [body for _, body in rows[: page.limit]], cursor


ITEM_PAGES: direct.Shapes[Select[Any]] = direct.Shapes()


async def stored_items(
    request: Request,
    kind: str,
    shape: Hashable,
    ids: Callable[[], tuple[Select[Any], Any]],
    values: dict[str, Any],
    page: PageParams,
) -> Response | None:
    """A JSON page of a list whose items are stored documents of ``kind``: the ids ``ids()``
    selects (and their key) after the cursor with the items' JSON, one statement read on the
    event loop, built once per ``shape`` (the filters given) and page size. None when an
    item is not stored or the database did not answer there (the caller renders it)."""
    if page.count or (page.after and len(page.after) != 1):
        return None
    values = values | after_values(page)
    query = ITEM_PAGES.get(
        (kind, shape, page.after is not None, page.limit),
        lambda: stored_documents_query(kind, *ids(), page),
        values,
    )
    found = await stored_documents_page(request.app.state.db.direct, query, values, page)
    return stored_page(*found, None, page) if found is not None else None


def after_values(page: PageParams) -> dict[str, Any]:
    """The value ``_after`` binds by name, if the page has a cursor."""
    after = _id_after(page)
    return {"after": after} if after is not None else {}


def _id_after(page: PageParams) -> str | None:
    """The cursor's id, checked to be of the id order (the statement it is bound into may
    have been built for an earlier request)."""
    if page.after and len(page.after) != 1:  # another order's cursor (``sorted_page``)
        raise InvalidParameter("cursor", "cursor is not valid for this list")
    return str(page.after[0]) if page.after else None


def _keyset(
    session: Session, query: Select[Any], key: Any, page: PageParams
) -> tuple[list[Any], bool]:
    """The page's rows after the cursor's key, and whether more follow."""
    rows = list(session.scalars(_after(query, key, page)))
    return rows[: page.limit], len(rows) > page.limit


def _after(query: Select[Any], key: Any, page: PageParams) -> Select[Any]:
    """The query in key order after the cursor's key, one row more than the page (to tell
    whether more follow)."""
    after = _id_after(page)
    if after is not None:
        query = query.where(key > bindparam("after", after))
    return query.order_by(key).limit(page.limit + 1)


def respond(
    request: Request,
    session: Session,
    fmt: str,
    model: type[T],
    fetch: Callable[[Session, PageParams], tuple[Sequence[T], str | None]],
    page: PageParams,
    name: str,
    facets: Callable[[], dict[str, list[FacetValue]] | None] | None = None,
) -> FacetedPage[T] | Response:
    """The JSON page (with the facets asked for, where the list offers some) or a file."""
    if fmt != "json":
        return exports.export(request, fmt, model, fetch, page, name)
    result = fetch(session, page)
    items, cursor = result
    counts = facets() if facets is not None else None
    return page_response(items, cursor, page, counts, total_of(result))


def page_response(
    items: Sequence[BaseModel],
    cursor: str | None,
    page: PageParams,
    facets: dict[str, list[FacetValue]] | None = None,
    total: int | None = None,
) -> Response:
    """A JSON page, with its next page's URL in the body and in a ``Link`` header."""
    _asked(page, total)
    next_url = page.next_url(cursor)
    body = FacetedPage[Any](
        items=list(items), next_cursor=cursor, next_url=next_url, total=total, facets=facets
    )
    return Response(to_json(body), media_type="application/json", headers=page.links(cursor))


FACETS = TypeAdapter(dict[str, list[FacetValue]])


def stored_page(
    bodies: Sequence[str],
    next_cursor: str | None,
    facets: dict[str, list[FacetValue]] | None,
    page: PageParams,
    total: int | None = None,
) -> Response:
    """A ``FacetedPage`` whose items are already JSON (the timeline's stored renderings),
    byte for byte as the model would serialise it, with the next page's ``Link``."""
    _asked(page, total)
    url = page.next_url(next_cursor)
    parts = ['{"items":[', ",".join(bodies), '],"next_cursor":', json.dumps(next_cursor)]
    parts += [',"next_url":', json.dumps(url)]
    if total is not None:
        parts += [',"total":', str(total)]
    if facets is not None:
        parts += [',"facets":', FACETS.dump_json(facets).decode()]
    parts.append("}")
    return Response(
        "".join(parts).encode(), media_type="application/json", headers=page.links(next_cursor)
    )
