"""``/meta`` counts the records once per data version: asked again at the same version it
counts nothing, and after a write (which moves the version) it counts afresh."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app import models as m
from app.core.db import make_engine
from app.views.releases import COUNTED
from tests.api.test_facets_scale import FRESH, statements
from tests.conftest import ENGINES, keyed_client

PLEDGE = {
    "id": "meta-counted",
    "title": "A pledge that /meta counts",
    "pledgers": ["mexico"],
    "objectives": [7],
    "cite": [
        {
            "source": "wmr-2024-ch8",
            "quote": "Pledges are measurable commitments made by Member States",
        }
    ],
}


TABLES = [model.__tablename__ for model in COUNTED.values()]


@pytest.fixture(params=ENGINES)
def api(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    yield from keyed_client(request.param, tmp_path, ("write",))


def _counted(statements: list[tuple[str, object]]) -> list[str]:
    """The tables counted whole (not the audit log's changes since the basis)."""
    whole = (
        re.fullmatch(r"SELECT count\(\*\) AS \w+\s+FROM (\w+)", s.strip()) for s, _ in statements
    )
    return [found.group(1) for found in whole if found]


def test_meta_counts_once_per_data_version(api: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = api
    engine = client.app.state.db.engine  # type: ignore[attr-defined]
    first = client.get("/api/v1/meta", headers=FRESH).json()
    with statements(engine) as run:
        again = client.get("/api/v1/meta", headers=FRESH).json()
    assert again == first
    assert _counted(run) == []
    created = client.post(
        "/api/v1/pledges", json=PLEDGE, headers={"Authorization": f"Bearer {tokens['write']}"}
    )
    assert created.status_code == 201, created.text
    with statements(engine) as run:
        after = client.get("/api/v1/meta", headers=FRESH).json()
    assert sorted(_counted(run)) == sorted(TABLES)
    assert after["data_version"] > first["data_version"]
    assert after["counts"]["pledges"] == first["counts"]["pledges"] + 1
    assert after["counts"]["citations"] == first["counts"]["citations"] + 1
    url = str(engine.url.render_as_string(hide_password=False))
    fresh = make_engine(url)
    try:
        with fresh.connect() as connection:
            n = connection.execute(select(func.count()).select_from(m.Pledge)).scalar_one()
        assert after["counts"]["pledges"] == n
    finally:
        fresh.dispose()
