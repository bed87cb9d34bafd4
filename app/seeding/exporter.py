"""Read records back out of the database in seed-file form.

The same readers serve two purposes: exporting the whole database as seed files (export,
load into an empty database and export again gives identical files), and reading one record
as the write API represents it (for ETags, PATCH and the audit log).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Connection, Table, select

from app import models as m
from app.core.progress import progress
from app.seeding import schemas as s

Row = dict[str, Any]
Grouped = dict[tuple[Any, ...], list[Row]]
Ids = Collection[str] | None


class Reader:
    """Reads rows of one kind (all, or only ``ids``) with their citations and themes."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def rows(
        self, model: type[m.Base], *order: str, column: str = "id", ids: Ids = None
    ) -> list[Row]:
        table: Table = model.__table__  # type: ignore[assignment]
        keys = order or tuple(c.name for c in table.primary_key.columns)
        query = select(table).order_by(*(table.c[k] for k in keys))
        if ids is not None:
            query = query.where(table.c[column].in_(list(ids)))
        return [dict(row._mapping) for row in self.connection.execute(query)]

    def cites(self, subject_type: str, ids: Ids) -> Grouped:
        query = select(m.Citation.__table__).where(m.Citation.subject_type == subject_type)
        if ids is not None:
            query = query.where(m.Citation.subject_id.in_(list(ids)))
        rows = self.connection.execute(query.order_by(m.Citation.ordinal))
        return _by([dict(r._mapping) for r in rows], "subject_id")

    def tags(self, subject_type: str, ids: Ids) -> dict[str, list[str]]:
        query = select(m.ThemeTag.subject_id, m.ThemeTag.theme_id).where(
            m.ThemeTag.subject_type == subject_type
        )
        if ids is not None:
            query = query.where(m.ThemeTag.subject_id.in_(list(ids)))
        found: dict[str, list[str]] = defaultdict(list)
        for subject_id, theme_id in self.connection.execute(query.order_by(m.ThemeTag.theme_id)):
            found[subject_id].append(theme_id)
        return found


def _by(rows: list[Row], *keys: str) -> Grouped:
    grouped: Grouped = defaultdict(list)
    for row in rows:
        grouped[tuple(row[k] for k in keys)].append(row)
    return grouped


def _date(row: Row) -> dict[str, Any]:
    return {"date": row["date_edtf"], "date_qualifier": row["date_qualifier"]}


def _cite(grouped: Grouped, ident: str) -> list[dict[str, Any]]:
    return [
        {"source": c["source_id"], "quote": c["quote"], "locator": c["locator"], "note": c["note"]}
        for c in grouped.get((ident,), [])
    ]


def read_sources(r: Reader, ids: Ids) -> list[s.Record]:
    return [
        s.SourceIn(
            id=x["id"],
            title=x["title"],
            kind=x["kind"],
            author=x["author"],
            publisher=x["publisher"],
            date=x["date_edtf"],
            symbol=x["symbol"],
            url=x["url"],
            file=x["file"],
        )
        for x in r.rows(m.Source, ids=ids)
    ]


def read_themes(r: Reader, ids: Ids) -> list[s.Record]:
    return [
        s.ThemeIn(id=x["id"], name=x["name"], parent=x["parent_id"], description=x["description"])
        for x in r.rows(m.Theme, ids=ids)
    ]


def read_actors(r: Reader, ids: Ids) -> list[s.Record]:
    cites = r.cites("actor", ids)
    return [
        s.ActorIn(
            id=x["id"],
            name=x["name"],
            kind=x["kind"],
            acronym=x["acronym"],
            aliases=x["aliases"],
            iso3=x["iso3"],
            parent=x["parent_id"],
            country=x["country_id"],
            description=x["description"],
            cite=_cite(cites, x["id"]),
        )
        for x in r.rows(m.Actor, ids=ids)
    ]


def read_positions(r: Reader, ids: Ids) -> list[s.Record]:
    cites = r.cites("position", ids)
    return [
        s.PositionIn(
            id=x["id"],
            person=x["person_id"],
            title=x["title"],
            organization=x["organization_id"],
            cite=_cite(cites, x["id"]),
            **_date(x),
        )
        for x in r.rows(m.Position, ids=ids)
    ]


def read_processes(r: Reader, ids: Ids) -> list[s.Record]:
    cites, tags = r.cites("process", ids), r.tags("process", ids)
    return [
        s.ProcessIn(
            id=x["id"],
            name=x["name"],
            kind=x["kind"],
            acronym=x["acronym"],
            aliases=x["aliases"],
            within_un=x["within_un"],
            binding=x["binding"],
            parent=x["parent_id"],
            description=x["description"],
            themes=tags[x["id"]],
            cite=_cite(cites, x["id"]),
            **_date(x),
        )
        for x in r.rows(m.Process, ids=ids)
    ]


def read_process_links(r: Reader, ids: Ids) -> list[s.Record]:
    cites = r.cites("process_link", ids)
    return [
        s.ProcessLinkIn(
            source=x["source_id"],
            target=x["target_id"],
            kind=x["kind"],
            note=x["note"],
            cite=_cite(cites, x["id"]),
        )
        for x in r.rows(m.ProcessLink, ids=ids)
    ]


def read_process_roles(r: Reader, ids: Ids) -> list[s.Record]:
    cites = r.cites("process_role", ids)
    return [
        s.ProcessRoleIn(
            actor=x["actor_id"],
            process=x["process_id"],
            role=x["role"],
            note=x["note"],
            cite=_cite(cites, x["id"]),
            **_date(x),
        )
        for x in r.rows(m.ProcessRole, ids=ids)
    ]


def read_events(r: Reader, ids: Ids) -> list[s.Record]:
    events = r.rows(m.Event, ids=ids)
    event_ids = [x["id"] for x in events] if ids is not None else None
    links = _by(r.rows(m.EventInstrument, column="event_id", ids=event_ids), "event_id")
    people = r.rows(m.Participation, "event_id", "ordinal", column="event_id", ids=event_ids)
    people_cites = r.cites("participation", [p["id"] for p in people] if ids is not None else None)
    by_event = _by(people, "event_id")
    points = _points(r, event_ids)
    cites, tags = r.cites("event", ids), r.tags("event", ids)
    return [
        s.EventIn(
            id=x["id"],
            title=x["title"],
            kind=x["kind"],
            status=x["status"],
            process=x["process_id"],
            parent=x["parent_id"],
            held_as=x["held_as_id"],
            ordinal=x["ordinal"],
            city=x["city"],
            country=x["country_id"],
            venue=x["venue"],
            format=x["format"],
            description=x["description"],
            themes=tags[x["id"]],
            instruments=[
                s.EventInstrumentIn(instrument=i["instrument_id"], relation=i["relation"])
                for i in links.get((x["id"],), [])
            ],
            participants=[
                s.ParticipantIn(
                    actor=p["actor_id"],
                    role=p["role"],
                    on_behalf_of=p["on_behalf_of_id"],
                    capacity=p["capacity"],
                    statement=p["statement"],
                    points=points.get(p["id"], []),
                    cite=_cite(people_cites, p["id"]),
                )
                for p in by_event.get((x["id"],), [])
            ],
            cite=_cite(cites, x["id"]),
            **_date(x),
        )
        for x in events
    ]


def _points(r: Reader, event_ids: Ids) -> dict[str, list[s.PointIn]]:
    """The points of the events' statements, by participation, in order."""
    rows = r.rows(m.StatementPoint, "participation_id", "ordinal", column="event_id", ids=event_ids)
    ids = [x["id"] for x in rows] if event_ids is not None else None
    cites, tags = r.cites("statement_point", ids), r.tags("statement_point", ids)
    found: dict[str, list[s.PointIn]] = defaultdict(list)
    for x in rows:
        found[x["participation_id"]].append(
            s.PointIn(text=x["text"], themes=tags[x["id"]], cite=_cite(cites, x["id"]))
        )
    return found


def read_instruments(r: Reader, ids: Ids) -> list[s.Record]:
    cites, tags = r.cites("instrument", ids), r.tags("instrument", ids)
    return [
        s.InstrumentIn(
            id=x["id"],
            title=x["title"],
            kind=x["kind"],
            short_title=x["short_title"],
            acronym=x["acronym"],
            aliases=x["aliases"],
            symbol=x["symbol"],
            adopted_by=x["adopted_by_id"],
            vote=x["vote"],
            vote_note=x["vote_note"],
            binding=x["binding"],
            lead=x["lead_id"],
            process=x["process_id"],
            review=x["review_process_id"],
            basis=x["basis"],
            follow_up=x["follow_up"],
            description=x["description"],
            themes=tags[x["id"]],
            cite=_cite(cites, x["id"]),
            **_date(x),
        )
        for x in r.rows(m.Instrument, ids=ids)
    ]


def read_provisions(r: Reader, ids: Ids) -> list[s.Record]:
    cites, tags = r.cites("provision", ids), r.tags("provision", ids)
    return [
        s.ProvisionIn(
            instrument=x["instrument_id"],
            kind=x["kind"],
            number=x["number"],
            title=x["title"],
            short_title=x["short_title"],
            themes=tags[x["id"]],
            cite=_cite(cites, x["id"]),
        )
        for x in r.rows(m.Provision, "ordinal", ids=ids)
    ]


def read_pledges(r: Reader, ids: Ids) -> list[s.Record]:
    pledgers = _by(r.rows(m.PledgeActor, column="pledge_id", ids=ids), "pledge_id")
    objectives = _by(r.rows(m.PledgeObjective, column="pledge_id", ids=ids), "pledge_id")
    cites, tags = r.cites("pledge", ids), r.tags("pledge", ids)
    return [
        s.PledgeIn(
            id=x["id"],
            title=x["title"],
            process=x["process_id"],
            event=x["event_id"],
            description=x["description"],
            type=x["type"],
            status=x["status"],
            matches=x["matches_id"],
            themes=tags[x["id"]],
            pledgers=[p["actor_id"] for p in pledgers.get((x["id"],), [])],
            objectives=sorted(
                int(o["provision_id"].rsplit(".", 1)[1]) for o in objectives.get((x["id"],), [])
            ),
            cite=_cite(cites, x["id"]),
            **_date(x),
        )
        for x in r.rows(m.Pledge, ids=ids)
    ]


def read_figures(r: Reader, ids: Ids) -> list[s.Record]:
    cites = r.cites("figure", ids)
    return [
        s.FigureIn(
            id=x["id"],
            statement=x["statement"],
            value=x["value"],
            unit=x["unit"],
            subject=(
                s.SubjectRef(kind=x["subject_type"], id=x["subject_id"])
                if x["subject_id"]
                else None
            ),
            cite=_cite(cites, x["id"]),
            **_date(x),
        )
        for x in r.rows(m.Figure, ids=ids)
    ]


def read_disputes(r: Reader, ids: Ids) -> list[s.Record]:
    disputes = r.rows(m.Dispute, ids=ids)
    claims = r.rows(m.DisputeClaim, "dispute_id", "ordinal", column="dispute_id", ids=ids)
    cites = r.cites("dispute_claim", [c["id"] for c in claims] if ids is not None else None)
    by_dispute = _by(claims, "dispute_id")
    return [
        s.DisputeIn(
            id=x["id"],
            subject=s.SubjectRef(kind=x["subject_type"], id=x["subject_id"]),
            field=x["field"],
            question=x["question"],
            resolution=x["resolution"],
            claims=[
                s.ClaimIn(claim=c["claim"], followed=c["followed"], cite=_cite(cites, c["id"]))
                for c in by_dispute.get((x["id"],), [])
            ],
        )
        for x in disputes
    ]


READERS: dict[str, Callable[[Reader, Ids], list[s.Record]]] = {
    "sources": read_sources,
    "themes": read_themes,
    "actors": read_actors,
    "positions": read_positions,
    "processes": read_processes,
    "process_links": read_process_links,
    "process_roles": read_process_roles,
    "events": read_events,
    "instruments": read_instruments,
    "provisions": read_provisions,
    "pledges": read_pledges,
    "figures": read_figures,
    "disputes": read_disputes,
}


def read_records(connection: Connection, kind: str, ids: Ids = None) -> list[s.Record]:
    """Records of one kind (seed-file kinds: ``events``, ``pledges``, ...), all or by id."""
    return READERS[kind](Reader(connection), ids)


def as_data(record: s.Record) -> dict[str, Any]:
    """A record as it is written to a seed file (and shown by the write API)."""
    return record.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True)


def collect(connection: Connection) -> dict[str, list[s.Record]]:
    """Every table as seed records, in a stable order."""
    return {kind: read_records(connection, kind) for kind in READERS}


def export(connection: Connection, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, records in progress(collect(connection).items(), "exporting kinds"):
        if not records:
            continue
        data = {kind: [as_data(r) for r in records]}
        path = directory / f"{kind}.yaml"
        path.write_text(
            yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100), encoding="utf-8"
        )
        written.append(path)
    return written
