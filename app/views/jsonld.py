"""A meeting as schema.org JSON-LD (an ``Event``), for catalogues and search engines.

Dates are given at the precision the sources give (``2017-02`` for a meeting known to the
month), participants become organizers (hosts, conveners), performers (chairs, speakers,
moderators, ...) or attendees, and every citation a ``CreativeWork``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.views.schemas import CitationOut, DateOut, Ref
from app.views.timeline import Participant, TimelineItem

SCHEMA = "https://schema.org/"
STATUS = {
    "held": "EventScheduled",
    "planned": "EventScheduled",
    "announced": "EventScheduled",
    "postponed": "EventPostponed",
    "cancelled": "EventCancelled",
}
MODE = {
    "in_person": "OfflineEventAttendanceMode",
    "virtual": "OnlineEventAttendanceMode",
    "hybrid": "MixedEventAttendanceMode",
}
ORGANIZERS = {"host", "organizer", "convener", "co_convener"}
ATTENDEES = {"attendee"}


def partial(day: dt.date, precision: str) -> str:
    """An ISO 8601 date no more precise than the source: 2017, 2017-02 or 2017-02-16."""
    if precision == "day":
        return day.isoformat()
    if precision in {"month", "season"}:
        return day.isoformat()[:7]
    return day.isoformat()[:4]


def dates(date: DateOut | None) -> dict[str, str]:
    if date is None or date.start is None:
        return {}
    found = {"startDate": partial(date.start, date.precision)}
    if date.end is not None and partial(date.end, date.precision) != found["startDate"]:
        found["endDate"] = partial(date.end, date.precision)
    return found


def _agent(actor: Ref, kind: str | None, base: str) -> dict[str, Any]:
    return {
        "@type": "Person" if kind == "person" else "Organization",
        "@id": f"{base}api/v1/actors/{actor.id}",
        "name": actor.name,
    }


def _citation(citation: CitationOut) -> dict[str, Any]:
    work: dict[str, Any] = {"@type": "CreativeWork", "name": citation.source.title}
    if citation.source.url:
        work["url"] = citation.source.url
    if citation.source.symbol:
        work["identifier"] = citation.source.symbol
    if citation.quote:
        work["text"] = citation.quote
    if citation.locator:
        work["position"] = citation.locator
    return work


def _roles(people: list[Participant], kinds: dict[str, str], base: str) -> dict[str, Any]:
    found: dict[str, list[dict[str, Any]]] = {}
    for p in people:
        role = p.role
        key = (
            "organizer" if role in ORGANIZERS else "attendee" if role in ATTENDEES else "performer"
        )
        agent = _agent(p.actor, kinds.get(p.actor.id), base)
        if agent not in found.setdefault(key, []):
            found[key].append(agent)
    return found


def _place(item: TimelineItem) -> dict[str, Any]:
    place = item.place
    if place is None:
        return {}
    found: dict[str, Any] = {}
    if place.format:
        found["eventAttendanceMode"] = SCHEMA + MODE[place.format]
    if place.format == "virtual":
        found["location"] = {"@type": "VirtualLocation", "name": place.venue or "online"}
    elif place.city or place.venue or place.country:
        address: dict[str, Any] = {"@type": "PostalAddress"}
        if place.city:
            address["addressLocality"] = place.city
        if place.country:
            address["addressCountry"] = place.country.name
        name = place.venue or place.city or (place.country.name if place.country else "")
        found["location"] = {"@type": "Place", "name": name, "address": address}
    return found


def event_jsonld(
    item: TimelineItem,
    description: str | None,
    sessions: list[TimelineItem],
    kinds: dict[str, str],
    base: str,
) -> dict[str, Any]:
    """The JSON-LD of a meeting; ``kinds`` maps participant actor ids to their kinds."""
    found: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "@id": f"{base}api/v1/meetings/{item.id}",
        "url": f"{base}api/v1/meetings/{item.id}",
        "identifier": item.id,
        "name": item.title,
        **dates(item.date),
        "eventStatus": SCHEMA + STATUS.get(item.status, "EventScheduled"),
        **_place(item),
        **_roles(item.actors, kinds, base),
        "citation": [_citation(c) for c in item.citations],
    }
    if description:
        found["description"] = description
    if item.parent:
        found["superEvent"] = {
            "@type": "Event",
            "@id": f"{base}api/v1/meetings/{item.parent.id}",
            "name": item.parent.name,
        }
    if sessions:
        found["subEvent"] = [
            {"@type": "Event", "@id": f"{base}api/v1/events/{s.id}", "name": s.title}
            | dates(s.date)
            for s in sessions
        ]
    if item.process:
        found["superEvent"] = found.get("superEvent") or {
            "@type": "EventSeries",
            "@id": f"{base}api/v1/processes/{item.process.id}",
            "name": item.process.name,
        }
    return found
