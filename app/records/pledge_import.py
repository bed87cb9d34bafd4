"""Import pledges from CSV in the shape of a pledging-dashboard export. All or nothing.

An import of many rows must not hold other writers for long, so it is written in batches:
every row is checked first, in a read that takes no lock; then the new sources and the
pledges are written in batches, each its own short transaction under the write lock (about
BATCH_SECONDS), and writers queued behind it take their turn between batches; the stored
documents the rows change are remade once, at the end, in batches too. If a batch fails (a
pledge with the same id created meanwhile, a pledger deleted), what the earlier batches
wrote is deleted again, in batches too, and the import answers with the error: all rows or
none. While it runs, readers see the rows written so far; the audit log keeps each row's
create, and its delete if the import was undone.

Columns: ``pledger`` (actor ids, names, acronyms or aliases; several separated by ``;``),
``type``, ``objectives`` (GCM objective numbers, separated by ``;`` or ``,``), ``date``
(YYYY, YYYY-MM or YYYY-MM-DD), ``description``, ``status`` (planned, in progress,
fulfilled), ``source`` (a source id or the URL of the pledge's page); optionally ``id`` and
``title``. Row numbers count the header as row 1, as a spreadsheet does.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.orm import Session, sessionmaker

from app import models as m
from app.core.db import Writer, unit_of_work
from app.core.errors import DomainError
from app.readmodel import documents
from app.records import store
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
BATCH_SECONDS = 0.25  # how long one batch may write before it commits, about
# Between batches on SQLite: longer than a writer of another process waits between two
# asks for its turn (``app.core.db``), so that it gets in. PostgreSQL queues lock requests
# in order, and a process's writers take turns in order (``TurnLock``), so there the next
# batch simply queues behind whoever waits.
PAUSE_SECONDS = 0.02
DOCUMENTS_PER_STEP = 50  # stored documents remade in one step of a batch
T = TypeVar("T")
logger = logging.getLogger("mgt")


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
    existing = set(connection.execute(select(m.Pledge.id)).scalars())
    process = (
        "pledging-initiative"
        if store.exists(connection, "process", "pledging-initiative")
        else None
    )
    sources: dict[str, str | None] = {}  # as given in the file -> the source id, if any
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
        if row["source"] and row["source"] not in sources:
            sources[row["source"]] = _source_for(connection, row["source"], new_sources)
        source = sources.get(row["source"])
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
        if ident in seen or ident in existing:
            problems.append(("id", f"the pledge '{ident}' exists already"))
        seen.add(ident)
        data = {
            "id": ident,
            "title": row.get("title") or (row["description"][:120] or ident),
            "pledgers": pledgers,
            "process": process,
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
    writer: Writer,
    reads: sessionmaker[Session],
    text: str,
    key_name: str,
    sources_dir: Path | None,
) -> ImportResult:
    """Check every row, then write them in batches (see the module's docstring)."""
    with unit_of_work(reads) as session:
        pledges, new_sources, errors = parse(text, session.connection())
    if errors:
        rows = len({e["row"] for e in errors})
        raise ImportRejected(
            f"{rows} row(s) are invalid; nothing was imported. Fix every row listed and resend",
            errors=errors,
        )
    if not pledges:
        raise ImportRejected("the CSV holds no pledges")
    result = ImportResult()
    changed: set[tuple[str, str]] = set()  # the stored documents to remake at the end
    try:
        result.sources_created = writer.run(
            lambda session: _add_sources(session.connection(), new_sources, key_name)
        )

        def add(connection: Connection, pledge: s.PledgeIn) -> None:
            store.create(connection, "pledges", as_data(pledge), key_name, sources_dir)

        for batch in _in_batches(writer, pledges, add, changed):
            result.created += [pledge.id for pledge in batch]
        _remake(writer, changed)
    except Exception as error:
        undone = _undo(writer, result, key_name)
        if isinstance(error, DomainError):
            error.detail += (
                f"; nothing was imported ({len(result.created)} row(s) written before were "
                "deleted again)"
                if undone
                else f"; {len(result.created)} row(s) were written and could not be deleted "
                "again (see the audit log)"
            )
        raise
    return result


def _add_sources(connection: Connection, new_sources: dict[str, str], key_name: str) -> list[str]:
    for url, ident in new_sources.items():
        connection.execute(
            insert(m.Source).values(
                id=ident, title=f"Pledge page {url}", kind="web_page", url=url, origin="web_page"
            )
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
    return list(new_sources.values())


def _in_batches(
    writer: Writer,
    items: Sequence[T],
    write: Callable[[Connection, T], None],
    changed: set[tuple[str, str]],
) -> Iterator[list[T]]:
    """Write ``items`` one by one in transactions of about BATCH_SECONDS each, yielding each
    batch once it is committed; the stored documents they change are added to ``changed``.
    A batch that fails is run again whole by ``writer``."""
    pending = list(items)
    while pending:
        batch = functools.partial(_write_batch, items=pending, write=write, changed=changed)
        done = writer.run(batch)
        yield pending[:done]
        pending = pending[done:]
        if pending and writer.engine.dialect.name == "sqlite":
            time.sleep(PAUSE_SECONDS)


def _write_batch(
    session: Session,
    items: list[T],
    write: Callable[[Connection, T], None],
    changed: set[tuple[str, str]],
) -> int:
    """Write the first of ``items`` for about BATCH_SECONDS (at least one); how many."""
    connection = session.connection()
    deadline = time.monotonic() + BATCH_SECONDS
    done = 0
    with documents.deferred(connection, changed):
        while done < len(items) and (done == 0 or time.monotonic() < deadline):
            write(connection, items[done])
            done += 1
    return done


def _remake(writer: Writer, changed: set[tuple[str, str]]) -> None:
    """Remake the stored documents an import changed, once each, in batches: an actor's
    profile once for all its new pledges, not once per batch. Until then a profile may not
    list the newest rows yet; a new pledge's own document is rendered when first asked."""
    wanted = sorted(changed)
    chunks = [wanted[i : i + DOCUMENTS_PER_STEP] for i in range(0, len(wanted), DOCUMENTS_PER_STEP)]
    for _ in _in_batches(writer, chunks, documents.refresh, set()):
        pass


def _undo(writer: Writer, result: ImportResult, key_name: str) -> bool:
    """Delete what an import that failed midway had written; whether that succeeded."""

    def remove_pledge(connection: Connection, ident: str) -> None:
        before = as_data(store.read_one(connection, "pledges", ident))
        store.remove(connection, "pledges", ident, key_name, before=before)

    def remove_source(connection: Connection, ident: str) -> None:
        url = connection.execute(select(m.Source.url).where(m.Source.id == ident)).scalar()
        connection.execute(delete(m.Source).where(m.Source.id == ident))
        before = {"id": ident, "kind": "web_page", "url": url}
        store.record_change(connection, key_name, "delete", "sources", ident, before, None)

    changed: set[tuple[str, str]] = set()
    try:
        for _ in _in_batches(writer, result.created, remove_pledge, changed):
            pass
        for _ in _in_batches(writer, result.sources_created, remove_source, changed):
            pass
        _remake(writer, changed)
    except Exception:
        logger.exception("undoing a failed import left some of its rows: %s", result.created)
        return False
    return True
