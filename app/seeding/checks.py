"""Integrity checks over a whole dataset: ids, references, names and quotes."""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterator
from datetime import date
from functools import lru_cache
from pathlib import Path

from app.core.dates import parse_date
from app.seeding import schemas as s
from app.seeding.ids import (
    participation_id,
    point_id,
    process_link_id,
    process_role_id,
    provision_id,
)
from app.seeding.mentions import mention_problems
from app.seeding.reader import Dataset, Located, SeedError
from app.seeding.statements import statement_problems

ID_KINDS = {
    "sources": "source",
    "themes": "theme",
    "actors": "actor",
    "positions": "position",
    "processes": "process",
    "events": "event",
    "instruments": "instrument",
    "pledges": "pledge",
    "figures": "figure",
    "disputes": "dispute",
}
SUBJECT_KINDS = {"provision": "provisions", **{v: k for k, v in ID_KINDS.items()}}


def normalize_text(text: str) -> str:
    """Letters and digits only, case-folded: blind to line breaks, hyphenation and quotes."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if ch.isalnum())


@lru_cache(maxsize=16)
def _source_text(path: Path) -> str:
    return normalize_text(path.read_text(encoding="utf-8", errors="replace"))


def record_citations(record: object) -> Iterator[s.CitationIn]:
    yield from getattr(record, "cite", [])
    for participant in getattr(record, "participants", []):
        yield from participant.cite
        for point in participant.points:
            yield from point.cite
    for claim in getattr(record, "claims", []):
        yield from claim.cite


def dataset_ids(dataset: Dataset) -> dict[str, set[str]]:
    ids = {kind: {r.id for r in dataset.of(plural)} for plural, kind in ID_KINDS.items()}
    ids["provision"] = {provision_id(p) for p in dataset.of("provisions")}
    ids["process_role"] = {process_role_id(r) for r in dataset.of("process_roles")}
    ids["process_link"] = {process_link_id(r) for r in dataset.of("process_links")}
    ids["participation"] = {
        participation_id(e.id, p) for e in dataset.of("events") for p in e.participants
    }
    ids["statement_point"] = {
        point_id(participation_id(e.id, p), n)
        for e in dataset.of("events")
        for p in e.participants
        for n in range(len(p.points))
    }
    return ids


def check_dataset(dataset: Dataset, sources_dir: Path | None, *, curation: bool = False) -> None:
    """Raise :class:`SeedError` listing every problem found, or return quietly.

    Quotes are checked when ``sources_dir`` holds the source documents; a deployment without
    them still loads (the tests and CI always check them). ``curation`` adds the checks of
    completeness that ``mgt seed --check`` runs but a load does not need: every actor an
    event names is linked to it, and the Fifteenth Coordination Meeting's statements carry
    their points.
    """
    problems: list[str] = []
    problems += _duplicate_ids(dataset)
    ids = dataset_ids(dataset)
    problems += _references(dataset, ids)
    problems += _names(dataset)
    problems += _objectives(dataset)
    problems += _overlapping_posts(dataset)
    problems += _quotes(dataset, sources_dir)
    if curation:
        problems += mention_problems(dataset) + statement_problems(dataset)
    if problems:
        raise SeedError(problems)


def _duplicate_ids(dataset: Dataset) -> list[str]:
    problems = []
    for plural in ID_KINDS:
        counts = Counter(r.id for r in dataset.of(plural))
        for ident, n in counts.items():
            if n > 1:
                files = sorted(
                    {
                        x.file
                        for x in dataset.located(plural)
                        if getattr(x.record, "id", None) == ident
                    }
                )
                problems.append(f"{plural}: id '{ident}' is used {n} times ({', '.join(files)})")
    counts = Counter(provision_id(p) for p in dataset.of("provisions"))
    problems += [f"provisions: '{i}' appears {n} times" for i, n in counts.items() if n > 1]
    return problems


def references(located: Located) -> Iterator[tuple[str, str, str]]:
    """(field, referenced id, kind it must be) for every reference a record makes."""
    r = located.record
    single: dict[str, str] = {
        "parent": "",
        "country": "actor",
        "person": "actor",
        "organization": "actor",
        "process": "process",
        "actor": "actor",
        "adopted_by": "actor",
        "lead": "actor",
        "review": "process",
        "instrument": "instrument",
        "event": "event",
        "matches": "pledge",
        "held_as": "event",
        "source": "process",
        "target": "process",
    }
    for name, kind in single.items():
        value = getattr(r, name, None)
        if value is None or isinstance(r, s.SourceIn):
            continue
        if name == "parent":
            kind = {
                s.ActorIn: "actor",
                s.ProcessIn: "process",
                s.EventIn: "event",
                s.ThemeIn: "theme",
            }[type(r)]
        yield name, value, kind
    for theme in getattr(r, "themes", []):
        yield "themes", theme, "theme"
    for pledger in getattr(r, "pledgers", []):
        yield "pledgers", pledger, "actor"
    for number in getattr(r, "objectives", []):
        yield "objectives", f"gcm.objective.{number}", "provision"
    for link in getattr(r, "instruments", []):
        yield "instruments", link.instrument, "instrument"
    for p in getattr(r, "participants", []):
        yield "participants.actor", p.actor, "actor"
        if p.on_behalf_of:
            yield "participants.on_behalf_of", p.on_behalf_of, "actor"
        for point in p.points:
            for theme in point.themes:
                yield "participants.points.themes", theme, "theme"
    subject = getattr(r, "subject", None)
    if subject is not None:
        yield "subject", subject.id, subject.kind
    for citation in record_citations(r):
        yield "cite.source", citation.source, "source"


def _references(dataset: Dataset, ids: dict[str, set[str]]) -> list[str]:
    problems = []
    for plural in dataset.records:
        for located in dataset.located(plural):
            for field_name, value, kind in references(located):
                if value not in ids[kind]:
                    problems.append(
                        f"{located.label}, field {field_name}: refers to {kind} '{value}', "
                        f"which no seed file defines"
                    )
    return problems


def _names(dataset: Dataset) -> list[str]:
    owners: dict[str, set[str]] = {}
    for actor in dataset.of("actors"):
        for name in {actor.name, actor.acronym, *actor.aliases} - {None}:
            owners.setdefault(name.casefold(), set()).add(actor.id)
    return [
        f"actors: the name or alias '{name}' belongs to several actors: {', '.join(sorted(who))}"
        for name, who in owners.items()
        if len(who) > 1
    ]


def _overlapping_posts(dataset: Dataset) -> list[str]:
    """The same person in the same post over overlapping spans is one record, not two."""
    problems = []
    posts: dict[tuple[str, str, str | None], list[s.PositionIn]] = {}
    for position in dataset.of("positions"):
        key = (position.person, normalize_text(position.title), position.organization)
        posts.setdefault(key, []).append(position)
    for same in posts.values():
        for i, a in enumerate(same):
            for b in same[i + 1 :]:
                if _overlap(a.date, b.date):
                    problems.append(
                        f"positions: '{a.id}' and '{b.id}' are the same post of {a.person} "
                        "over overlapping dates; keep one and cite it twice"
                    )
    return problems


def _overlap(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return True
    first, second = parse_date(a), parse_date(b)
    return (first.upper or date.max) >= (second.lower or date.min) and (
        second.upper or date.max
    ) >= (first.lower or date.min)


def _objectives(dataset: Dataset) -> list[str]:
    """GCM objectives are numbered 1-23, each at most once (the dataset tests ask for all)."""
    numbers = Counter(
        p.number
        for p in dataset.of("provisions")
        if p.instrument == "gcm" and p.kind == "objective"
    )
    valid = {str(n) for n in range(1, 24)}
    return [
        f"provisions: GCM objective '{number}' "
        + ("is not a number from 1 to 23" if number not in valid else f"appears {n} times")
        for number, n in numbers.items()
        if number not in valid or n > 1
    ]


def _quotes(dataset: Dataset, sources_dir: Path | None) -> list[str]:
    files = {src.id: src.file for src in dataset.of("sources") if src.file}
    if sources_dir is None or not sources_dir.is_dir() or not files:
        return []
    problems = []
    for plural in dataset.records:
        for located in dataset.located(plural):
            for citation in record_citations(located.record):
                file = files.get(citation.source)
                problem = quote_problem(citation, file, sources_dir)
                if problem:
                    problems.append(f"{located.label}: {problem}")
    return problems


def quote_problem(citation: s.CitationIn, file: str | None, sources_dir: Path) -> str | None:
    """Why a citation of the source document ``file`` fails, or None if its quote is there."""
    if file is None:
        return None
    if citation.quote is None:
        return f"a citation of {file} needs a verbatim quote"
    path = sources_dir / file
    if not path.exists():
        return f"source file {path} is missing"
    if normalize_text(citation.quote) not in _source_text(path):
        return f"quote not found in {file}: '{citation.quote}'"
    return None
