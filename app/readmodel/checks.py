"""Each projection compared with a fresh rendering of the records: a list of differences,
empty when the stored rows are what a rebuild would make."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from app import models as m
from app.readmodel import documents as docs
from app.readmodel import facet_counts as fc
from app.readmodel import rendered
from app.search import index
from app.seeding.etags import record_etags
from app.views import acting_for

SHOWN = 5  # differences listed per table and kind of difference; the rest are counted


class Comparison:
    """The differences between stored rows and those a rebuild would make, by key, gathered
    a chunk at a time (a million stored items are not rendered at once)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.keys: dict[str, list[str]] = {"missing": [], "not expected": [], "out of date": []}

    def add(self, stored: Mapping[Any, Any], fresh: Mapping[Any, Any]) -> None:
        self.keys["missing"] += [str(k) for k in fresh.keys() - stored.keys()]
        self.keys["not expected"] += [str(k) for k in stored.keys() - fresh.keys()]
        self.keys["out of date"] += [
            str(k) for k in fresh.keys() & stored.keys() if fresh[k] != stored[k]
        ]

    def report(self) -> list[str]:
        found = []
        for what, keys in self.keys.items():
            if keys:
                more = f" and {len(keys) - SHOWN} more" if len(keys) > SHOWN else ""
                found.append(f"{self.label}: {what}: {', '.join(sorted(keys)[:SHOWN])}{more}")
        return found


def compare(label: str, stored: Mapping[Any, Any], fresh: Mapping[Any, Any]) -> list[str]:
    comparison = Comparison(label)
    comparison.add(stored, fresh)
    return comparison.report()


def _chunks(keys: Iterable[str], size: int) -> Iterator[list[str]]:
    ordered = sorted(keys)
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


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
    from app.views.timeline import render, render_details

    r = m.RenderedEvent
    ids = set(connection.execute(select(m.Event.id)).scalars())
    kept = set(connection.execute(select(r.event_id)).scalars())
    result = Comparison("rendered_events")
    result.add(dict.fromkeys(kept - ids), {})
    with Session(bind=connection) as session:
        for chunk in _chunks(ids, rendered.CHUNK):
            rows = connection.execute(
                select(r.event_id, r.body, r.detail, r.etag).where(r.event_id.in_(chunk))
            )
            tags = record_etags(connection, "events", chunk)
            details = render_details(session, chunk)
            fresh = {i: (b, details[i], tags[i]) for i, b in render(session, chunk).items()}
            result.add({i: (b, d, t) for i, b, d, t in rows}, fresh)
    return result.report()


def actor_events(connection: Connection) -> list[str]:
    a = m.ActorEvent
    columns = (a.actor_id, a.event_id, a.date_start, a.date_end, a.direct, a.via)
    kept = connection.execute(select(*columns))
    stored = {(actor, event): rest for actor, event, *rest in kept}
    derived = connection.execute(acting_for.actor_events())
    fresh = {(actor, event): rest for actor, event, *rest in derived}
    return compare("actor_events", stored, fresh)


def documents(connection: Connection) -> list[str]:
    with Session(bind=connection) as session:
        return [
            difference
            for kind, spec in docs.kinds().items()
            for difference in _documents_of(connection, session, kind, spec.keys)
        ]


def _documents_of(connection: Connection, session: Session, kind: str, every: Any) -> list[str]:
    d, mention = m.RenderedDocument, m.DocumentMention
    bodies = Comparison(f"rendered_documents {kind}")
    mentions = Comparison(f"document_mentions {kind}")
    keys = set(connection.execute(every).scalars())
    kept = set(connection.execute(select(d.key).where(d.kind == kind)).scalars())
    bodies.add(dict.fromkeys(kept - keys), {})
    for chunk in _chunks(keys, docs.CHUNK):
        fresh = docs.render(session, kind, chunk)
        stored = select(d.key, d.body, d.etag).where(d.kind == kind, d.key.in_(chunk))
        bodies.add({key: (body, etag) for key, body, etag in connection.execute(stored)}, fresh)
        refs = select(mention.key, mention.ref).where(mention.kind == kind, mention.key.in_(chunk))
        shown = {
            (key, ref) for key, (body, _) in fresh.items() for ref in docs.mentioned(key, body)
        }
        mentions.add(
            dict.fromkeys((k, r) for k, r in connection.execute(refs)), dict.fromkeys(shown)
        )
    return bodies.report() + mentions.report()


def data_version(connection: Connection) -> list[str]:
    rows = connection.execute(select(func.count()).select_from(m.DataVersion)).scalar_one()
    return [] if rows == 1 else [f"data_version: {rows} rows where there is one"]


def facet_counts(connection: Connection) -> list[str]:
    """The stored counts against a fresh GROUP BY of each facet over its whole list, and the
    pairs kept for each record against fresh ones (and none kept for a record gone)."""
    c = fc.COUNTS.c
    kept = connection.execute(select(c.list, c.facet, c.value, c.count))
    stored = {(name, facet, value): n for name, facet, value, n in kept}
    fresh = {
        (counted.list, counted.facet, value): n
        for counted in fc.COUNTED
        for value, n in fc.grouped(connection, counted).items()
    }
    members = Comparison("facet_members")
    for kind, model in fc.MODELS.items():
        for chunk in fc.all_ids(connection, kind):
            fresh_pairs = fc.fresh_pairs(connection, kind, chunk)
            members.add(fc.stored_pairs(connection, kind, chunk), fresh_pairs)
        f = fc.MEMBERS.c
        gone = select(f.list, f.record_id).where(
            f.list.in_(fc.lists_of(kind)), f.record_id.not_in(select(model.id))
        )
        members.add({tuple(row): None for row in connection.execute(gone)}, {})
    return compare("facet_counts", stored, fresh) + members.report()
