"""covering indexes for the timeline's process and actor filters; actors by parent

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 18:00:00

The process, parent and actor indexes also hold the event id, so the filters find their
events without reading the event and participation rows. An organization's members are
found by index.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = [
    ("ix_events_process_id", "events", "process_id", "id"),
    ("ix_events_parent_id", "events", "parent_id", "id"),
    ("ix_participations_actor_id", "participations", "actor_id", "event_id"),
]


def upgrade() -> None:
    for name, table, column, covered in INDEXES:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, [column, covered])
    op.create_index("ix_actors_parent_id", "actors", ["parent_id"])


def downgrade() -> None:
    op.drop_index("ix_actors_parent_id", table_name="actors")
    for name, table, column, _ in INDEXES:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, [column])
