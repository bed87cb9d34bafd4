"""Schemathesis against the service's own OpenAPI: no 5xx and no response outside its schema.

A fixed budget of examples per operation and a derandomized run, so every CI run tries the
same inputs; ``MGT_FUZZ_EXAMPLES`` raises the budget for a deeper local run.
"""

from __future__ import annotations

import os

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from app.core.config import Settings
from app.core.db import make_engine, make_sessionmaker, unit_of_work
from app.main import create_app
from app.records.auth import create_key

EXAMPLES = int(os.environ.get("MGT_FUZZ_EXAMPLES", "25"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def test_no_server_error_and_responses_match_the_schema(fixture_db: str) -> None:
    engine = make_engine(fixture_db)
    with unit_of_work(make_sessionmaker(engine)) as session:
        token = create_key(session, "fuzz", "write")
    engine.dispose()
    app = create_app(Settings(database_url=fixture_db))
    failures: list[str] = []
    calls = 0
    with TestClient(app):
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        for result in schema.get_all_operations():
            operation = result.ok()  # type: ignore[union-attr]

            @given(case=operation.as_strategy())
            @settings(
                max_examples=EXAMPLES,
                derandomize=True,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def run(case: schemathesis.Case) -> None:  # type: ignore[type-arg]
                nonlocal calls
                calls += 1
                case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

            try:
                run()
            except Exception as error:  # noqa: BLE001 - collect every operation's failure
                failures.append(f"{operation.label}: {str(error)[:600]}")
    print(
        f"\nschemathesis: {calls} requests over {len(list(schema.get_all_operations()))} "
        f"operations, {len(failures)} failing"
    )
    assert not failures, "\n\n".join(failures)
