"""Liveness and the database check."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import OperationalError

from tests.checks import problem


class TestHealth:
    def test_reports_database(self, client):
        body = client.get("/health").json()
        assert body["status"] == "ok"
        assert body["database"] in {"sqlite", "postgresql"}

    def test_asks_through_a_session_when_the_driver_does_not_answer(self, client, monkeypatch):
        db = client.app.state.db
        asked: list[str] = []
        original = db.read

        async def unanswered(*_args: Any, **_kwargs: Any) -> None:
            return None

        async def counted(build: Any) -> Any:
            asked.append("session")
            return await original(build)

        monkeypatch.setattr(db.direct, "rows", unanswered)
        monkeypatch.setattr(db, "read", counted)
        assert client.get("/health").json()["status"] == "ok"
        assert asked == ["session"]

        async def down(build: Any) -> Any:
            raise OperationalError("SELECT 1", {}, ConnectionRefusedError("database down"))

        monkeypatch.setattr(db, "read", down)
        body = problem(client.get("/health"), 503)
        assert "database" in body["detail"].lower()
