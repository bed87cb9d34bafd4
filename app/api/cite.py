"""How to cite a record of the dataset, and the sources behind it.

``GET /cite/{kind}/{id}`` answers it alone; ``app.api.cite_as`` adds the same answer to every
record's detail as ``cite_as``. Both read the record's title and its sources with the
statements made here, once per kind, and take the ``ident`` as a bound value.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from sqlalchemy import ColumnElement, Connection, Select, String, bindparam, literal, or_, select
from sqlalchemy.orm import Session

from app import models as m
from app.api.deps import reads
from app.api.exports import MEDIA, format_param
from app.api.query_route import QueryRoute
from app.cite import csl
from app.cite.bibtex import bibtex
from app.cite.citable import CITABLE as CITABLE
from app.core.errors import NotFound
from app.releases import basis
from app.views.cite import CiteAs, cite_as, csl_items, record_url

router = APIRouter(tags=["cite"], route_class=QueryRoute)


CitationFormat = Annotated[str, format_param("csl-json", "bibtex", base=("json",))]
CITATION_FILES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            MEDIA["csl-json"]: {"schema": {"type": "array", "items": {"type": "object"}}},
            MEDIA["bibtex"]: {"schema": {"type": "string"}},
        }
    }
}
SOURCE_COLUMNS: tuple[str, ...] = ("id", "title", "kind", "author", "publisher", "symbol")
SOURCE_COLUMNS += ("url", "date_edtf", "date_qualifier")


def as_file(fmt: str, items: list[dict[str, Any]]) -> Response:
    """CSL-JSON or BibTeX for ``items``."""
    if fmt == "bibtex":
        return Response(bibtex(items), media_type=MEDIA["bibtex"] + "; charset=utf-8")
    return Response(csl.dumps(items), media_type=MEDIA["csl-json"])


def release_from(now: basis.Basis) -> csl.Release:
    name = now.name if now.kind == "release" else None
    if name is None and now.content_hash:
        name = f"seed files sha256:{now.content_hash[:12]}"
    issued = now.at.date() if now.at else None
    return csl.Release(name, now.content_hash, issued, now.changes_since)


def release_of(connection: Connection) -> csl.Release:
    return release_from(basis.current(connection))


def _behind(kind: str) -> ColumnElement[bool]:
    """Which sources stand behind a record: those its citations name (for a meeting, its
    participants' citations too); a source stands behind itself."""
    c, ident = m.Citation, _record_id(kind)
    cited: ColumnElement[bool] = (c.subject_type == CITABLE[kind].subject) & (c.subject_id == ident)
    if kind in {"events", "meetings"}:
        parts = select(m.Participation.id).where(m.Participation.event_id == ident)
        cited = or_(cited, (c.subject_type == "participation") & c.subject_id.in_(parts))
    behind = m.Source.id.in_(select(c.source_id).where(cited))
    return or_(behind, m.Source.id == ident) if kind == "sources" else behind


def _record_id(kind: str) -> ColumnElement[str]:
    """The record's id, made from the URL's id bound as ``ident``."""
    ident = bindparam("ident", type_=String)
    prefix = CITABLE[kind].prefix
    return literal(prefix, String) + ident if prefix else ident


@lru_cache(maxsize=len(CITABLE))
def statements(kind: str) -> tuple[Select[Any], Select[Any]]:
    """The record's title, and its sources' columns (``SOURCE_COLUMNS``), by ``ident``."""
    found = CITABLE[kind]
    title = select(getattr(found.model, found.title)).where(found.model.id == _record_id(kind))
    columns = [getattr(m.Source, name) for name in SOURCE_COLUMNS]
    return title, select(*columns).where(_behind(kind)).order_by(m.Source.id)


def sources_from(rows: Sequence[Sequence[Any]]) -> list[m.Source]:
    return [m.Source(**dict(zip(SOURCE_COLUMNS, row, strict=True))) for row in rows]


def read_record(
    session: Session, kind: str, ident: str
) -> tuple[str, csl.Release, list[m.Source]] | None:
    """The record's title, the release and the record's sources; None if there is none."""
    title_of, sources_of = statements(kind)
    title = session.scalar(title_of, {"ident": ident})
    if title is None:
        return None
    sources = sources_from(session.execute(sources_of, {"ident": ident}).all())
    return str(title), release_of(session.connection()), sources


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
    responses=CITATION_FILES,
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
    sources as one file. Every record's detail carries the same answer as `cite_as`."""
    found = read_record(session, kind, ident)
    if found is None:
        raise NotFound(f"No record '{ident}' in {kind}")
    title, release, sources = found
    base_url = str(request.base_url)
    if fmt != "json":
        url = record_url(base_url, kind, ident)
        item, source_items = csl_items(kind, ident, title, url, release, sources)
        return as_file(fmt, [item, *source_items])
    return cite_as(kind, ident, title, base_url, release, sources)
