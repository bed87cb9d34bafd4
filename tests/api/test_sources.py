"""Sources, figures and disputes, on both engines."""

from __future__ import annotations

from tests.checks import problem


class TestSourcesFiguresDisputes:
    def test_source_lists_what_cites_it(self, client):
        body = client.get("/api/v1/sources/wmr-2024-ch8").json()
        assert body["file"] == "004_7eed26272a734672.txt"
        assert body["cited_by_kind"]["figure"] == 1
        problem(client.get("/api/v1/sources/nope"), 404)

    def test_figures(self, client):
        (figure,) = client.get("/api/v1/figures?unit=pledges").json()["items"]
        assert figure["value"] == 233
        assert figure["date"]["display"] == "January 2023"
        assert figure["subject"] == {"kind": "process", "id": "pledging-initiative"}

    def test_a_figure_by_its_id_is_its_list_item_cited(self, client):
        (item,) = client.get("/api/v1/figures?unit=pledges").json()["items"]
        path = f"/api/v1/figures/{item['id']}"
        response = client.get(path)
        body = response.json()
        cite_as = body.pop("cite_as")
        assert body == item
        url = f"http://testserver{path}"
        assert cite_as["record"] == {
            "kind": "figures",
            "id": item["id"],
            "title": item["statement"],
            "url": url,
        }
        assert [s["id"] for s in cite_as["sources"]] == ["wmr-2024-ch8"]
        again = client.get(path, headers={"If-None-Match": response.headers["etag"]})
        assert again.status_code == 304
        missing = problem(client.get("/api/v1/figures/pledges-2023-1"), 404)
        assert "/api/v1/figures" in missing["detail"]

    def test_disputes_keep_both_claims(self, client):
        (dispute,) = client.get("/api/v1/disputes").json()["items"]
        assert [c["followed"] for c in dispute["claims"]] == [False, True]
        assert all(c["citations"] for c in dispute["claims"])
