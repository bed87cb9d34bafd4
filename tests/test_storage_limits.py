"""Property-based: dates, integers and ids at and past what the databases store never get a
5xx, on SQLite and PostgreSQL; what is accepted is stored and shown in every format."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import client_for
from tests.test_hostile_input import key_for

CITE = [{"source": "gfmd-org-greece2009", "locator": "para 1"}]
LIMITS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
FORMATS = ["json", "csv", "ndjson", "ics", "timelinejs"]

years = st.sampled_from(["0000", "0001", "0002", "1999", "9998", "9999"]) | st.from_regex(
    r"\d{4,5}", fullmatch=True
)
months = st.sampled_from(["00", "01", "02", "12", "13", "20", "21", "24", "25", "99"])
days = st.sampled_from(["00", "01", "28", "29", "30", "31", "32"])
points = st.one_of(
    years,
    st.builds("{}-{}".format, years, months),
    st.builds("{}-{}-{}".format, years, months, days),
    st.sampled_from(["000X", "001X", "999X", "99X", "X"]),
).flatmap(lambda p: st.sampled_from([p, p + "~", p + "?", p + "%", p + "\n", " " + p]))
dates = points | st.builds("{}/{}".format, points | st.just(".."), points | st.just(".."))
integers = st.sampled_from(
    [0, 1, -1, 2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 2**63 - 1, 2**63, -(2**63) - 1, 2**64]
) | st.integers(min_value=-(2**70), max_value=2**70)
ids = st.one_of(
    st.from_regex(r"[a-z0-9]{1,12}", fullmatch=True),
    st.sampled_from(["mexico", "iom", "cm-15"]).flatmap(
        lambda i: st.sampled_from(
            [i, i + "\n", i + "\r\n", i.upper(), i + " ", "\t" + i, i + "\x00"]
        )
    ),
    st.text(max_size=210),
    st.just("a" * 201),
)
serial = itertools.count()


@pytest.fixture(scope="module")
def api(fixture_db: str) -> Iterator[tuple[TestClient, dict[str, str]]]:
    headers = {"Authorization": f"Bearer {key_for(fixture_db, 'limits')}"}
    for client in client_for(fixture_db):
        yield client, headers


def _no_5xx(response: Any) -> Any:
    assert response.status_code < 500, (response.request.url, response.text)
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
    return response


@LIMITS
@given(start=dates, end=dates)
def test_timeline_date_filters(api, start, end):
    client, _ = api
    for params in ({"start": start}, {"end": end}, {"start": start, "end": end}):
        response = _no_5xx(client.get("/api/v1/timeline", params=params))
        if response.status_code == 422:
            assert {e["parameter"] for e in response.json()["errors"]} <= {"start", "end"}


@LIMITS
@given(date=dates, ordinal=integers)
def test_event_writes_and_every_format_of_what_was_stored(api, date, ordinal):
    client, headers = api
    ident = f"limit-{next(serial)}"
    event = {"id": ident, "title": "At the limit", "kind": "meeting", "cite": CITE}
    response = _no_5xx(
        client.post(
            "/api/v1/events", json={**event, "date": date, "ordinal": ordinal}, headers=headers
        )
    )
    if response.status_code != 201:
        assert response.status_code == 422, response.text
        assert "date" in response.json()["detail"] or "ordinal" in response.json()["detail"]
        assert client.get(f"/api/v1/events/{ident}").status_code == 404
        return
    assert -(2**31) <= ordinal < 2**31
    stored = client.get(f"/api/v1/events/{ident}").json()
    assert stored["ordinal"] == ordinal
    year = stored["date"]["start"][:4] if stored["date"]["start"] else "0001"
    for fmt in FORMATS:
        _no_5xx(client.get("/api/v1/timeline", params={"format": fmt, "start": year}))
    _no_5xx(client.get(f"/api/v1/meetings/{ident}", headers={"Accept": "application/ld+json"}))
    assert client.delete(f"/api/v1/events/{ident}", headers=headers).status_code == 204


@LIMITS
@given(ident=ids, number=integers)
def test_ids_and_numbers_in_paths_and_queries(api, ident, number):
    client, headers = api
    segment = quote(ident, safe="")
    for kind in ("actors", "events", "pledges") if segment else ():
        response = _no_5xx(client.get(f"/api/v1/{kind}/{segment}"))
        if response.status_code == 200:
            assert response.json()["id"] == ident
    _no_5xx(client.get("/api/v1/pledges", params={"objective": str(number)}))
    _no_5xx(client.get("/api/v1/timeline", params={"limit": str(number)}))
    actor = {"id": ident, "name": f"Actor {number}", "kind": "other", "cite": CITE}
    created = _no_5xx(client.post("/api/v1/actors", json=actor, headers=headers))
    if created.status_code == 201:
        assert client.get(f"/api/v1/actors/{segment}").json()["id"] == ident
        assert client.delete(f"/api/v1/actors/{ident}", headers=headers).status_code == 204


@pytest.mark.parametrize(
    "date", ["0001", "0001-01-01", "001X", "9999-12-31", "999X", "9999-23", "0001/9999"]
)
def test_events_at_the_first_and_last_storable_days_show_in_every_format(api, date):
    client, headers = api
    event = {
        "id": "edge-event",
        "title": "At the edge",
        "kind": "meeting",
        "date": date,
        "cite": CITE,
    }
    assert client.post("/api/v1/events", json=event, headers=headers).status_code == 201
    try:
        for fmt in FORMATS:
            response = client.get("/api/v1/timeline", params={"format": fmt})
            assert response.status_code == 200, (fmt, response.text)
            assert "edge-event" in response.text
        ics = client.get("/api/v1/timeline", params={"format": "ics"}).text
        block = ics[ics.index("UID:edge-event") :].split("END:VEVENT")[0]
        assert "DTEND" in block or "DURATION" in block
        jsonld = client.get(
            "/api/v1/meetings/edge-event", headers={"Accept": "application/ld+json"}
        )
        assert jsonld.json()["startDate"][:4] in ("0001", "0010", "9990", "9999")
    finally:
        client.delete("/api/v1/events/edge-event", headers=headers)
