"""full-text search index

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 14:02:00

A table of searchable text (``search_index``), then what matches it on each engine: on
SQLite an external-content FTS5 table with porter stemming, kept in step by triggers; on
PostgreSQL a stored generated tsvector column (title weighted over body) with a GIN index.
Filling the index is the read model's job (``app/readmodel``), not this migration's.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The searched document on PostgreSQL: English stemming, the title weighted over the body.
TSV_SQL = (
    "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'B')"
)
SQLITE_FTS = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, content='search_index', "
    "content_rowid='entry', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER search_index_ai AFTER INSERT ON search_index BEGIN "
    "INSERT INTO search_fts(rowid, title, body) VALUES (new.entry, new.title, new.body); END",
    "CREATE TRIGGER search_index_ad AFTER DELETE ON search_index BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, body) "
    "VALUES ('delete', old.entry, old.title, old.body); END",
    "CREATE TRIGGER search_index_au AFTER UPDATE ON search_index BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, body) "
    "VALUES ('delete', old.entry, old.title, old.body); "
    "INSERT INTO search_fts(rowid, title, body) VALUES (new.entry, new.title, new.body); END",
]


def upgrade() -> None:
    op.create_table(
        "search_index",
        sa.Column("entry", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=200), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("subject_type", sa.String(length=40), nullable=True),
        sa.Column("subject_id", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("entry", name=op.f("pk_search_index")),
        sa.UniqueConstraint("kind", "record_id", name=op.f("uq_search_index_kind_record_id")),
    )
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
    else:
        op.execute(
            f"ALTER TABLE search_index ADD COLUMN document tsvector "
            f"GENERATED ALWAYS AS ({TSV_SQL}) STORED"
        )
        op.execute("CREATE INDEX ix_search_index_document ON search_index USING gin (document)")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("search_index_ai", "search_index_ad", "search_index_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_search_index_document")
    op.drop_table("search_index")
