"""pledges by objective and by pledger in pledge order

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 22:20:00

The objective and pledger indexes also hold the pledge id, so a filtered page of pledges is
a range of the index, read in order, not every match sorted.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = [
    ("ix_pledge_objectives_provision_id", "pledge_objectives", "provision_id", "pledge_id"),
    ("ix_pledge_actors_actor_id", "pledge_actors", "actor_id", "pledge_id"),
]


def upgrade() -> None:
    for name, table, column, covered in INDEXES:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, [column, covered])


def downgrade() -> None:
    for name, table, column, _ in INDEXES:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, [column])
