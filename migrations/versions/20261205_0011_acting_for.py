"""acting for

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 12:30:00

An actor's events include those where someone acted for it: a person holding a post in it
at the time, or anyone recorded as acting on its behalf. Each row of ``actor_events`` says
whether the actor itself took part (``direct``) and how others acted for it (``via``, JSON);
participations are indexed by whom they act for. Schema only: rows existing before this
revision are the actors' own participations (``direct`` true, no ``via``); the rows of
acting for are derived with the rest of the stored renderings (``mgt seed`` makes them).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("actor_events") as batch:
        batch.add_column(
            sa.Column("direct", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(sa.Column("via", sa.Text(), nullable=True))
    with op.batch_alter_table("actor_events") as batch:
        batch.alter_column("direct", server_default=None)
    op.create_index(
        "ix_participations_on_behalf_of_id", "participations", ["on_behalf_of_id", "event_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_participations_on_behalf_of_id", table_name="participations")
    op.execute("DELETE FROM actor_events WHERE NOT direct")
    with op.batch_alter_table("actor_events") as batch:
        batch.drop_column("via")
        batch.drop_column("direct")
