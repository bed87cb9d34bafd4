"""actor events

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 03:00:00

Each event an actor took part in, with the event's dates, indexed by actor and date: one
actor's timeline is then a range of the index read in order, where it was every event of the
range walked and checked, or every one of the actor's events read and sorted. Derived from
participations and events: filled and kept in step by the read model (``app/readmodel``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "actor_events",
        sa.Column("actor_id", sa.String(length=200), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("date_start", sa.Date(), nullable=True),
        sa.Column("date_end", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actors.id"],
            name=op.f("fk_actor_events_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_actor_events_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("actor_id", "event_id", name=op.f("pk_actor_events")),
    )
    op.create_index(
        "ix_actor_events_chronology",
        "actor_events",
        ["actor_id", "date_start", "date_end", "event_id"],
    )
    op.create_index(op.f("ix_actor_events_event_id"), "actor_events", ["event_id"])


def downgrade() -> None:
    op.drop_table("actor_events")
