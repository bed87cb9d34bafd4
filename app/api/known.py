"""Filters name records that exist: an unknown id is a 422 naming the parameter, with the
closest ids as suggestions, never an empty list that looks like an answer.

Several values are given as repeated parameters or comma lists (``actor=a&actor=b`` or
``actor=a,b``): ids hold no commas.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from fastapi import Request
from sqlalchemy import bindparam, select
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.util import LRUCache

from app import models as m
from app.core.errors import InvalidParameter
from app.readmodel import version

SUGGESTIONS = 3
# Ids compared with an unknown value for suggestions: the whole column while it holds no more,
# else those around the value in order and those sharing its first letters, so a typo costs a
# few bounded reads however many records there are.
COMPARED = 2_000
# Ids found to exist, by (data version, parameter, id): a filter asked again while the data
# stays the same costs no read (a write changes the version, and so the key).
FOUND: LRUCache[tuple[int, str, str], bool] = LRUCache(10_000)

# What each filter parameter names: the id column of its records.
IDS: dict[str, InstrumentedAttribute[str]] = {
    "actor": m.Actor.id,
    "process": m.Process.id,
    "theme": m.Theme.id,
    "instrument": m.Instrument.id,
    "objective": m.Provision.id,
    "source": m.Source.id,
}


def split(values: Iterable[str]) -> list[str]:
    """Repeated values and comma lists alike, in order, each once."""
    return list(dict.fromkeys(v.strip() for raw in values for v in raw.split(",") if v.strip()))


def _statement(parameter: str) -> Any:
    column = IDS[parameter]
    return select(column).where(column.in_(bindparam("values", expanding=True)))


async def require(request: Request, parameter: str, values: list[str], shown: Any = None) -> None:
    """422 unless every value names a record (read on the event loop; when the database does
    not answer there, the request's own read reports it). ``shown`` turns an id back into
    the value as given (an objective's number)."""
    if not values:
        return
    reader = request.app.state.db.direct
    data_version: int | None = getattr(request.state, "data_version", None)
    if data_version is None:
        data_version = await version.current(reader)
    keys = {value: (data_version or 0, parameter, value) for value in values}
    if data_version is not None and all(key in FOUND for key in keys.values()):
        return
    found = await reader.rows(_statement(parameter), values=values)
    if found is None:
        return
    exist = {row[0] for row in found}
    if data_version is not None:
        FOUND.update({keys[value]: True for value in exist if value in keys})
    missing = [v for v in values if v not in exist]
    if missing:
        raise unknown(parameter, missing, await _compared(reader, parameter, missing), shown)


async def _compared(reader: Any, parameter: str, missing: list[str]) -> list[str]:
    """The ids the missing values are compared with (see ``COMPARED``)."""
    column = IDS[parameter]
    every = [row[0] for row in await reader.rows(select(column).limit(COMPARED + 1)) or []]
    if len(every) <= COMPARED:
        return every
    share = COMPARED // 4
    statements = [
        statement
        for value in missing
        for statement in (
            select(column).where(column >= value).order_by(column).limit(share),
            select(column).where(column < value).order_by(column.desc()).limit(share),
            select(column).where(column.startswith(value[:3], autoescape=True)).limit(share),
        )
    ]
    found: dict[str, None] = {}
    for statement in statements:
        found.update(dict.fromkeys(row[0] for row in await reader.rows(statement) or []))
    return list(found)


def unknown(
    parameter: str,
    missing: list[str],
    known: list[str],
    shown: Any = None,
    *,
    listed: bool = False,
) -> InvalidParameter:
    """The 422 for these unknown values, with the known ids closest to each (and, for a
    fixed list, ``listed``, every value it takes)."""
    show = shown or (lambda value: value)
    suggestions = {
        show(value): [show(c) for c in difflib.get_close_matches(value, known, SUGGESTIONS, 0.5)]
        for value in missing
    }
    parts = [
        f"{value} (closest: {', '.join(close)})" if close else value
        for value, close in suggestions.items()
    ]
    detail = f"unknown {parameter} {'; '.join(parts)}"
    if listed:
        detail += f"; one of {', '.join(show(value) for value in known)}"
    error = InvalidParameter(parameter, detail)
    error.extra["errors"][0]["suggestions"] = suggestions
    return error


def kinds(parameter: str, values: Iterable[str], allowed: Iterable[str]) -> list[str]:
    """The values (repeated or comma lists), once each is one of ``allowed``: else a 422
    naming the parameter with the closest allowed values."""
    given, known = split(values), sorted(allowed)
    wrong = [value for value in given if value not in known]
    if wrong:
        raise unknown(parameter, wrong, known, listed=True)
    return given
