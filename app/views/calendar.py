"""The timeline as a calendar (iCalendar, RFC 5545) and as a TimelineJS document.

iCalendar: one VEVENT per dated item, all-day (DATE) from the item's ISO bounds, DTEND the
day after the last day (exclusive, as RFC 5545 wants); STATUS from the item's status; the
EDTF, the date as the sources give it and the first citation in DESCRIPTION; lines folded at
75 octets and text escaped. UIDs are the item ids, so re-imports update instead of adding.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Iterator
from typing import Any

from app.views.tabular import Batches, Writer, citation_text
from app.views.timeline import TimelineItem

PRODID = "-//Migration Governance Timeline//API 1.0//EN"
UID_DOMAIN = "migration-governance-timeline"
STATUS = {
    "held": "CONFIRMED",
    "planned": "TENTATIVE",
    "announced": "TENTATIVE",
    "postponed": "TENTATIVE",
    "cancelled": "CANCELLED",
}


def escape(value: str) -> str:
    """RFC 5545 TEXT: backslash, semicolon, comma and newline escaped."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def fold(line: str) -> str:
    """Fold a content line at 75 octets, never inside a UTF-8 character; CRLF-terminated."""
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > 75:
            out.append(current)
            current, size = " ", 1
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out) + "\r\n"


def _description(item: TimelineItem) -> str:
    date = item.date
    lines = [f"Date: {date.display} (EDTF {date.edtf})"]
    if item.process:
        lines.append(f"Process: {item.process.name}")
    if item.citations:
        first = item.citations[0]
        lines.append(f"Source: {first.source.title} — {citation_text(first)}")
    return "\n".join(lines)


def _day(day: dt.date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"  # strftime drops year 1's zeros


def _end(start: dt.date, end: dt.date) -> str:
    """DTEND is the day after the last; after 31 December 9999 the length is said instead."""
    if end == dt.date.max:
        return f"DURATION:P{(end - start).days + 1}D"
    return f"DTEND;VALUE=DATE:{_day(end + dt.timedelta(days=1))}"


def vevent(item: TimelineItem, stamp: str, base_url: str) -> str:
    start, end = item.date.start, item.date.end
    assert start is not None
    lines = [
        "BEGIN:VEVENT",
        f"UID:{item.id}@{UID_DOMAIN}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{_day(start)}",
    ]
    if end is not None:
        lines.append(_end(start, end))
    lines += [
        f"SUMMARY:{escape(item.title)}",
        f"STATUS:{STATUS.get(item.status, 'CONFIRMED')}",
        f"CATEGORIES:{escape(item.kind.replace('_', ' '))}",
        f"DESCRIPTION:{escape(_description(item))}",
    ]
    place = item.place
    where = (
        [p for p in (place.venue, place.city, place.country.name if place.country else None) if p]
        if place
        else []
    )
    if where:
        lines.append(f"LOCATION:{escape(', '.join(where))}")
    lines += [f"URL:{base_url}api/v1/events/{item.id}", "END:VEVENT"]
    return "".join(fold(line) for line in lines)


def ics_writer(base_url: str, name: str) -> Writer:
    def write(batches: Batches) -> Iterator[str]:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        head = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN"]
        yield "".join(fold(line) for line in [*head, f"X-WR-CALNAME:{escape(name)}"])
        for batch in batches:
            yield "".join(
                vevent(item, stamp, base_url)
                for item in batch
                if isinstance(item, TimelineItem) and item.date.start is not None
            )
        yield fold("END:VCALENDAR")

    return write


def _tl_date(day: dt.date, precision: str) -> dict[str, Any]:
    found: dict[str, Any] = {"year": day.year}
    if precision in {"day", "month"}:
        found["month"] = day.month
    if precision == "day":
        found["day"] = day.day
    return found


def timelinejs_event(item: TimelineItem) -> dict[str, Any]:
    date = item.date
    text = [html.escape(f"{date.display} · {item.kind.replace('_', ' ')} · {item.status}")]
    if item.citations:
        text.append(f"<cite>{html.escape(citation_text(item.citations[0]))}</cite>")
    assert date.start is not None
    start = _tl_date(date.start, date.precision)
    event: dict[str, Any] = {
        "unique_id": item.id,
        "start_date": {**start, "display_date": date.display},
        "text": {
            "headline": html.escape(item.title),
            "text": "<p>" + "</p><p>".join(text) + "</p>",
        },
    }
    if date.end and _tl_date(date.end, date.precision) != start:
        event["end_date"] = _tl_date(date.end, date.precision)
    if item.process:
        event["group"] = item.process.name
    return event


_TL_DATE = {
    "type": "object",
    "properties": {
        "year": {"type": "integer"},
        "month": {"type": "integer", "minimum": 1, "maximum": 12},
        "day": {"type": "integer", "minimum": 1, "maximum": 31},
        "display_date": {"type": "string"},
    },
    "required": ["year"],
}
_TL_TEXT = {
    "type": "object",
    "properties": {"headline": {"type": "string"}, "text": {"type": "string"}},
    "required": ["headline", "text"],
}
# What ``timelinejs_writer`` writes (TimelineJS 3's JSON format), for the OpenAPI document.
TIMELINEJS_SCHEMA: dict[str, Any] = {
    "title": "TimelineJS",
    "description": "Every dated item of the filter in TimelineJS 3's JSON format "
    "(format=timelinejs); HTML-escaped text, a date only as precise as the record's",
    "type": "object",
    "properties": {
        "title": {"type": "object", "properties": {"text": _TL_TEXT}, "required": ["text"]},
        "events": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "unique_id": {"type": "string"},
                    "start_date": _TL_DATE,
                    "end_date": _TL_DATE,
                    "text": _TL_TEXT,
                    "group": {"type": "string"},
                },
                "required": ["unique_id", "start_date", "text"],
            },
        },
    },
    "required": ["title", "events"],
}


def timelinejs_writer(title: str) -> Writer:
    def write(batches: Batches) -> Iterator[str]:
        head = {"headline": html.escape(title), "text": "Migration Governance Timeline"}
        yield '{"title":' + json.dumps({"text": head}) + ',"events":['
        first = True
        for batch in batches:
            for item in batch:
                if isinstance(item, TimelineItem) and item.date.start is not None:
                    yield ("" if first else ",") + json.dumps(timelinejs_event(item))
                    first = False
        yield "]}"

    return write
