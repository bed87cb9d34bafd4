"""Processes: the list, a detail and a process's timeline, on both engines."""

from __future__ import annotations

from tests.checks import problem, statements_of


class TestProcesses:
    def test_list_and_detail(self, client):
        ids = [p["id"] for p in client.get("/api/v1/processes").json()["items"]]
        assert ids == ["coordination-meetings", "pledging-initiative"]
        body = client.get("/api/v1/processes/coordination-meetings").json()
        assert body["roles"][0]["actor"]["id"] == "mexico"
        assert body["roles"][0]["citations"]
        assert [m["id"] for m in body["meetings"]] == ["cm-15"]

    def test_process_timeline(self, client):
        body = client.get("/api/v1/processes/coordination-meetings/timeline").json()
        assert [i["id"] for i in body["items"]] == ["cm-15", "cm-15.s3"]
        problem(client.get("/api/v1/processes/nope/timeline"), 404)

    def test_detail_statement_count_is_bounded(self, client):
        assert statements_of(client, "/api/v1/processes/coordination-meetings") <= 30
