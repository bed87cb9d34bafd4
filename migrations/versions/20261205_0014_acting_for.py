"""acting for; instrument acts

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 12:30:00

An actor's events include those where someone acted for it: a person holding a post in it
at the time, or anyone recorded as acting on its behalf. Each row of ``actor_events`` says
whether the actor itself took part (``direct``) and how others acted for it (``via``, JSON);
participations are indexed by whom they act for. Schema only: rows existing before this
revision are the actors' own participations (``direct`` true, no ``via``); the rows of
acting for are derived with the rest of the stored renderings (``mgt seed`` makes them).

An instrument's acts (adopted at a conference, endorsed or affirmed by the General Assembly)
each with its own date, body, meeting, symbol and vote; the seed files fill them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
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

    op.create_table(
        "instrument_acts",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("instrument_id", sa.String(length=200), nullable=False),
        sa.Column("act", sa.String(length=20), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.String(length=200), nullable=True),
        sa.Column("meeting_id", sa.String(length=200), nullable=True),
        sa.Column("symbol", sa.String(length=100), nullable=True),
        sa.Column("vote", sa.String(length=30), nullable=True),
        sa.Column("vote_note", sa.Text(), nullable=True),
        sa.Column("date_edtf", sa.String(length=60), nullable=True),
        sa.Column("date_qualifier", sa.String(length=10), nullable=True),
        sa.Column("date_start", sa.Date(), nullable=True),
        sa.Column("date_end", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["body_id"], ["actors.id"], name=op.f("fk_instrument_acts_body_id_actors")
        ),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instruments.id"],
            name=op.f("fk_instrument_acts_instrument_id_instruments"),
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["events.id"], name=op.f("fk_instrument_acts_meeting_id_events")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instrument_acts")),
    )
    op.create_index(op.f("ix_instrument_acts_instrument_id"), "instrument_acts", ["instrument_id"])


def downgrade() -> None:
    op.drop_table("instrument_acts")
    op.drop_index("ix_participations_on_behalf_of_id", table_name="participations")
    op.execute("DELETE FROM actor_events WHERE NOT direct")
    with op.batch_alter_table("actor_events") as batch:
        batch.drop_column("via")
        batch.drop_column("direct")
