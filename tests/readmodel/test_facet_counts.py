"""The kept facet counts of the whole lists stay what a fresh GROUP BY says while many
clients write at once to two workers, on each engine: events created, moved between
processes (taking their sessions with them), re-dated, re-kinded and deleted; pledges
created, aimed at an objective, re-statused and deleted. Afterwards the read model's check finds no
difference."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import models as m
from app.api import facets
from app.api.timeline_filter import TimelineFilter, filtered_events
from app.core.db import make_engine, make_sessionmaker, unit_of_work
from app.readmodel import check
from app.records.auth import create_key
from tests.conftest import ENGINES, FIXTURE_SEEDS, seeded
from tests.live import Server, live_server

WRITERS = 6
TIMEOUT = 90.0
PROCESSES = ["coordination-meetings", "pledging-initiative"]
CITE = [
    {
        "source": "wmr-2024-ch8",
        "quote": "Pledges are measurable commitments made by Member States",
        "locator": "p. 1",
    }
]
FACETED: dict[str, tuple[list[str], dict[str, facets.Facet], Any]] = {
    "/timeline": (["kind", "status", "process", "year"], facets.TIMELINE, TimelineFilter()),
    "/meetings": (
        ["kind", "status", "process", "year"],
        facets.TIMELINE,
        TimelineFilter(meetings_only=True),
    ),
    "/pledges": (["objective", "status"], facets.PLEDGES, None),
}


@pytest.fixture(scope="module", params=ENGINES)
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, dict[str, str]]]:
    """``mgt serve --workers 2`` on a fresh copy of the test dataset, and a token per scope."""
    directory = tmp_path_factory.mktemp(f"facet-counts-{request.param}")
    for url in seeded(request.param, directory, FIXTURE_SEEDS):
        engine = make_engine(url)
        with unit_of_work(make_sessionmaker(engine)) as session:
            tokens = {s: create_key(session, f"{s}-key", s) for s in ("write", "admin")}
        engine.dispose()
        with live_server(directory, url, workers=2) as server:
            yield server, tokens


class Writer:
    def __init__(self, server: Server, tokens: dict[str, str], n: int) -> None:
        self.http = httpx.Client(base_url=f"{server.base_url}/api/v1", timeout=TIMEOUT)
        self.tokens, self.n = tokens, n
        self.failures: list[str] = []

    def _send(self, method: str, path: str, scope: str = "write", **kw: Any) -> None:
        headers = {"Authorization": f"Bearer {self.tokens[scope]}", **kw.pop("headers", {})}
        if method == "PATCH":
            etag = self.http.get(path, headers={"Cache-Control": "no-cache"}).headers["etag"]
            headers |= {"If-Match": etag, "Content-Type": "application/merge-patch+json"}
        response = self.http.request(method, path, headers=headers, **kw)
        if response.status_code not in (200, 201, 204):
            self.failures.append(f"{method} {path}: {response.status_code} {response.text}")

    def run(self) -> None:
        n = self.n
        meeting, session, pledge = f"fc-{n}-m", f"fc-{n}-s", f"fc-{n}-p"
        self._send(
            "POST",
            "/events",
            json={
                "id": meeting,
                "title": f"Meeting {n}",
                "kind": "meeting",
                "process": PROCESSES[n % 2],
                "date": f"{2010 + n}-05",
                "cite": CITE,
            },
        )
        self._send(
            "POST",
            "/events",
            json={
                "id": session,
                "title": f"Session {n}",
                "kind": "session",
                "parent": meeting,
                "date": f"{2010 + n}-05",
                "cite": CITE,
            },
        )
        self._send(
            "POST",
            "/pledges",
            json={
                "id": pledge,
                "title": f"Pledge {n}",
                "pledgers": ["mexico"],
                "cite": CITE,
            },
        )
        # the session moves with its meeting's process; the meeting changes kind and year
        self._send("PATCH", f"/events/{meeting}", json={"process": PROCESSES[(n + 1) % 2]})
        change = {"kind": "conference", "status": "planned", "date": f"{2020 + n}"}
        self._send("PATCH", f"/events/{meeting}", json=change)
        self._send("PATCH", f"/pledges/{pledge}", json={"objectives": [7], "status": "planned"})
        if n % 2:
            self._send("DELETE", f"/events/{session}", scope="admin")
            self._send("DELETE", f"/pledges/{pledge}", scope="admin")
        if n == 0:  # a seeded meeting moves its seeded session to another process
            self._send("PATCH", "/events/cm-15", json={"process": "pledging-initiative"})


def _ids(filters: Any) -> Any:
    if filters is None:
        return select(m.Pledge.id)
    return filtered_events(filters).with_only_columns(m.Event.id)


def test_kept_counts_equal_a_fresh_group_by_after_concurrent_writes(
    live: tuple[Server, dict[str, str]],
) -> None:
    server, tokens = live
    writers = [Writer(server, tokens, n) for n in range(WRITERS)]
    threads = [threading.Thread(target=w.run) for w in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT * 10)
    assert [f for w in writers for f in w.failures] == []
    engine = make_engine(server.database_url)
    try:
        with httpx.Client(base_url=f"{server.base_url}/api/v1", timeout=TIMEOUT) as http:
            for path, (names, offered, filters) in FACETED.items():
                answer = http.get(
                    path, params={"facet": names}, headers={"Cache-Control": "no-cache"}
                ).json()["facets"]
                with Session(engine) as session:
                    fresh = facets.count(session, _ids(filters), offered, names)
                assert fresh is not None
                expected = {k: [v.model_dump(mode="json") for v in vs] for k, vs in fresh.items()}
                assert answer == expected, path
            processes = {
                v["value"]: v["count"]
                for v in http.get("/meetings", params={"facet": "process"}).json()["facets"][
                    "process"
                ]
            }
        assert processes.get("pledging-initiative", 0) >= WRITERS // 2
        with engine.connect() as connection:
            assert check(connection, versions=False) == []
    finally:
        engine.dispose()
