"""The list of disputes: its items are stored documents of the read model, a page read on
the event loop in one statement whatever its size; rendered afresh (nothing stored) it is the
same bytes in a bounded number of statements; and it counts when asked."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import delete, event

from app import models as m
from app.readmodel import documents

FRESH = {"Cache-Control": "no-cache", "X-Request-ID": "compared"}
LIMITS = (1, 5, 200)  # the real dataset holds 19 disputes: pages of 1, 5 and all of them


@contextmanager
def statements(client: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[Any]]]:
    """The statements sent through the session (``session``) and by the driver on the event
    loop (``direct``) while the block runs."""
    seen: dict[str, list[Any]] = {"session": [], "direct": []}
    direct = client.app.state.db.direct
    read = direct.rows

    async def counted(statement: Any, **values: Any) -> Any:
        seen["direct"].append(statement)
        return await read(statement, **values)

    def sent(*args: Any) -> None:
        seen["session"].append(args[2])

    engine = client.app.state.db.engine
    with monkeypatch.context() as patch:
        patch.setattr(direct, "rows", counted)
        event.listen(engine, "before_cursor_execute", sent)
        try:
            yield seen
        finally:
            event.remove(engine, "before_cursor_execute", sent)


def _page(client: Any, limit: int) -> Any:
    response = client.get(f"/api/v1/disputes?limit={limit}", headers=FRESH)
    assert response.status_code == 200, response.text
    return response


def test_a_page_is_one_stored_read_whatever_its_size(dataset_client, monkeypatch):
    counts, sizes = [], []
    for limit in LIMITS:
        dataset_client.get(f"/api/v1/disputes?limit={limit}")  # the data version, shared
        with statements(dataset_client, monkeypatch) as seen:
            response = _page(dataset_client, limit)
        sizes.append(len(response.json()["items"]))
        assert seen["session"] == [], limit  # no ORM, no worker thread
        counts.append(len(seen["direct"]))
        assert ["rendered_documents" in str(s) for s in seen["direct"]].count(True) == 1
    assert sizes == [1, 5, 19]
    assert counts == [counts[0]] * len(LIMITS)
    assert counts[0] <= 2  # the page, and the data version when not already being read


def test_rendered_afresh_it_is_the_same_bytes_in_bounded_statements(dataset_client, monkeypatch):
    stored = {limit: _page(dataset_client, limit).content for limit in LIMITS}
    cursor = dataset_client.get("/api/v1/disputes?limit=5").json()["next_cursor"]
    deep = f"/api/v1/disputes?limit=5&cursor={cursor}"
    stored_deep = dataset_client.get(deep, headers=FRESH).content
    engine = dataset_client.app.state.db.engine
    with engine.begin() as connection:
        connection.execute(
            delete(m.RenderedDocument).where(m.RenderedDocument.kind == "dispute-item")
        )
    try:
        counts = []
        for limit in LIMITS:
            with statements(dataset_client, monkeypatch) as seen:
                assert _page(dataset_client, limit).content == stored[limit]
            counts.append(len([s for s in seen["session"] if not s.startswith("BEGIN")]))
        assert dataset_client.get(deep, headers=FRESH).content == stored_deep
    finally:
        with engine.begin() as connection:
            documents.sync(connection)
    # the ids of the page, the disputes with their claims, the claims' citations
    assert counts == [counts[0]] * len(LIMITS)
    assert counts[0] <= 4, counts


def test_every_dispute_is_stored_with_the_ids_it_shows(dataset_client):
    with dataset_client.app.state.db.engine.connect() as connection:
        ids = set(connection.scalars(m.Dispute.__table__.select().with_only_columns(m.Dispute.id)))
        d = m.RenderedDocument
        stored = dict(
            connection.execute(
                d.__table__.select()
                .with_only_columns(d.key, d.body)
                .where(d.kind == "dispute-item")
            ).all()
        )
    assert set(stored) == ids
    assert len(ids) == 19
    for key, body in stored.items():
        shown = documents.mentioned(key, body)
        assert key in shown
        assert len(shown) > 1


def test_count_gives_the_total(dataset_client):
    page = dataset_client.get("/api/v1/disputes?limit=2&count=true").json()
    assert page["total"] == 19
    assert len(page["items"]) == 2
