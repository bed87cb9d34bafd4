"""releases

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 12:30:00

Named releases of the dataset (``mgt release``): each one's content hash, counts, the audit
entry it ends at, and the digests of its records, from which the next release's change list
is made.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "releases",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("schema_revision", sa.String(length=40), nullable=True),
        sa.Column("last_change", sa.Integer(), nullable=False),
        sa.Column("previous", sa.String(length=100), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=True),
        sa.Column("digests", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_releases")),
    )
    op.create_index(op.f("ix_releases_created_at"), "releases", ["created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_releases_created_at"), table_name="releases")
    op.drop_table("releases")
