"""Start-up of a server process: migrations and the first seeding, one process at a time.

Replicas started together on one PostgreSQL database take turns on a session advisory
lock: the first migrates and seeds, the others wait for the lock, then find nothing to do.
SQLite is one machine's file, for one server at a time: no lock is taken.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from app.core.db import make_engine

# Any fixed number: the key every mgt process locks before it changes the schema.
STARTUP_LOCK = 0x6D67_7401


@contextmanager
def one_at_a_time(url: str) -> Iterator[None]:
    """Hold the start-up lock for the block (PostgreSQL); waits while another holds it."""
    engine = make_engine(url)
    try:
        if engine.dialect.name != "postgresql":
            yield
            return
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": STARTUP_LOCK})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": STARTUP_LOCK})
    finally:
        engine.dispose()


def applied_migrations(url: str) -> list[str]:
    """The revisions the database is at; none before the first migration."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            if not engine.dialect.has_table(connection, "alembic_version"):
                return []
            rows = connection.execute(text("SELECT version_num FROM alembic_version"))
            return sorted(rows.scalars())
    finally:
        engine.dispose()
