"""Keyset pagination: a clamped ``limit`` and an opaque cursor holding the last row's sort key."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from starlette.datastructures import URL

from app.core.config import get_settings
from app.core.errors import InvalidParameter

settings = get_settings()


@dataclass(frozen=True)
class PageParams:
    limit: int
    after: tuple[Any, ...] | None
    url: URL | None = None  # the request's, for the next page's URL
    count: bool = False  # whether the page also says how many items the filter has

    def next_url(self, cursor: str | None) -> str | None:
        """This request's URL with ``cursor`` (and every other parameter as given)."""
        if cursor is None or self.url is None:
            return None
        return str(self.url.include_query_params(cursor=cursor))

    def links(self, cursor: str | None) -> dict[str, str]:
        """The RFC 8288 ``Link`` header to the next page, if there is one."""
        url = self.next_url(cursor)
        return {"Link": f'<{url}>; rel="next"'} if url else {}


def encode_cursor(key: tuple[Any, ...]) -> str:
    values = [v.isoformat() if isinstance(v, date) else v for v in key]
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[Any, ...]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or not values:
            raise ValueError
        if not all(isinstance(v, str | int | None) for v in values):
            raise ValueError
    except ValueError as error:
        raise InvalidParameter(
            "cursor", "cursor is not valid: pass the next_cursor of a previous page unchanged"
        ) from error
    return tuple(values)


async def page_params(
    request: Request,
    limit: Annotated[
        int, Query(ge=1, le=settings.max_page_size, description="Items per page (1-500).")
    ] = settings.default_page_size,
    cursor: Annotated[
        str | None,
        Query(max_length=1000, description="Opaque: the next_cursor of the previous page."),
    ] = None,
    count: Annotated[
        bool,
        Query(
            description="Also say how many items the filter selects, as `total` (one COUNT "
            "over the whole filter: it costs more than the page itself on large lists)"
        ),
    ] = False,
) -> PageParams:
    return page_from(limit, cursor, request.url, count=count)


def page_from(
    limit: int, cursor: str | None, url: URL | None = None, *, count: bool = False
) -> PageParams:
    return PageParams(limit, _decode_cursor(cursor) if cursor else None, url, count)


Page = Annotated[PageParams, Depends(page_params)]


def cursor_dates(after: tuple[Any, ...], count: int) -> tuple[Any, ...]:
    """Turn the first ``count`` values of a decoded cursor back into dates."""
    try:
        dates = tuple(date.fromisoformat(v) if v is not None else None for v in after[:count])
    except (TypeError, ValueError) as error:
        raise InvalidParameter("cursor", "cursor is not valid for this list") from error
    return dates + after[count:]
