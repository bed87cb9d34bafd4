"""The shape of a seed file: every record kind the dataset holds, validated before writing.

A seed file is YAML with any of these top-level keys, each a list of records:
sources, themes, actors, positions, processes, process_links, process_roles, events,
instruments, provisions, pledges, figures, disputes, citations. Records may refer to records
in other files by id. Participants of an event are written inside the event; ``citations``
adds sources to a record defined elsewhere, so one fact can carry every source that states it.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from app.core.dates import DateFormatError, Qualifier, parse_date

SLUG = re.compile(r"[a-z0-9]+(?:[-.][a-z0-9]+)*")
# What the columns hold: INTEGER is 32 bits on PostgreSQL (64 on SQLite), so the smaller;
# ids are at most 80 characters, so that an id made of two (a participation's
# event.role.actor) fits the 200 of an id column.
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
SLUG_LENGTH = 80


def _slug(value: str) -> str:
    if not SLUG.fullmatch(value):
        raise ValueError(f"'{value}' is not a slug (lower-case letters, digits, '-' and '.')")
    return value


def _edtf(value: str) -> str:
    try:
        parse_date(value)
    except DateFormatError as error:
        raise ValueError(str(error)) from error
    return value


Slug = Annotated[str, Field(min_length=1, max_length=SLUG_LENGTH), AfterValidator(_slug)]
Edtf = Annotated[str, Field(max_length=60), AfterValidator(_edtf)]
Text = Annotated[str, Field(min_length=1, max_length=4000)]
Int32 = Annotated[int, Field(ge=INT32_MIN, le=INT32_MAX)]
Short = Annotated[str, Field(max_length=60)]  # acronyms, types: VARCHAR(60)
Symbol = Annotated[str, Field(max_length=100)]

ActorKind = Literal[
    "state",
    "un_entity",
    "un_body",
    "igo",
    "regional_body",
    "cso",
    "academic",
    "private_sector",
    "local_government",
    "person",
    "mechanism",
    "other",
]
ProcessKind = Literal[
    "forum",
    "dialogue",
    "commission",
    "compact_process",
    "review_forum",
    "rcp",
    "meeting_series",
    "conference",
    "initiative",
    "network",
    "negotiation",
    "other",
]
LinkKind = Literal["led_to", "reviews", "feeds_into", "part_of", "succeeded_by"]
MeetingKind = Literal[
    "summit",
    "conference",
    "dialogue",
    "thematic_session",
    "consultation",
    "hearing",
    "stocktaking",
    "negotiation_round",
    "regional_review",
    "workshop",
    "side_event",
    "session",
    "panel",
    "debate",
    "forum",
    "meeting",
]
OtherEventKind = Literal[
    "adoption",
    "publication",
    "appointment",
    "institutional_change",
    "survey",
    "decision",
    "entry_into_force",
    "launch",
    "statement",
    "other",
]
EventKind = MeetingKind | OtherEventKind
MEETING_KINDS: frozenset[str] = frozenset(get_args(MeetingKind))
EVENT_KINDS: frozenset[str] = MEETING_KINDS | frozenset(get_args(OtherEventKind))
EventStatus = Literal["held", "planned", "announced", "cancelled", "postponed"]
EventFormat = Literal["in_person", "virtual", "hybrid"]
ParticipationRole = Literal[
    "host",
    "chair",
    "co_chair",
    "co_facilitator",
    "organizer",
    "moderator",
    "speaker",
    "panellist",
    "attendee",
    "keynote",
    "rapporteur",
    "convener",
    "co_convener",
    "discussant",
    "appointee",
    "appointing_authority",
    "established_by",
    "observer",
    "publisher",
    "supporter",
    "subject",
]
ProcessRoleKind = Literal[
    "lead",
    "co_lead",
    "chair",
    "co_chair",
    "co_facilitator",
    "secretariat",
    "coordinator",
    "host",
    "member",
    "convener",
    "facilitator",
    "observer",
    "participant",
    "supporter",
]
InstrumentKind = Literal[
    "compact",
    "declaration",
    "convention",
    "framework",
    "report",
    "resolution",
    "programme_of_action",
    "agenda",
    "summary",
    "decision",
    "other",
]
ProvisionKind = Literal[
    "objective",
    "principle",
    "element",
    "priority_area",
    "recommendation",
    "annex",
    "chapter",
    "section",
    "commitment",
    "action",
]
EventInstrumentRelation = Literal[
    "adopted",
    "endorsed",
    "affirmed",
    "published",
    "outcome",
    "negotiated",
    "launched",
    "entered_into_force",
    "discussed",
    "signed",
]
PledgeStatus = Literal["planned", "in_progress", "fulfilled"]
SubjectKind = Literal[
    "actor",
    "process",
    "event",
    "instrument",
    "provision",
    "pledge",
    "position",
    "figure",
    "theme",
    "source",
    "participation",
    "statement_point",
    "process_role",
    "process_link",
    "instrument_act",
]


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        if _has_nul(value):
            raise ValueError("text may not contain NUL characters")
        return value


class CitationIn(Record):
    """Where a fact comes from: a source, plus a verbatim quote and/or a page or paragraph."""

    source: Slug
    quote: Annotated[str, Field(min_length=8, max_length=200)] | None = None
    locator: Annotated[str, Field(max_length=100)] | None = None
    note: Annotated[str, Field(max_length=500)] | None = None

    @model_validator(mode="after")
    def _has_locator(self) -> CitationIn:
        if self.quote is None and self.locator is None:
            raise ValueError("a citation needs a quote, a locator, or both")
        return self


Citations = Annotated[list[CitationIn], Field(min_length=1)]


class Dated(Record):
    date: Edtf | None = None
    date_qualifier: Qualifier | None = None


SourceOrigin = Literal["document", "reference", "web_page"]
ORIGINS = (
    "document: one of the source documents (in shared/sources, with a file); reference: a UN "
    "document, or a page the reference facts rest on; web_page: a page outside both"
)


class SourceIn(Record):
    id: Slug
    title: Text
    kind: Literal[
        "analysis_note",
        "paper",
        "meeting_report",
        "report",
        "report_chapter",
        "resolution",
        "un_document",
        "web_page",
        "press_release",
        "news",
        "treaty",
        "other",
    ]
    author: str | None = None
    publisher: str | None = None
    date: Edtf | None = None
    symbol: Symbol | None = None
    url: str | None = None
    file: Annotated[str, Field(max_length=200)] | None = Field(
        None, description="file name in shared/sources, for quote checks"
    )
    origin: SourceOrigin = Field(
        "reference", description=f"{ORIGINS}. Unless given: document with a file, reference without"
    )

    @model_validator(mode="before")
    @classmethod
    def _origin(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("origin") is None:
            return data | {"origin": "document" if data.get("file") else "reference"}
        return data

    @model_validator(mode="after")
    def _document_has_file(self) -> SourceIn:
        if (self.origin == "document") != (self.file is not None):
            raise ValueError("a source is a document (origin: document) exactly when it has a file")
        return self


class ThemeIn(Record):
    id: Slug
    name: Text
    parent: Slug | None = None
    description: str | None = None


class ActorIn(Record):
    id: Slug
    name: Text
    kind: ActorKind
    acronym: Short | None = None
    aliases: list[str] = []
    iso3: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    parent: Slug | None = None
    country: Slug | None = None
    description: str | None = None
    cite: Citations


class PositionIn(Dated):
    id: Slug
    person: Slug
    title: Text
    organization: Slug | None = None
    cite: Citations


class ProcessIn(Dated):
    id: Slug
    name: Text
    kind: ProcessKind
    acronym: Short | None = None
    aliases: list[str] = []
    within_un: bool | None = None
    binding: bool | None = None
    parent: Slug | None = None
    description: str | None = None
    themes: list[Slug] = []
    cite: Citations


class ProcessLinkIn(Record):
    source: Slug = Field(alias="from")
    target: Slug = Field(alias="to")
    kind: LinkKind
    note: str | None = None
    cite: Citations


class ProcessRoleIn(Dated):
    actor: Slug
    process: Slug
    role: ProcessRoleKind
    note: str | None = None
    cite: Citations


class PointIn(Record):
    """One point a statement made (an item listed, a recommendation, a reason, a figure), in
    the record's own words, with its themes and the quotes that carry it."""

    text: Annotated[str, Field(min_length=1, max_length=1000)]
    themes: list[Slug] = []
    cite: Citations


class ParticipantIn(Record):
    actor: Slug
    role: ParticipationRole
    on_behalf_of: Slug | None = None
    capacity: Annotated[str, Field(max_length=300)] | None = None
    statement: Annotated[str, Field(max_length=2000)] | None = None
    points: list[PointIn] = Field(
        [], description="what the statement said, point by point, each with its quotes"
    )
    cite: Citations


class EventInstrumentIn(Record):
    instrument: Slug
    relation: EventInstrumentRelation


class EventIn(Dated):
    id: Slug
    title: Text
    kind: EventKind
    status: EventStatus = "held"
    process: Slug | None = None
    parent: Slug | None = None
    held_as: Slug | None = Field(
        None,
        description="for a meeting as announced or planned by a source: the meeting as held, "
        "when it took place (the announcement keeps its own status, date and place)",
    )
    ordinal: Int32 | None = None
    city: str | None = None
    country: Slug | None = None
    venue: str | None = None
    format: EventFormat | None = None
    description: str | None = None
    themes: list[Slug] = []
    instruments: list[EventInstrumentIn] = []
    participants: list[ParticipantIn] = []
    cite: Citations

    @model_validator(mode="after")
    def _dated(self) -> EventIn:
        if self.date is None:
            raise ValueError("an event needs a date (at the precision the source gives)")
        return self


InstrumentActKind = Literal["adoption", "endorsement", "affirmation"]
Vote = Annotated[str, Field(max_length=30, pattern=r"^\d+-\d+-\d+$")]


class InstrumentActIn(Dated):
    """An act that made the instrument what it is, with its own date, body (an actor),
    meeting (an event), symbol and vote."""

    act: InstrumentActKind
    body: Slug | None = None
    meeting: Slug | None = None
    symbol: str | None = None
    vote: Vote | None = Field(None, description="in favour-against-abstentions")
    vote_note: str | None = None
    cite: Citations

    @model_validator(mode="after")
    def _dated(self) -> InstrumentActIn:
        if self.date is None:
            raise ValueError("an act needs a date (at the precision the source gives)")
        return self


class InstrumentIn(Dated):
    id: Slug
    title: Text
    kind: InstrumentKind
    short_title: str | None = None
    acronym: Short | None = None
    aliases: list[str] = []
    symbol: Symbol | None = None
    adopted_by: Slug | None = None
    vote: Vote | None = Field(None, description="in favour-against-abstentions")
    vote_note: str | None = None
    binding: bool | None = None
    lead: Slug | None = None
    process: Slug | None = None
    review: Slug | None = Field(None, description="process that reviews it")
    basis: str | None = None
    follow_up: str | None = None
    description: str | None = None
    themes: list[Slug] = []
    acts: list[InstrumentActIn] = Field(
        [],
        description="adoption, endorsement, affirmation: each act with its own date, body, "
        "meeting, symbol, vote and citations, where they differ from one another",
    )
    cite: Citations


class ProvisionIn(Record):
    instrument: Slug
    kind: ProvisionKind
    number: Annotated[str, Field(min_length=1, max_length=20)]
    title: Text
    short_title: str | None = None
    themes: list[Slug] = []
    cite: Citations


class PledgeIn(Dated):
    id: Slug
    title: Text
    pledgers: list[Slug] = []
    process: Slug | None = None
    event: Slug | None = None
    description: str | None = None
    type: Short | None = None
    status: PledgeStatus | None = None
    objectives: list[Annotated[int, Field(ge=1, le=23)]] = []
    themes: list[Slug] = []
    matches: Slug | None = None
    cite: Citations


class SubjectRef(Record):
    kind: SubjectKind
    id: str


# A citation may also support one claim of a dispute (its id is the dispute's id and the
# claim's number: ``gfmd-2010-host.1``); a claim is never the subject of a figure or dispute.
CitedKind = Literal[SubjectKind, Literal["dispute_claim"]]
CITED_KINDS = sorted((*get_args(SubjectKind), "dispute_claim"))


class CitedRef(Record):
    kind: CitedKind
    id: str


class FigureIn(Dated):
    id: Slug
    statement: Text
    value: float
    unit: Annotated[str, Field(min_length=1, max_length=60)]
    subject: SubjectRef | None = None
    cite: Citations


class ClaimIn(Record):
    claim: Text
    followed: bool
    cite: Citations


class DisputeIn(Record):
    id: Slug
    subject: SubjectRef
    field: Annotated[str, Field(max_length=100)]
    question: Text
    resolution: Text
    claims: Annotated[list[ClaimIn], Field(min_length=2)]


class ExtraCitationIn(Record):
    """More citations for a record defined in another file (one record, many sources)."""

    subject: SubjectRef
    cite: Citations


class UnlinkedMentionIn(Record):
    """An actor an event's text names that is, on purpose, not linked to the event."""

    event: Slug
    actor: Slug
    reason: Annotated[str, Field(min_length=10, max_length=500)]


class SeedFile(Record):
    sources: list[SourceIn] = []
    themes: list[ThemeIn] = []
    actors: list[ActorIn] = []
    positions: list[PositionIn] = []
    processes: list[ProcessIn] = []
    process_links: list[ProcessLinkIn] = []
    process_roles: list[ProcessRoleIn] = []
    events: list[EventIn] = []
    instruments: list[InstrumentIn] = []
    provisions: list[ProvisionIn] = []
    pledges: list[PledgeIn] = []
    figures: list[FigureIn] = []
    disputes: list[DisputeIn] = []
    citations: list[ExtraCitationIn] = []
    unlinked_mentions: list[UnlinkedMentionIn] = []
