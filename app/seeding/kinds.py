"""Every record kind, declared once: its table, its seed schema, and how the two map.

A ``Kind`` names its table (``model``), its seed-file shape (``schema``) and ``fields``: each
seed field and the column that holds it (the same name, ``parent`` in ``parent_id``, a dated
record's ``date`` in ``date_edtf``, a ``subject`` in two columns). The seed loader turns a
record into a row with ``Kind.row`` and the exporter turns a row back into seed fields with
``Kind.values``; neither repeats the mapping. What a map cannot say (children written inside
their parent, citations, themes, links to other records) is ``nested``: the builders in
``app.seeding.rows`` and ``app.seeding.exporter`` write those fields by hand, and
``unmapped`` lists any schema field or column that neither the map nor ``nested`` covers.

The declaration also carries the rules the writes follow: which kinds the write API takes
(``plural``, ``writable``), which rows a record owns (removed and rewritten with it), and
which columns the search index reads (``search``: the title, then the body).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Table

from app import models as m
from app.core.dates import parse_date
from app.seeding import schemas as s

Column = str | tuple[str, str]  # one column, or a subject's (type, id) pair
DATED: dict[str, Column] = {"date": "date_edtf", "date_qualifier": "date_qualifier"}
# Columns a row gets from where it sits, not from a field of its own record.
PLACED = frozenset({"id", "ordinal", "date_start", "date_end"})


class _Attributes(Mapping[str, Any]):
    """A model instance read as a row: its columns by name."""

    def __init__(self, instance: Any) -> None:
        self.instance = instance

    def __getitem__(self, column: str) -> Any:
        return getattr(self.instance, column)

    def __iter__(self) -> Iterator[str]:
        return iter(self.instance.__table__.c.keys())

    def __len__(self) -> int:
        return len(self.instance.__table__.c)


def fields(*same: str, **renamed: Column) -> dict[str, Column]:
    """A field map: fields held in columns of the same name, then the renamed ones."""
    return {name: name for name in same} | renamed


@dataclass(frozen=True)
class Kind:
    name: str
    model: type[m.Base]
    schema: type[s.Record]
    fields: Mapping[str, Column]
    nested: frozenset[str] = frozenset()
    placed: frozenset[str] = frozenset()
    order: tuple[str, ...] = ()
    plural: str | None = None
    writable: bool = False
    owned: tuple[tuple[type[m.Base], str], ...] = ()
    search: tuple[str, ...] = ()

    @property
    def table(self) -> Table:
        return self.model.__table__  # type: ignore[return-value]

    def row(self, record: s.Record, **placed: Any) -> dict[str, Any]:
        """The record's row: its mapped fields, the date bounds, and ``placed`` columns."""
        row: dict[str, Any] = {}
        for name, column in self.fields.items():
            value = getattr(record, name)
            if isinstance(column, tuple):
                row[column[0]] = value.kind if value else None
                row[column[1]] = value.id if value else None
            else:
                row[column] = list(value) if isinstance(value, list | tuple) else value
        if "date_edtf" in self.table.c:
            edtf = row.setdefault("date_edtf", None)
            row.setdefault("date_qualifier", None)
            parsed = parse_date(edtf) if edtf else None
            row["date_start"] = parsed.lower if parsed else None
            row["date_end"] = parsed.upper if parsed else None
        return row | placed

    def values(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """The seed fields a row holds (what ``row`` made of them)."""
        found: dict[str, Any] = {}
        for name, column in self.fields.items():
            if isinstance(column, tuple):
                kind, ident = row[column[0]], row[column[1]]
                found[name] = s.SubjectRef(kind=kind, id=ident) if ident else None
            else:
                found[name] = row[column]
        return found

    def shown(self, record: Any, output: type[BaseModel], **given: Any) -> dict[str, Any]:
        """What an output model shows of the fields declared here, read from a row or a model
        instance; ``given`` adds or replaces values (a reference shown as a name, citations)."""
        row = record if isinstance(record, Mapping) else _Attributes(record)
        found = {f: v for f, v in self.values(row).items() if f in output.model_fields}
        return found | given

    def unmapped(self) -> list[str]:
        """Schema fields and columns the declaration does not account for."""
        columns: set[str] = set()
        for column in self.fields.values():
            columns |= set(column) if isinstance(column, tuple) else {column}
        missing = [
            f"{self.name}: field '{f}'"
            for f in self.schema.model_fields
            if f not in self.fields and f not in self.nested
        ]
        missing += [
            f"{self.name}: column '{c}'"
            for c in self.table.c.keys()
            if c not in columns and c not in PLACED | self.placed
        ]
        return missing


CITATION = Kind(
    "citation",
    m.Citation,
    s.CitationIn,
    fields("quote", "locator", "note", source="source_id"),
    placed=frozenset({"subject_type", "subject_id"}),
)
SOURCE = Kind(
    "source",
    m.Source,
    s.SourceIn,
    fields(
        "id",
        "title",
        "kind",
        "author",
        "publisher",
        "symbol",
        "url",
        "file",
        "origin",
        date="date_edtf",
    ),
    placed=frozenset({"date_qualifier"}),
    plural="sources",
)
THEME = Kind(
    "theme",
    m.Theme,
    s.ThemeIn,
    fields("id", "name", "description", parent="parent_id"),
    plural="themes",
)
ACTOR = Kind(
    "actor",
    m.Actor,
    s.ActorIn,
    fields(
        "id",
        "name",
        "kind",
        "acronym",
        "aliases",
        "iso3",
        "description",
        parent="parent_id",
        country="country_id",
    ),
    nested=frozenset({"cite"}),
    plural="actors",
    writable=True,
    search=("name", "acronym", "aliases", "iso3", "description"),
)
POSITION = Kind(
    "position",
    m.Position,
    s.PositionIn,
    fields("id", "title", person="person_id", organization="organization_id", **DATED),
    nested=frozenset({"cite"}),
    plural="positions",
    writable=True,
)
PROCESS = Kind(
    "process",
    m.Process,
    s.ProcessIn,
    fields(
        "id",
        "name",
        "kind",
        "acronym",
        "aliases",
        "within_un",
        "binding",
        "description",
        parent="parent_id",
        **DATED,
    ),
    nested=frozenset({"cite", "themes"}),
    plural="processes",
    search=("name", "acronym", "aliases", "description"),
)
PROCESS_LINK = Kind(
    "process_link",
    m.ProcessLink,
    s.ProcessLinkIn,
    fields("kind", "note", source="source_id", target="target_id"),
    nested=frozenset({"cite"}),
    plural="process_links",
)
PROCESS_ROLE = Kind(
    "process_role",
    m.ProcessRole,
    s.ProcessRoleIn,
    fields("role", "note", actor="actor_id", process="process_id", **DATED),
    nested=frozenset({"cite"}),
    plural="process_roles",
)
STATEMENT_POINT = Kind(
    "statement_point",
    m.StatementPoint,
    s.PointIn,
    fields("text"),
    nested=frozenset({"themes", "cite"}),
    placed=frozenset({"participation_id", "event_id"}),
)
PARTICIPATION = Kind(
    "participation",
    m.Participation,
    s.ParticipantIn,
    fields("role", "capacity", "statement", actor="actor_id", on_behalf_of="on_behalf_of_id"),
    nested=frozenset({"points", "cite"}),
    placed=frozenset({"event_id"}),
)
EVENT = Kind(
    "event",
    m.Event,
    s.EventIn,
    fields(
        "id",
        "title",
        "kind",
        "status",
        "ordinal",
        "city",
        "venue",
        "format",
        "description",
        process="process_id",
        parent="parent_id",
        held_as="held_as_id",
        country="country_id",
        **DATED,
    ),
    nested=frozenset({"themes", "instruments", "participants", "cite"}),
    placed=frozenset({"is_meeting"}),
    plural="events",
    writable=True,
    owned=(
        (m.StatementPoint, "event_id"),
        (m.Participation, "event_id"),
        (m.EventInstrument, "event_id"),
    ),
)
INSTRUMENT_ACT = Kind(
    "instrument_act",
    m.InstrumentAct,
    s.InstrumentActIn,
    fields("act", "symbol", "vote", "vote_note", body="body_id", meeting="meeting_id", **DATED),
    nested=frozenset({"cite"}),
    placed=frozenset({"instrument_id"}),
)
INSTRUMENT = Kind(
    "instrument",
    m.Instrument,
    s.InstrumentIn,
    fields(
        "id",
        "title",
        "kind",
        "short_title",
        "acronym",
        "aliases",
        "symbol",
        "vote",
        "vote_note",
        "binding",
        "basis",
        "follow_up",
        "description",
        adopted_by="adopted_by_id",
        lead="lead_id",
        process="process_id",
        review="review_process_id",
        **DATED,
    ),
    nested=frozenset({"themes", "acts", "cite"}),
    plural="instruments",
    search=(
        "title",
        "short_title",
        "acronym",
        "aliases",
        "symbol",
        "description",
        "basis",
        "follow_up",
        "vote_note",
    ),
)
PROVISION = Kind(
    "provision",
    m.Provision,
    s.ProvisionIn,
    fields("kind", "number", "title", "short_title", instrument="instrument_id"),
    nested=frozenset({"themes", "cite"}),
    order=("ordinal",),
    plural="provisions",
)
PLEDGE = Kind(
    "pledge",
    m.Pledge,
    s.PledgeIn,
    fields(
        "id",
        "title",
        "description",
        "type",
        "status",
        process="process_id",
        event="event_id",
        matches="matches_id",
        **DATED,
    ),
    nested=frozenset({"pledgers", "objectives", "themes", "cite"}),
    plural="pledges",
    writable=True,
    owned=((m.PledgeActor, "pledge_id"), (m.PledgeObjective, "pledge_id")),
    search=("title", "description", "type"),
)
FIGURE = Kind(
    "figure",
    m.Figure,
    s.FigureIn,
    fields("id", "statement", "value", "unit", subject=("subject_type", "subject_id"), **DATED),
    nested=frozenset({"cite"}),
    plural="figures",
)
DISPUTE_CLAIM = Kind(
    "dispute_claim",
    m.DisputeClaim,
    s.ClaimIn,
    fields("claim", "followed"),
    nested=frozenset({"cite"}),
    placed=frozenset({"dispute_id"}),
)
DISPUTE = Kind(
    "dispute",
    m.Dispute,
    s.DisputeIn,
    fields("id", "field", "question", "resolution", subject=("subject_type", "subject_id")),
    nested=frozenset({"claims"}),
    plural="disputes",
)

KINDS: tuple[Kind, ...] = (
    CITATION,
    SOURCE,
    THEME,
    ACTOR,
    POSITION,
    PROCESS,
    PROCESS_LINK,
    PROCESS_ROLE,
    STATEMENT_POINT,
    PARTICIPATION,
    EVENT,
    INSTRUMENT_ACT,
    INSTRUMENT,
    PROVISION,
    PLEDGE,
    FIGURE,
    DISPUTE_CLAIM,
    DISPUTE,
)
BY_NAME: dict[str, Kind] = {k.name: k for k in KINDS}
BY_PLURAL: dict[str, Kind] = {k.plural: k for k in KINDS if k.plural}
WRITABLE: dict[str, Kind] = {k.plural: k for k in KINDS if k.plural and k.writable}

Writable = s.ActorIn | s.PositionIn | s.EventIn | s.PledgeIn
SCHEMAS: dict[str, type[Writable]] = {
    plural: kind.schema  # type: ignore[misc]
    for plural, kind in WRITABLE.items()
}
TABLE_OF_KIND: dict[str, type[m.Base]] = {
    kind.name: kind.model for kind in KINDS if kind.name not in ("citation", "dispute")
}


def unmapped() -> list[str]:
    """Every schema field and column no declaration accounts for (none, when all is well)."""
    return [problem for kind in KINDS for problem in kind.unmapped()]
