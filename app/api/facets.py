"""Facets: counts by a field over the whole current filter of a list (not just the page).

A list declares the facets it offers; ``?facet=kind&facet=year`` asks for them, and the page
then carries ``"facets": {"kind": [{"value", "label", "count"}, ...], ...}``. Each facet is
one grouped query over the ids the filter selects.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query
from sqlalchemy import Select, extract, func, select
from sqlalchemy.orm import Session, aliased

from app import models as m
from app.core.errors import InvalidParameter
from app.readmodel import facet_counts
from app.views import facts
from app.views.schemas import FacetValue

AnySelect = Select[*tuple[Any, ...]]
Labels = Callable[[Session, list[Any]], dict[Any, str]]


@dataclass(frozen=True)
class Facet:
    """``grouped(ids)`` selects (value, count) rows for the items whose id is in ``ids``."""

    grouped: Callable[[AnySelect], AnySelect]
    labels: Labels | None = None
    by_value: bool = False
    none_label: str = "none"
    shown: Callable[[Any], Any] = lambda value: value


def facet_param(*allowed: str) -> Any:
    """A repeatable ``facet`` query parameter limited to ``allowed``."""

    async def dependency(
        facet: Annotated[
            list[str],
            Query(
                description=f"Count the filtered items by {', '.join(allowed)} (repeatable); "
                "the counts come under `facets`",
                max_length=20,
                json_schema_extra={"items": {"type": "string", "enum": list(allowed)}},
            ),
        ] = [],  # noqa: B006
    ) -> list[str]:
        unknown = [f for f in facet if f not in allowed]
        if unknown:
            raise InvalidParameter(
                "facet", f"unknown facet '{unknown[0]}'; this list counts by {', '.join(allowed)}"
            )
        return list(dict.fromkeys(facet))

    return Depends(dependency)


def _readable(_session: Session, values: list[Any]) -> dict[Any, str]:
    return {v: str(v).replace("_", " ") for v in values}


def count(
    session: Session,
    ids: AnySelect,
    offered: dict[str, Facet],
    asked: Sequence[str],
    whole: str | None = None,
) -> dict[str, list[FacetValue]] | None:
    """The asked facets for the items ``ids`` selects; None when none were asked. When
    ``ids`` selects the whole list ``whole`` names, its counts are read as the read model
    keeps them (``app.readmodel.facet_counts``) instead of counted."""
    if not asked:
        return None
    found: dict[str, list[FacetValue]] = {}
    for name in asked:
        facet = offered[name]
        if whole is not None and (whole, name) in facet_counts.KEPT:
            rows = facet_counts.stored(session.connection(), whole, name)
        else:
            rows = [(value, n) for value, n in session.execute(facet.grouped(ids))]
        labels = (facet.labels or _readable)(session, [v for v, _ in rows if v is not None])
        values = [
            FacetValue(
                value=facet.shown(value) if value is not None else None,
                label=labels.get(value, str(value)) if value is not None else facet.none_label,
                count=n,
            )
            for value, n in rows
        ]
        if facet.by_value:
            values.sort(key=lambda v: (v.value is None, v.value if v.value is not None else 0))
        else:
            values.sort(key=lambda v: (-v.count, v.label))
        found[name] = values
    return found


def by_column(column: Any, key: Any) -> Callable[[AnySelect], AnySelect]:
    """Group the rows whose ``key`` is among the ids by ``column`` of the same table."""
    return lambda ids: select(column, func.count()).where(key.in_(ids)).group_by(column)


def _names(model: type[m.Base]) -> Labels:
    return lambda session, values: {
        k: r.name for k, r in facts.refs(session, model, values).items()
    }


def _process_of_event(ids: AnySelect) -> AnySelect:
    e, parent = m.Event, aliased(m.Event)
    value = func.coalesce(e.process_id, parent.process_id)
    return (
        select(value, func.count())
        .select_from(e)
        .outerjoin(parent, parent.id == e.parent_id)
        .where(e.id.in_(ids))
        .group_by(value)
    )


def _event_year(ids: AnySelect) -> AnySelect:
    year = extract("year", m.Event.date_start)
    return select(year, func.count()).where(m.Event.id.in_(ids)).group_by(year)


def _year_labels(_session: Session, values: list[Any]) -> dict[Any, str]:
    return {v: str(int(v)) for v in values}


TIMELINE: dict[str, Facet] = {
    "kind": Facet(by_column(m.Event.kind, m.Event.id)),
    "status": Facet(by_column(m.Event.status, m.Event.id)),
    "process": Facet(_process_of_event, _names(m.Process), none_label="no process"),
    "year": Facet(_event_year, _year_labels, by_value=True, none_label="undated", shown=int),
}
ACTORS = {"kind": Facet(by_column(m.Actor.kind, m.Actor.id))}
PROCESSES = {"kind": Facet(by_column(m.Process.kind, m.Process.id))}


def _pledge_objective(ids: AnySelect) -> AnySelect:
    o = m.PledgeObjective
    return select(o.provision_id, func.count()).where(o.pledge_id.in_(ids)).group_by(o.provision_id)


def _objective_labels(session: Session, values: list[Any]) -> dict[Any, str]:
    rows = session.execute(
        select(m.Provision.id, m.Provision.title).where(m.Provision.id.in_(values))
    )
    return {i: f"Objective {i.rsplit('.', 1)[-1]}: {t}" for i, t in rows}


PLEDGES = {
    "objective": Facet(
        _pledge_objective,
        _objective_labels,
        by_value=True,
        shown=lambda provision: int(provision.rsplit(".", 1)[-1]),
    ),
    "status": Facet(by_column(m.Pledge.status, m.Pledge.id), none_label="status not recorded"),
}
