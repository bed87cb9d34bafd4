"""As of a date on actor profiles and instruments: what held then, checked against the data."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from app import models as m
from app.asof.coverage import done_by, span_coverage
from app.core.dates import parse_date
from app.core.db import make_engine


def _rows(url: str, query: Any) -> list[Any]:
    engine = make_engine(url)
    with engine.connect() as connection:
        rows = list(connection.execute(query))
    engine.dispose()
    return rows


def _bounds(text: str) -> tuple[dt.date, dt.date]:
    asked = parse_date(text)
    assert asked.lower is not None
    assert asked.upper is not None
    return asked.lower, asked.upper


def _placed(rows: list[Any], text: str, measure: Any = span_coverage) -> dict[str, str]:
    """Each dated row the date places, by id, with its coverage."""
    lo, hi = _bounds(text)
    found = {}
    for row in rows:
        if row.date_edtf is not None:
            covered = measure(parse_date(row.date_edtf, row.date_qualifier), lo, hi)
            if covered:
                found[row.id] = covered
    return found


@pytest.mark.parametrize(
    ("actor", "date"),
    [
        ("peter-sutherland", "2017-02-16"),
        ("peter-sutherland", "2018"),
        ("mexico", "2017-02-16"),
        ("mexico", "2018-03"),
        ("iom", "2017-02-16"),
        ("iom", "2017"),
        ("un-secretary-general", "2017-02-16"),
    ],
)
def test_a_profile_as_of_a_date_holds_the_posts_and_roles_of_that_date(
    dataset_client, dataset_db, actor, date
):
    plain = dataset_client.get(f"/api/v1/actors/{actor}").json()
    assert "as_of" not in plain
    body = dataset_client.get(f"/api/v1/actors/{actor}", params={"as_of": date}).json()
    p, r = m.Position, m.ProcessRole
    held = _rows(dataset_db, select(p).where(p.person_id == actor))
    within = _rows(dataset_db, select(p).where(p.organization_id == actor))
    roles = _rows(dataset_db, select(r).where(r.actor_id == actor))
    assert {x["id"]: x["coverage"] for x in body["positions"]} == _placed(held, date)
    assert {x["id"]: x["coverage"] for x in body["posts_in_organization"]} == _placed(within, date)
    expected = _placed(roles, date)
    by_id = {x.id: (x.process_id, x.role, x.date_edtf) for x in roles}
    shown = {
        (x["process"]["id"], x["role"], x["date"]["edtf"]): x["coverage"]
        for x in body["process_roles"]
    }
    assert shown == {by_id[i]: covered for i, covered in expected.items()}
    undated_posts = sum(1 for x in held + within if x.date_edtf is None)
    assert body["as_of"]["undated_posts"] == undated_posts
    assert body["as_of"]["undated_roles"] == sum(1 for x in roles if x.date_edtf is None)
    assert body["as_of"]["date"]["edtf"] == date
    assert body["meeting_roles"] == plain["meeting_roles"]  # dated facts, shown whole


def test_the_srsg_as_of_the_snapshot_day(dataset_client):
    body = dataset_client.get("/api/v1/actors/peter-sutherland", params={"as_of": "2017-02-16"})
    posts = [(p["title"], p["coverage"]) for p in body.json()["positions"]]
    assert len(posts) == 1
    assert "International Migration" in posts[0][0]
    assert posts[0][1] == "certain"
    later = dataset_client.get("/api/v1/actors/peter-sutherland", params={"as_of": "2018-06"})
    assert later.json()["positions"] == []


@pytest.mark.parametrize(
    ("instrument", "date"),
    [
        ("gcm", "2018-12-09"),
        ("gcm", "2018-12-15"),
        ("gcm", "2018-12"),
        ("gcr", "2018-12-17"),
        ("imrf-progress-declaration", "2022-05-18"),
        ("imrf-progress-declaration", "2022-06"),
        ("nyd", "2016"),
        ("refugee-convention", "1950"),
    ],
)
def test_an_instrument_as_of_a_date_holds_the_acts_done_by_then(
    dataset_client, dataset_db, instrument, date
):
    body = dataset_client.get(f"/api/v1/instruments/{instrument}", params={"as_of": date}).json()
    a = m.InstrumentAct
    acts = _rows(dataset_db, select(a).where(a.instrument_id == instrument).order_by(a.ordinal))
    done = _placed(acts, date, done_by)
    assert [(x["act"], x["coverage"]) for x in body["acts"]] == [
        (x.act, done[x.id]) for x in acts if x.id in done
    ]
    adoptions = [done.get(x.id) for x in acts if x.act == "adoption"]
    if not adoptions:
        (own,) = _rows(dataset_db, select(m.Instrument).where(m.Instrument.id == instrument))
        adoptions = [_placed([own], date, done_by).get(own.id)]
    endorsements = [done.get(x.id) for x in acts if x.act in {"endorsement", "affirmation"}]
    for name, found in (("adopted", adoptions), ("endorsed", endorsements)):
        surest = "certain" if "certain" in found else "possible" if "possible" in found else None
        assert body["as_of"][name] == surest, name
    assert body["as_of"]["undated_acts"] == sum(1 for x in acts if x.date_edtf is None)
    _, hi = _bounds(date)
    assert all(e["date"]["start"] <= hi.isoformat() for e in body["events"])


def test_the_gcm_adopted_before_it_was_endorsed(dataset_client):
    def stood(date: str) -> tuple[Any, Any]:
        body = dataset_client.get("/api/v1/instruments/gcm", params={"as_of": date}).json()
        return body["as_of"]["adopted"], body["as_of"]["endorsed"]

    assert stood("2018-12-09") == (None, None)
    assert stood("2018-12-15") == ("certain", None)
    assert stood("2018-12-19") == ("certain", "certain")
    plain = dataset_client.get("/api/v1/instruments/gcm").json()
    assert "as_of" not in plain
    assert all("coverage" not in act for act in plain["acts"])


@pytest.mark.parametrize("path", ["/api/v1/actors/iom", "/api/v1/instruments/gcm"])
@pytest.mark.parametrize("date", ["2017-02-30", "2017/2018", "soon"])
def test_as_of_needs_one_date(dataset_client, path, date):
    response = dataset_client.get(path, params={"as_of": date})
    assert response.status_code == 422
    assert response.json()["errors"][0]["parameter"] == "as_of"


@pytest.mark.parametrize(
    ("process", "date"),
    [
        ("gfmd", "2017-02-16"),
        ("gfmd", "2017"),
        ("gcm", "2018-07"),
        ("gcm", "2016"),
        ("coordination-meetings", "2017-02"),
        ("gcm-regional-reviews", "2021-06-01"),
    ],
)
def test_a_process_as_of_a_date_holds_roles_meetings_and_status_then(
    dataset_client, dataset_db, process, date
):
    body = dataset_client.get(f"/api/v1/processes/{process}", params={"as_of": date}).json()
    r, e = m.ProcessRole, m.Event
    roles = _rows(dataset_db, select(r).where(r.process_id == process))
    expected = _placed(roles, date)
    by_id = {x.id: (x.actor_id, x.role, x.date_edtf) for x in roles}
    shown = {(x["actor"]["id"], x["role"], x["date"]["edtf"]): x["coverage"] for x in body["roles"]}
    assert shown == {by_id[i]: covered for i, covered in expected.items()}
    own = e.process_id == process, e.parent_id.is_(None)
    meetings = _rows(dataset_db, select(e).where(*own).order_by(e.date_start, e.date_end, e.id))
    done = _placed(meetings, date, done_by)
    assert [(x["id"], x["coverage"]) for x in body["meetings"]] == [
        (x.id, done[x.id]) for x in meetings if x.id in done
    ]
    (stored,) = _rows(dataset_db, select(m.Process).where(m.Process.id == process))
    assert body["as_of"]["active"] == _placed([stored], date).get(process)
    assert body["as_of"]["undated_roles"] == sum(1 for x in roles if x.date_edtf is None)
    assert body["as_of"]["undated_meetings"] == sum(1 for x in meetings if x.date_edtf is None)


FACILITATORS = ["mexico", "switzerland", "juan-jose-gomez-camacho", "jurg-lauber"]


def test_partial_dates_make_a_role_or_a_meeting_only_possible(dataset_client):
    def stood(process: str, date: str) -> dict[str, Any]:
        answer = dataset_client.get(f"/api/v1/processes/{process}", params={"as_of": date})
        body: dict[str, Any] = answer.json()
        return body

    gfmd = stood("gfmd", "2017-02-16")
    co_chairs = {x["actor"]["id"]: x["coverage"] for x in gfmd["roles"] if x["role"] == "co_chair"}
    assert co_chairs["gotz-schmidt-bremme"] == "certain"  # 2017-01-01/2018
    assert co_chairs["germany"] == "possible"  # 2017/2018: it may have begun later in 2017

    def facilitators(date: str) -> dict[str, str]:
        roles = stood("gcm", date)["roles"]
        return {x["actor"]["id"]: x["coverage"] for x in roles if x["role"] == "co_facilitator"}

    assert facilitators("2017-03") == dict.fromkeys(FACILITATORS, "certain")
    # 2016-10-24/2018 may have ended in January 2018
    assert facilitators("2018-07") == dict.fromkeys(FACILITATORS, "possible")

    def cm15(date: str) -> list[str]:
        meetings = stood("coordination-meetings", date)["meetings"]
        return [x["coverage"] for x in meetings if x["id"] == "cm-15"]

    assert cm15("2017-02-15") == []
    assert cm15("2017-02-16") == ["possible"]  # its first day of two
    assert cm15("2017-02-17") == ["certain"]
    plain = dataset_client.get("/api/v1/processes/gfmd").json()
    assert all("coverage" not in x for x in plain["meetings"])


def test_a_process_detail_lists_its_first_meetings_and_counts_them_all(
    dataset_client, dataset_db, monkeypatch
):
    """However many meetings a process has, its detail stays small: the first ones in date
    order, and how many there are (as of a date too)."""
    from sqlalchemy.orm import Session

    from app import models as m
    from app.core.db import make_engine
    from app.views import processes

    whole = dataset_client.get("/api/v1/processes/gfmd").json()
    assert whole["meetings_total"] == len(whole["meetings"]) > 20
    monkeypatch.setattr(processes, "MEETINGS_SHOWN", 5)
    engine = make_engine(dataset_db)
    with Session(engine) as session:
        gfmd = session.get(m.Process, "gfmd")
        assert gfmd is not None
        cut = processes.detail_of(session, gfmd, None)
        dated = processes.detail_of(session, gfmd, "2012-12-31")
    engine.dispose()
    assert [x.id for x in cut.meetings] == [x["id"] for x in whole["meetings"][:5]]
    assert cut.meetings_total == whole["meetings_total"]
    by_then = dataset_client.get("/api/v1/processes/gfmd", params={"as_of": "2012-12-31"}).json()
    assert len(dated.meetings) == 5 < dated.meetings_total == by_then["meetings_total"]
    assert [x.id for x in dated.meetings] == [x["id"] for x in by_then["meetings"][:5]]
