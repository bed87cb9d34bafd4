"""The timeline query: dated items (meetings and other events) in chronological order.

One query pages the events by keyset on (start, end, id); a fixed handful more fetch, for the
whole page at once, the participants, processes, places, themes, citations and disputes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, Text, bindparam, exists, func, literal_column, select, tuple_
from sqlalchemy.orm import Session
from sqlalchemy.util import LRUCache

from app import models as m
from app.api.timeline_filter import (
    FEW,
    few_candidates,
    filter_shape,
    filter_values,
    filtered_events,
    one_actor,
    probed,
    probes,
    reaches,
)
from app.api.timeline_filter import TimelineFilter as TimelineFilter
from app.api.timeline_filter import TimelineFilterDep as TimelineFilterDep
from app.core import direct
from app.core.errors import InvalidParameter
from app.core.pagination import PageParams, cursor_dates, encode_cursor
from app.readmodel import version
from app.views import acting_for
from app.views.timeline import TimelineItem, render


def timeline_bodies(
    session: Session, f: TimelineFilter, page: PageParams
) -> tuple[list[str], str | None]:
    """One page of the filter as the items' stored JSON, in order, and the next cursor.

    One query finds the page's events and reads their stored JSON; an event without it (a
    database upgraded but not yet rendered) is rendered here instead.
    """
    query, values = page_query(f, page, few_candidates(f, session))
    rows, next_cursor = _paged(session.execute(query, values), page.limit, f.descending)
    made = completed(session, {row[0]: row[3] for row in rows})
    return [_reaching(made[row[0]], *row[4:]) for row in rows if row[0] in made], next_cursor


async def stored_timeline_bodies(
    reader: direct.Reader, f: TimelineFilter, page: PageParams
) -> tuple[list[str], str | None] | None:
    """``timeline_bodies`` read on the event loop; None when the page needs the session path
    (an item not stored) or the database did not answer there."""
    few = await _few(reader, f) if reader.is_sqlite else set()
    if few is None:
        return None
    query, values = page_query(f, page, few)
    rows = await reader.rows(query, **values)
    if rows is None:
        return None
    found, next_cursor = _paged(rows, page.limit, f.descending)
    if any(row[3] is None for row in found):
        return None
    return [_reaching(*row[3:]) for row in found], next_cursor


# The plan each process or actor filter took on SQLite (see FEW), by data version: counting a
# filter's events took longer than reading its page. A plan is never wrong, only slower.
PLANS: LRUCache[tuple[Any, ...], bool] = LRUCache(1000)


async def _few(reader: direct.Reader, f: TimelineFilter) -> set[str] | None:
    """``few_candidates`` on the event loop, remembered while the data does not change."""
    names = probed(f)
    if not names:
        return set()
    data_version = await version.current(reader)
    keys = {name: (data_version, name, *getattr(f, name)) for name in names}
    if any(key not in PLANS for key in keys.values()):
        for name, count in probes(f).items():
            counted = await reader.rows(count)
            if counted is None:
                return None
            PLANS[keys[name]] = counted[0][0] < FEW
    return {name for name, key in keys.items() if PLANS[key]}


PAGES: direct.Shapes[Select[Any]] = direct.Shapes()


def page_query(
    f: TimelineFilter, page: PageParams, few: set[str]
) -> tuple[Select[Any], dict[str, Any]]:
    """The page's (id, start, end, stored JSON) in order, one row more than the page, and
    the values of its named parameters."""
    values = filter_values(f)
    if page.after is not None:
        # A latest-first cursor says so, so that it is never read in the other direction.
        marked = (DESCENDING,) if f.descending else ()
        if len(page.after) != 3 + len(marked) or page.after[3:] != marked:
            raise InvalidParameter("cursor", "cursor is not valid for this list")
        start, end, ident = cursor_dates(page.after[:3], 2)
        values |= {"after_start": start, "after_end": end, "after_id": ident}
    shape = filter_shape(f)
    if shape is None:
        return _page_statement(f, page, few), values
    key = (*shape, *sorted(few), page.after is not None, page.limit, f.descending)
    return PAGES.get(key, lambda: _page_statement(f, page, few), values), values


def _page_statement(f: TimelineFilter, page: PageParams, few: set[str]) -> Select[Any]:
    e, a = m.Event, m.ActorEvent
    # One actor's events are read in the order of its index, whose dates are the events'.
    order = (
        (a.date_start, a.date_end, a.event_id) if one_actor(f) else (e.date_start, e.date_end, e.id)
    )
    start, end, ident = order
    reach = [a.direct, a.via] if one_actor(f) else []
    query = filtered_events(f, few).with_only_columns(ident.label("id"), start, end, *reach)
    if page.after is not None:
        after = tuple_(
            bindparam("after_start", type_=e.date_start.type),
            bindparam("after_end", type_=e.date_end.type),
            bindparam("after_id", type_=e.id.type),
        )
        query = query.where(tuple_(*order) < after if f.descending else tuple_(*order) > after)
    keys = query.order_by(*_directed(order, f)).limit(page.limit + 1).subquery()
    stored = select(m.RenderedEvent.body).where(m.RenderedEvent.event_id == keys.c.id)
    columns: list[Any] = [keys.c.id, keys.c.date_start, keys.c.date_end, stored.scalar_subquery()]
    if one_actor(f):
        columns += [keys.c.direct, keys.c.via]
    elif f.actors:
        columns += _reached_by_any(f, keys.c.id)
    return select(*columns).order_by(*_directed((keys.c.date_start, keys.c.date_end, keys.c.id), f))


def _reached_by_any(f: TimelineFilter, event_id: Any) -> list[Any]:
    """Whether any of the filter's actors took part in the event itself, and the ways
    others acted for them there, as one JSON array (for a filter on several actors)."""
    a = m.ActorEvent
    own = exists().where(a.event_id == event_id, reaches(f), a.direct.is_(True))
    ways = (
        select(func.substr(a.via, 2, func.length(a.via) - 2).label("inside"), a.actor_id)
        .where(a.event_id == event_id, reaches(f), a.via.is_not(None))
        .order_by(a.actor_id)
        .correlate_except(a)
        .subquery()
    )
    joined = acting_for.joined_in_order(ways.c.inside, ways.c.actor_id)
    via = select(literal_column("'['", Text) + joined + literal_column("']'", Text))
    return [own, via.scalar_subquery()]


DESCENDING = "-date"


def _directed(columns: tuple[Any, ...], f: TimelineFilter) -> tuple[Any, ...]:
    return tuple(c.desc() for c in columns) if f.descending else columns


def _paged(rows: Iterable[Any], limit: int, descending: bool) -> tuple[list[Any], str | None]:
    """The page's rows (id, start, end, stored JSON, and with an actor filter how the item
    reaches the actors), in order, and the cursor of the page after it."""
    found = list(rows)
    next_cursor = None
    if len(found) > limit:
        ident, start, end, *_ = found[limit - 1]
        key = (start, end, ident, *((DESCENDING,) if descending else ()))
        next_cursor = encode_cursor(key)
    return found[:limit], next_cursor


def _reaching(body: str, *reach: Any) -> str:
    """The item's stored JSON, with ``direct`` and ``via`` when the page has them."""
    if not reach:
        return body
    direct, via = reach
    return f'{body[:-1]},"direct":{"true" if direct else "false"},"via":{via or "[]"}}}'


def timeline_page(
    session: Session, f: TimelineFilter, page: PageParams
) -> tuple[list[TimelineItem], str | None]:
    bodies, next_cursor = timeline_bodies(session, f, page)
    return [TimelineItem.model_validate_json(body) for body in bodies], next_cursor


def completed(session: Session, bodies: dict[str, str | None]) -> dict[str, str]:
    """The stored JSON, with the events that have none (a database upgraded but not yet
    rendered) rendered now."""
    missing = [ident for ident, body in bodies.items() if body is None]
    fresh = render(session, missing) if missing else {}
    return {i: body or fresh[i] for i, body in bodies.items() if body or i in fresh}
