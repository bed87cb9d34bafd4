"""rendered events

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 17:40:00

Each event's timeline JSON, stored so that a timeline page is one indexed read; filled and
kept in step by the read model (``app/readmodel``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rendered_events",
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_rendered_events_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_rendered_events")),
    )


def downgrade() -> None:
    op.drop_table("rendered_events")
