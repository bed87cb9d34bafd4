"""The real dataset in seeds/: valid, every quote found, every row cited, key facts right."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import models as m
from app.core.config import PROJECT_ROOT
from app.core.db import make_engine
from app.seeding.checks import check_dataset
from app.seeding.reader import read_dataset
from tests.conftest import SOURCES_DIR, require_sources

CITED_TABLES = {
    "actor": m.Actor,
    "position": m.Position,
    "process": m.Process,
    "process_link": m.ProcessLink,
    "process_role": m.ProcessRole,
    "event": m.Event,
    "participation": m.Participation,
    "statement_point": m.StatementPoint,
    "instrument": m.Instrument,
    "instrument_act": m.InstrumentAct,
    "provision": m.Provision,
    "pledge": m.Pledge,
    "figure": m.Figure,
    "dispute_claim": m.DisputeClaim,
}


@pytest.fixture(scope="module")
def dataset():
    require_sources()
    return read_dataset(PROJECT_ROOT / "seeds")


def test_seed_files_pass_every_check_with_quotes_found(dataset):
    check_dataset(dataset, SOURCES_DIR)


def test_each_gcm_objective_exactly_once(dataset):
    numbers = sorted(
        int(p.number)
        for p in dataset.of("provisions")
        if p.instrument == "gcm" and p.kind == "objective"
    )
    assert numbers == list(range(1, 24))


def test_every_seeded_row_has_a_citation(dataset_db):
    engine = make_engine(dataset_db)
    with engine.connect() as connection:
        cited = set(connection.execute(select(m.Citation.subject_type, m.Citation.subject_id)))
        for kind, model in CITED_TABLES.items():
            ids = connection.execute(select(model.__table__.c.id)).scalars().all()
            uncited = [i for i in ids if (kind, i) not in cited]
            assert not uncited, f"{kind} rows without a citation: {uncited[:10]}"
    engine.dispose()


def test_no_citation_points_at_a_missing_row(dataset_db):
    engine = make_engine(dataset_db)
    with engine.connect() as connection:
        present = {
            kind: set(connection.execute(select(model.__table__.c.id)).scalars())
            for kind, model in CITED_TABLES.items()
        }
        for kind, subject_id in connection.execute(
            select(m.Citation.subject_type, m.Citation.subject_id)
        ):
            assert subject_id in present[kind], f"citation of missing {kind} '{subject_id}'"
    engine.dispose()


def test_export_load_export_of_the_dataset_is_identical(dataset_db, tmp_path):
    from app.models import migrate
    from app.records.loader import load
    from app.seeding.exporter import export

    first, second = tmp_path / "first", tmp_path / "second"
    engine = make_engine(dataset_db)
    with engine.connect() as connection:
        export(connection, first)
    engine.dispose()
    url = f"sqlite:///{tmp_path / 'rebuilt.sqlite3'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with engine.begin() as connection:
        load(connection, first, SOURCES_DIR)
    with engine.connect() as connection:
        export(connection, second)
    engine.dispose()
    for path in sorted(first.iterdir()):
        assert path.read_text() == (second / path.name).read_text(), path.name
