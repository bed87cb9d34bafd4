"""Actors an event's text names but the event does not link.

An event's text is its title, its description and the quotes of its own citations (those in
the event and those added under ``citations``). An actor is named there by its name, acronym
or an alias, as a whole word; where names overlap ("President of the General Assembly" and
"General Assembly") only the longest counts. An actor is linked to an event when it takes
part in it (as actor or as the one represented), or is the country it was held in.

A name is accounted for elsewhere when the text points at another event the actor is linked
to: the title or description names that event's id ("hosted by Mexico (gfmd-2010)"), or the
quote is also a citation of that event or of a claim in a dispute about it (one list of
hosts cited for each summit in it).
Every other named actor should be linked, or listed under ``unlinked_mentions`` with the
reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from app.seeding import schemas as s
from app.seeding.reader import Dataset

EVENT_ID = re.compile(r"[a-z0-9]+(?:[-.][a-z0-9]+)*")


@dataclass(frozen=True)
class Mention:
    event: str
    actor: str
    name: str


def _pattern(name: str) -> re.Pattern[str]:
    """A name as a whole word: case-sensitive for an acronym or other all-capital name."""
    flags = 0 if name.isupper() or len(name) <= 3 else re.IGNORECASE
    return re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])", flags)


def _names(dataset: Dataset) -> list[tuple[re.Pattern[str], str, str]]:
    found = []
    for actor in dataset.of("actors"):
        for name in dict.fromkeys((actor.name, actor.acronym, *actor.aliases)):
            if name and len(name) >= 2:
                found.append((_pattern(name), actor.id, name))
    return found


def _texts(event: s.EventIn, extra: list[s.CitationIn]) -> list[tuple[str, bool]]:
    """The event's texts, each with whether it is a quote."""
    quotes = [c.quote for c in (*event.cite, *extra) if c.quote]
    return [(f"{event.title}\n{event.description or ''}", False), *((q, True) for q in quotes)]


def _named(text: str, names: list[tuple[re.Pattern[str], str, str]]) -> dict[str, str]:
    """Actor id -> the name found, keeping only matches no longer match contains."""
    spans = [
        (m.start(), m.end(), actor, name) for p, actor, name in names for m in p.finditer(text)
    ]
    kept: dict[str, str] = {}
    for start, end, actor, name in spans:
        inside = any(
            a <= start and end <= b and (b - a) > (end - start) and other != actor
            for a, b, other, _ in spans
        )
        if not inside:
            kept.setdefault(actor, name)
    return kept


def _linked(event: s.EventIn) -> set[str]:
    linked = {p.actor for p in event.participants}
    linked |= {p.on_behalf_of for p in event.participants if p.on_behalf_of}
    return linked | ({event.country} if event.country else set())


def unlinked_mentions(dataset: Dataset) -> Iterator[Mention]:
    """Each (event, actor) whose text names the actor without linking it, in event order."""
    names = _names(dataset)
    extra: dict[str, list[s.CitationIn]] = {}
    for record in dataset.of("citations"):
        if record.subject.kind == "event":
            extra.setdefault(record.subject.id, []).extend(record.cite)
    events = {e.id: e for e in dataset.of("events")}
    linked = {ident: _linked(e) for ident, e in events.items()}
    citing: dict[str, set[str]] = {}
    for ident, e in events.items():
        for text, is_quote in _texts(e, extra.get(ident, [])):
            if is_quote:
                citing.setdefault(text, set()).add(ident)
    for dispute in dataset.of("disputes"):
        quotes = {c.quote for claim in dispute.claims for c in claim.cite if c.quote}
        if dispute.subject.kind == "event":
            for quote in quotes:
                citing.setdefault(quote, set()).add(dispute.subject.id)
    for ident, event in events.items():
        for text, is_quote in _texts(event, extra.get(ident, [])):
            others = citing[text] if is_quote else set(EVENT_ID.findall(text))
            elsewhere = set().union(*(linked[o] for o in others - {ident} if o in linked))
            for actor, name in _named(text, names).items():
                if actor not in linked[ident] and actor not in elsewhere:
                    yield Mention(ident, actor, name)


def mention_problems(dataset: Dataset) -> list[str]:
    """Unlinked mentions not excused under ``unlinked_mentions``, and excuses no longer
    needed."""
    excused = {(x.event, x.actor) for x in dataset.of("unlinked_mentions")}
    found = list(dict.fromkeys(unlinked_mentions(dataset)))
    problems = [
        f"event '{m.event}' names actor '{m.actor}' (as \"{m.name}\") but does not link it: "
        "add it as a participant with a role, or list it under unlinked_mentions with a reason"
        for m in found
        if (m.event, m.actor) not in excused
    ]
    stale = excused - {(m.event, m.actor) for m in found}
    problems += [
        f"unlinked_mentions: event '{event}' no longer names actor '{actor}' unlinked; "
        "remove the entry"
        for event, actor in sorted(stale)
    ]
    return problems
