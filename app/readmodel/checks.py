"""Each projection compared with a fresh rendering of the records: a list of differences,
empty when the stored rows are what a rebuild would make."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any, TypeVar

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from app import models as m
from app.records import documents as docs
from app.records import rendered
from app.records.etags import record_etags
from app.search import index

SHOWN = 5  # differences listed per projection and table; the rest are counted
K = TypeVar("K", bound=Hashable)


def compare(label: str, stored: Mapping[K, Any], fresh: Mapping[K, Any]) -> list[str]:
    """What differs between the rows stored and those a rebuild would make, by key."""
    missing = sorted(str(k) for k in fresh.keys() - stored.keys())
    extra = sorted(str(k) for k in stored.keys() - fresh.keys())
    differ = sorted(str(k) for k in fresh.keys() & stored.keys() if fresh[k] != stored[k])
    found = []
    for what, keys in (("missing", missing), ("not expected", extra), ("out of date", differ)):
        if keys:
            more = f" and {len(keys) - SHOWN} more" if len(keys) > SHOWN else ""
            found.append(f"{label}: {what}: {', '.join(keys[:SHOWN])}{more}")
    return found


def search(connection: Connection) -> list[str]:
    fields = ("title", "body", "subject_type", "subject_id")
    stored = {
        (row.kind, row.record_id): tuple(getattr(row, f) for f in fields)
        for row in connection.execute(select(index.TABLE))
    }
    fresh = {
        (doc["kind"], doc["record_id"]): tuple(doc[f] for f in fields)
        for build in index.BUILDERS.values()
        for doc in build(connection, None)
    }
    return compare("search_index", stored, fresh)


def timeline(connection: Connection) -> list[str]:
    from app.api.timeline_query import render, render_details

    r = m.RenderedEvent
    rows = connection.execute(select(r.event_id, r.body, r.detail, r.etag))
    stored = {i: (b, d, t) for i, b, d, t in rows}
    ids = list(connection.execute(select(m.Event.id)).scalars())
    with Session(bind=connection) as session:
        tags = record_etags(connection, "events", ids)
        details = render_details(session, ids)
        fresh = {i: (b, details[i], tags[i]) for i, b in render(session, ids).items()}
    return compare("rendered_events", stored, fresh)


def actor_events(connection: Connection) -> list[str]:
    a = m.ActorEvent
    kept = connection.execute(select(a.actor_id, a.event_id, a.date_start, a.date_end))
    stored = {(actor, event): dates for actor, event, *dates in kept}
    derived = connection.execute(rendered.actor_events())
    fresh = {(actor, event): dates for actor, event, *dates in derived}
    return compare("actor_events", stored, fresh)


def documents(connection: Connection) -> list[str]:
    found = []
    d, mention = m.RenderedDocument, m.DocumentMention
    with Session(bind=connection) as session:
        for kind, spec in docs.kinds().items():
            query = select(d.key, d.body, d.etag).where(d.kind == kind)
            stored = {key: (body, etag) for key, body, etag in connection.execute(query)}
            keys = list(connection.execute(spec.keys).scalars())
            fresh = docs.render(session, kind, keys)
            found += compare(f"rendered_documents {kind}", stored, fresh)
            mentioned = select(mention.key, mention.ref).where(mention.kind == kind)
            refs = {(key, ref): True for key, ref in connection.execute(mentioned)}
            shown = {
                (key, ref): True
                for key, (body, _) in fresh.items()
                for ref in docs.mentioned(key, body)
            }
            found += compare(f"document_mentions {kind}", refs, shown)
    return found


def data_version(connection: Connection) -> list[str]:
    rows = connection.execute(select(func.count()).select_from(m.DataVersion)).scalar_one()
    return [] if rows == 1 else [f"data_version: {rows} rows where there is one"]
