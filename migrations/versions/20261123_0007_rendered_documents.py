"""rendered documents; the events' detail parts and record ETags

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 21:30:00

Detail documents (actor profiles, pledges, the objectives list, instruments as compared)
stored as JSON with the ids each shows, so that a read is one indexed lookup and a write finds
what it changes; beside each event's stored timeline JSON, what only its detail shows and its
record's ETag. All are filled and kept in step by the read model (``app/readmodel``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rendered_events") as batch:
        batch.add_column(sa.Column("detail", sa.Text(), nullable=True))
        batch.add_column(sa.Column("etag", sa.String(length=40), nullable=True))
    op.create_table(
        "rendered_documents",
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("etag", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("kind", "key", name=op.f("pk_rendered_documents")),
    )
    op.create_table(
        "document_mentions",
        sa.Column("ref", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("ref", "kind", "key", name=op.f("pk_document_mentions")),
    )
    op.create_index("ix_document_mentions_document", "document_mentions", ["kind", "key"])


def downgrade() -> None:
    op.drop_index("ix_document_mentions_document", table_name="document_mentions")
    op.drop_table("document_mentions")
    op.drop_table("rendered_documents")
    with op.batch_alter_table("rendered_events") as batch:
        batch.drop_column("etag")
        batch.drop_column("detail")
