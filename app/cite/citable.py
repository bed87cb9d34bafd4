"""The kinds of record a citation can be asked for, by the name their URLs use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app import models as m


@dataclass(frozen=True)
class Citable:
    model: Any
    title: str  # the column that names a record
    subject: str  # its citations' subject_type
    prefix: str = ""  # the record's id is this followed by the URL's id (an objective's number)


CITABLE: dict[str, Citable] = {
    "actors": Citable(m.Actor, "name", "actor"),
    "processes": Citable(m.Process, "name", "process"),
    "events": Citable(m.Event, "title", "event"),
    "meetings": Citable(m.Event, "title", "event"),
    "positions": Citable(m.Position, "title", "position"),
    "instruments": Citable(m.Instrument, "title", "instrument"),
    "pledges": Citable(m.Pledge, "title", "pledge"),
    "sources": Citable(m.Source, "title", "source"),
    "figures": Citable(m.Figure, "statement", "figure"),
    "objectives": Citable(m.Provision, "title", "provision", prefix="gcm.objective."),
}
