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
from app.seeding import kinds as k
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


def _cite(grouped: Grouped, ident: str) -> list[s.CitationIn]:
    return [s.CitationIn(**k.CITATION.values(c)) for c in grouped.get((ident,), [])]


def _plain(kind: k.Kind) -> Callable[[Reader, Ids], list[s.Record]]:
    """The reader of a kind whose record is its row, its citations and its themes."""

    def read(r: Reader, ids: Ids) -> list[s.Record]:
        nested = kind.nested
        cites = r.cites(kind.name, ids) if "cite" in nested else {}
        tags = r.tags(kind.name, ids) if "themes" in nested else {}
        found: list[s.Record] = []
        for x in r.rows(kind.model, *kind.order, ids=ids):
            extra: dict[str, Any] = {}
            if "cite" in nested:
                extra["cite"] = _cite(cites, x["id"])
            if "themes" in nested:
                extra["themes"] = tags[x["id"]]
            found.append(kind.schema(**kind.values(x), **extra))
        return found

    return read


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
            **k.EVENT.values(x),
            themes=tags[x["id"]],
            instruments=[
                s.EventInstrumentIn(instrument=i["instrument_id"], relation=i["relation"])
                for i in links.get((x["id"],), [])
            ],
            participants=[
                s.ParticipantIn(
                    **k.PARTICIPATION.values(p),
                    points=points.get(p["id"], []),
                    cite=_cite(people_cites, p["id"]),
                )
                for p in by_event.get((x["id"],), [])
            ],
            cite=_cite(cites, x["id"]),
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
            s.PointIn(
                **k.STATEMENT_POINT.values(x), themes=tags[x["id"]], cite=_cite(cites, x["id"])
            )
        )
    return found


def read_instruments(r: Reader, ids: Ids) -> list[s.Record]:
    cites, tags = r.cites("instrument", ids), r.tags("instrument", ids)
    acts = r.rows(m.InstrumentAct, "instrument_id", "ordinal", column="instrument_id", ids=ids)
    act_cites = r.cites("instrument_act", [a["id"] for a in acts] if ids is not None else None)
    by_instrument = _by(acts, "instrument_id")
    return [
        s.InstrumentIn(
            **k.INSTRUMENT.values(x),
            themes=tags[x["id"]],
            acts=[
                s.InstrumentActIn(**k.INSTRUMENT_ACT.values(a), cite=_cite(act_cites, a["id"]))
                for a in by_instrument.get((x["id"],), [])
            ],
            cite=_cite(cites, x["id"]),
        )
        for x in r.rows(m.Instrument, ids=ids)
    ]


def read_pledges(r: Reader, ids: Ids) -> list[s.Record]:
    pledgers = _by(r.rows(m.PledgeActor, column="pledge_id", ids=ids), "pledge_id")
    objectives = _by(r.rows(m.PledgeObjective, column="pledge_id", ids=ids), "pledge_id")
    cites, tags = r.cites("pledge", ids), r.tags("pledge", ids)
    return [
        s.PledgeIn(
            **k.PLEDGE.values(x),
            themes=tags[x["id"]],
            pledgers=[p["actor_id"] for p in pledgers.get((x["id"],), [])],
            objectives=sorted(
                int(o["provision_id"].rsplit(".", 1)[1]) for o in objectives.get((x["id"],), [])
            ),
            cite=_cite(cites, x["id"]),
        )
        for x in r.rows(m.Pledge, ids=ids)
    ]


def read_disputes(r: Reader, ids: Ids) -> list[s.Record]:
    disputes = r.rows(m.Dispute, ids=ids)
    claims = r.rows(m.DisputeClaim, "dispute_id", "ordinal", column="dispute_id", ids=ids)
    cites = r.cites("dispute_claim", [c["id"] for c in claims] if ids is not None else None)
    by_dispute = _by(claims, "dispute_id")
    return [
        s.DisputeIn(
            **k.DISPUTE.values(x),
            claims=[
                s.ClaimIn(**k.DISPUTE_CLAIM.values(c), cite=_cite(cites, c["id"]))
                for c in by_dispute.get((x["id"],), [])
            ],
        )
        for x in disputes
    ]


def read_extra_citations(r: Reader, ids: Ids) -> list[s.Record]:
    """Citations of sources and themes, records that hold no ``cite`` of their own (by
    subject id: ``ids``)."""
    found: list[s.Record] = []
    for kind in ("source", "theme"):
        cites = r.cites(kind, ids)
        found += [
            s.ExtraCitationIn(subject=s.SubjectRef(kind=kind, id=ident), cite=_cite(cites, ident))
            for (ident,) in sorted(cites)
        ]
    return found


READERS: dict[str, Callable[[Reader, Ids], list[s.Record]]] = {
    "sources": _plain(k.SOURCE),
    "themes": _plain(k.THEME),
    "actors": _plain(k.ACTOR),
    "positions": _plain(k.POSITION),
    "processes": _plain(k.PROCESS),
    "process_links": _plain(k.PROCESS_LINK),
    "process_roles": _plain(k.PROCESS_ROLE),
    "events": read_events,
    "instruments": read_instruments,
    "provisions": _plain(k.PROVISION),
    "pledges": read_pledges,
    "figures": _plain(k.FIGURE),
    "disputes": read_disputes,
    "citations": read_extra_citations,
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
