"""Whether a record's dated span covers a (possibly partial) date."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from app.core.dates import DateFormatError, FuzzyDate, parse_date
from app.core.errors import InvalidParameter

Coverage = Literal["certain", "possible"]


def span_coverage(span: FuzzyDate, lo: dt.date, hi: dt.date) -> Coverage | None:
    """How the span covers every day from ``lo`` to ``hi``.

    An interval ``A/B`` runs from some day of A to some day of B; an open start has begun
    and an open end still runs. A single date is a span held throughout it (a post dated
    "2017-02" was held in February 2017). Approximate, uncertain or qualified dates are never
    certain.
    """
    if span.is_interval:
        start, end = span.start, span.end
        first_start = start.lower if start else dt.date.min
        last_start = start.upper if start else dt.date.min
        first_end = end.lower if end else dt.date.max
        last_end = end.upper if end else dt.date.max
    else:
        first_start = last_start = span.lower or dt.date.min
        first_end = last_end = span.upper or dt.date.max
    if first_start > hi or last_end < lo:
        return None
    vague = span.approximate or span.uncertain or span.qualifier is not None
    if last_start <= lo and first_end >= hi and not vague:
        return "certain"
    return "possible"


def done_by(date: FuzzyDate, lo: dt.date, hi: dt.date) -> Coverage | None:
    """Whether something dated ``date`` (an adoption, a meeting) had happened by the end of
    the period ``lo``–``hi``: certainly if its last possible day is within or before it."""
    last = date.upper or dt.date.max
    first = date.lower or dt.date.min
    if first > hi:
        return None
    vague = date.approximate or date.uncertain or date.qualifier is not None
    return "certain" if last <= hi and not vague else "possible"


def one_date(parameter: str, text: str) -> tuple[FuzzyDate, dt.date, dt.date]:
    """A query's date (a day, month, season or year; not a span) and its first and last day."""
    try:
        parsed = parse_date(text.strip())
    except DateFormatError as error:
        raise InvalidParameter(parameter, str(error)) from error
    if parsed.is_interval or parsed.lower is None or parsed.upper is None:
        raise InvalidParameter(parameter, "give one date (2017-02-16, 2017-02 or 2017), not a span")
    return parsed, parsed.lower, parsed.upper


def record_coverage(record: Any, lo: dt.date, hi: dt.date) -> Coverage | None:
    """``span_coverage`` of a dated record; None for an undated one."""
    span = record.fuzzy_date
    return span_coverage(span, lo, hi) if span is not None else None
