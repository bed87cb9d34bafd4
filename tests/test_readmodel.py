"""The read model: migrations only make tables; every projection is rebuilt when its version
changes, checked against a fresh rendering, and kept by one rule on every write."""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import delete, select, update

from app import models as m
from app import readmodel
from app.cli import main
from app.core import migrate
from app.core.config import PROJECT_ROOT, get_settings
from app.core.db import make_engine
from app.readmodel.projections import PROJECTIONS
from app.records import store
from app.seeding.exporter import as_data
from tests.conftest import FIXTURE_SEEDS, SOURCES_DIR, seeded
from tests.test_writes import api, auth

__all__ = ["api"]

MIGRATIONS = sorted((PROJECT_ROOT / "migrations" / "versions").glob("*.py"))
NAMES = [p.name for p in PROJECTIONS]


def _imported(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def _revision_before(name: str) -> str:
    """The revision the migration named ``*_NAME.py`` revises."""
    path = next(p for p in MIGRATIONS if p.stem.endswith(f"_{name}"))
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.AnnAssign) and ast.unparse(node.target) == "down_revision":
            return str(ast.literal_eval(node.value))  # type: ignore[arg-type]
    raise AssertionError(f"{path.name} names no down_revision")


def test_no_migration_imports_the_application():
    """A migration runs against yesterday's schema: today's models and rendering do not fit
    it, so filling derived tables is the read model's job, never a migration's."""
    assert len(MIGRATIONS) >= 11
    importing = {
        path.name: sorted(name for name in _imported(path) if name.split(".")[0] == "app")
        for path in MIGRATIONS
    }
    assert {name: found for name, found in importing.items() if found} == {}


def test_the_import_scan_sees_late_imports(tmp_path):
    late = tmp_path / "late.py"
    late.write_text("def upgrade():\n    from app.records import documents\n    import app.x\n")
    assert _imported(late) == {"app.records", "app.x"}


@pytest.fixture(params=["sqlite", "postgresql"])
def seeded_url(request, tmp_path) -> Iterator[str]:
    yield from seeded(request.param, tmp_path, FIXTURE_SEEDS)


def test_a_write_without_maintenance_is_found_and_a_rebuild_repairs_it(seeded_url, monkeypatch):
    engine = make_engine(seeded_url)
    with engine.connect() as connection:
        assert readmodel.check(connection) == []
        assert readmodel.stale(connection) == []
    monkeypatch.setattr(readmodel, "apply", lambda connection, change: None)
    with engine.begin() as connection:
        before = as_data(store.read_one(connection, "actors", "mexico"))
        renamed = {**before, "name": "United Mexican States"}
        store.replace(connection, "actors", "mexico", renamed, "test", None, before=before)
    with engine.connect() as connection:
        found = readmodel.check(connection)
    # The profile, the list item, and the detail of a process in which Mexico has a role.
    assert {f.split(":")[0] for f in found} == {
        "search_index",
        "rendered_documents actor",
        "rendered_documents actor-item",
        "rendered_documents process",
    }
    assert "search_index: out of date: ('actor', 'mexico')" in found
    assert any(
        f.startswith("rendered_documents actor: out of date:") and "mexico" in f for f in found
    )
    monkeypatch.undo()
    with engine.begin() as connection:
        assert readmodel.rebuild(connection) == NAMES
    with engine.connect() as connection:
        assert readmodel.check(connection) == []
        body = connection.execute(
            select(m.RenderedDocument.body).where(
                m.RenderedDocument.kind == "actor", m.RenderedDocument.key == "mexico"
            )
        ).scalar_one()
    assert json.loads(body)["name"] == "United Mexican States"
    engine.dispose()


def test_only_a_projection_whose_version_changed_is_rebuilt(seeded_url):
    engine = make_engine(seeded_url)
    with engine.begin() as connection:
        number = connection.execute(select(m.DataVersion.version)).scalar_one()
        connection.execute(
            update(m.ProjectionVersion)
            .where(m.ProjectionVersion.name == "timeline")
            .values(version="older")
        )
        connection.execute(delete(m.RenderedEvent))
        assert readmodel.stale(connection) == ["timeline"]
        found = readmodel.check(connection)
        assert found[0] == "timeline: built with another version, or never"
        assert found[1].startswith("rendered_events: missing: ")
        assert len(found) == 2
        assert readmodel.rebuild_stale(connection) == ["timeline", "data_version"]
        assert readmodel.rebuild_stale(connection) == []
    with engine.connect() as connection:
        assert readmodel.check(connection) == []
        assert connection.execute(select(m.DataVersion.version)).scalar_one() == number + 1
    engine.dispose()


@pytest.fixture
def cli_url(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("MGT_SEEDS_DIR", str(FIXTURE_SEEDS))
    monkeypatch.setenv("MGT_SOURCES_DIR", str(SOURCES_DIR))
    get_settings.cache_clear()
    yield db_url
    get_settings.cache_clear()


def test_upgrade_seed_downgrade_one_and_upgrade_again_on_an_empty_database(cli_url, capsys):
    assert main(["db", "upgrade"]) == 0
    assert main(["seed"]) == 0
    assert main(["readmodel", "check"]) == 0
    engine = make_engine(cli_url)
    with engine.connect() as connection:
        searchable = connection.execute(select(m.SearchEntry.record_id)).scalars().all()
    assert "iom" in searchable
    command.downgrade(migrate.alembic_config(cli_url), "-1")
    assert main(["db", "upgrade"]) == 0
    command.downgrade(migrate.alembic_config(cli_url), _revision_before("readmodel_versions"))
    capsys.readouterr()
    assert main(["db", "upgrade"]) == 0  # the versions are gone: every projection is rebuilt
    assert f"read model rebuilt: {', '.join(NAMES)}" in capsys.readouterr().err
    assert main(["db", "upgrade"]) == 0
    assert "rebuilt" not in capsys.readouterr().err
    assert main(["readmodel", "check"]) == 0
    with engine.begin() as connection:
        connection.execute(delete(m.ActorEvent))
        connection.execute(delete(m.SearchEntry).where(m.SearchEntry.record_id == "iom"))
    engine.dispose()
    capsys.readouterr()
    assert main(["readmodel", "check"]) == 1
    out = capsys.readouterr().out
    assert "search_index: missing: ('actor', 'iom')" in out
    assert "actor_events: missing: ('" in out
    assert main(["readmodel", "rebuild", "nothing"]) == 1
    assert main(["readmodel", "rebuild", "search", "actor_events"]) == 0
    assert capsys.readouterr().out == "rebuilt: search, actor_events, data_version\n"
    assert main(["readmodel", "check"]) == 0


def test_a_position_s_new_citation_is_searchable(api):
    """A write to a position reaches the search entries of its citations (the index names
    the subject kind in the singular)."""
    client, tokens = api
    path = "/api/v1/positions/gomez-camacho-pr-mexico"
    quote = "Permanent Representative of Mexico to the United Nations"
    etag = client.get(path).headers["ETag"]
    cite = [{"source": "desa-cm15-2017", "quote": quote, "locator": "p. 1"}]
    changed = client.patch(
        path, json={"cite": cite}, headers=auth(tokens["write"], **{"If-Match": etag})
    )
    assert changed.status_code == 200, changed.text
    hits = client.get("/api/v1/search", params={"q": '"p. 1"', "kind": "citation"}).json()
    assert [(h["kind"], h["title"]) for h in hits["items"]] == [("citation", quote)]
