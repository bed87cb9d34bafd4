"""Write the database back out as seed files: one file a record kind, loadable as it stands.

Export, load into an empty database and export again gives identical files.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel
from sqlalchemy import Connection, Table, select

from app import models as m
from app.seeding import schemas as s

Grouped = dict[tuple[Any, ...], list[dict[str, Any]]]


def _all(connection: Connection, model: type[m.Base], *order: str) -> list[dict[str, Any]]:
    table: Table = model.__table__  # type: ignore[assignment]
    keys = order or tuple(c.name for c in table.primary_key.columns)
    query = select(table).order_by(*(table.c[k] for k in keys))
    return [dict(row._mapping) for row in connection.execute(query)]


def _date(row: dict[str, Any]) -> dict[str, Any]:
    return {"date": row["date_edtf"], "date_qualifier": row["date_qualifier"]}


def _cites(grouped: Grouped, subject_type: str, subject_id: str) -> list[dict[str, Any]]:
    return [
        {"source": c["source_id"], "quote": c["quote"], "locator": c["locator"], "note": c["note"]}
        for c in grouped.get((subject_type, subject_id), [])
    ]


def _by(rows: list[dict[str, Any]], *keys: str) -> Grouped:
    grouped: Grouped = defaultdict(list)
    for row in rows:
        grouped[tuple(row[k] for k in keys)].append(row)
    return grouped


def _tags(connection: Connection) -> dict[tuple[Any, ...], list[str]]:
    return {
        key: [r["theme_id"] for r in rows]
        for key, rows in _by(_all(connection, m.ThemeTag), "subject_type", "subject_id").items()
    }


def collect(connection: Connection) -> dict[str, list[BaseModel]]:
    """Every table as seed records, in a stable order."""
    cites = _by(_all(connection, m.Citation, "ordinal"), "subject_type", "subject_id")
    tags = _tags(connection)
    out: dict[str, list[BaseModel]] = defaultdict(list)

    def tagged(kind: str, ident: str) -> list[str]:
        return tags.get((kind, ident), [])

    for r in _all(connection, m.Source):
        out["sources"].append(
            s.SourceIn(
                id=r["id"],
                title=r["title"],
                kind=r["kind"],
                author=r["author"],
                publisher=r["publisher"],
                date=r["date_edtf"],
                symbol=r["symbol"],
                url=r["url"],
                file=r["file"],
            )
        )
    for r in _all(connection, m.Theme):
        out["themes"].append(
            s.ThemeIn(
                id=r["id"], name=r["name"], parent=r["parent_id"], description=r["description"]
            )
        )
    for r in _all(connection, m.Actor):
        out["actors"].append(
            s.ActorIn(
                id=r["id"],
                name=r["name"],
                kind=r["kind"],
                acronym=r["acronym"],
                aliases=r["aliases"],
                iso3=r["iso3"],
                parent=r["parent_id"],
                country=r["country_id"],
                description=r["description"],
                cite=_cites(cites, "actor", r["id"]),
            )
        )
    for r in _all(connection, m.Position):
        out["positions"].append(
            s.PositionIn(
                id=r["id"],
                person=r["person_id"],
                title=r["title"],
                organization=r["organization_id"],
                cite=_cites(cites, "position", r["id"]),
                **_date(r),
            )
        )
    for r in _all(connection, m.Process):
        out["processes"].append(
            s.ProcessIn(
                id=r["id"],
                name=r["name"],
                kind=r["kind"],
                acronym=r["acronym"],
                aliases=r["aliases"],
                within_un=r["within_un"],
                binding=r["binding"],
                parent=r["parent_id"],
                description=r["description"],
                themes=tagged("process", r["id"]),
                cite=_cites(cites, "process", r["id"]),
                **_date(r),
            )
        )
    for r in _all(connection, m.ProcessLink):
        out["process_links"].append(
            s.ProcessLinkIn(
                source=r["source_id"],
                target=r["target_id"],
                kind=r["kind"],
                note=r["note"],
                cite=_cites(cites, "process_link", r["id"]),
            )
        )
    for r in _all(connection, m.ProcessRole):
        out["process_roles"].append(
            s.ProcessRoleIn(
                actor=r["actor_id"],
                process=r["process_id"],
                role=r["role"],
                note=r["note"],
                cite=_cites(cites, "process_role", r["id"]),
                **_date(r),
            )
        )
    links = _by(_all(connection, m.EventInstrument), "event_id")
    people = _by(_all(connection, m.Participation, "event_id", "ordinal"), "event_id")
    for r in _all(connection, m.Event):
        out["events"].append(
            s.EventIn(
                id=r["id"],
                title=r["title"],
                kind=r["kind"],
                status=r["status"],
                process=r["process_id"],
                parent=r["parent_id"],
                held_as=r["held_as_id"],
                ordinal=r["ordinal"],
                city=r["city"],
                country=r["country_id"],
                venue=r["venue"],
                format=r["format"],
                description=r["description"],
                themes=tagged("event", r["id"]),
                instruments=[
                    s.EventInstrumentIn(instrument=x["instrument_id"], relation=x["relation"])
                    for x in links.get((r["id"],), [])
                ],
                participants=[
                    s.ParticipantIn(
                        actor=p["actor_id"],
                        role=p["role"],
                        on_behalf_of=p["on_behalf_of_id"],
                        capacity=p["capacity"],
                        statement=p["statement"],
                        cite=_cites(cites, "participation", p["id"]),
                    )
                    for p in people.get((r["id"],), [])
                ],
                cite=_cites(cites, "event", r["id"]),
                **_date(r),
            )
        )
    for r in _all(connection, m.Instrument):
        out["instruments"].append(
            s.InstrumentIn(
                id=r["id"],
                title=r["title"],
                kind=r["kind"],
                short_title=r["short_title"],
                acronym=r["acronym"],
                aliases=r["aliases"],
                symbol=r["symbol"],
                adopted_by=r["adopted_by_id"],
                vote=r["vote"],
                vote_note=r["vote_note"],
                binding=r["binding"],
                lead=r["lead_id"],
                process=r["process_id"],
                review=r["review_process_id"],
                basis=r["basis"],
                follow_up=r["follow_up"],
                description=r["description"],
                themes=tagged("instrument", r["id"]),
                cite=_cites(cites, "instrument", r["id"]),
                **_date(r),
            )
        )
    for r in _all(connection, m.Provision, "ordinal"):
        out["provisions"].append(
            s.ProvisionIn(
                instrument=r["instrument_id"],
                kind=r["kind"],
                number=r["number"],
                title=r["title"],
                short_title=r["short_title"],
                themes=tagged("provision", r["id"]),
                cite=_cites(cites, "provision", r["id"]),
            )
        )
    pledgers = _by(_all(connection, m.PledgeActor), "pledge_id")
    objectives = _by(_all(connection, m.PledgeObjective), "pledge_id")
    for r in _all(connection, m.Pledge):
        out["pledges"].append(
            s.PledgeIn(
                id=r["id"],
                title=r["title"],
                process=r["process_id"],
                event=r["event_id"],
                description=r["description"],
                type=r["type"],
                status=r["status"],
                matches=r["matches_id"],
                themes=tagged("pledge", r["id"]),
                pledgers=[x["actor_id"] for x in pledgers.get((r["id"],), [])],
                objectives=sorted(
                    int(x["provision_id"].rsplit(".", 1)[1]) for x in objectives.get((r["id"],), [])
                ),
                cite=_cites(cites, "pledge", r["id"]),
                **_date(r),
            )
        )
    for r in _all(connection, m.Figure):
        subject = {"kind": r["subject_type"], "id": r["subject_id"]} if r["subject_id"] else None
        out["figures"].append(
            s.FigureIn(
                id=r["id"],
                statement=r["statement"],
                value=r["value"],
                unit=r["unit"],
                subject=subject,
                cite=_cites(cites, "figure", r["id"]),
                **_date(r),
            )
        )
    claims = _by(_all(connection, m.DisputeClaim, "dispute_id", "ordinal"), "dispute_id")
    for r in _all(connection, m.Dispute):
        out["disputes"].append(
            s.DisputeIn(
                id=r["id"],
                subject={"kind": r["subject_type"], "id": r["subject_id"]},
                field=r["field"],
                question=r["question"],
                resolution=r["resolution"],
                claims=[
                    s.ClaimIn(
                        claim=c["claim"],
                        followed=c["followed"],
                        cite=_cites(cites, "dispute_claim", c["id"]),
                    )
                    for c in claims.get((r["id"],), [])
                ],
            )
        )
    return out


def export(connection: Connection, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, records in collect(connection).items():
        if not records:
            continue
        data = {
            kind: [
                r.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True)
                for r in records
            ]
        }
        path = directory / f"{kind}.yaml"
        path.write_text(
            yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100), encoding="utf-8"
        )
        written.append(path)
    return written
