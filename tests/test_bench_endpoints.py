"""The benchmark covers every GET operation of the OpenAPI document (bench/endpoints.py): a
new endpoint is measured without anyone remembering to add it, and each request it makes
is answered."""

from __future__ import annotations

import copy
import sys
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from app.core.config import PROJECT_ROOT
from app.main import create_app

sys.path.insert(0, str(PROJECT_ROOT / "bench"))
import endpoints  # type: ignore[import-not-found]  # noqa: E402


def _stub(sql: str, n: int) -> tuple[Any, ...]:
    return tuple(f"v{i}" for i in range(n))


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    return create_app().openapi()


def test_every_get_operation_is_benchmarked(openapi):
    found = list(endpoints.requests(openapi, _stub))
    by_operation: dict[str, list[str]] = {}
    for request in found:
        by_operation.setdefault(request.operation, []).append(request.name)
    for operation, (_, spec) in endpoints.get_operations(openapi).items():
        names = by_operation.get(operation)
        assert names, f"{operation}: no benchmark request"
        params = {p["name"]: p for p in spec.get("parameters", [])}
        if "limit" in params:
            assert any(n.endswith("deep page") for n in names), operation
        for fmt in endpoints._choices(params["format"]) if "format" in params else []:
            if fmt != "json":
                assert any(n.endswith(f"format={fmt}") for n in names), (operation, fmt)
        if any(p["in"] == "path" for p in params.values()) or operation in endpoints.OF_RECORD:
            assert {"typical", "largest"} <= {n.split()[1] for n in names}, operation
    graphs = {r.operation for r in found if r.operation.startswith("/graphs/")}
    assert graphs == {"/graphs/actor-event", "/graphs/co-participation", "/graphs/processes"}


def test_a_new_operation_without_samples_is_an_error(openapi):
    grown = copy.deepcopy(openapi)
    parameter = {"name": "widget_id", "in": "path", "required": True, "schema": {"type": "string"}}
    grown["paths"]["/api/v1/widgets/{widget_id}"] = {"get": {"parameters": [parameter]}}
    with pytest.raises(KeyError, match="widgets"):
        list(endpoints.requests(grown, _stub))


def test_every_benchmark_request_is_answered(dataset_client, dataset_db, openapi):
    engine = create_engine(dataset_db)
    with engine.connect() as connection:

        def sample(sql: str, n: int) -> tuple[Any, ...] | None:
            row = connection.execute(text(sql)).first()
            return tuple(row) if row is not None else None

        found = list(endpoints.requests(openapi, sample))
    engine.dispose()
    for request in found:
        response = dataset_client.get(request.path, headers={"Cache-Control": "no-cache"})
        assert response.status_code == 200, (request.name, request.path, response.text[:300])
