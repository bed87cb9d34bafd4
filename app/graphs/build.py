"""The three graphs, read with a fixed number of statements each.

Node ids carry their kind (``actor:iom``, ``event:cm-15``, ``process:gfmd``), so an actor and
an event that share a slug stay two nodes. Attribute values are strings, numbers or booleans
only (what GraphML and GEXF can type); a list of citation ids is one space-separated string.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from app import models as m
from app.core.dates import parse_date
from app.core.errors import DomainError

MAX_EDGES = 20_000
Value = str | int | float | bool


class GraphTooLarge(DomainError):
    status = 422
    title = "Graph too large"


@dataclass
class Graph:
    """Nodes by id with their attributes, and edges as (source, target, attributes)."""

    name: str
    directed: bool
    nodes: dict[str, dict[str, Value]] = field(default_factory=dict)
    edges: list[tuple[str, str, dict[str, Value]]] = field(default_factory=list)


def _present(attributes: dict[str, Any]) -> dict[str, Value]:
    return {key: value for key, value in attributes.items() if value is not None}


def _date(edtf: str | None, qualifier: str | None) -> dict[str, Value]:
    if edtf is None:
        return {}
    parsed = parse_date(edtf, qualifier)  # type: ignore[arg-type]
    bounds: dict[str, dt.date | None] = {"start": parsed.lower, "end": parsed.upper}
    found: dict[str, Value] = {"date": edtf, "date_display": parsed.display}
    return found | {key: day.isoformat() for key, day in bounds.items() if day}


def _refuse_if_over(session: Session, query: Select[*tuple[Any, ...]], what: str) -> None:
    counted = select(func.count()).select_from(query.limit(MAX_EDGES + 1).subquery())
    if (session.scalar(counted) or 0) > MAX_EDGES:
        raise GraphTooLarge(
            f"The {what} has more than {MAX_EDGES:,} edges; narrow it with start and end, "
            "process, kind, theme or actor."
        )


def _citations(session: Session, subject_type: str, ids: Select[Any]) -> dict[str, str]:
    c = m.Citation
    rows = session.execute(
        select(c.subject_id, c.id)
        .where(c.subject_type == subject_type, c.subject_id.in_(ids.scalar_subquery()))
        .order_by(c.subject_id, c.ordinal, c.id)
    )
    found: defaultdict[str, list[str]] = defaultdict(list)
    for subject, citation in rows:
        found[subject].append(citation)
    return {subject: " ".join(ids) for subject, ids in found.items()}


def _actor_nodes(
    session: Session, ids: Iterable[str], **extra: Value
) -> dict[str, dict[str, Value]]:
    a = m.Actor
    rows = session.execute(select(a.id, a.name, a.kind, a.acronym).where(a.id.in_(set(ids))))
    return {
        f"actor:{i}": _present(
            {"label": name, "type": "actor", "kind": kind, "acronym": acronym} | extra
        )
        for i, name, kind, acronym in rows
    }


def _event_ids(selected: Select[m.Event]) -> Select[tuple[str]]:
    return select(selected.subquery().c.id)


def actor_events(session: Session, selected: Select[m.Event]) -> Graph:
    """Actors and the ``selected`` events they took part in; an edge is one participation
    (an actor can have several roles at one event), with its role, the event's date, the
    actor it acted for, and its citations."""
    p, e = m.Participation, m.Event
    events = _event_ids(selected)
    edges = (
        select(p.id, p.actor_id, p.event_id, p.role, p.on_behalf_of_id, p.capacity)
        .where(p.event_id.in_(events.scalar_subquery()))
        .order_by(p.event_id, p.ordinal, p.id)
    )
    _refuse_if_over(session, edges, "actor–event network")
    rows = session.execute(edges).all()
    cited = _citations(session, "participation", select(p.id).where(p.event_id.in_(events)))
    event_rows = session.execute(
        select(e.id, e.title, e.kind, e.process_id, e.date_edtf, e.date_qualifier).where(
            e.id.in_({row.event_id for row in rows})
        )
    )
    graph = Graph("actor-event", directed=False)
    graph.nodes = _actor_nodes(session, {row.actor_id for row in rows}, bipartite=0)
    dates: dict[str, dict[str, Value]] = {}
    for i, title, kind, process, edtf, qualifier in event_rows:
        dates[i] = _date(edtf, qualifier)
        graph.nodes[f"event:{i}"] = _present(
            {"label": title, "type": "event", "kind": kind, "process": process, "bipartite": 1}
            | dates[i]
        )
    for row in rows:
        attributes = {
            "id": row.id,
            "role": row.role,
            "on_behalf_of": row.on_behalf_of_id,
            "capacity": row.capacity,
            "citations": cited.get(row.id),
        }
        edge = _present(attributes) | dates[row.event_id]
        graph.edges.append((f"actor:{row.actor_id}", f"event:{row.event_id}", edge))
    return graph


def co_participation(session: Session, selected: Select[m.Event]) -> Graph:
    """Actors joined by the ``selected`` events they both took part in: ``weight`` is how
    many, ``start`` and ``end`` the first and last day those events span."""
    a, b, e = aliased(m.Participation), aliased(m.Participation), m.Event
    events = _event_ids(selected).scalar_subquery()
    pairs = (
        select(
            a.actor_id,
            b.actor_id,
            func.count(a.event_id.distinct()),
            func.min(e.date_start),
            func.max(e.date_end),
        )
        .join(b, (b.event_id == a.event_id) & (b.actor_id > a.actor_id))
        .join(e, e.id == a.event_id)
        .where(a.event_id.in_(events))
        .group_by(a.actor_id, b.actor_id)
        .order_by(a.actor_id, b.actor_id)
    )
    _refuse_if_over(session, pairs, "co-participation network")
    graph = Graph("co-participation", directed=False)
    rows = session.execute(pairs).all()
    graph.nodes = _actor_nodes(session, {actor for row in rows for actor in row[:2]})
    for left, right, weight, first, last in rows:
        span = {"start": first.isoformat() if first else None, "end": last and last.isoformat()}
        graph.edges.append((f"actor:{left}", f"actor:{right}", _present({"weight": weight} | span)))
    return graph


def lineage(session: Session) -> Graph:
    """Processes and the links between them (fed into, succeeded, reviews, ...), directed
    from the link's source to its target, with their citations."""
    p, link = m.Process, m.ProcessLink
    graph = Graph("process-lineage", directed=True)
    for i, name, kind, acronym, parent, edtf, qualifier in session.execute(
        select(p.id, p.name, p.kind, p.acronym, p.parent_id, p.date_edtf, p.date_qualifier)
    ):
        graph.nodes[f"process:{i}"] = _present(
            {"label": name, "type": "process", "kind": kind, "acronym": acronym, "parent": parent}
        ) | _date(edtf, qualifier)
    cited = _citations(session, "process_link", select(link.id))
    for i, source, target, kind, note in session.execute(
        select(link.id, link.source_id, link.target_id, link.kind, link.note).order_by(link.id)
    ):
        attributes = _present({"id": i, "relation": kind, "note": note, "citations": cited.get(i)})
        graph.edges.append((f"process:{source}", f"process:{target}", attributes))
    return graph
