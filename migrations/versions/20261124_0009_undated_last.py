"""stored JSON made again: undated roles, posts, figures and pledges listed last

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 01:00:00

Lists in date order put the items without a date last on both engines (PostgreSQL did so
already; SQLite put them first), so SQLite's stored renderings are made again.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        from app.records import documents, rendered

        rendered.sync(op.get_bind(), actors=False)  # actor_events: 0010
        documents.sync(op.get_bind())


def downgrade() -> None:
    pass  # no schema change; after a downgrade, `mgt seed` makes the renderings again
