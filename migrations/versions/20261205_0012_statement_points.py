"""statement points

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 12:30:00

What a participant said at an event, point by point: each point in order, under its
participation and event. Its themes and quotes are theme tags and citations with subject type
``statement_point``. The seed load fills it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "statement_points",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("participation_id", sa.String(length=200), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_statement_points_event_id_events")
        ),
        sa.ForeignKeyConstraint(
            ["participation_id"],
            ["participations.id"],
            name=op.f("fk_statement_points_participation_id_participations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_points")),
    )
    op.create_index(
        op.f("ix_statement_points_event_id"), "statement_points", ["event_id"], unique=False
    )
    op.create_index(
        "ix_statement_points_participation",
        "statement_points",
        ["participation_id", "ordinal"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("statement_points")
