"""An unknown id in a filter is a 422 naming the parameter, with the closest known ids;
several values may be repeated parameters or comma lists alike."""

from __future__ import annotations

from typing import Any

import pytest

from app.api import known

PROBLEM = "application/problem+json"


@pytest.mark.parametrize(
    ("path", "params", "parameter", "value", "closest"),
    [
        ("/api/v1/timeline", {"actor": "mexcio"}, "actor", "mexcio", "mexico"),
        ("/api/v1/actors/iom/timeline", {"actor": "mexcio"}, "actor", "mexcio", "mexico"),
        (
            "/api/v1/meetings",
            {"process": "coordination-meetngs"},
            "process",
            "coordination-meetngs",
            "coordination-meetings",
        ),
        ("/api/v1/timeline", {"actor": "iom,mexcio"}, "actor", "mexcio", "mexico"),
        ("/api/v1/timeline", {"kind": "sumit"}, "kind", "sumit", "summit"),
        ("/api/v1/timeline", {"status": "hled"}, "status", "hled", "held"),
        ("/api/v1/pledges", {"objective": "8"}, "objective", "8", "7"),
        ("/api/v1/pledges", {"actor": "mexcio"}, "actor", "mexcio", "mexico"),
        ("/api/v1/pledges", {"process": "pledging-initiatve"}, "process", None, None),
    ],
)
def test_unknown_ids_are_named_with_suggestions(client, path, params, parameter, value, closest):
    response = client.get(path, params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    (error,) = response.json()["errors"]
    assert error["parameter"] == parameter
    if value is not None:
        assert closest in error["suggestions"][value]
        assert value in response.json()["detail"]


def test_comma_lists_and_repeated_values_agree(client):
    repeated = client.get("/api/v1/timeline", params={"actor": ["iom", "mexico"]}).json()
    listed = client.get("/api/v1/timeline", params={"actor": "iom,mexico"}).json()
    assert repeated["items"]
    assert listed == repeated
    kinds = client.get("/api/v1/timeline", params={"kind": ["summit", "session"]}).json()
    assert client.get("/api/v1/timeline", params={"kind": "summit,session"}).json() == kinds


def test_known_ids_still_answer(client):
    assert client.get("/api/v1/timeline", params={"process": "coordination-meetings"}).json()[
        "items"
    ]
    assert client.get("/api/v1/pledges", params={"objective": 7}).json()["items"]


@pytest.mark.parametrize(
    ("path", "params", "value", "closest"),
    [
        ("/api/v1/actors", {"kind": "stat"}, "stat", "state"),
        ("/api/v1/actors", {"kind": "state,persn"}, "persn", "person"),
        ("/api/v1/search", {"q": "migration", "kind": "actr"}, "actr", "actor"),
        ("/api/v1/processes", {"kind": "forun"}, "forun", "forum"),
        ("/api/v1/instruments", {"kind": "compactt"}, "compactt", "compact"),
    ],
)
def test_unknown_kinds_are_named_with_suggestions(client, path, params, value, closest):
    response = client.get(path, params=params)
    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    assert error["parameter"] == "kind"
    assert closest in error["suggestions"][value]
    listed = client.get("/api/v1/actors", params={"kind": "state,person"}).json()["items"]
    repeated = client.get("/api/v1/actors", params={"kind": ["state", "person"]}).json()
    assert [a["id"] for a in listed] == [a["id"] for a in repeated["items"]]
    assert {a["kind"] for a in listed} == {"state", "person"}


@pytest.mark.parametrize(("value", "closest"), [("mexcio", "mexico"), ("mexico-", "mexico")])
def test_a_large_column_is_compared_around_the_value_only(
    dataset_client, monkeypatch, value, closest
):
    """Above ``COMPARED`` ids, an unknown value is compared only with the ids around it in
    order and those sharing its first letters (bounded reads), and still finds its
    neighbour."""
    client = dataset_client
    every = client.get("/api/v1/actors?limit=500").json()["items"]
    assert len(every) > 40
    monkeypatch.setattr(known, "COMPARED", 40)
    compared: list[str] = []
    original = known._compared

    async def recorded(reader: Any, parameter: str, missing: list[str]) -> list[str]:
        found = await original(reader, parameter, missing)
        compared.extend(found)
        return found

    monkeypatch.setattr(known, "_compared", recorded)
    response = client.get("/api/v1/timeline", params={"actor": value})
    assert response.status_code == 422, response.text
    assert closest in response.json()["errors"][0]["suggestions"][value]
    assert closest in compared
    assert len(compared) <= 30 < len(every)
