"""``as_of=DATE`` on a record's detail: what of it held on that date, each item marked.

A profile, a process or an instrument shows its posts, roles or acts as they stood on the
date: an item whose dates certainly cover it (or, for an act, certainly fell by then) is
kept as ``certain``, one they only possibly cover as ``possible``, and the rest are left
out. Items the sources give no date for cannot be placed: they are left out and counted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Annotated, Protocol, TypeVar

from pydantic import BaseModel, Field

from app.asof.coverage import Coverage, span_coverage
from app.core.dates import FuzzyDate, parse_date

AsOfCoverage = Annotated[
    Coverage | None,
    Field(
        exclude_if=lambda value: value is None,
        description="with as_of: whether the item certainly or only possibly held on the date",
    ),
]


class WrittenDate(Protocol):
    """A date as an answer shows it (``DateOut``)."""

    edtf: str
    qualifier: str | None


def span_of(date: WrittenDate) -> FuzzyDate:
    return parse_date(date.edtf, date.qualifier)  # type: ignore[arg-type]  # as written


Item = TypeVar("Item", bound=BaseModel)
Measure = Callable[[FuzzyDate, dt.date, dt.date], Coverage | None]


def held_on(
    items: Sequence[Item], lo: dt.date, hi: dt.date, measure: Measure = span_coverage
) -> tuple[list[Item], int]:
    """The items ``measure`` places on the date, each with its ``coverage``, and how many
    are undated."""
    kept: list[Item] = []
    undated = 0
    for item in items:
        date: WrittenDate | None = getattr(item, "date", None)
        if date is None:
            undated += 1
            continue
        covered = measure(span_of(date), lo, hi)
        if covered:
            kept.append(item.model_copy(update={"coverage": covered}))
    return kept, undated


def surest(coverages: Iterable[Coverage | None]) -> Coverage | None:
    """``certain`` if any is, else ``possible`` if any is."""
    found = set(coverages)
    return "certain" if "certain" in found else "possible" if "possible" in found else None
