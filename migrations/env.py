"""Alembic environment: the URL comes from the app's settings, the target from its models."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection

import app.models.migrate  # noqa: F401  (autogenerate leaves the search internals alone)
from app.core.config import get_settings
from app.core.db import make_engine
from app.models import Base

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name)

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    # A batch operation on SQLite copies a table and drops the old one, which fails while
    # other tables' foreign keys refer to it: SQLite stops enforcing them meanwhile (a pragma
    # that works only outside a transaction) and checks them all before the commit.
    sqlite = connection.dialect.name == "sqlite" and not connection.in_transaction()
    if sqlite:
        _foreign_keys(connection, "OFF")
    try:
        with context.begin_transaction():
            context.run_migrations()
            if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                raise RuntimeError("the migration left rows whose foreign keys refer to nothing")
    finally:
        if sqlite:
            _foreign_keys(connection, "ON")


def _foreign_keys(connection: Connection, state: str) -> None:
    """Set SQLite's foreign key enforcement on the driver connection, outside SQLAlchemy's
    transaction handling (which would open a transaction first)."""
    connection.connection.driver_connection.execute(f"PRAGMA foreign_keys={state}")  # type: ignore[union-attr]


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or get_settings().database_url)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline SQL generation is not supported; run against a database")
run_migrations_online()
