"""stored JSON made again: undated roles, posts, figures and pledges listed last

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 01:00:00

Lists in date order put the items without a date last on both engines (PostgreSQL did so
already; SQLite put them first). No schema change: the stored renderings are made again by
the read model (``app/readmodel``), whose versions changed with the rendering.
"""

from collections.abc import Sequence

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
