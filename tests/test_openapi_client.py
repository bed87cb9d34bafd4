"""The OpenAPI document generates a client that reaches every operation.

openapi-python-client generates a package from the document a live ``mgt serve`` serves
(once per engine, into a temporary directory); the test imports it and calls EVERY
operation at least once — the reads, and the writes with an API key — checking the typed
results. The document also validates with openapi-spec-validator.
"""

from __future__ import annotations

import importlib
import io
import json
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from openapi_spec_validator import validate

from app.api.openapi import OPERATIONS
from app.api.openapi_examples import BODY_EXAMPLES
from app.core.db import make_engine, make_sessionmaker, unit_of_work
from app.records.auth import create_key
from tests.conftest import ENGINES, _fresh_database
from tests.live import Server, live_server

V1 = "/api/v1"
PLEDGES_CSV = (
    "pledger,type,objectives,date,description,status,source\n"
    "Mexico,Policy,7;13,2022-05,Screening and referral for children,planned,"
    "https://example.org/pledges/17\n"
)
# openapi-python-client reads no text/csv body: it is sent as bytes, as octet-stream would be.
CONFIG = "content_type_overrides:\n  text/csv: application/octet-stream\n"


class Generated:
    """The generated package, and which of its operations the test has called."""

    def __init__(self, package: str, document: dict[str, Any]) -> None:
        self.package = package
        self.modules: dict[str, ModuleType] = {}
        root = importlib.import_module(package)
        for path in Path(root.__file__ or "").parent.glob("api/*/*.py"):
            if path.stem != "__init__":
                name = f"{package}.api.{path.parent.name}.{path.stem}"
                self.modules[path.stem] = importlib.import_module(name)
        self.operations = {
            _snake(op["operationId"]) for item in document["paths"].values() for op in item.values()
        }
        self.called: set[str] = set()

    def model(self, name: str) -> Any:
        return getattr(importlib.import_module(f"{self.package}.models"), name)

    def call(self, operation: str, client: Any, *args: Any, **kwargs: Any) -> Any:
        """The operation's response (status_code, headers, typed ``parsed``)."""
        self.called.add(operation)
        return self.modules[operation].sync_detailed(*args, client=client, **kwargs)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@pytest.fixture(scope="module", params=ENGINES)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp(f"client-{request.param}")
    for url in _fresh_database(request.param, directory):
        with live_server(directory, url if request.param == "postgresql" else None) as running:
            said = (directory / "server.log").read_text()
            assert f"serving {running.base_url} (API {running.base_url}/api/v1" in said
            yield running


@pytest.fixture(scope="module")
def document(server: Server) -> dict[str, Any]:
    with urllib.request.urlopen(f"{server.base_url}/openapi.json", timeout=10) as response:
        loaded: dict[str, Any] = json.load(response)
    return loaded


@pytest.fixture(scope="module")
def generated(
    document: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Generated]:
    directory = tmp_path_factory.mktemp("generated")
    (directory / "openapi.json").write_text(json.dumps(document))
    (directory / "config.yaml").write_text(CONFIG)
    package = f"mgt_client_{directory.name.replace('-', '_')}"
    command = [sys.executable, "-m", "openapi_python_client", "generate"]
    command += ["--path", "openapi.json", "--meta", "none", "--output-path", package]
    run = subprocess.run(
        [*command, "--config", "config.yaml"],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "will not be generated" not in run.stdout + run.stderr, run.stdout + run.stderr
    sys.path.insert(0, str(directory))
    try:
        yield Generated(package, document)
    finally:
        sys.path.remove(str(directory))


def test_the_document_validates(document: dict[str, Any]) -> None:
    validate(document)
    ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if path.startswith(V1):
                assert OPERATIONS[(method, path)] == operation["operationId"]
            assert re.fullmatch(r"[a-z]+(?:[A-Z][a-z0-9]*)*", operation["operationId"])


def test_the_generated_client_calls_every_operation(server: Server, generated: Generated) -> None:
    from_module = importlib.import_module(f"{generated.package}.client")
    reader = from_module.Client(base_url=server.base_url, raise_on_unexpected_status=True)
    engine = make_engine(server.database_url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        token = create_key(session, "client-test", "admin")
    engine.dispose()
    writer = from_module.AuthenticatedClient(base_url=server.base_url, token=token)
    _reads(generated, reader)
    _writes(generated, writer)
    changes = generated.call(
        "list_changes", reader, kind=_enum(generated, "ListChangesKindType0", "pledges")
    )
    assert changes.status_code == 200
    assert {c.action for c in changes.parsed.items} >= {"create", "update", "delete"}
    missing = generated.operations - generated.called
    assert not missing, f"operations not called: {sorted(missing)}"
    assert len(generated.called) == len(generated.operations) == len(OPERATIONS) + 1


def _enum(generated: Generated, name: str, value: str) -> Any:
    return generated.model(name)(value)


def _ok(response: Any, model: str, generated: Generated, status: int = 200) -> Any:
    assert response.status_code == status, response.content[:500]
    assert isinstance(response.parsed, generated.model(model)), type(response.parsed)
    return response.parsed


def _reads(g: Generated, c: Any) -> None:
    root = _ok(g.call("get_api_root", c), "ApiRoot", g)
    assert f"{V1}/timeline" in {r.path for r in root.resources}
    page = _ok(
        g.call(
            "list_timeline",
            c,
            start="2016-09",
            end="2018",
            process=["gcm"],
            limit=5,
            facet=[_enum(g, "ListTimelineFacetItem", "kind")],
        ),
        "TimelineItemPage",
        g,
    )
    assert page.items
    assert all(item.citations for item in page.items)
    assert page.next_cursor
    assert page.facets
    following = _ok(
        g.call(
            "list_timeline",
            c,
            start="2016-09",
            end="2018",
            process=["gcm"],
            cursor=page.next_cursor,
        ),
        "TimelineItemPage",
        g,
    )
    assert not {i.id for i in page.items} & {i.id for i in following.items}
    meetings = g.call(
        "list_meetings",
        c,
        process=["gfmd"],
        top_level=True,
        kind=[_enum(g, "ListMeetingsKindItem", "forum")],
    )
    assert _ok(meetings, "TimelineItemPage", g).items[0].process.id == "gfmd"
    cm15 = _ok(g.call("get_meeting", c, "cm-15"), "EventDetail", g)
    assert cm15.date.display == "16–17 February 2017"
    assert cm15.sessions
    assert _ok(g.call("get_event", c, "cm-15"), "EventDetail", g).id == "cm-15"
    rcps = g.call("list_processes", c, kind=_enum(g, "ListProcessesKindType0", "rcp"))
    assert {p.kind for p in _ok(rcps, "ProcessPage", g).items} == {"rcp"}
    assert _ok(g.call("get_process", c, "gfmd"), "ProcessDetail", g).roles
    gfmd = _ok(g.call("list_process_timeline", c, "gfmd", limit=3), "TimelineItemPage", g)
    assert len(gfmd.items) == 3
    found = _ok(g.call("list_actors", c, q='"UN Migration Agency"'), "ActorPage", g)
    assert found.items[0].id == "iom"
    assert _ok(g.call("get_actor", c, "mexico"), "ActorDetail", g).name == "Mexico"
    mexico = _ok(g.call("list_actor_timeline", c, "mexico", start="2017"), "TimelineItemPage", g)
    assert mexico.items
    position = g.call("get_position", c, "louise-arbour.srsg-international-migration")
    assert _ok(position, "PositionOut", g).person.id == "louise-arbour"
    kind = _enum(g, "ListInstrumentsKindType0", "compact")
    compacts = _ok(g.call("list_instruments", c, kind=kind), "InstrumentPage", g).items
    assert {i.id for i in compacts} >= {"gcm", "gcr"}
    assert _ok(g.call("get_instrument", c, "gcm"), "InstrumentDetail", g).id == "gcm"
    compared = _ok(g.call("compare_instruments", c, left="gcm", right="gcr"), "Comparison", g)
    assert compared.shared_themes
    assert compared.attributes
    objectives = g.call("list_objectives", c)
    assert [o.number for o in objectives.parsed.items] == [str(n) for n in range(1, 24)]
    assert _ok(g.call("get_objective", c, 7), "ObjectiveDetail", g).number == "7"
    pledges = _ok(g.call("list_pledges", c, objective=[7], limit=3), "PledgePage", g)
    assert all(7 in p.objectives for p in pledges.items)
    sources = _ok(g.call("list_sources", c, limit=2), "SourcePage", g)
    source = _ok(g.call("get_source", c, sources.items[0].id), "SourceDetail", g)
    assert source.id == sources.items[0].id
    cited = _ok(g.call("list_citations", c, source=source.id, limit=100), "CitingFactPage", g)
    assert [x.id for x in cited.items] == [x.id for x in source.citations]
    assert source.citations_total == len(source.citations) or source.citations_next_url
    figures = _ok(g.call("list_figures", c, unit="pledges"), "FigurePage", g)
    assert {f.unit for f in figures.items} == {"pledges"}
    figure = _ok(g.call("get_figure", c, figures.items[0].id), "FigureOut", g)
    assert figure.to_dict() | {"cite_as": None} == figures.items[0].to_dict() | {"cite_as": None}
    assert figure.cite_as.record.url.endswith(f"/api/v1/figures/{figure.id}")
    disputes = _ok(g.call("list_disputes", c), "DisputePage", g)
    assert all(any(claim.followed for claim in d.claims) for d in disputes.items)
    assert g.call("list_themes", c).parsed[0].id
    hits = _ok(g.call("search", c, q='"global compact" pledges'), "SearchHitPage", g)
    assert hits.items[0].snippet
    assert g.call("health", c).status_code == 200
    assert g.call("get_liveness", c).status_code == 200
    assert g.call("get_readiness", c).status_code == 200
    day = _ok(g.call("get_snapshot", c, date="2017-02-16"), "Snapshot", g)
    assert any(process.id == "gfmd" for process in day.processes)
    kind = _enum(g, "CiteRecordKind", "actors")
    assert _ok(g.call("cite_record", c, kind, "iom"), "CiteAs", g).text
    gcm_years = "/api/v1/timeline?process=gcm&start=2016&end=2018"
    cited = _ok(g.call("cite_query", c, url_query=gcm_years), "QueryCitation", g)
    assert cited.query.url.endswith(gcm_years)
    assert cited.release in cited.text
    meta = _ok(g.call("get_meta", c), "Meta", g)
    assert meta.counts.to_dict()["events"] > 0
    assert _ok(g.call("list_releases", c), "ReleaseList", g).items == []
    missing = g.call("get_release", c, "no-such-release")
    assert _ok(missing, "Problem", g, 404).status == 404
    for operation in ("get_actor_event_graph", "get_co_participation_graph"):
        graph = g.call(operation, c, process=["gcm"])
        assert graph.status_code == 200
        assert graph.parsed.to_dict()["graph"]["nodes"]
    lineage = g.call("get_process_graph", c)
    assert lineage.status_code == 200
    assert lineage.parsed.to_dict()["graph"]["edges"]


def _writes(g: Generated, c: Any) -> None:
    body = BODY_EXAMPLES

    def create(operation: str, path: str, model: str, record: str) -> Any:
        made = g.call(operation, c, body=g.model(model).from_dict(body[("post", f"{V1}/{path}")]))
        parsed = _ok(made, record, g, 201)
        return parsed, made.headers["etag"]

    def update(operation: str, path: str, ident: str, etag: str, model: str, record: str) -> Any:
        patch = body[("patch", f"{V1}/{path}/{{ident}}")]
        patch_model = g.model(model).from_dict(patch)
        changed = _ok(g.call(operation, c, ident, body=patch_model, if_match=etag), record, g)
        for field, value in patch.items():
            assert changed.to_dict()[field] == value
        return changed

    def delete(operation: str, ident: str) -> None:
        assert g.call(operation, c, ident).status_code == 204

    actor, etag = create("create_actor", "actors", "ActorIn", "ActorRecord")
    update("update_actor", "actors", actor.id, etag, "UpdateActorPatch", "ActorRecord")
    event, etag = create("create_event", "events", "EventIn", "EventRecord")
    update("update_event", "events", event.id, etag, "UpdateEventPatch", "EventRecord")
    meeting, etag = create("create_meeting", "meetings", "EventIn", "EventRecord")
    assert meeting.participants[0].actor == "mexico"
    update("update_meeting", "meetings", meeting.id, etag, "UpdateMeetingPatch", "EventRecord")
    position, etag = create("create_position", "positions", "PositionIn", "PositionRecord")
    update(
        "update_position", "positions", position.id, etag, "UpdatePositionPatch", "PositionRecord"
    )
    pledge, etag = create("create_pledge", "pledges", "PledgeIn", "PledgeRecord")
    update("update_pledge", "pledges", pledge.id, etag, "UpdatePledgePatch", "PledgeRecord")
    shown = _ok(g.call("get_pledge", c, pledge.id), "PledgeOut", g)
    assert shown.status == "in_progress"
    assert shown.pledgers[0].id == "mexico"
    file = importlib.import_module(f"{g.package}.types").File
    imported = g.call("import_pledges", c, body=file(payload=io.BytesIO(PLEDGES_CSV.encode())))
    assert len(_ok(imported, "ImportOut", g, 201).created) == 1
    role, _ = create(
        "create_participation", "participations", "ParticipationIn", "ParticipationRecord"
    )
    read = g.call("get_participation", c, role.id)
    assert _ok(read, "ParticipationRecord", g).event == "cm-15"
    update(
        "update_participation",
        "participations",
        role.id,
        read.headers["etag"],
        "UpdateParticipationPatch",
        "ParticipationRecord",
    )
    citation, _ = create("create_citation", "citations", "RecordCitationIn", "CitationRecord")
    read = g.call("get_citation", c, citation.id)
    assert _ok(read, "CitationRecord", g).subject.id == "mexico"
    update(
        "update_citation",
        "citations",
        citation.id,
        read.headers["etag"],
        "UpdateCitationPatch",
        "CitationRecord",
    )
    delete("delete_citation", citation.id)
    delete("delete_participation", role.id)
    for operation, ident in (
        ("delete_position", position.id),
        ("delete_pledge", pledge.id),
        ("delete_meeting", meeting.id),
        ("delete_event", event.id),
        ("delete_actor", actor.id),
    ):
        delete(operation, ident)
