"""As of a date: what a span certainly or possibly covers, and the snapshot of one day."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app import models as m
from app.asof.coverage import done_by, span_coverage
from app.core.dates import parse_date
from app.core.db import make_engine

FIRST = dt.date(2016, 1, 1)


def _days(lower: dt.date, upper: dt.date) -> list[dt.date]:
    return [lower + dt.timedelta(n) for n in range((upper - lower).days + 1)]


def _readings(edtf: str) -> list[tuple[dt.date, dt.date]]:
    """Every (first day, last day) the span may mean: a single date is held throughout it."""
    span = parse_date(edtf)
    if not span.is_interval:
        assert span.lower is not None
        assert span.upper is not None
        return [(span.lower, span.upper)]
    assert span.start is not None
    assert span.end is not None
    starts = _days(span.start.lower, span.start.upper)
    ends = _days(span.end.lower, span.end.upper)
    return [(s, e) for s in starts for e in ends if s <= e]


def _model(edtf: str, lo: dt.date, hi: dt.date) -> str | None:
    readings = _readings(edtf)
    if all(s <= lo and e >= hi for s, e in readings):
        return "certain"
    if any(s <= hi and e >= lo for s, e in readings):
        return "possible"
    return None


def _bounds(text: str) -> tuple[dt.date, dt.date]:
    asked = parse_date(text)
    assert asked.lower is not None
    assert asked.upper is not None
    return asked.lower, asked.upper


months = st.integers(0, 35).map(lambda n: f"{2016 + n // 12}-{n % 12 + 1:02d}")
days = st.integers(0, 3 * 365).map(lambda n: (FIRST + dt.timedelta(n)).isoformat())
points = st.one_of(months, days)


@settings(max_examples=150, derandomize=True, deadline=None)
@given(start=points, end=points, query=points)
def test_span_coverage_agrees_with_every_reading(start, end, query):
    edtf = start if start == end else f"{start}/{end}"
    try:
        span = parse_date(edtf)
    except ValueError:  # a reversed span is refused by the parser
        return
    asked = parse_date(query)
    assert asked.lower is not None
    assert asked.upper is not None
    assert span_coverage(span, asked.lower, asked.upper) == _model(edtf, asked.lower, asked.upper)


@pytest.mark.parametrize(
    ("edtf", "query", "expected"),
    [
        ("2006-01/2017-03", "2017-02-16", "certain"),
        ("2006-01/2017-03", "2017-03-15", "possible"),
        ("2006-01/2017-03", "2017-04", None),
        ("2017-01-01/..", "2026", "certain"),
        ("../2016", "2010-05-05", "certain"),
        ("2017-02", "2017-02-16", "certain"),
        ("2017-02", "2017", "possible"),
        ("2017~", "2017-06-01", "possible"),
    ],
)
def test_span_coverage_examples(edtf, query, expected):
    lo, hi = _bounds(query)
    assert span_coverage(parse_date(edtf), lo, hi) == expected


@pytest.mark.parametrize(
    ("edtf", "query", "expected"),
    [
        ("2018-12-10", "2018-12-10", "certain"),
        ("2018-12", "2018-12-10", "possible"),
        ("2018-12-19", "2018-12-10", None),
        ("2018", "2019", "certain"),
    ],
)
def test_done_by_examples(edtf, query, expected):
    lo, hi = _bounds(query)
    assert done_by(parse_date(edtf), lo, hi) == expected


def _dated(url: str, model: Any) -> list[Any]:
    engine = make_engine(url)
    with engine.connect() as connection:
        rows = list(connection.execute(select(model).where(model.date_edtf.is_not(None))))
    engine.dispose()
    return rows


def _expected(rows: list[Any], lo: dt.date, hi: dt.date) -> dict[str, str]:
    found: dict[str, str] = {}
    for row in rows:
        covered = span_coverage(parse_date(row.date_edtf, row.date_qualifier), lo, hi)
        if covered:
            found[row.id] = covered
    return found


def test_snapshot_holds_every_post_and_role_of_the_day(dataset_client, dataset_db):
    body = dataset_client.get("/api/v1/snapshot", params={"date": "2017-02-16"}).json()
    day = dt.date(2017, 2, 16)
    posts = {p["id"]: p["coverage"] for p in body["office_holders"]}
    assert posts == _expected(_dated(dataset_db, m.Position), day, day)
    processes = {p["id"]: p for p in body["processes"]}
    assert {i: p["coverage"] for i, p in processes.items()} == _expected(
        _dated(dataset_db, m.Process), day, day
    )
    roles = {
        (p["id"], r["actor"]["id"], r["role"]): r["coverage"]
        for p in body["processes"]
        for r in p["roles"]
    }
    stored = [r for r in _dated(dataset_db, m.ProcessRole) if r.process_id in processes]
    expected = _expected(stored, day, day)
    by_id = {r.id: (r.process_id, r.actor_id, r.role) for r in stored}
    assert roles == {by_id[i]: covered for i, covered in expected.items()}


def test_snapshot_answers_who_held_what_each_cited(dataset_client):
    body = dataset_client.get("/api/v1/snapshot", params={"date": "2017-02-16"}).json()
    srsg = [p for p in body["office_holders"] if "International Migration" in p["title"]]
    assert [(p["person"]["id"], p["coverage"]) for p in srsg] == [("peter-sutherland", "certain")]
    gfmd = next(p for p in body["processes"] if p["id"] == "gfmd")
    chairs = {r["actor"]["id"] for r in gfmd["roles"] if r["role"] == "co_chair"}
    assert {"gotz-schmidt-bremme", "el-habib-nadir"} <= chairs
    assert gfmd["last_meeting"]["date"]["end"] < "2017-02-16"
    assert gfmd["next_meeting"]["date"]["start"] > "2017-02-16"
    coordination = next(p for p in body["processes"] if p["id"] == "coordination-meetings")
    assert [e["id"] for e in coordination["meetings_on_date"]] == ["cm-15"]
    cited = [*body["processes"], *body["office_holders"], *body["instruments"]]
    cited += [r for p in body["processes"] for r in p["roles"]]
    assert all(item["citations"] for item in cited)
    assert {"nyd", "icpd-poa"} <= {i["id"] for i in body["instruments"]}
    assert "gcm" not in {i["id"] for i in body["instruments"]}


@pytest.mark.parametrize("date", ["2017-02-30", "2017/2018", "soon", ""])
def test_snapshot_needs_one_date(dataset_client, date):
    response = dataset_client.get("/api/v1/snapshot", params={"date": date})
    assert response.status_code == 422
    assert response.json()["errors"][0]["parameter"] == "date"


def test_a_process_as_of_a_date_holds_the_roles_of_that_date(dataset_client, dataset_db):
    plain = dataset_client.get("/api/v1/processes/gfmd").json()
    assert "as_of" not in plain
    assert all("coverage" not in role for role in plain["roles"])
    body = dataset_client.get("/api/v1/processes/gfmd", params={"as_of": "2017-02-16"}).json()
    day = dt.date(2017, 2, 16)
    stored = [r for r in _dated(dataset_db, m.ProcessRole) if r.process_id == "gfmd"]
    covered = _expected(stored, day, day)
    expected = {(r.actor_id, r.role): covered[r.id] for r in stored if r.id in covered}
    assert {(r["actor"]["id"], r["role"]): r["coverage"] for r in body["roles"]} == expected
    assert body["as_of"]["active"] == "certain"
    assert body["as_of"]["undated_roles"] == sum(
        1 for role in plain["roles"] if role["date"] is None
    )
    assert all(meeting["date"]["start"] <= "2017-02-16" for meeting in body["meetings"])
    assert len(body["meetings"]) < len(plain["meetings"])
