"""Keep the stored detail documents (``rendered_documents``) in step with the records they show.

A document is the JSON an endpoint answers with, or the part of it that is costly to make:
an actor's profile, a pledge, the list of objectives, an instrument with its provisions (what
a comparison shows of it). Each is stored with the ids it shows (every ``"id"`` in its JSON,
and its own key), and a write remakes, in its own transaction:

- every document that shows the record written (for a citation, the record it supports);
- every document that lists the records referring to something the written record's old or
  new version refers to (a pledge's pledgers and objectives, an event's participants, a
  position's person and organization; for a citation, every record the cited row refers
  to: a participation's event and actors, a process role's actor, a figure's subject), and
  of the organizations those actors hold posts in. An actor's profile lists what refers to
  its actor, and what was done for it; the objectives list, what refers to the
  objectives it shows (``Kind.lists_referrers_of``);
- a seed load remakes them all (``sync``).

A document that shows a record shows its id (in a ``Ref``, an item or a summary), so this
finds every document whose JSON a write changes. The documents are a projection of the read
model (``app.readmodel``), which calls ``affected`` and ``remake`` for every write; its
check compares each stored document with a fresh rendering.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import (
    Connection,
    Select,
    Table,
    and_,
    bindparam,
    delete,
    exists,
    insert,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session

from app import models as m
from app.core import direct
from app.seeding.checks import references
from app.seeding.etags import record_etags
from app.seeding.kinds import SCHEMAS, TABLE_OF_KIND
from app.seeding.reader import Located
from app.views import actors, instruments, pledges, processes, sources

DOCS: Table = m.RenderedDocument.__table__  # type: ignore[assignment]
MENTIONS: Table = m.DocumentMention.__table__  # type: ignore[assignment]
CHUNK = 200
PENDING = "documents.pending"  # in Connection.info, while writes are batched
Renderer = Callable[[Session, list[str]], dict[str, str]]


@dataclass(frozen=True)
class Kind:
    keys: Select[Any]  # every key of this kind
    render: Renderer  # keys -> JSON (keys with nothing to show are left out)
    record: str | None = None  # the audited kind whose ETag the document carries
    # Which records it lists besides those it shows by id: those that refer to its key (an
    # actor's profile lists the pledges, roles and posts naming the actor) or to an id it
    # shows (the objectives list counts the pledges naming each objective).
    lists_referrers_of: Literal["key", "mentions"] | None = None


@functools.cache
def kinds() -> dict[str, Kind]:
    objectives = exists().where(m.Provision.kind == "objective")
    return {
        "actor": Kind(select(m.Actor.id), actors.render_profiles, "actors", "key"),
        "process": Kind(select(m.Process.id), processes.render_details, None, "key"),
        # The items of lists, each as its list shows it.
        "actor-item": Kind(select(m.Actor.id), actors.render_items),
        "process-item": Kind(select(m.Process.id), processes.render_items),
        "source-item": Kind(select(m.Source.id), sources.render_items),
        "figure-item": Kind(select(m.Figure.id), sources.render_figures),
        "instrument-item": Kind(select(m.Instrument.id), instruments.render_items),
        "pledge": Kind(select(m.Pledge.id), pledges.render_pledges, "pledges"),
        "objectives": Kind(
            select(literal("")).where(objectives), pledges.render_objectives, None, "mentions"
        ),
        "instrument": Kind(select(m.Instrument.id), instruments.render_sides, None, "key"),
        "instrument-detail": Kind(select(m.Instrument.id), instruments.render_details, None, "key"),
    }


# A write to a record of this audited kind makes (or drops) that record's own documents.
OWN = {"actors": ("actor", "actor-item"), "pledges": ("pledge",), "sources": ("source-item",)}


def stored(session: Session, kind: str, keys: list[str]) -> dict[str, tuple[str, str | None]]:
    """These documents' JSON and ETag, rendered here for keys that have none stored (a
    database upgraded and not yet rendered); keys with nothing to show are left out."""
    d = m.RenderedDocument
    query = select(d.key, d.body, d.etag).where(d.kind == kind, d.key.in_(keys))
    found = {key: (body, etag) for key, body, etag in session.execute(query)}
    missing = [key for key in keys if key not in found]
    return found | render(session, kind, missing) if missing else found


@functools.cache
def _by_keys(count: int) -> Select[str, str, str | None]:
    d = m.RenderedDocument
    keys: list[Any] = [bindparam(f"key{i}") for i in range(count)]
    return select(d.key, d.body, d.etag).where(d.kind == bindparam("kind"), d.key.in_(keys))


async def fetch(
    reader: direct.Reader, kind: str, keys: list[str]
) -> dict[str, tuple[str, str | None]]:
    """Those of these documents that are stored, read on the event loop; none when the
    database did not answer there."""
    named = {f"key{i}": key for i, key in enumerate(keys)}
    rows = await reader.rows(_by_keys(len(keys)), kind=kind, **named)
    return {key: (body, etag) for key, body, etag in rows or []}


def render(session: Session, kind: str, keys: list[str]) -> dict[str, tuple[str, str | None]]:
    """These documents' JSON and ETag, made afresh."""
    spec = kinds()[kind]
    bodies = spec.render(session, keys)
    tags = record_etags(session.connection(), spec.record, list(bodies)) if spec.record else {}
    return {key: (body, tags.get(key)) for key, body in bodies.items()}


def remake(connection: Connection, found: set[tuple[str, str]]) -> None:
    """Remake these (kind, key) documents: now, or once at the end of the enclosing
    ``batched``."""
    pending: set[tuple[str, str]] | None = connection.info.get(PENDING)
    if pending is None:
        refresh(connection, found)
    else:
        pending |= found


@contextmanager
def batched(connection: Connection) -> Iterator[None]:
    """Writes in the block collect the documents they change, remade once when it ends (an
    import of many pledges by one actor remakes that actor's profile once, not per pledge).
    Documents not yet remade are still found: their stored mentions are older, not fewer."""
    pending: set[tuple[str, str]] = set()
    with deferred(connection, pending):
        yield
    refresh(connection, pending)


@contextmanager
def deferred(connection: Connection, pending: set[tuple[str, str]]) -> Iterator[None]:
    """Writes in the block add the documents they change to ``pending``, for the caller to
    ``refresh`` later (an import written in several transactions remakes them at its end)."""
    connection.info[PENDING] = pending
    try:
        yield
    finally:
        del connection.info[PENDING]


def refresh(connection: Connection, documents: Iterable[tuple[str, str]]) -> None:
    """Remake these (kind, key) documents, and drop those with nothing left to show."""
    by_kind: dict[str, set[str]] = {}
    for kind, key in documents:
        by_kind.setdefault(kind, set()).add(key)
    with Session(bind=connection) as session:
        for kind, keys in by_kind.items():
            wanted = sorted(keys)
            for start in range(0, len(wanted), CHUNK):
                _remake(connection, session, kind, wanted[start : start + CHUNK])


def _remake(connection: Connection, session: Session, kind: str, keys: list[str]) -> None:
    for table in (DOCS, MENTIONS):
        connection.execute(delete(table).where(table.c.kind == kind, table.c.key.in_(keys)))
    made = render(session, kind, keys)
    if not made:
        return
    rows = [{"kind": kind, "key": k, "body": b, "etag": t} for k, (b, t) in made.items()]
    connection.execute(insert(DOCS), rows)
    mentions = [
        {"ref": ref, "kind": kind, "key": key}
        for key, (body, _) in made.items()
        for ref in sorted(mentioned(key, body))
    ]
    connection.execute(insert(MENTIONS), mentions)


def sync(connection: Connection) -> None:
    """Render every document again (the read model's rebuild calls this)."""
    connection.execute(delete(MENTIONS))
    connection.execute(delete(DOCS))
    for kind, spec in kinds().items():
        refresh(connection, ((kind, key) for key in connection.execute(spec.keys).scalars()))


def mentioned(key: str, body: str) -> set[str]:
    """Every id a document shows: its key and the values of its JSON's ``"id"`` fields, at
    any depth."""
    found = {key}
    stack = [json.loads(body)]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ident = item.get("id")
            if isinstance(ident, str):
                found.add(ident)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def affected(
    connection: Connection,
    kind: str,
    ident: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> set[tuple[str, str]]:
    """The (kind, key) documents a write to one record (``kind`` as audited) changes: those
    that show it, and those that list the records referring to what it refers to."""
    shown, referred = {ident}, set()
    for data in (before, after):
        if data is None:
            continue
        if kind == "citations":  # what changes is how the cited record is shown
            subject = data["subject"]
            shown.add(subject["id"])
            referred |= set(_owners(connection, subject["kind"], subject["id"]))
        else:
            referred |= set(_refs(kind, data))
    referred |= _posts_in(connection, referred)
    specs = kinds()
    by_mention = [k for k, spec in specs.items() if spec.lists_referrers_of == "mentions"]
    d = m.DocumentMention
    found = select(d.kind, d.key).where(
        or_(d.ref.in_(sorted(shown)), and_(d.ref.in_(sorted(referred)), d.kind.in_(by_mention)))
    )
    documents = {(k, key) for k, key in connection.execute(found)}
    by_key = [k for k, spec in specs.items() if spec.lists_referrers_of == "key"]
    documents |= {(k, key) for k in by_key for key in referred | shown}
    documents |= {(own, ident) for own in OWN.get(kind, ())}
    return documents


def _posts_in(connection: Connection, actors: set[str]) -> set[str]:
    """The organizations in which these actors hold posts: what a person does, an
    organization's profile lists as done for it (``acted_for``)."""
    post = m.Position
    query = select(post.organization_id).where(
        post.person_id.in_(sorted(actors)), post.organization_id.is_not(None)
    )
    return {ident for ident in connection.execute(query).scalars() if ident}


def _refs(kind: str, data: dict[str, Any]) -> Iterator[str]:
    """The ids one version of a written record refers to."""
    if kind in SCHEMAS:
        record = SCHEMAS[kind].model_validate(data)
        yield from (value for _, value, _ in references(Located("write", record)))


def _owners(connection: Connection, subject_kind: str, subject_id: str) -> Iterator[str]:
    """The records a cited row refers to (its ``*_id`` columns): a participation's event and
    actors, a process role's actor and process, a figure's subject, ..."""
    model = TABLE_OF_KIND.get(subject_kind)
    if model is None:
        return
    table: Table = model.__table__  # type: ignore[assignment]
    columns = [c for c in table.columns if c.name.endswith("_id")]
    if columns:
        row = connection.execute(select(*columns).where(table.c.id == subject_id)).first()
        yield from (value for value in row or () if isinstance(value, str))
