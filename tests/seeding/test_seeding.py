"""Seed loading: validation, idempotence, one transaction, lossless export."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import models as m
from app.core.db import make_engine
from app.records.loader import load
from app.seeding.exporter import export
from app.seeding.reader import SeedError
from tests.conftest import FIXTURE_SEEDS, SOURCES_DIR, require_sources


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as connection:
        counts = {
            t.name: connection.execute(select(func.count()).select_from(t)).scalar_one()
            for t in m.Base.metadata.sorted_tables
            if t.name != "data_version"  # one row from the migrations, always there
        }
    engine.dispose()
    return counts


def _load(url: str, seeds: Path):
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            return load(connection, seeds, SOURCES_DIR)
    finally:
        engine.dispose()


def _copy_fixture(tmp_path: Path) -> Path:
    target = tmp_path / "seeds"
    shutil.copytree(FIXTURE_SEEDS, target)
    return target


def test_second_load_changes_nothing(migrated_url):
    first = _load(migrated_url, FIXTURE_SEEDS)
    assert first.inserted["events"] == 5
    before = _counts(migrated_url)
    second = _load(migrated_url, FIXTURE_SEEDS)
    assert not second.changed
    assert _counts(migrated_url) == before


def test_edited_record_is_updated_and_removed_record_deleted(migrated_url, tmp_path):
    _load(migrated_url, FIXTURE_SEEDS)
    seeds = _copy_fixture(tmp_path)
    data = (seeds / "data.yaml").read_text(encoding="utf-8")
    data = data.replace(
        "title: World Migration Report 2024 published",
        "title: World Migration Report 2024 (chapter 8) published",
    )
    (seeds / "data.yaml").write_text(data, encoding="utf-8")
    result = _load(migrated_url, seeds)
    assert result.updated["events"] == 1
    assert not result.inserted
    data = data.replace("disputes:", "unused_disputes:").split("unused_disputes:")[0]
    (seeds / "data.yaml").write_text(data, encoding="utf-8")
    result = _load(migrated_url, seeds)
    assert result.deleted["disputes"] == 1
    assert result.deleted["dispute_claims"] == 2
    assert _counts(migrated_url)["disputes"] == 0


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    seeds = _copy_fixture(tmp_path)
    path = seeds / "data.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return seeds


def test_invalid_field_names_file_record_and_field(migrated_url, tmp_path):
    seeds = _broken(tmp_path, 'date: "2017-02-16/2017-02-17"', 'date: "2017-02-30"')
    with pytest.raises(SeedError) as caught:
        _load(migrated_url, seeds)
    message = str(caught.value)
    assert "data.yaml" in message
    assert "events[0] 'cm-15'" in message
    assert "field date" in message


def test_unknown_reference_names_both_ends(tmp_path, migrated_url):
    seeds = _broken(tmp_path, "parent: cm-15\n", "parent: cm-99\n")
    with pytest.raises(SeedError) as caught:
        _load(migrated_url, seeds)
    assert "event 'cm-15.s3', field parent: refers to event 'cm-99'" in str(caught.value)


def test_quote_not_in_source_is_rejected(tmp_path, migrated_url):
    require_sources()
    seeds = _broken(tmp_path, 'quote: "As of January 2023, 233', 'quote: "As of January 2023, 234')
    with pytest.raises(SeedError, match="quote not found in 004_"):
        _load(migrated_url, seeds)


def test_a_bad_file_changes_nothing(migrated_url, tmp_path):
    _load(migrated_url, FIXTURE_SEEDS)
    before = _counts(migrated_url)
    seeds = _broken(
        tmp_path,
        "title: World Migration Report 2024 published",
        "title: Renamed\n    ordinal: not-a-number",
    )
    (seeds / "extra.yaml").write_text("themes:\n  - {id: new-theme, name: New}\n", encoding="utf-8")
    with pytest.raises(SeedError):
        _load(migrated_url, seeds)
    assert _counts(migrated_url) == before


def test_failure_midway_rolls_back(migrated_url, monkeypatch):
    """A database error after some tables were written leaves the database as it was."""
    from app.records import loader

    real = loader._self_ref_order
    calls = {"n": 0}

    def failing(table, rows):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("injected failure")
        return real(table, rows)

    monkeypatch.setattr(loader, "_self_ref_order", failing)
    with pytest.raises(RuntimeError, match="injected"):
        _load(migrated_url, FIXTURE_SEEDS)
    assert sum(_counts(migrated_url).values()) == 0


def test_duplicate_alias_is_rejected(tmp_path, migrated_url):
    seeds = _broken(tmp_path, "iso3: MEX", "iso3: MEX\n    aliases: [IOM]")
    with pytest.raises(SeedError, match="'iom' belongs to several actors"):
        _load(migrated_url, seeds)


def test_export_load_export_is_identical(migrated_url, tmp_path):
    _load(migrated_url, FIXTURE_SEEDS)
    first, second = tmp_path / "first", tmp_path / "second"
    engine = make_engine(migrated_url)
    with engine.connect() as connection:
        export(connection, first)
    engine.dispose()
    rebuilt = tmp_path / "rebuilt.sqlite3"
    from app.models import migrate

    url = f"sqlite:///{rebuilt}"
    migrate.upgrade(url)
    _load(url, first)
    engine = make_engine(url)
    with engine.connect() as connection:
        export(connection, second)
    engine.dispose()
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    for name in names:
        assert (first / name).read_text() == (second / name).read_text(), name
    assert _counts(url) == _counts(migrated_url)
