"""facet counts; a process's meetings by date

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 21:00:00

``facet_counts``: how many items of a whole list (the timeline, the meetings, the pledges)
have each value of each facet, and ``facet_members``: the values each record was last
counted under, so that a write moves the counts by its own difference. Both are projections
of the read model, empty after this migration: the next ``mgt db upgrade``, ``mgt seed`` or
``mgt serve`` fills them. Events are indexed by process and each end of their dates, so a
snapshot finds a process's last and next meetings without reading the others.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "facet_counts",
        sa.Column("list", sa.String(length=20), nullable=False),
        sa.Column("facet", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=250), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("list", "facet", "value", name=op.f("pk_facet_counts")),
    )
    op.create_table(
        "facet_members",
        sa.Column("list", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.String(length=200), nullable=False),
        sa.Column("facets", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("list", "record_id", name=op.f("pk_facet_members")),
    )
    op.create_index("ix_events_process_end", "events", ["process_id", "date_end", "id"])
    op.create_index("ix_events_process_start", "events", ["process_id", "date_start", "id"])


def downgrade() -> None:
    op.drop_index("ix_events_process_start", table_name="events")
    op.drop_index("ix_events_process_end", table_name="events")
    op.drop_table("facet_members")
    op.drop_table("facet_counts")
