"""Objectives and pledges, on both engines."""

from __future__ import annotations

import pytest

from tests.checks import problem, statements_of


class TestObjectivesAndPledges:
    def test_objectives_with_pledge_counts(self, client):
        body = client.get("/api/v1/objectives").json()
        assert body["next_cursor"] is None
        (objective,) = body["items"]
        assert objective["number"] == "7"
        assert objective["pledges_recorded"] == 1
        assert objective["coverage"].startswith("This dataset holds 1 individual pledge")

    def test_objective_detail(self, client):
        body = client.get("/api/v1/objectives/7").json()
        assert body["pledges"][0]["objectives"] == [7]
        problem(client.get("/api/v1/objectives/24"), 422)
        problem(client.get("/api/v1/objectives/3"), 404)

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("objective=7", ["example-pledge"]),
            ("actor=juan-jose-gomez-camacho", []),
            ("actor=iom", ["example-pledge"]),
            ("process=pledging-initiative", ["example-pledge"]),
        ],
    )
    def test_pledge_filters(self, client, query, expected):
        assert [p["id"] for p in client.get(f"/api/v1/pledges?{query}").json()["items"]] == expected

    def test_objectives_statement_count_is_bounded(self, client):
        assert statements_of(client, "/api/v1/objectives") <= 30
