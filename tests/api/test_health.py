"""Liveness and the database check."""

from __future__ import annotations


class TestHealth:
    def test_reports_database(self, client):
        body = client.get("/health").json()
        assert body["status"] == "ok"
        assert body["database"] in {"sqlite", "postgresql"}
