"""Assertions shared by the API tests: a problem+json answer, and the statements a request
issues."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event

PROBLEM = "application/problem+json"


def problem(response: Any, status: int) -> Any:
    """The RFC 9457 body of ``response``, which must be a problem with ``status`` and a
    detail a person can act on."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert body["detail"]
    return body


def statements_of(client: TestClient, url: str) -> int:
    """How many SQL statements answering ``url`` (a 200) issues."""
    engine = client.app.state.db.engine  # type: ignore[attr-defined]
    statements: list[int] = []

    def record(*_args: Any) -> None:
        statements.append(1)

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(statements)
