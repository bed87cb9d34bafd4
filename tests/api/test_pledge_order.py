"""Pledges in date order (``sort=date|-date``) and with several pledgers or processes: keyset
pages are disjoint, complete and in order whatever the filter and page size, checked against
a plain model of the same rules on both engines."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import ENGINES, generated_dataset, keyed_client
from tests.test_properties import PROFILE

# Partial dates (a year, a month, a season-free day), ties, and undated pledges.
DATES = ["2019", "2019-05", "2019-05-14", "2019-05-14", "2022", "2022-12-31", "2018/2020", None]
ACTORS = ["iom", "mexico", "juan-jose-gomez-camacho"]
PROCESSES = ["pledging-initiative", "coordination-meetings"]
CITE = [{"source": "wmr-2024-ch8", "quote": "Pledges are measurable commitments"}]
NEW = {"title": "A pledge added while a client pages", "pledgers": ["mexico"], "cite": CITE}


def _auth(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['write']}"}


def _pledge(n: int) -> dict[str, Any]:
    pledge: dict[str, Any] = {
        "id": f"gen-pledge-{n:02d}",
        "title": f"Generated pledge {n}",
        "pledgers": [ACTORS[n % 3]] + ([ACTORS[(n + 1) % 3]] if n % 4 == 0 else []),
        "objectives": [7] if n % 2 else [],
        "cite": CITE,
    }
    if n % 5:
        pledge["process"] = PROCESSES[n % 2]
    if DATES[n % len(DATES)] is not None:
        pledge["date"] = DATES[n % len(DATES)]
    return pledge


@pytest.fixture(scope="module", params=ENGINES)
def pledges(request, tmp_path_factory) -> Iterator[tuple[TestClient, list[dict[str, Any]]]]:
    """A client over the test dataset and 21 more pledges, and every pledge as read."""
    extra = {"pledges": [_pledge(n) for n in range(21)]}
    yield from generated_dataset(request.param, tmp_path_factory, extra, "/api/v1/pledges")


def _expected(everything: list[dict[str, Any]], f: dict[str, Any], sort: str) -> list[str]:
    chosen = [
        p
        for p in everything
        if ("actor" not in f or {a["id"] for a in p["pledgers"]} & set(f["actor"]))
        and ("process" not in f or (p["process"] or {}).get("id") in f["process"])
        and ("objective" not in f or 7 in p["objectives"])
    ]
    if sort == "id":
        return [p["id"] for p in sorted(chosen, key=lambda p: p["id"])]
    dated = [p for p in chosen if p["date"] is not None]
    undated = [p for p in chosen if p["date"] is None]
    if sort == "-date":
        dated.sort(key=lambda p: (p["date"]["start"], p["date"]["end"], p["id"]), reverse=True)
        undated.sort(key=lambda p: p["id"], reverse=True)
    else:
        dated.sort(key=lambda p: (p["date"]["start"], p["date"]["end"], p["id"]))
        undated.sort(key=lambda p: p["id"])
    return [p["id"] for p in dated + undated]


def _some(values: list[str]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(values), min_size=1, max_size=3, unique=True)


filters = st.fixed_dictionaries(
    {},
    optional={"actor": _some(ACTORS), "process": _some(PROCESSES), "objective": st.just(["7"])},
)


@PROFILE
@given(
    f=filters,
    sort=st.sampled_from(["id", "date", "-date"]),
    limit=st.integers(1, 8),
    comma=st.booleans(),
)
def test_pages_are_disjoint_complete_and_ordered(pledges, f, sort, limit, comma):
    client, everything = pledges
    expected = _expected(everything, f, sort)
    given = {k: ",".join(v) for k, v in f.items()} if comma else f
    pages: list[list[str]] = []
    cursor = None
    while True:
        params = given | {"sort": sort, "limit": limit} | ({"cursor": cursor} if cursor else {})
        response = client.get("/api/v1/pledges", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append([p["id"] for p in body["items"]])
        if not (cursor := body["next_cursor"]):
            break
        assert len(pages[-1]) == limit
        assert len(pages) <= len(everything) + 1
    got = [ident for page in pages for ident in page]
    assert len(got) == len(set(got))
    assert got == expected


def test_the_date_orders_are_each_others_reverse_with_undated_last(pledges):
    client, everything = pledges
    earliest = [p["id"] for p in client.get("/api/v1/pledges?sort=date&limit=500").json()["items"]]
    latest = [p["id"] for p in client.get("/api/v1/pledges?sort=-date&limit=500").json()["items"]]
    undated = {p["id"] for p in everything if p["date"] is None}
    assert undated
    assert set(earliest[-len(undated) :]) == undated
    assert set(latest[-len(undated) :]) == undated
    assert earliest[: -len(undated)] == latest[: -len(undated)][::-1]
    assert len(earliest) == len(everything) == 22


def test_a_cursor_reads_only_its_own_order(pledges):
    client, _ = pledges
    cursors = {
        sort: client.get(f"/api/v1/pledges?sort={sort}&limit=2").json()["next_cursor"]
        for sort in ("id", "date", "-date")
    }
    for made, cursor in cursors.items():
        for sort in ("id", "date", "-date"):
            response = client.get(f"/api/v1/pledges?sort={sort}&limit=2&cursor={cursor}")
            assert response.status_code == (200 if sort == made else 422), (made, sort)


def test_the_export_follows_the_sort(pledges):
    client, _ = pledges
    page = client.get("/api/v1/pledges?sort=-date&limit=500").json()["items"]
    lines = client.get("/api/v1/pledges?sort=-date&format=ndjson").text.splitlines()
    assert [json.loads(line)["id"] for line in lines] == [p["id"] for p in page]


@pytest.mark.parametrize("parameter", ["actor", "process"])
def test_an_unknown_value_among_several_is_named_with_suggestions(pledges, parameter):
    client, _ = pledges
    known, typo = {"actor": ("iom", "mexcio"), "process": ("pledging-initiative", "pledging")}[
        parameter
    ]
    response = client.get(f"/api/v1/pledges?{parameter}={known},{typo}")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    (error,) = response.json()["errors"]
    assert error["parameter"] == parameter
    assert typo in error["suggestions"]
    assert known not in error["suggestions"]
    if parameter == "actor":
        assert error["suggestions"][typo] == ["mexico"]


@pytest.fixture(params=ENGINES)
def writable(request, tmp_path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    yield from keyed_client(request.param, tmp_path)


@pytest.mark.parametrize("sort", ["id", "date", "-date"])
def test_a_cursor_stays_valid_while_pledges_are_added(writable, sort):
    """Pledges added while a client pages: the pages after the cursor hold every pledge that
    sorts after it exactly once, new ones included, and none that sorts before it."""
    client, tokens = writable
    for n, date in enumerate(["2019", "2020-03", "2021", "2023-07-01", None]):
        body = {**NEW, "id": f"held-{n}"} | ({"date": date} if date else {})
        created = client.post("/api/v1/pledges", json=body, headers=_auth(tokens))
        assert created.status_code == 201, created.text
    first = client.get(f"/api/v1/pledges?sort={sort}&limit=3").json()
    before = {"id": "aaa-added", "date": "2000"} if sort != "-date" else {"id": "aaa-added"}
    after = {"id": "zzz-added", "date": "2099"} if sort == "id" else {"id": "zzz-added"}
    if sort == "-date":
        before["date"] = "2099"  # latest first: 2099 sorts before the cursor, undated after
    for extra in (before, after):
        created = client.post("/api/v1/pledges", json={**NEW, **extra}, headers=_auth(tokens))
        assert created.status_code == 201, created.text
    everything = client.get(f"/api/v1/pledges?sort={sort}&limit=500").json()["items"]
    order = [p["id"] for p in everything]
    seen = [p["id"] for p in first["items"]]
    rest: list[str] = []
    cursor = first["next_cursor"]
    while cursor:
        page = client.get(f"/api/v1/pledges?sort={sort}&limit=3&cursor={cursor}").json()
        rest += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
    assert rest == order[order.index(seen[-1]) + 1 :]
    assert "zzz-added" in rest
    assert "aaa-added" not in rest + seen
