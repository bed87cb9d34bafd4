"""How to cite a record of the dataset, and the sources behind it."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from pydantic import Field
from sqlalchemy import ColumnElement, Connection, or_, select
from sqlalchemy.orm import Session

from app import models as m
from app.api.deps import reads
from app.api.exports import MEDIA, format_param
from app.api.schemas import Out
from app.cite import csl
from app.cite.bibtex import bibtex
from app.cite.styled import texts
from app.core.errors import NotFound
from app.releases import basis

router = APIRouter(tags=["cite"])
CITABLE: dict[str, tuple[Any, str, str]] = {
    "actors": (m.Actor, "name", "actor"),
    "processes": (m.Process, "name", "process"),
    "events": (m.Event, "title", "event"),
    "meetings": (m.Event, "title", "event"),
    "positions": (m.Position, "title", "position"),
    "instruments": (m.Instrument, "title", "instrument"),
    "pledges": (m.Pledge, "title", "pledge"),
    "sources": (m.Source, "title", "source"),
}
CitationFormat = Annotated[str, format_param("csl-json", "bibtex", base=("json",))]


def as_file(fmt: str, items: list[dict[str, Any]]) -> Response:
    """CSL-JSON or BibTeX for ``items``."""
    if fmt == "bibtex":
        return Response(bibtex(items), media_type=MEDIA["bibtex"] + "; charset=utf-8")
    return Response(csl.dumps(items), media_type=MEDIA["csl-json"])


class CitedRecord(Out):
    kind: str
    id: str
    title: str
    url: str


class SourceCitation(Out):
    id: str
    text: str
    csl: dict[str, Any]


class CiteAs(Out):
    record: CitedRecord
    release: str = Field(description="the release (or seed load) the record was read from")
    text: str = Field(description="the record cited in the Cite Them Right Harvard style")
    csl: dict[str, Any] = Field(description="the record as a CSL-JSON item")
    bibtex: str
    sources: list[SourceCitation] = Field(description="the sources the record's facts cite")


def release_of(connection: Connection) -> csl.Release:
    now = basis.current(connection)
    name = now.name if now.kind == "release" else None
    if name is None and now.content_hash:
        name = f"seed files sha256:{now.content_hash[:12]}"
    issued = now.at.date() if now.at else None
    return csl.Release(name, now.content_hash, issued, now.changes_since)


def _sources(session: Session, kind: str, subject: str, ident: str) -> list[m.Source]:
    c = m.Citation
    cited: ColumnElement[bool] = (c.subject_type == subject) & (c.subject_id == ident)
    if kind in {"events", "meetings"}:
        parts = select(m.Participation.id).where(m.Participation.event_id == ident)
        cited = or_(cited, (c.subject_type == "participation") & c.subject_id.in_(parts))
    ids = select(c.source_id).where(cited)
    return list(session.scalars(select(m.Source).where(m.Source.id.in_(ids)).order_by(m.Source.id)))


CitableKind = Annotated[
    str,
    Path(
        description="The record's collection: " + ", ".join(CITABLE),
        examples=["actors"],
        pattern="^(" + "|".join(CITABLE) + ")$",
    ),
]


@router.get(
    "/cite/{kind}/{ident}",
    response_model=CiteAs,
    summary="How to cite a record",
    responses={
        200: {
            "content": {
                MEDIA["csl-json"]: {"schema": {"type": "array", "items": {"type": "object"}}},
                MEDIA["bibtex"]: {"schema": {"type": "string"}},
            }
        }
    },
)
@reads
def cite_record(
    request: Request,
    session: Session,
    kind: CitableKind,
    ident: Annotated[str, Path(description="The record's id", examples=["mexico"], max_length=200)],
    fmt: CitationFormat,
) -> CiteAs | Response:
    """The record cited as a dataset entry — the dataset, its release, the record's URL and
    the day it was read — in the Cite Them Right Harvard style, as CSL-JSON and as BibTeX,
    with each source its facts cite. `format=csl-json|bibtex` gives the record and its
    sources as one file."""
    model, title_column, subject = CITABLE[kind]
    record = session.get(model, ident)
    if record is None:
        raise NotFound(f"No record '{ident}' in {kind}")
    url = str(request.base_url).rstrip("/") + f"/api/v1/{kind}/{ident}"
    title = str(getattr(record, title_column))
    accessed = dt.datetime.now(dt.UTC).date()
    item = csl.record_item(
        kind, ident, title, url, release_of(session.connection()), accessed, subject
    )
    sources = _sources(session, kind, subject, ident)
    source_items = [csl.source_item(source) for source in sources]
    if fmt != "json":
        return as_file(fmt, [item, *source_items])
    record_text, *source_texts = texts([item, *source_items])
    return CiteAs(
        record=CitedRecord(kind=kind, id=ident, title=title, url=url),
        release=item["version"],
        text=record_text,
        csl=item,
        bibtex=bibtex([item]),
        sources=[
            SourceCitation(id=s["id"], text=text, csl=s)
            for s, text in zip(source_items, source_texts, strict=True)
        ],
    )
