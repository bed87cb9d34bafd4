"""a source's citations in their listed order

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 20:40:00

``ix_citations_source_order`` (source, cited kind, record, ordinal, id) replaces the index
on ``source_id`` alone: a source's detail and ``/citations?source=`` read a page of its
citations as a range of it, however many cite the source, and a lookup by source (the
foreign key) uses its first column.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ORDER = ["source_id", "subject_type", "subject_id", "ordinal", "id"]


def upgrade() -> None:
    with op.batch_alter_table("citations") as batch:
        batch.create_index("ix_citations_source_order", ORDER, unique=False)
        batch.drop_index("ix_citations_source_id")


def downgrade() -> None:
    with op.batch_alter_table("citations") as batch:
        batch.create_index("ix_citations_source_id", ["source_id"], unique=False)
        batch.drop_index("ix_citations_source_order")
