"""All ORM models, importable from one place (Alembic reads ``Base.metadata`` from here)."""

from app.models.actor import Actor, Position
from app.models.admin import ApiKey, Change, DataVersion, IdempotentRequest
from app.models.base import Base
from app.models.document import DocumentMention, RenderedDocument
from app.models.event import (
    ActorEvent,
    Event,
    EventInstrument,
    Participation,
    RenderedEvent,
    StatementPoint,
)
from app.models.figure import Dispute, DisputeClaim, Figure
from app.models.instrument import Instrument, InstrumentAct, Provision
from app.models.pledge import Pledge, PledgeActor, PledgeObjective
from app.models.process import Process, ProcessLink, ProcessRole
from app.models.readmodel import FacetCount, FacetMember, ProjectionVersion
from app.models.release import Release
from app.models.search import SearchEntry
from app.models.source import Citation, Source
from app.models.theme import Theme, ThemeTag

__all__ = [
    "ApiKey",
    "Change",
    "DataVersion",
    "IdempotentRequest",
    "Actor",
    "Base",
    "Citation",
    "Dispute",
    "DocumentMention",
    "DisputeClaim",
    "Event",
    "FacetCount",
    "FacetMember",
    "EventInstrument",
    "Figure",
    "Instrument",
    "InstrumentAct",
    "Participation",
    "Pledge",
    "PledgeActor",
    "PledgeObjective",
    "Position",
    "Process",
    "ProcessLink",
    "ProcessRole",
    "ProjectionVersion",
    "Provision",
    "Release",
    "RenderedDocument",
    "RenderedEvent",
    "ActorEvent",
    "SearchEntry",
    "Source",
    "StatementPoint",
    "Theme",
    "ThemeTag",
]
