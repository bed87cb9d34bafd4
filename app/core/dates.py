"""Partial and vague dates.

A date is written as a subset of EDTF (ISO 8601-2): ``2017``, ``2017-02``, ``2017-02-16``,
seasons ``2017-21`` (spring) to ``2017-24`` (winter), decades ``199X``, the qualifiers ``~``
(approximate), ``?`` (uncertain) and ``%`` (both), and intervals ``2017-04/2017-11`` with
``..`` for an open end. A separate qualifier (early, mid, late) carries wording such as
"early December 2017" that EDTF cannot express; it changes the display, never the bounds,
so no day is invented. Every date has ISO bounds (the first and last day it may denote),
which the database indexes for sorting and for overlap filters. Those bounds must be days
Python and both databases can store, so a date runs from year 0001 to 9999 (``0000``,
``000X`` or a winter of 9999, which ends in 10000, are refused like any malformed date).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

Precision = Literal["day", "month", "season", "year", "decade"]
Qualifier = Literal["early", "mid", "late"]

PRECISION_ORDER: dict[Precision, int] = {"day": 0, "month": 1, "season": 2, "year": 3, "decade": 4}
SEASONS = {21: "spring", 22: "summer", 23: "autumn", 24: "winter"}
SEASON_MONTHS = {21: (3, 5), 22: (6, 8), 23: (9, 11), 24: (12, 14)}
MONTHS = [calendar.month_name[m] for m in range(13)]

_POINT = re.compile(
    r"(?P<year>\d{3}X|\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?(?P<flag>[~?%])?"
)


class DateFormatError(ValueError):
    """A date string that is not in the accepted EDTF subset."""


@dataclass(frozen=True)
class DatePoint:
    """One end of a date: a day, month, season, year or decade, perhaps approximate."""

    year: int
    month: int | None = None
    day: int | None = None
    season: int | None = None
    decade: bool = False
    approximate: bool = False
    uncertain: bool = False

    @property
    def precision(self) -> Precision:
        if self.decade:
            return "decade"
        if self.season is not None:
            return "season"
        if self.day is not None:
            return "day"
        if self.month is not None:
            return "month"
        return "year"

    @property
    def lower(self) -> date:
        if self.season is not None:
            return date(self.year, SEASON_MONTHS[self.season][0], 1)
        return date(self.year, self.month or 1, self.day or 1)

    @property
    def upper(self) -> date:
        if self.decade:
            return date(self.year + 9, 12, 31)
        if self.season is not None:
            last = SEASON_MONTHS[self.season][1]
            year, month = (self.year + 1, last - 12) if last > 12 else (self.year, last)
            return date(year, month, calendar.monthrange(year, month)[1])
        if self.day is not None:
            return self.lower
        month = self.month or 12
        return date(self.year, month, calendar.monthrange(self.year, month)[1])

    @property
    def edtf(self) -> str:
        if self.decade:
            text = f"{self.year // 10:03d}X"
        elif self.season is not None:
            text = f"{self.year:04d}-{self.season}"
        else:
            text = f"{self.year:04d}"
            if self.month is not None:
                text += f"-{self.month:02d}"
            if self.day is not None:
                text += f"-{self.day:02d}"
        if self.approximate and self.uncertain:
            return text + "%"
        if self.approximate:
            return text + "~"
        if self.uncertain:
            return text + "?"
        return text

    def words(self, *, with_year: bool = True, with_month: bool = True) -> str:
        if self.decade:
            text = f"{self.year}s"
        elif self.season is not None:
            text = SEASONS[self.season] + (f" {self.year}" if with_year else "")
        else:
            parts = []
            if self.day is not None:
                parts.append(str(self.day))
            if self.month is not None and with_month:
                parts.append(MONTHS[self.month])
            if with_year:
                parts.append(str(self.year))
            text = " ".join(parts)
        if self.approximate:
            text = "c. " + text
        if self.uncertain:
            text += "?"
        return text


@dataclass(frozen=True)
class FuzzyDate:
    """A date point or an interval between two points, either end possibly open."""

    start: DatePoint | None
    end: DatePoint | None
    qualifier: Qualifier | None = None

    @property
    def is_interval(self) -> bool:
        return self.start != self.end

    @property
    def lower(self) -> date | None:
        return self.start.lower if self.start else None

    @property
    def upper(self) -> date | None:
        return self.end.upper if self.end else None

    @property
    def precision(self) -> Precision:
        points = [p for p in (self.start, self.end) if p is not None]
        return max((p.precision for p in points), key=PRECISION_ORDER.__getitem__)

    @property
    def approximate(self) -> bool:
        return any(p.approximate for p in (self.start, self.end) if p)

    @property
    def uncertain(self) -> bool:
        return any(p.uncertain for p in (self.start, self.end) if p)

    @property
    def edtf(self) -> str:
        if not self.is_interval and self.start is not None:
            return self.start.edtf
        return f"{self.start.edtf if self.start else '..'}/{self.end.edtf if self.end else '..'}"

    @property
    def display(self) -> str:
        prefix = f"{self.qualifier} " if self.qualifier else ""
        return prefix + self._range_words()

    def _range_words(self) -> str:
        start, end = self.start, self.end
        if start is None and end is not None:
            return f"until {end.words()}"
        if end is None and start is not None:
            return f"from {start.words()}"
        assert start is not None
        assert end is not None
        if start == end:
            return start.words()
        if (start.approximate, start.uncertain) == (end.approximate, end.uncertain) and (
            start.approximate or start.uncertain
        ):
            bare = FuzzyDate(_plain(start), _plain(end))._range_words()
            return ("c. " if start.approximate else "") + bare + ("?" if start.uncertain else "")
        plain = all(
            not (p.approximate or p.uncertain or p.season or p.decade) for p in (start, end)
        )
        same = plain and start.precision == end.precision
        if same and start.year == end.year and start.precision == "day":
            if start.month == end.month:
                return f"{start.day}–{end.words()}"
            return f"{start.words(with_year=False)} – {end.words()}"
        if same and start.year == end.year and start.month is not None:
            return f"{MONTHS[start.month]}–{end.words()}"
        if same and start.precision == "year":
            return f"{start.year}–{end.year}"
        return f"{start.words()} – {end.words()}"


def _plain(point: DatePoint) -> DatePoint:
    return replace(point, approximate=False, uncertain=False)


def _parse_point(text: str) -> DatePoint:
    point = _point(text)
    try:
        point.lower, point.upper  # noqa: B018 - both must be days a date can hold
    except ValueError as error:
        raise DateFormatError(
            f"'{text}' is outside the dates that can be stored: years 0001 to 9999"
        ) from error
    return point


def _point(text: str) -> DatePoint:
    match = _POINT.fullmatch(text)
    if match is None:
        raise DateFormatError(
            f"'{text}' is not a date: use YYYY, YYYY-MM, YYYY-MM-DD, a season YYYY-21..24 "
            "(spring..winter) or a decade like 199X, optionally followed by ~, ? or %"
        )
    year_text, month_text, day_text, flag = match.group("year", "month", "day", "flag")
    approximate, uncertain = flag in ("~", "%"), flag in ("?", "%")
    if year_text.endswith("X"):
        if month_text:
            raise DateFormatError(f"'{text}': a decade takes no month or day")
        return DatePoint(
            int(year_text[:3]) * 10, decade=True, approximate=approximate, uncertain=uncertain
        )
    year = int(year_text)
    if month_text is None:
        return DatePoint(year, approximate=approximate, uncertain=uncertain)
    month = int(month_text)
    if month in SEASONS:
        if day_text:
            raise DateFormatError(f"'{text}': a season takes no day")
        return DatePoint(year, season=month, approximate=approximate, uncertain=uncertain)
    if not 1 <= month <= 12:
        raise DateFormatError(f"'{text}': month {month} is not 01-12 or a season 21-24")
    day = int(day_text) if day_text else None
    if day is not None and not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise DateFormatError(f"'{text}': day {day} does not exist in {MONTHS[month]} {year}")
    return DatePoint(year, month, day, approximate=approximate, uncertain=uncertain)


def parse_date(text: str, qualifier: Qualifier | None = None) -> FuzzyDate:
    """Parse an EDTF-subset string into a :class:`FuzzyDate`."""
    text = text.strip()
    if "/" not in text:
        point = _parse_point(text)
        return FuzzyDate(point, point, qualifier)
    left, _, right = text.partition("/")
    start = None if left in ("", "..") else _parse_point(left)
    end = None if right in ("", "..") else _parse_point(right)
    if start is None and end is None:
        raise DateFormatError(f"'{text}': an interval needs at least one end")
    if start and end and end.upper < start.lower:
        raise DateFormatError(f"'{text}': the interval ends before it starts")
    return FuzzyDate(start, end, qualifier)


def parse_bound(text: str, *, upper: bool) -> date:
    """Turn a query bound (``2016``, ``2016-09``, ``2016-09-19``) into a day.

    ``upper`` picks the last day the partial date may denote instead of the first.
    """
    point = _parse_point(text.strip())
    return point.upper if upper else point.lower
