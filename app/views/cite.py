"""How a record, or any answer, is cited: the dataset, its release, the URL and the day read,
in the Cite Them Right Harvard style, as CSL-JSON and as BibTeX; a record's citation adds each
source its facts cite. ``/cite/{kind}/{id}``, every detail's ``cite_as`` and ``/cite?url=``
answer with these."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from pydantic import Field

from app import models as m
from app.cite import csl
from app.cite.bibtex import bibtex
from app.cite.citable import CITABLE
from app.cite.styled import text
from app.views.schemas import Out


class Citing(Out):
    """What every citation holds, of a record or of an answer (its own fields come first)."""

    release: str = Field(
        description="the release (or seed load) the record or answer was read from"
    )
    text: str = Field(description="the record or answer cited in the Cite Them Right Harvard style")
    csl: dict[str, Any] = Field(description="the record or answer as a CSL-JSON dataset item")
    bibtex: str

    @staticmethod
    def parts(item: dict[str, Any]) -> dict[str, Any]:
        """The fields every citation holds, made from its CSL-JSON item."""
        return {
            "release": item["version"],
            "text": text(item),
            "csl": item,
            "bibtex": bibtex([item]),
        }


class CitedRecord(Out):
    kind: str
    id: str
    title: str
    url: str


class SourceCitation(Out):
    id: str
    text: str
    csl: dict[str, Any]


class _OfRecord(Out):
    record: CitedRecord


# A record's citation, its ``record`` first (a base's fields come before those of the class
# that extends it, and ``_OfRecord`` is the last base).
class CiteAs(Citing, _OfRecord):
    sources: list[SourceCitation] = Field(description="the sources the record's facts cite")


class CitedQuery(Out):
    url: str = Field(description="the query's URL on this server, its paging left out")
    path: str = Field(description="the API path the query asks", examples=["/api/v1/timeline"])
    parameters: list[tuple[str, str]] = Field(
        description="its query parameters in the order given, paging left out"
    )
    title: str = Field(description="what the answer is: the operation's summary and filters")


class _OfQuery(Out):
    query: CitedQuery


# An answer cited by its query, its ``query`` first.
class QueryCitation(Citing, _OfQuery):
    pass


def record_url(base_url: str, kind: str, ident: str) -> str:
    return base_url.rstrip("/") + f"/api/v1/{kind}/{ident}"


def csl_items(
    kind: str, ident: str, title: str, url: str, release: csl.Release, sources: list[m.Source]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The record as a CSL-JSON dataset item read today, and its sources' items."""
    accessed = dt.datetime.now(dt.UTC).date()
    item = csl.record_item(kind, ident, title, url, release, accessed, CITABLE[kind].subject)
    return item, [csl.source_item(source) for source in sources]


def cite_as(
    kind: str, ident: str, title: str, base_url: str, release: csl.Release, sources: list[m.Source]
) -> CiteAs:
    """The record cited: styled text, CSL-JSON and BibTeX, and each source behind it."""
    url = record_url(base_url, kind, ident)
    item, source_items = csl_items(kind, ident, title, url, release, sources)
    return CiteAs(
        record=CitedRecord(kind=kind, id=ident, title=title, url=url),
        **Citing.parts(item),
        sources=[SourceCitation(id=s["id"], text=text(s), csl=s) for s in source_items],
    )


def query_item(query: CitedQuery, release: csl.Release) -> dict[str, Any]:
    """The answer as a CSL-JSON dataset item, read today; its id a digest of the URL."""
    digest = hashlib.sha256(query.url.encode()).hexdigest()[:12]
    accessed = dt.datetime.now(dt.UTC).date()
    item = csl.record_item("query", digest, query.title, query.url, release, accessed, "query")
    return item | {"genre": "query answer"}


def query_citation(query: CitedQuery, item: dict[str, Any]) -> QueryCitation:
    return QueryCitation(query=query, **Citing.parts(item))
