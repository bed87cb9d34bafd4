"""Keep each event's stored timeline JSON, what only its detail shows, and its record's ETag
in step with the records they show.

A timeline item shows its event's own columns, the names of its process, parent, announced
meeting and country, its participants (with their actors' names and citations), its themes,
citations and disputes; the detail adds the announcements of the meeting, its outcome
documents and figures. So the stored JSON must be remade when any of these changes:

- an event: itself, the events that name it as parent or as the meeting held, and the
  meeting it names as held (whose detail lists it as an announcement);
- an actor: the events held in it (country) and those it took part in, or was represented at;
- a citation: the event it supports, directly or through a participation, a dispute claim
  or a figure, and the events its post's person took part in (see below);
- a seed load: everything (``sync``).

``actor_events`` (each actor that took part in an event or that someone acted for there,
with the event's dates and how) is kept by ``refresh_actor_events``: it changes with a write
to the event, and with a post (a position, or a citation of it), which reaches its
organization from every event its person took part in.

Pledges and positions do not appear on the timeline items themselves. Processes, sources,
themes and disputes change only through seed loads. Both are projections of the read model
(``app.readmodel``), which calls these functions; its check compares them with a fresh
rendering.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    Connection,
    Table,
    delete,
    insert,
    or_,
    select,
)
from sqlalchemy.orm import Session

from app import models as m
from app.seeding.etags import record_etags
from app.views.acting_for import actor_events
from app.views.timeline import render, render_details

TABLE: Table = m.RenderedEvent.__table__  # type: ignore[assignment]
ACTORS: Table = m.ActorEvent.__table__  # type: ignore[assignment]
CHUNK = 500


def refresh(connection: Connection, ids: Iterable[str], *, actors: bool = True) -> None:
    """Remake the stored JSON of these events (and drop it for those that no longer exist),
    and their ``actor_events`` unless ``actors`` is false (migrations older than that
    table)."""
    wanted = sorted(set(ids))
    if not wanted:
        return
    with Session(bind=connection) as session:
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            connection.execute(delete(TABLE).where(TABLE.c.event_id.in_(chunk)))
            bodies = render(session, chunk)
            details = render_details(session, list(bodies))
            tags = record_etags(connection, "events", list(bodies))
            rows = [
                {"event_id": i, "body": b, "detail": details[i], "etag": tags[i]}
                for i, b in bodies.items()
            ]
            if rows:
                connection.execute(insert(TABLE), rows)
            if actors:
                refresh_actor_events(connection, chunk)


def refresh_actor_events(connection: Connection, ids: Iterable[str]) -> None:
    """Remake the ``actor_events`` rows of these events."""
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        connection.execute(delete(ACTORS).where(ACTORS.c.event_id.in_(chunk)))
        connection.execute(insert(ACTORS).from_select(list(ACTORS.c), actor_events(chunk)))


def sync_actor_events(connection: Connection) -> None:
    """Make ``actor_events`` again from every participation."""
    connection.execute(delete(ACTORS))
    connection.execute(insert(ACTORS).from_select(list(ACTORS.c), actor_events()))


def sync(connection: Connection, *, actors: bool = True) -> None:
    """Render every event again (the read model's rebuild calls this)."""
    connection.execute(delete(TABLE))
    if actors:
        connection.execute(delete(ACTORS))
    ids = list(connection.execute(select(m.Event.id)).scalars())
    refresh(connection, ids, actors=actors)


def affected(
    connection: Connection,
    kind: str,
    ident: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> set[str]:
    """The events whose timeline JSON a write to one record (``kind`` as audited) changes."""
    e, p = m.Event, m.Participation
    if kind == "events":
        named = select(e.id).where(or_(e.parent_id == ident, e.held_as_id == ident))
        meetings = {r["held_as"] for r in (before, after) if r and r.get("held_as")}
        return {ident, *meetings, *connection.execute(named).scalars()}
    if kind == "actors":
        held = select(e.id).where(e.country_id == ident)
        attended = select(p.event_id).where(or_(p.actor_id == ident, p.on_behalf_of_id == ident))
        return set(connection.execute(held.union(attended)).scalars())
    if kind == "positions":  # the events its person took part in reach its organization
        persons = {r["person"] for r in (before, after) if r}
        return set(connection.execute(select(p.event_id).where(p.actor_id.in_(persons))).scalars())
    if kind == "citations":
        subjects = {(r["subject"]["kind"], r["subject"]["id"]) for r in (before, after) if r}
        return {event for subject in subjects for event in _events_of(connection, *subject)}
    return set()


def _events_of(connection: Connection, subject_type: str, subject_id: str) -> list[str]:
    if subject_type == "event":
        return [subject_id]
    if subject_type == "participation":
        query = select(m.Participation.event_id).where(m.Participation.id == subject_id)
    elif subject_type == "statement_point":
        query = select(m.StatementPoint.event_id).where(m.StatementPoint.id == subject_id)
    elif subject_type == "position":  # its citations are shown where it reaches an actor
        p, post = m.Participation, m.Position
        query = (
            select(p.event_id).join(post, post.person_id == p.actor_id).where(post.id == subject_id)
        )
    elif subject_type == "dispute_claim":
        d, c = m.Dispute, m.DisputeClaim
        query = (
            select(d.subject_id)
            .join(c, c.dispute_id == d.id)
            .where(c.id == subject_id, d.subject_type == "event")
        )
    elif subject_type == "figure":
        f = m.Figure
        figure = select(f.subject_id).where(f.id == subject_id, f.subject_type == "event")
        return [i for i in connection.execute(figure).scalars() if i]
    else:
        return []
    return list(connection.execute(query).scalars())
