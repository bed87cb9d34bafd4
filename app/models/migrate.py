"""Run the Alembic migrations from code, against a URL or an open connection; and tell
autogenerate to leave alone the search index's hand-made parts (``app.models.search``).

Kept out of the models so that serving the API never imports Alembic.
"""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate.compare import comparators
from alembic.config import Config
from alembic.operations import ops
from alembic.util import DispatchPriority, PriorityDispatchResult
from sqlalchemy import Connection

from app.core.config import PROJECT_ROOT
from app.models.search import FTS_TABLE, TSV_COLUMN, TSV_INDEX


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["configure_logger"] = False
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(url: str | None = None, connection: Connection | None = None) -> None:
    command.upgrade(alembic_config(url, connection), "head")


def downgrade(url: str | None = None, connection: Connection | None = None) -> None:
    command.downgrade(alembic_config(url, connection), "base")


def _hand_made(op: Any) -> bool:
    if isinstance(op, ops.DropTableOp):
        return bool(op.table_name == FTS_TABLE or op.table_name.startswith(f"{FTS_TABLE}_"))
    if isinstance(op, ops.DropIndexOp):
        return bool(op.index_name == TSV_INDEX)
    if isinstance(op, ops.DropColumnOp):
        return bool(op.table_name == "search_index" and op.column_name == TSV_COLUMN)
    return False


@comparators.dispatch_for("schema", priority=DispatchPriority.LAST)
def _leave_search_internals(autogen_context: Any, upgrade_ops: Any, schemas: Any) -> Any:
    for container in [upgrade_ops, *[o for o in upgrade_ops.ops if hasattr(o, "ops")]]:
        container.ops[:] = [o for o in container.ops if not _hand_made(o)]
    upgrade_ops.ops[:] = [o for o in upgrade_ops.ops if not (hasattr(o, "ops") and not o.ops)]
    return PriorityDispatchResult.CONTINUE
