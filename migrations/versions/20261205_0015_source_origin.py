"""what each source is to the dataset

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 15:00:00

``sources.origin``: ``document`` (one of the source documents, with a file), ``reference``
(a UN document, or a page the reference facts rest on) or ``web_page`` (a page outside
both). The API marks a citation whose source is such a page. Schema only: rows existing
before this revision read ``reference`` until the seed files are loaded again (``mgt seed``
sets every source's origin).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.add_column(
            sa.Column("origin", sa.String(20), nullable=False, server_default="reference")
        )
    with op.batch_alter_table("sources") as batch:
        batch.alter_column("origin", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("origin")
