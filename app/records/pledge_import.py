"""Import pledges from CSV in the shape of a pledging-dashboard export. All or nothing.

Columns: ``pledger`` (actor ids, names, acronyms or aliases; several separated by ``;``),
``type``, ``objectives`` (GCM objective numbers, separated by ``;`` or ``,``), ``date``
(YYYY, YYYY-MM or YYYY-MM-DD), ``description``, ``status`` (planned, in progress,
fulfilled), ``source`` (a source id or the URL of the pledge's page); optionally ``id`` and
``title``. Row numbers count the header as row 1, as a spreadsheet does.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, insert, select

from app import models as m
from app.core.errors import DomainError
from app.core.progress import progress
from app.records import documents, store
from app.seeding import schemas as s
from app.seeding.exporter import as_data

REQUIRED = ("pledger", "type", "objectives", "date", "description", "status", "source")
STATUSES = {
    "planned": "planned",
    "in progress": "in_progress",
    "in_progress": "in_progress",
    "fulfilled": "fulfilled",
    "": None,
}
MAX_ROWS = 100_000


class ImportRejected(DomainError):
    status = 422
    title = "Import rejected"


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    sources_created: list[str] = field(default_factory=list)


def _actor_index(connection: Connection) -> dict[str, str]:
    index: dict[str, str] = {}
    for ident, name, acronym, aliases in connection.execute(
        select(m.Actor.id, m.Actor.name, m.Actor.acronym, m.Actor.aliases)
    ):
        for label in (ident, name, acronym, *(aliases or [])):
            if label:
                index.setdefault(label.casefold(), ident)
    return index


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "pledge"


def _source_for(connection: Connection, value: str, created: dict[str, str]) -> str | None:
    if store.exists(connection, "source", value):
        return value
    if not re.match(r"^https?://\S+$", value):
        return None
    found = connection.execute(select(m.Source.id).where(m.Source.url == value)).scalar()
    if found:
        return found
    return created.setdefault(value, "pledge-page-" + hashlib.sha1(value.encode()).hexdigest()[:12])


Parsed = tuple[list[s.PledgeIn], dict[str, str], list[dict[str, Any]]]


def parse(text: str, connection: Connection) -> Parsed:
    """The pledges a CSV describes, the new sources (URL → id) they cite, and every problem."""
    try:
        return _parse(text, connection)
    except csv.Error as error:
        raise ImportRejected(f"the file is not valid CSV: {error}") from error


def _parse(text: str, connection: Connection) -> Parsed:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [c.strip().lower() for c in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise ImportRejected(
            f"the CSV lacks the column(s) {', '.join(missing)}; expected "
            f"{', '.join(REQUIRED)} (and optionally id, title)"
        )
    actors = _actor_index(connection)
    quoted_sources = set(
        connection.execute(select(m.Source.id).where(m.Source.file.is_not(None))).scalars()
    )
    known_objectives = {
        int(ident.rsplit(".", 1)[1])
        for ident in connection.execute(
            select(m.Provision.id).where(m.Provision.id.like("gcm.objective.%"))
        ).scalars()
    }
    new_sources: dict[str, str] = {}
    pledges, errors = [], []
    seen: set[str] = set()
    for number, raw in enumerate(reader, start=2):
        if number > MAX_ROWS + 1:
            raise ImportRejected(f"more than {MAX_ROWS} rows; split the file")
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        problems: list[tuple[str, str]] = []
        pledgers = []
        for name in filter(None, (p.strip() for p in row["pledger"].split(";"))):
            if name.casefold() in actors:
                pledgers.append(actors[name.casefold()])
            else:
                problems.append(("pledger", f"no actor is named '{name}'"))
        if not pledgers and not problems:
            problems.append(("pledger", "a pledge needs at least one pledger"))
        objectives: list[int] = []
        for part in filter(None, re.split(r"[;,]", row["objectives"])):
            digits = re.sub(r"(?i)^\s*objective\s*", "", part).strip()
            if not (digits.isdigit() and 1 <= int(digits) <= 23):
                problems.append(("objectives", f"'{part.strip()}' is not a GCM objective 1-23"))
            elif int(digits) not in known_objectives:
                problems.append(("objectives", f"GCM objective {digits} is not in the dataset"))
            else:
                objectives.append(int(digits))
        status = STATUSES.get(row["status"].lower())
        if row["status"].lower() not in STATUSES:
            problems.append(
                ("status", f"'{row['status']}' is not planned, in progress or fulfilled")
            )
        source = _source_for(connection, row["source"], new_sources) if row["source"] else None
        if source is None:
            problems.append(("source", "give a source id or the URL of the pledge's page"))
        elif source in quoted_sources:
            problems.append(
                (
                    "source",
                    f"'{source}' is a source document whose citations need a "
                    "verbatim quote; cite the pledge's page instead",
                )
            )
        ident = (
            row.get("id")
            or f"pledge-{_slug(row['pledger'])}-"
            + hashlib.sha1("|".join(row.get(c, "") for c in REQUIRED).encode()).hexdigest()[:8]
        )
        if ident in seen or store.exists(connection, "pledge", ident):
            problems.append(("id", f"the pledge '{ident}' exists already"))
        seen.add(ident)
        data = {
            "id": ident,
            "title": row.get("title") or (row["description"][:120] or ident),
            "pledgers": pledgers,
            "process": "pledging-initiative"
            if store.exists(connection, "process", "pledging-initiative")
            else None,
            "date": row["date"] or None,
            "description": row["description"] or None,
            "type": row["type"] or None,
            "status": status,
            "objectives": objectives,
            "cite": [{"source": source or "unknown", "locator": f"pledge import, row {number}"}],
        }
        try:
            pledge = s.PledgeIn.model_validate({k: v for k, v in data.items() if v is not None})
        except ValidationError as error:
            problems += [(".".join(str(p) for p in e["loc"]), e["msg"]) for e in error.errors()]
        errors += [{"row": number, "field": f, "detail": d} for f, d in problems]
        if not problems:
            pledges.append(pledge)
    return pledges, new_sources, errors


def import_pledges(
    connection: Connection, text: str, key_name: str, sources_dir: Path | None
) -> ImportResult:
    pledges, new_sources, errors = parse(text, connection)
    if errors:
        rows = len({e["row"] for e in errors})
        raise ImportRejected(
            f"{rows} row(s) are invalid; nothing was imported. Fix every row listed and resend",
            errors=errors,
        )
    if not pledges:
        raise ImportRejected("the CSV holds no pledges")
    result = ImportResult()
    for url, ident in new_sources.items():
        connection.execute(
            insert(m.Source).values(id=ident, title=f"Pledge page {url}", kind="web_page", url=url)
        )
        store.record_change(
            connection,
            key_name,
            "create",
            "sources",
            ident,
            None,
            {"id": ident, "kind": "web_page", "url": url},
        )
        result.sources_created.append(ident)
    with documents.batched(connection):
        for pledge in progress(pledges, "importing pledges"):
            store.create(connection, "pledges", as_data(pledge), key_name, sources_dir)
            result.created.append(pledge.id)
    return result
