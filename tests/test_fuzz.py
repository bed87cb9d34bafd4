"""Schemathesis against the service's own OpenAPI: no 5xx and no response outside its schema.

A fixed budget of examples per operation and a derandomized run, so every CI run tries the
same inputs; ``MGT_FUZZ_EXAMPLES`` raises the budget for a deeper local run, and
``MGT_FUZZ_SEED`` tries other inputs (a seeded, no longer derandomized run). Each input is
generated once and sent to both engines' services, one after the other.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, seed, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from app.core.config import Settings
from app.core.db import make_engine, make_sessionmaker, unit_of_work
from app.main import create_app
from app.records.auth import create_key
from tests.conftest import ENGINES, FIXTURE_SEEDS, seeded

EXAMPLES = int(os.environ.get("MGT_FUZZ_EXAMPLES", "25"))
SEED = os.environ.get("MGT_FUZZ_SEED")
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def _service(stack: ExitStack, url: str) -> tuple[FastAPI, str]:
    engine = make_engine(url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        token = create_key(session, "fuzz", "write")
    engine.dispose()
    app = create_app(Settings(database_url=url))
    stack.enter_context(TestClient(app))  # the app's lifespan
    return app, token


@pytest.fixture
def services(tmp_path: Path) -> Iterator[dict[str, tuple[FastAPI, str]]]:
    """Each engine's service on its own copy of the test dataset, and a write key's token."""
    for sqlite_url in seeded("sqlite", tmp_path, FIXTURE_SEEDS):
        for postgresql_url in seeded("postgresql", tmp_path, FIXTURE_SEEDS):
            urls = {"sqlite": sqlite_url, "postgresql": postgresql_url}
            with ExitStack() as stack:
                yield {kind: _service(stack, urls[kind]) for kind in ENGINES}


@pytest.mark.slow
def test_no_server_error_and_responses_match_the_schema(
    services: dict[str, tuple[FastAPI, str]],
) -> None:
    failures: list[str] = []
    calls = 0
    # Both services serve one document (the same code), read from the first.
    schema = schemathesis.openapi.from_asgi("/openapi.json", services[ENGINES[0]][0])
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            derandomize=SEED is None,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case) -> None:  # type: ignore[type-arg]
            nonlocal calls
            for kind, (app, token) in services.items():
                calls += 1
                try:
                    case.call_and_validate(
                        headers={"Authorization": f"Bearer {token}"}, checks=CHECKS, app=app
                    )
                except Exception as error:
                    error.add_note(f"engine: {kind}")
                    raise

        if SEED is not None:
            run = seed(int(SEED))(run)
        try:
            run()
        except Exception as error:  # noqa: BLE001 - collect every operation's failure
            notes = " ".join(getattr(error, "__notes__", []))
            failures.append(f"{operation.label} ({notes}): {str(error)[:600]}")
    print(
        f"\nschemathesis: {calls} requests over {len(list(schema.get_all_operations()))} "
        f"operations and {len(services)} engines, {len(failures)} failing"
    )
    assert not failures, "\n\n".join(failures)
