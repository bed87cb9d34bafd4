"""A whole list's facets (the timeline, the meetings, the pledges, unfiltered) are read from
the counts the read model keeps, in a few rows whatever the number of items, and say what a
fresh GROUP BY says; a filtered list's facets are still counted. A snapshot finds each
process's last and next meeting by walking an index from the date."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select, text
from sqlalchemy.orm import Session

from app import models as m
from app.api import facets
from app.api.timeline_filter import TimelineFilter, filtered_events

FRESH = {"Cache-Control": "no-cache"}
TIMELINE = ["kind", "status", "process", "year"]
WHOLE: dict[str, tuple[list[str], dict[str, facets.Facet], Any]] = {
    "/api/v1/timeline": (TIMELINE, facets.TIMELINE, TimelineFilter()),
    "/api/v1/meetings": (TIMELINE, facets.TIMELINE, TimelineFilter(meetings_only=True)),
    "/api/v1/pledges": (["objective", "status"], facets.PLEDGES, None),
}


@contextmanager
def statements(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements (with their parameters) the engine runs inside the block."""
    found: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        found.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def _ids(path: str) -> Any:
    _, _, filters = WHOLE[path]
    if filters is None:
        return select(m.Pledge.id)
    return filtered_events(filters).with_only_columns(m.Event.id)


class TestWholeListFacets:
    def test_are_read_from_the_kept_counts_without_a_group_by(self, client: TestClient) -> None:
        engine = client.app.state.db.engine  # type: ignore[attr-defined]
        for path, (names, _, _) in WHOLE.items():
            with statements(engine) as run:
                response = client.get(path, params={"facet": names}, headers=FRESH)
            assert response.status_code == 200, response.text
            assert set(response.json()["facets"]) == set(names)
            sql = [s.upper() for s, _ in run]
            assert [s for s in sql if "GROUP BY" in s] == [], path
            assert sum("FACET_COUNTS" in s for s in sql) == len(names), path

    def test_say_what_a_fresh_group_by_says(self, client: TestClient) -> None:
        engine = client.app.state.db.engine  # type: ignore[attr-defined]
        for path, (names, offered, _) in WHOLE.items():
            answer = client.get(path, params={"facet": names}, headers=FRESH).json()["facets"]
            with Session(engine) as session:
                fresh = facets.count(session, _ids(path), offered, names)
            assert fresh is not None
            expected = {n: [v.model_dump(mode="json") for v in vs] for n, vs in fresh.items()}
            assert answer == expected, path
            assert all(answer[n] for n in names), path  # the test dataset has some of each

    def test_a_filtered_list_is_counted_by_a_group_by(self, client: TestClient) -> None:
        engine = client.app.state.db.engine  # type: ignore[attr-defined]
        params = {"facet": "kind", "process": "coordination-meetings"}
        with statements(engine) as run:
            response = client.get("/api/v1/meetings", params=params, headers=FRESH)
        assert response.status_code == 200, response.text
        sql = [s.upper() for s, _ in run]
        assert any("GROUP BY" in s for s in sql)
        assert not any("FACET_COUNTS" in s for s in sql)
        kinds = {v["value"]: v["count"] for v in response.json()["facets"]["kind"]}
        ids = [i["id"] for i in client.get("/api/v1/meetings", params=params).json()["items"]]
        assert sum(kinds.values()) == len(ids) > 0


def test_a_snapshot_walks_an_index_to_each_process_s_last_and_next_meeting(
    dataset_client: TestClient,
) -> None:
    client = dataset_client
    engine = client.app.state.db.engine  # type: ignore[attr-defined]
    with statements(engine) as run:
        response = client.get("/api/v1/snapshot", params={"date": "2017-06"}, headers=FRESH)
    assert response.status_code == 200, response.text
    processes = response.json()["processes"]
    assert any(p["last_meeting"] for p in processes)
    assert any(p["next_meeting"] for p in processes)
    walks = {
        index: [(s, p) for s, p in run if order in s]
        for index, order in (
            ("ix_events_process_end", "ORDER BY events.date_end DESC"),
            ("ix_events_process_start", "events.date_start > "),
        )
    }
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if not sqlite:  # the test dataset is small enough for a scan to look cheaper
            connection.execute(text("SET enable_seqscan = off"))
        for index, found in walks.items():
            assert len(found) == 1, index  # one statement for every process
            statement, parameters = found[0]
            explain = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
            plan = connection.exec_driver_sql(explain + statement, parameters).all()
            shown = "\n".join(" ".join(str(c) for c in row) for row in plan)
            assert index in shown, shown
            assert "TEMP B-TREE" not in shown, shown  # no sort of the process's meetings
            assert not re.search(r"(^|->  )Sort ", shown, re.MULTILINE), shown
