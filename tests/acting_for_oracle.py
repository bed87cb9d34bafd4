"""What an actor's timeline must hold, worked out in Python from the participations, posts and
their dates (not by the SQL that stores ``actor_events``): the oracle of
tests/readmodel/test_acting_for.py and of the bench's check at 1M items (bench/bench.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from app import models as m
from app.core.db import make_engine

Way = tuple[str, str, str, str | None, str | None]  # event, kind, person, position, held


def expected_reach(
    url: str, actors: Collection[str] | None = None
) -> tuple[dict[str, set[str]], dict[str, set[Way]], list[str]]:
    """Each actor's own events and the ways others acted for it, and every actor that is not
    a person; with ``actors``, read only what can reach those (enough at 1M items)."""
    engine = make_engine(url)
    with Session(engine) as session:
        post_query = select(m.Position)
        if actors is not None:
            post_query = post_query.where(m.Position.organization_id.in_(actors))
        posts = defaultdict(list)
        for post in session.scalars(post_query):
            posts[post.person_id].append(post)
        part_query = select(m.Participation)
        if actors is not None:
            part_query = part_query.where(
                or_(
                    m.Participation.actor_id.in_([*actors, *posts]),
                    m.Participation.on_behalf_of_id.in_(actors),
                )
            )
        parts = session.scalars(part_query).all()
        events = {e.id: e for e in session.scalars(_events_of(part_query))}
        own: dict[str, set[str]] = defaultdict(set)
        ways: dict[str, set[Way]] = defaultdict(set)
        for p in parts:
            own[p.actor_id].add(p.event_id)
            if p.on_behalf_of_id:
                ways[p.on_behalf_of_id].add((p.event_id, "on_behalf_of", p.actor_id, None, None))
            event = events[p.event_id]
            for post in posts[p.actor_id]:
                held = _held(post, event)
                if post.organization_id and held:
                    way = (p.event_id, "position", p.actor_id, post.id, held)
                    ways[post.organization_id].add(way)
        kinds = session.execute(select(m.Actor.id, m.Actor.kind)).all()
    engine.dispose()
    return own, ways, [ident for ident, kind in kinds if kind != "person"]


def _events_of(participations: Select[Any]) -> Select[Any]:
    chosen = participations.with_only_columns(m.Participation.event_id)
    return select(m.Event).where(m.Event.id.in_(chosen))


def _held(post: m.Position, event: m.Event) -> str | None:
    if post.date_start is None:
        return "undated"
    assert event.date_start
    assert event.date_end
    ends = post.date_end or event.date_end
    if post.date_start <= event.date_start and event.date_end <= ends:
        return "during"
    if post.date_start <= event.date_end and event.date_start <= ends:
        return "possibly"
    return None


def timeline(client: Any, actor: str, **params: Any) -> list[dict[str, Any]]:
    items, cursor = [], None
    while True:
        query = {"limit": 500, **params, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"/api/v1/actors/{actor}/timeline", params=query).json()
        items += page["items"]
        if not (cursor := page["next_cursor"]):
            return items


def differences(client: Any, actor: str, own: set[str], ways: set[Way]) -> list[str]:
    """What the actor's timeline (all pages, and with ``direct_only``) gets wrong against the
    oracle's ``own`` events and ``ways``; empty when it holds exactly those, each way cited."""
    items = timeline(client, actor)
    got_ways = {
        (item["id"], v["kind"], v["person"], v["position"], v["post_held"])
        for item in items
        for v in item["via"]
    }
    wrong = []
    if got_ways != ways:
        wrong.append(f"{actor}: ways {sorted(got_ways ^ ways)[:5]}")
    if {i["id"] for i in items if i["direct"]} != own:
        wrong.append(f"{actor}: direct items differ")
    if {i["id"] for i in items} != own | {w[0] for w in ways}:
        wrong.append(f"{actor}: items differ")
    if not all(v["actor"] == actor and v["citations"] for i in items for v in i["via"]):
        wrong.append(f"{actor}: a way without its actor or citations")
    direct = timeline(client, actor, direct_only="true")
    if [i["id"] for i in direct] != [i["id"] for i in items if i["direct"]]:
        wrong.append(f"{actor}: direct_only differs")
    return wrong
