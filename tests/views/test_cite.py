"""A record's and an answer's citation share their fields and how they are made, and each
shows what it cites first."""

from __future__ import annotations

import datetime as dt

from app.cite import csl
from app.views.cite import CiteAs, CitedQuery, Citing, QueryCitation, query_citation, query_item

SHARED = ["release", "text", "csl", "bibtex"]


def test_what_is_cited_comes_first_then_the_shared_fields():
    assert list(CiteAs.model_fields) == ["record", *SHARED, "sources"]
    assert list(QueryCitation.model_fields) == ["query", *SHARED]
    assert list(Citing.model_fields) == SHARED


def test_an_answer_is_cited_from_its_csl_item():
    query = CitedQuery(
        url="http://test/api/v1/timeline?process=gcm",
        path="/api/v1/timeline",
        parameters=[("process", "gcm")],
        title="The timeline (process=gcm)",
    )
    release = csl.Release("2026-12", "ab" * 32, dt.date(2026, 12, 1), 0)
    item = query_item(query, release)
    cited = query_citation(query, item)
    assert cited.csl == item
    assert cited.release == item["version"]
    assert "The timeline (process=gcm)" in cited.text
    assert cited.bibtex.startswith("@")
    assert query.url in cited.bibtex
    assert list(cited.model_dump()) == ["query", *SHARED]
