"""read model versions

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 13:00:00

The version each projection of the read model (search index, timeline items, documents,
actor events, data version) was last built with. Empty after this migration, so the next
``mgt db upgrade``, ``mgt seed`` or ``mgt serve`` rebuilds every projection: the migrations
only make tables, and the read model fills them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "readmodel_versions",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_readmodel_versions")),
    )


def downgrade() -> None:
    op.drop_table("readmodel_versions")
