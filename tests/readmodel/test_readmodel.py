"""The read model: migrations only make tables; every projection is rebuilt when its version
changes, checked against a fresh rendering, and kept by one rule on every write."""

from __future__ import annotations

import ast
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import delete, select, update

from app import models as m
from app import readmodel
from app.cli import main
from app.core.config import PROJECT_ROOT, get_settings
from app.core.db import make_engine, make_sessionmaker, unit_of_work
from app.models import migrate
from app.readmodel.projections import PROJECTIONS
from app.records import store
from app.records.auth import create_key
from app.seeding.exporter import as_data, read_records
from tests.api.test_writes import PLEDGE, api, auth
from tests.conftest import ENGINES, FIXTURE_SEEDS, SOURCES_DIR, client_for, seeded
from tests.test_statements import POINT, moderator_with

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


def _acted_for(client, actor: str, event: str) -> str | None:
    a = m.ActorEvent
    with client.app.state.db.engine.connect() as connection:
        query = select(a.via).where(a.actor_id == actor, a.event_id == event)
        via: str | None = connection.execute(query).scalar_one()
    return via


def _in_step(client) -> None:
    with client.app.state.db.engine.connect() as connection:
        assert readmodel.check(connection, versions=False) == []


def test_a_citation_of_a_post_reaches_where_its_person_acted_for_the_organization(api):
    """A post's citations are shown where its person acted for the organization (Mexico at
    cm-15.s3, through its Permanent Representative): citing the post remakes that row of
    actor_events in the write's transaction."""
    client, tokens = api
    headers = auth(tokens["write"])
    acted_before = _acted_for(client, "mexico", "cm-15.s3")
    post = {
        "subject": {"kind": "position", "id": "gomez-camacho-pr-mexico"},
        "source": "desa-cm15-2017",
        "quote": "Permanent Representative of Mexico to the United Nations",
        "locator": "p. 9",
    }
    created = client.post("/api/v1/citations", json=post, headers=headers)
    assert created.status_code == 201, created.text
    _in_step(client)
    acted = _acted_for(client, "mexico", "cm-15.s3")
    assert acted != acted_before
    assert created.json()["id"] in str(acted)


def _patched(client, token: str, path: str, change: dict[str, object]) -> None:
    etag = client.get(path).headers["etag"]
    response = client.patch(path, json=change, headers=auth(token, **{"If-Match": etag}))
    assert response.status_code == 200, response.text
    _in_step(client)


def test_a_meeting_and_its_announcement_are_remade_together(api):
    """An announcement shows the meeting as held (its title), and the meeting lists its
    announcements: a write to either remakes the other."""
    client, tokens = api
    meeting, announced = "/api/v1/events/gfmd-2009", "/api/v1/events/gfmd-2009-announced"
    _patched(client, tokens["write"], meeting, {"title": "The Athens Forum"})
    assert client.get(announced).json()["held_as"]["name"] == "The Athens Forum"
    assert [a["id"] for a in client.get(meeting).json()["announcements"]] == ["gfmd-2009-announced"]
    _patched(client, tokens["write"], announced, {"held_as": None})
    assert client.get(meeting).json()["announcements"] == []


def test_a_pledge_given_to_another_pledger_leaves_the_first_one_s_profile(api):
    """A write remakes the documents of what the record referred to before as well as after."""
    client, tokens = api

    def pledges_of(actor: str) -> list[str]:
        return [p["id"] for p in client.get(f"/api/v1/actors/{actor}").json()["pledges"]]

    assert "example-pledge" in pledges_of("iom")
    assert "example-pledge" not in pledges_of("mexico")
    _patched(client, tokens["write"], "/api/v1/pledges/example-pledge", {"pledgers": ["mexico"]})
    assert "example-pledge" not in pledges_of("iom")
    assert "example-pledge" in pledges_of("mexico")


def test_a_pledge_taken_off_an_objective_leaves_its_count(api):
    """A pledge taken off an objective remakes the objective's page, whose count then says
    that none is recorded."""
    client, tokens = api

    def recorded(objective: int) -> int | None:
        response = client.get(f"/api/v1/objectives/{objective}")
        assert response.status_code == 200, response.text
        count: int | None = response.json()["pledges_recorded"]
        return count

    assert recorded(7) == 1
    _patched(client, tokens["write"], "/api/v1/pledges/example-pledge", {"objectives": []})
    assert recorded(7) is None  # none recorded (not a zero that reads as a count)


def test_an_instrument_s_stored_detail_follows_the_events_that_made_it(api):
    """The instrument's detail is a stored document: an event linked to it, renamed or
    unlinked, is shown as it now stands."""
    client, tokens = api
    meeting, detail = "/api/v1/events/gfmd-2009", "/api/v1/instruments/gcm"
    assert "gfmd-2009" not in {e["id"] for e in client.get(detail).json()["events"]}
    _patched(
        client,
        tokens["write"],
        meeting,
        {"instruments": [{"instrument": "gcm", "relation": "adopted"}]},
    )
    linked = {e["id"]: e for e in client.get(detail).json()["events"]}
    assert linked["gfmd-2009"]["relation"] == "adopted"
    _patched(client, tokens["write"], meeting, {"title": "The Athens Forum"})
    linked = {e["id"]: e for e in client.get(detail).json()["events"]}
    assert linked["gfmd-2009"]["title"] == "The Athens Forum"
    _patched(client, tokens["write"], meeting, {"instruments": []})
    assert "gfmd-2009" not in {e["id"] for e in client.get(detail).json()["events"]}


def _dispute_of(client, path: str) -> dict[str, Any]:
    (dispute,) = client.get(path).json()["disputes"]
    found: dict[str, Any] = dispute
    return found


def _claim_citations(dispute: dict[str, Any]) -> list[list[tuple[str, str | None]]]:
    """Each claim's citations as (source, locator), in the claims' order."""
    return [
        [(c["source"]["id"], c["locator"]) for c in claim["citations"]]
        for claim in dispute["claims"]
    ]


def _citation_of(client, subject_id: str, source: str) -> str:
    cited = client.get(f"/api/v1/sources/{source}").json()["citations"]
    (ident,) = [c["id"] for c in cited if c["subject_id"] == subject_id]
    return str(ident)


def test_a_curator_changes_a_dispute_claim_s_citation(api):
    """A claim's evidence is corrected like any citation: the dispute, wherever it is shown
    (the event it is about, its timeline item, the list of disputes), shows the change, the
    stored read model follows in the same transaction, the export (seed files) carries it,
    and the audit log keeps both sides."""
    client, tokens = api
    claim = "gfmd-2010-host.1"
    ident = _citation_of(client, claim, "cms-2009")
    path = f"/api/v1/citations/{ident}"
    read = client.get(path)
    assert read.json()["subject"] == {"kind": "dispute_claim", "id": claim}
    changed = client.patch(
        path,
        json={"locator": "p. 2", "note": "the 2009 schedule"},
        headers=auth(tokens["write"], **{"If-Match": read.headers["etag"]}),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["locator"] == "p. 2"
    _in_step(client)
    expected = [[("cms-2009", "p. 2")], [("wmr-2024-ch8", None)]]
    assert _claim_citations(_dispute_of(client, "/api/v1/events/cm-15")) == expected
    timeline_item = next(
        i for i in client.get("/api/v1/timeline").json()["items"] if i["id"] == "cm-15"
    )
    (dispute,) = timeline_item["disputes"]
    assert _claim_citations(dispute) == expected
    (listed,) = client.get("/api/v1/disputes").json()["items"]
    assert _claim_citations(listed) == expected
    with client.app.state.db.engine.connect() as connection:
        (exported,) = read_records(connection, "disputes", ["gfmd-2010-host"])
    assert as_data(exported)["claims"][0]["cite"] == [
        {
            "source": "cms-2009",
            "quote": "Forums are already scheduled for Argentina in 2010",
            "locator": "p. 2",
            "note": "the 2009 schedule",
        }
    ]
    (change,) = client.get("/api/v1/changes", params={"kind": "citations"}).json()["items"]
    assert change["action"] == "update"
    assert (change["before"].get("locator"), change["after"]["locator"]) == (None, "p. 2")


def test_a_dispute_claim_gains_evidence_and_keeps_its_last_citation(api):
    """A second citation can be added to a claim, after which either may go, but never the
    last: every claim stays cited. A claim that does not exist cannot be cited."""
    client, tokens = api
    claim = "gfmd-2010-host.2"
    quote = "GFMD held a stakeholders’ hybrid forum with 180 delegates from 81 GFMD Member States"
    body = {"subject": {"kind": "dispute_claim", "id": claim}, "source": "wmr-2024-ch8"}
    added = client.post(
        "/api/v1/citations", json=body | {"quote": quote}, headers=auth(tokens["write"])
    )
    assert added.status_code == 201, added.text
    _in_step(client)
    assert _claim_citations(_dispute_of(client, "/api/v1/events/cm-15"))[1] == [
        ("wmr-2024-ch8", None),
        ("wmr-2024-ch8", None),
    ]
    removed = client.delete(
        f"/api/v1/citations/{added.json()['id']}", headers=auth(tokens["admin"])
    )
    assert removed.status_code == 204
    last = _citation_of(client, claim, "wmr-2024-ch8")
    refused = client.delete(f"/api/v1/citations/{last}", headers=auth(tokens["admin"]))
    assert refused.status_code == 422
    assert f"last citation of dispute_claim '{claim}'" in refused.json()["detail"]
    missing = client.post(
        "/api/v1/citations",
        json=body
        | {"subject": {"kind": "dispute_claim", "id": "gfmd-2010-host.3"}, "locator": "p. 1"},
        headers=auth(tokens["write"]),
    )
    assert missing.status_code == 422
    assert "no dispute_claim with id 'gfmd-2010-host.3'" in missing.json()["detail"]
    assert len(_dispute_of(client, "/api/v1/events/cm-15")["claims"]) == 2


# The test dataset has no figure about an event: this one is a meeting's attendance.
EVENT_FIGURE = """\
figures:
  - id: cm-15-attendance
    statement: More than 300 participants attended the Fifteenth Coordination Meeting
    value: 300
    unit: participants
    date: "2017-02-16"
    subject: {kind: event, id: cm-15}
    cite:
      - {source: desa-cm15-2017, quote: "The meeting was attended by more than 300 participants"}
"""


@pytest.fixture(scope="module")
def event_figure_seeds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    seeds = tmp_path_factory.mktemp("seeds-event-figure")
    for path in FIXTURE_SEEDS.glob("*.yaml"):
        shutil.copy(path, seeds / path.name)
    (seeds / "event-figure.yaml").write_text(EVENT_FIGURE, encoding="utf-8")
    return seeds


@pytest.fixture(params=ENGINES)
def figure_api(request, tmp_path, event_figure_seeds) -> Iterator[tuple[object, str]]:
    """A client over the test dataset plus an event's figure, and a write key's token."""
    for url in seeded(request.param, tmp_path, event_figure_seeds):
        engine = make_engine(url)
        with unit_of_work(make_sessionmaker(engine)) as session:
            token = create_key(session, "write-key", "write")
        engine.dispose()
        for client in client_for(url):
            yield client, token


def _figure_citations(client, event: str) -> list[tuple[str, str | None]]:
    (figure,) = client.get(f"/api/v1/events/{event}").json()["figures"]
    assert figure["id"] == "cm-15-attendance"
    return [(c["source"]["id"], c["locator"]) for c in figure["citations"]]


def test_a_citation_of_an_event_s_figure_reaches_the_event_s_detail(figure_api):
    """A figure about a meeting (its attendance) is shown, with its evidence, in the
    meeting's stored detail: citing the figure or correcting that citation remakes it."""
    client, token = figure_api
    assert _figure_citations(client, "cm-15") == [("desa-cm15-2017", None)]
    body = {
        "subject": {"kind": "figure", "id": "cm-15-attendance"},
        "source": "desa-cm15-2017",
        "quote": "attended by more than 300 participants, including representatives",
    }
    added = client.post("/api/v1/citations", json=body, headers=auth(token))
    assert added.status_code == 201, added.text
    _in_step(client)
    assert _figure_citations(client, "cm-15") == [("desa-cm15-2017", None)] * 2
    path = f"/api/v1/citations/{added.json()['id']}"
    etag = client.get(path).headers["etag"]
    changed = client.patch(
        path, json={"locator": "p. 1"}, headers=auth(token, **{"If-Match": etag})
    )
    assert changed.status_code == 200, changed.text
    _in_step(client)
    assert _figure_citations(client, "cm-15") == [
        ("desa-cm15-2017", None),
        ("desa-cm15-2017", "p. 1"),
    ]


def test_a_citation_of_a_statement_point_reaches_its_event(api):
    """A point a speaker made is shown with its evidence in the event's stored item: citing
    the point remakes it."""
    client, tokens = api
    url = "/api/v1/events/cm-15.s3"
    _patched(client, tokens["write"], url, {"participants": [moderator_with(POINT)]})
    (point,) = client.get(url).json()["actors"][0]["points"]
    body = {
        "subject": {"kind": "statement_point", "id": point["id"]},
        "source": "desa-cm15-2017",
        "quote": "III. INTERNATIONAL COOPERATION AND GOVERNANCE OF MIGRATION",
        "locator": "p. 4",
    }
    added = client.post("/api/v1/citations", json=body, headers=auth(tokens["write"]))
    assert added.status_code == 201, added.text
    _in_step(client)
    (shown,) = client.get(url).json()["actors"][0]["points"]
    assert [c["locator"] for c in shown["citations"]] == [None, "p. 4"]


def test_an_event_s_new_participant_finds_it_on_its_timeline_at_once(api):
    """A participant added to an event is on the event's ``actor_events`` rows in the write's
    transaction, so the timeline filtered by that actor holds the event; removed, it does not."""
    client, tokens = api

    def timeline_of(actor: str) -> list[str]:
        fresh = {"Cache-Control": "no-cache"}
        body = client.get("/api/v1/timeline", params={"actor": actor}, headers=fresh).json()
        return [i["id"] for i in body["items"]]

    assert timeline_of("iom") == []
    role = {
        "event": "gfmd-2009",
        "actor": "iom",
        "role": "attendee",
        "cite": [{"source": "gfmd-org-greece2009", "locator": "meetings/greece2009"}],
    }
    created = client.post("/api/v1/participations", json=role, headers=auth(tokens["write"]))
    assert created.status_code == 201, created.text
    _in_step(client)
    assert timeline_of("iom") == ["gfmd-2009"]
    path = f"/api/v1/participations/{created.json()['id']}"
    assert client.delete(path, headers=auth(tokens["admin"])).status_code == 204
    _in_step(client)
    assert timeline_of("iom") == []


def test_a_country_s_new_name_reaches_the_events_held_in_it(api):
    """An item shows the country it was held in by name: renaming the country remakes the
    stored items of the events held there."""
    client, tokens = api
    event = {
        "id": "stocktaking-2017",
        "title": "Stocktaking meeting for the global compact",
        "kind": "meeting",
        "date": "2017-12-04",
        "city": "Puerto Vallarta",
        "country": "mexico",
        "cite": [
            {"source": "desa-cm15-2017", "quote": "to be held in Mexico in early December 2017"}
        ],
    }
    created = client.post("/api/v1/events", json=event, headers=auth(tokens["write"]))
    assert created.status_code == 201, created.text
    _patched(client, tokens["write"], "/api/v1/actors/mexico", {"name": "United Mexican States"})
    place = client.get("/api/v1/events/stocktaking-2017").json()["place"]
    assert place["country"] == {"id": "mexico", "name": "United Mexican States"}


def test_a_new_name_reaches_the_events_attended_on_the_actor_s_behalf(api):
    """An item names the actor a participant spoke for: renaming that actor remakes the
    stored items of the events where someone took part on its behalf."""
    client, tokens = api
    role = {
        "event": "gfmd-2009",
        "actor": "mexico",
        "role": "attendee",
        "on_behalf_of": "iom",
        "cite": [{"source": "gfmd-org-greece2009", "locator": "meetings/greece2009"}],
    }
    created = client.post("/api/v1/participations", json=role, headers=auth(tokens["write"]))
    assert created.status_code == 201, created.text
    _patched(client, tokens["write"], "/api/v1/actors/iom", {"name": "UN Migration"})
    detail = client.get("/api/v1/events/gfmd-2009", headers={"Cache-Control": "no-cache"})
    (spoke,) = [p for p in detail.json()["actors"] if p.get("on_behalf_of")]
    assert spoke["on_behalf_of"] == {"id": "iom", "name": "UN Migration"}


def test_an_objective_lists_its_first_pledges_and_counts_them_all(api, monkeypatch):
    """However many pledges an objective has, its detail stays small: the first ones by id,
    as the pledges list's first page gives them, and how many are recorded."""
    from app.views import pledges

    client, tokens = api
    created = client.post("/api/v1/pledges", json=PLEDGE, headers=auth(tokens["write"]))
    assert created.status_code == 201, created.text
    monkeypatch.setattr(pledges, "PLEDGES_SHOWN", 1)
    fresh = {"Cache-Control": "no-cache"}
    detail = client.get("/api/v1/objectives/7", headers=fresh).json()
    page = client.get("/api/v1/pledges", params={"objective": 7, "limit": 1}).json()
    assert detail["pledges_recorded"] == 2
    assert [p["id"] for p in detail["pledges"]] == [p["id"] for p in page["items"]]
    assert detail["pledges"] == page["items"]
