"""The engine-specific half of search: matching, ranking and snippets on SQLite FTS5 and on
PostgreSQL full-text search, behind the same functions.

``matching(query, kind)`` is a subquery of matching record ids for use in any list's
``q=`` filter; it compiles to FTS5 ``MATCH`` or to ``@@`` at execution, whatever the engine.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Float,
    Select,
    bindparam,
    column,
    func,
    select,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler

from app import models as m
from app.models.search import FTS_TABLE, TSV_COLUMN
from app.search.query import SearchQuery

S = m.SearchEntry
MARK = "**"
ELLIPSIS = "…"


class Matches(ColumnElement[bool]):
    """True for search_index rows that match the query (engine-specific at compile time)."""

    inherit_cache = False
    type = Boolean()

    def __init__(self, query: SearchQuery) -> None:
        self.query = query


@compiles(Matches, "sqlite")
def _sqlite_matches(element: Matches, compiler: SQLCompiler, **kw: Any) -> str:
    inner = text(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :fts_query").bindparams(
        bindparam("fts_query", element.query.fts5(), unique=True)
    )
    return f"search_index.entry IN ({compiler.process(inner, **kw)})"


@compiles(Matches)
def _tsquery_matches(element: Matches, compiler: SQLCompiler, **kw: Any) -> str:
    tsq: Any = bindparam("ts_query", element.query.tsquery(), unique=True)
    return f"search_index.{TSV_COLUMN} @@ to_tsquery('english', {compiler.process(tsq, **kw)})"


def matching(query: SearchQuery, kind: str) -> Select[str]:
    """Ids of records of one kind that match: ``Model.id.in_(matching(q, "event"))``."""
    return select(S.record_id).where(S.kind == kind, Matches(query))


@dataclass(frozen=True)
class Hit:
    entry: int
    kind: str
    record_id: str
    title: str
    subject_type: str | None
    subject_id: str | None
    rank: float


# Records rank above the citations and figures that mention the same words.
KIND_WEIGHT = "CASE s.kind WHEN 'citation' THEN 0.5 WHEN 'figure' THEN 0.8 ELSE 1.0 END"


def _named_exactly(position: str) -> str:
    """1000 for a record whose id, name or a whole line of its body (an acronym, an alias)
    is the plain search's words (``:exact``), which ranks it first; else 0."""
    line = f"{position}(char(10) || lower(s.body) || char(10), char(10) || :exact || char(10))"
    return (
        "CASE WHEN :exact <> '' AND s.kind IN ('actor', 'process', 'instrument') AND "
        f"(s.record_id = :exact OR lower(s.title) = :exact OR {line} > 0) THEN 1000 ELSE 0 END"
    )


RANKED_SQLITE = (
    "SELECT s.entry, s.kind, s.record_id, s.title, s.subject_type, s.subject_id, "
    f"bm25({FTS_TABLE}, 5.0, 1.0) * {KIND_WEIGHT} - {_named_exactly('instr')} AS rank "
    f"FROM {FTS_TABLE} JOIN search_index AS s ON s.entry = {FTS_TABLE}.rowid "
    f"WHERE {FTS_TABLE} MATCH :q"
)
RANKED_POSTGRES = (
    "SELECT s.entry, s.kind, s.record_id, s.title, s.subject_type, s.subject_id, "
    f"-ts_rank(s.{TSV_COLUMN}, q) * {KIND_WEIGHT} - {_named_exactly('strpos')} AS rank "
    "FROM search_index AS s, to_tsquery('english', :q) AS q "
    f"WHERE s.{TSV_COLUMN} @@ q"
).replace("char(10)", "chr(10)")


def _ranked(session: Session, query: SearchQuery) -> Any:
    """A subquery of matching entries with ``rank`` (lower is better)."""
    if session.get_bind().dialect.name == "sqlite":
        statement, q = RANKED_SQLITE, query.fts5()
    else:
        statement, q = RANKED_POSTGRES, query.tsquery()
    columns = [S.entry, S.kind, S.record_id, S.title, S.subject_type, S.subject_id]
    names = [c.key for c in columns]
    return (
        text(statement)
        .bindparams(q=q, exact=query.exact())
        .columns(
            *(column(n, c.type) for n, c in zip(names, columns, strict=True)),
            column("rank", Float()),
        )
        .subquery("ranked")
    )


def hits(
    session: Session,
    query: SearchQuery,
    kinds: Collection[str],
    after: tuple[float, str, str] | None,
    limit: int,
) -> list[Hit]:
    sub = _ranked(session, query)
    page = select(sub)
    if kinds:
        page = page.where(sub.c.kind.in_(list(kinds)))
    if after is not None:
        r, k, i = after
        page = page.where(
            (sub.c.rank > r)
            | ((sub.c.rank == r) & ((sub.c.kind > k) | ((sub.c.kind == k) & (sub.c.record_id > i))))
        )
    rows = session.execute(page.order_by(sub.c.rank, sub.c.kind, sub.c.record_id).limit(limit))
    return [Hit(*row) for row in rows]


def kind_counts(session: Session, query: SearchQuery, kinds: Collection[str]) -> dict[str, int]:
    sub = _ranked(session, query)
    counted = select(sub.c.kind, func.count()).group_by(sub.c.kind)
    if kinds:
        counted = counted.where(sub.c.kind.in_(list(kinds)))
    return {kind: n for kind, n in session.execute(counted)}


def snippets(session: Session, query: SearchQuery, entries: list[int]) -> dict[int, str]:
    """The best matching passage of each entry, matches marked **like this**."""
    if not entries:
        return {}
    if session.get_bind().dialect.name == "sqlite":
        statement = text(
            f"SELECT rowid, snippet({FTS_TABLE}, -1, :mark, :mark, :more, 24) FROM {FTS_TABLE} "
            f"WHERE {FTS_TABLE} MATCH :q AND rowid IN :entries"
        ).bindparams(bindparam("entries", expanding=True))
        params: dict[str, Any] = {"q": query.fts5()}
    else:
        statement = text(
            "SELECT entry, ts_headline('english', CASE WHEN to_tsvector('english', body) @@ q "
            "THEN body ELSE title END, q, :options) "
            "FROM search_index, to_tsquery('english', :q) AS q WHERE entry IN :entries"
        ).bindparams(bindparam("entries", expanding=True))
        params = {
            "q": query.tsquery(),
            "options": f'StartSel="{MARK}", StopSel="{MARK}", MaxWords=30, MinWords=12, '
            f'MaxFragments=2, FragmentDelimiter=" {ELLIPSIS} "',
        }
    rows = session.execute(
        statement, {**params, "mark": MARK, "more": ELLIPSIS, "entries": entries}
    )
    return {entry: " ".join(snippet.split()) for entry, snippet in rows}
