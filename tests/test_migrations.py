"""The migrations build exactly the schema the models describe, on both engines."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app.core.db import make_engine
from app.models import Base, migrate


def test_models_and_migrations_agree(migrated_url):
    engine = make_engine(migrated_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def test_downgrade_and_upgrade_round_trip(migrated_url):
    migrate.downgrade(migrated_url)
    engine = make_engine(migrated_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    migrate.upgrade(migrated_url)
    engine = make_engine(migrated_url)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_sqlite_enforces_foreign_keys(tmp_path):
    url = f"sqlite:///{tmp_path / 'fk.sqlite3'}"
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
    engine.dispose()
