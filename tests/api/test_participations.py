"""One participation in write form: read alone, in a fixed number of statements however
many participants its event has, with the body and ETag its event's record gives it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, func, select

from app import models as m
from app.seeding.etags import etag
from app.seeding.exporter import as_data, read_records
from app.seeding.ids import participation_id
from app.seeding.schemas import ParticipantIn
from tests.checks import problem

FRESH = {"Cache-Control": "no-cache"}


def _sent(client: Any, url: str) -> tuple[Any, int]:
    engine = client.app.state.db.engine
    seen: list[str] = []

    def sent(*args: Any) -> None:
        if not args[2].startswith("BEGIN"):  # SQLite's, sent by the driver's own rule
            seen.append(args[2])

    event.listen(engine, "before_cursor_execute", sent)
    try:
        response = client.get(url, headers=FRESH)
    finally:
        event.remove(engine, "before_cursor_execute", sent)
    return response, len(seen)


def _events_by_size(client: Any) -> list[str]:
    """Events with participants, the one with the fewest first and the most last."""
    p = m.Participation
    query = select(p.event_id).group_by(p.event_id).order_by(func.count(), p.event_id)
    with client.app.state.db.engine.connect() as connection:
        return list(connection.scalars(query))


def test_as_its_event_holds_it_in_statements_that_do_not_grow(dataset_client):
    small, *_, large = _events_by_size(dataset_client)
    counts = {}
    with dataset_client.app.state.db.engine.connect() as connection:
        records = {r.id: as_data(r) for r in read_records(connection, "events", [small, large])}  # type: ignore[attr-defined]
    assert len(records[large]["participants"]) > 3 * len(records[small]["participants"])
    for event_id in (small, large):
        for participant in records[event_id]["participants"]:
            ident = participation_id(event_id, ParticipantIn.model_validate(participant))
            response, count = _sent(dataset_client, f"/api/v1/participations/{ident}")
            assert response.status_code == 200, response.text
            expected = {"event": event_id, **participant}
            assert response.json() == expected
            assert response.headers["etag"] == etag(expected)
            counts[ident] = count
    assert len(set(counts.values())) == 1, counts
    assert max(counts.values()) <= 5


def test_a_missing_participation_is_a_problem(dataset_client):
    response = dataset_client.get("/api/v1/participations/cm-15.nobody", headers=FRESH)
    assert "No participation with id 'cm-15.nobody'" in problem(response, 404)["detail"]
