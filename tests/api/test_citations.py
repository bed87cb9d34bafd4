"""``GET /api/v1/citations?source=``: a source's citations page by page, on both engines."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, select

from app import models as m
from app.core.pagination import encode_cursor
from tests.checks import problem

SOURCE = "desa-cm15-2017"  # the most-cited source of the dataset (746 citations)
FRESH = {"Cache-Control": "no-cache"}


def walk(client: TestClient, url: str) -> list[dict[str, Any]]:
    """Every item of a list, following ``next_url`` (checked against the Link header)."""
    items: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url:
        response = client.get(next_url, headers=FRESH)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["items"]
        items += body["items"]
        next_url = body["next_url"]
        link = response.headers.get("link")
        assert link == (f'<{next_url}>; rel="next"' if next_url else None)
    return items


def in_order(url: str, source: str, kind: str | None = None) -> list[str]:
    """The ids of the source's citations as the database orders them: by cited kind,
    record, the record's own order of citations, id."""
    c = m.Citation
    query = select(c.id).where(c.source_id == source)
    if kind:
        query = query.where(c.subject_type == kind)
    engine = create_engine(url)
    with engine.connect() as connection:
        ids = list(
            connection.scalars(query.order_by(c.subject_type, c.subject_id, c.ordinal, c.id))
        )
    engine.dispose()
    return ids


class TestListCitations:
    def test_pages_are_disjoint_complete_and_ordered(self, dataset_client, dataset_db):
        expected = in_order(dataset_db, SOURCE)
        assert len(expected) > 500  # more than the largest page
        for limit in (1, 97, 500):
            if limit == 1:  # every page of one is a request: walk the first few only
                first = dataset_client.get(f"/api/v1/citations?source={SOURCE}&limit=1")
                second = dataset_client.get(first.json()["next_url"]).json()["items"]
                assert [first.json()["items"][0]["id"], second[0]["id"]] == expected[:2]
                continue
            items = walk(dataset_client, f"/api/v1/citations?source={SOURCE}&limit={limit}")
            assert [item["id"] for item in items] == expected
        keys = [(item["subject_type"], item["subject_id"]) for item in items]
        assert keys == sorted(keys)

    def test_items_say_what_each_citation_says(self, dataset_client):
        (item,) = dataset_client.get(f"/api/v1/citations?source={SOURCE}&limit=1").json()["items"]
        one = dataset_client.get(f"/api/v1/citations/{item['id']}").json()
        assert set(item) == {"id", "subject_type", "subject_id", "quote", "locator", "note"}
        assert one["source"] == SOURCE
        assert (item["subject_type"], item["subject_id"]) == (
            one["subject"]["kind"],
            one["subject"]["id"],
        )
        assert (item["quote"], item["locator"], item["note"]) == (
            one.get("quote"),
            one.get("locator"),
            one.get("note"),
        )

    def test_count_gives_the_total(self, dataset_client, dataset_db):
        body = dataset_client.get(f"/api/v1/citations?source={SOURCE}&count=true").json()
        assert body["total"] == len(in_order(dataset_db, SOURCE))
        assert len(body["items"]) == 50  # the default page
        plain = dataset_client.get(f"/api/v1/citations?source={SOURCE}").json()
        assert "total" not in plain
        assert plain["items"] == body["items"]

    def test_kind_filters_by_the_cited_record_s_kind(self, dataset_client, dataset_db):
        expected = in_order(dataset_db, SOURCE, "participation")
        url = f"/api/v1/citations?source={SOURCE}&kind=participation&limit=60"
        items = walk(dataset_client, url)
        assert len(items) > 60
        assert [item["id"] for item in items] == expected
        assert {item["subject_type"] for item in items} == {"participation"}

    def test_csv_holds_every_citation(self, dataset_client, dataset_db):
        response = dataset_client.get(f"/api/v1/citations?source={SOURCE}&format=csv")
        assert response.status_code == 200
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert [row["id"] for row in rows] == in_order(dataset_db, SOURCE)

    def test_an_unknown_source_is_a_422_naming_it_with_the_closest(self, dataset_client):
        body = problem(dataset_client.get("/api/v1/citations?source=desa-cm15-2071"), 422)
        (error,) = body["errors"]
        assert error["parameter"] == "source"
        assert "desa-cm15-2017" in error["suggestions"]["desa-cm15-2071"]

    @pytest.mark.parametrize(
        ("query", "parameter"),
        [
            ("", "source"),  # the source is required
            (f"source={SOURCE}&kind=planet", "kind"),
            (f"source={SOURCE}&kind=event,participation", "kind"),  # one kind at a time
            (f"source={SOURCE}&kind=event&kind=participation", "kind"),
            (f"source={SOURCE}&limit=501", "limit"),
            (f"source={SOURCE}&cursor=bm90LWEtY3Vyc29y", "cursor"),
            (f"source={SOURCE}&cursor={encode_cursor(('gcm',))}", "cursor"),  # another list's
            (f"source={SOURCE}&cursor={encode_cursor(('event', 'cm-15', 'x', 'c'))}", "cursor"),
            (f"source={SOURCE}&cursor={encode_cursor(('event', 'cm-15', True, 'c'))}", "cursor"),
        ],
    )
    def test_bad_parameters_are_422_problems(self, dataset_client, query, parameter):
        body = problem(dataset_client.get(f"/api/v1/citations?{query}"), 422)
        assert body["errors"][0]["parameter"] == parameter

    def test_statements_do_not_grow_with_the_page(self, dataset_client):
        engine = dataset_client.app.state.db.engine
        counts = []
        for limit in (1, 50, 500):
            for extra in ("", "&count=true"):
                url = f"/api/v1/citations?source={SOURCE}&limit={limit}{extra}"
                cursor = dataset_client.get(url).json()["next_cursor"]
                statements: list[str] = []

                def record(*args: Any, seen: list[str] = statements) -> None:
                    seen.append(args[2])

                event.listen(engine, "before_cursor_execute", record)
                try:
                    deep = dataset_client.get(f"{url}&cursor={cursor}", headers=FRESH)
                finally:
                    event.remove(engine, "before_cursor_execute", record)
                assert deep.status_code == 200
                counts.append(len(statements))
        assert counts == [counts[0], counts[1]] * 3, counts
        assert counts[0] <= 2, counts
        assert counts[1] == counts[0] + 1, counts
