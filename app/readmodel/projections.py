"""The projections of the read model, each declared once: what it stores, what its version is
made of, how it is rebuilt and checked, and which keys a change touches."""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, Table

from app import models as m
from app.readmodel import checks, documents, facet_counts, rendered, version
from app.readmodel.change import Change
from app.search import index
from app.views import acting_for


def _table(model: type[m.Base]) -> Table:
    return model.__table__  # type: ignore[return-value]


@dataclass(frozen=True)
class Projection:
    name: str
    epoch: int  # bump when the output changes in a way the tables and identity do not show
    tables: tuple[Table, ...]
    identity: Callable[[], Iterable[Any]]  # its output models and rendering functions
    rebuild: Callable[[Connection], None]  # make it whole from the records
    check: Callable[[Connection], list[str]]  # where it differs from a fresh rendering
    touches: Callable[[Connection, Change], set[Any]]  # the keys a change reaches
    refresh: Callable[[Connection, set[Any]], None]  # remake those keys

    @functools.cached_property
    def version(self) -> str:
        digest = hashlib.sha256(f"epoch {self.epoch}".encode())
        for table in self.tables:
            for c in table.columns:
                digest.update(f"{table.name}.{c.name} {c.type} {c.nullable}".encode())
        for part in self.identity():
            if isinstance(part, type) and issubclass(part, BaseModel):
                digest.update(json.dumps(part.model_json_schema(), sort_keys=True).encode())
            else:
                digest.update(inspect.getsource(part).encode())
        return digest.hexdigest()[:16]


# --- search index -------------------------------------------------------------------------

SINGULAR = {"processes": "process", **{f"{k}s": k for k in ("actor", "event", "pledge")}}
SINGULAR |= {"positions": "position"}


def _search_touches(connection: Connection, change: Change) -> set[tuple[str, str]]:
    """The records whose entry, and whose citations' entries, a change makes again: for a
    citation, the record it supports."""
    if change.kind == "citations":
        return {(d["subject"]["kind"], d["subject"]["id"]) for d in change.versions()}
    if change.kind in SINGULAR:
        return {(SINGULAR[change.kind], change.id)}
    return set()


def _search_refresh(connection: Connection, keys: set[tuple[str, str]]) -> None:
    for kind, ident in sorted(keys):
        index.refresh(connection, kind, ident)


def _search_rebuild(connection: Connection) -> None:
    index.sync_index(connection)


def _search_identity() -> Iterable[Any]:
    return [index._doc, index._join, *index.BUILDERS.values()]


# --- timeline items and actor events -------------------------------------------------------


def _timeline_touches(connection: Connection, change: Change) -> set[str]:
    return rendered.affected(connection, change.kind, change.id, change.before, change.after)


def _timeline_identity() -> Iterable[Any]:
    from app.views.timeline import EventDetail, TimelineItem, render, render_details

    return [TimelineItem, EventDetail, render, render_details]


def _actor_events_touches(connection: Connection, change: Change) -> set[str]:
    """An event's rows change with its participants and dates, and with a post (or a
    citation of a post), which reaches its organization from every event its person took
    part in: the events a write to one of those touches, as for the timeline items."""
    if change.kind not in {"events", "positions", "citations"}:
        return set()
    return rendered.affected(connection, change.kind, change.id, change.before, change.after)


# --- stored documents ----------------------------------------------------------------------


def _documents_touches(connection: Connection, change: Change) -> set[tuple[str, str]]:
    return documents.affected(connection, change.kind, change.id, change.before, change.after)


def _documents_identity() -> Iterable[Any]:
    from app.views import (
        actors,
        disputes,
        facts,
        instruments,
        listing,
        pledges,
        processes,
        schemas,
        sources,
    )

    return [
        actors.ActorDetail,
        actors.ActorOut,
        actors.actor_out,
        processes.ProcessDetail,
        processes.detail_of,
        processes.process_out,
        sources.SourceOut,
        sources._source_out,
        facts.figures_out,
        schemas.DisputeOut,
        facts.group_disputes,
        facts.citations,
        disputes.disputes_out,
        instruments.InstrumentOut,
        instruments.instrument_out,
        listing.item_renderer,
        pledges.PledgeOut,
        pledges.ObjectiveOut,
        instruments.InstrumentSide,
        instruments.InstrumentDetail,
        instruments.detail_of,
        *(kind.render for kind in documents.kinds().values()),
        documents.mentioned,
    ]


# --- data version --------------------------------------------------------------------------


def _rebuild_version(connection: Connection) -> None:
    version.ensure(connection)
    version.bump(connection)


PROJECTIONS: tuple[Projection, ...] = (
    Projection(
        name="search",
        epoch=1,
        tables=(_table(m.SearchEntry),),
        identity=_search_identity,
        rebuild=_search_rebuild,
        check=checks.search,
        touches=_search_touches,
        refresh=_search_refresh,
    ),
    Projection(
        name="timeline",
        epoch=1,
        tables=(_table(m.RenderedEvent),),
        identity=_timeline_identity,
        rebuild=lambda connection: rendered.sync(connection, actors=False),
        check=checks.timeline,
        touches=_timeline_touches,
        refresh=lambda connection, keys: rendered.refresh(connection, keys, actors=False),
    ),
    Projection(
        name="actor_events",
        epoch=1,
        tables=(_table(m.ActorEvent),),
        identity=lambda: [acting_for.actor_events],
        rebuild=rendered.sync_actor_events,
        check=checks.actor_events,
        touches=_actor_events_touches,
        refresh=rendered.refresh_actor_events,
    ),
    Projection(
        name="documents",
        epoch=1,
        tables=(_table(m.RenderedDocument), _table(m.DocumentMention)),
        identity=_documents_identity,
        rebuild=documents.sync,
        check=checks.documents,
        touches=_documents_touches,
        refresh=documents.remake,
    ),
    Projection(
        name="facet_counts",
        epoch=1,
        tables=(_table(m.FacetCount), _table(m.FacetMember)),
        identity=facet_counts.identity,
        rebuild=facet_counts.rebuild,
        check=checks.facet_counts,
        touches=lambda connection, change: facet_counts.touches(connection, change.kind, change.id),
        refresh=facet_counts.refresh,
    ),
    Projection(
        name="data_version",
        epoch=1,
        tables=(_table(m.DataVersion),),
        identity=lambda: [],
        rebuild=_rebuild_version,
        check=checks.data_version,
        touches=lambda connection, change: {1},
        refresh=lambda connection, keys: version.bump(connection),
    ),
)
BY_NAME = {projection.name: projection for projection in PROJECTIONS}
