"""Sources, figures and disputes, on both engines; a source's detail lists its first
citations, as ``/citations?source=`` lists them, and how many there are."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from tests.api.test_writes import api, auth
from tests.checks import problem

__all__ = ["api"]

SOURCE = "desa-cm15-2017"  # the most-cited source of the dataset (746 citations)
FRESH = {"Cache-Control": "no-cache"}


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


def _statements(client: Any, url: str) -> int:
    engine = client.app.state.db.engine
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(url, headers=FRESH).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(statements)


class TestSourceDetail:
    def test_lists_the_first_page_of_its_citations_and_counts_them_all(self, dataset_client):
        detail = dataset_client.get(f"/api/v1/sources/{SOURCE}").json()
        first = dataset_client.get(f"/api/v1/citations?source={SOURCE}&limit=100&count=true")
        page = first.json()
        assert len(detail["citations"]) == 100
        assert detail["citations"] == page["items"]
        assert detail["citations_total"] == page["total"] == 746
        assert sum(detail["cited_by_kind"].values()) == detail["citations_total"]
        assert detail["citations_url"] == f"http://testserver/api/v1/citations?source={SOURCE}"
        # The rest continue where the first page's next_url does.
        rest = dataset_client.get(detail["citations_next_url"]).json()
        following = dataset_client.get(page["next_url"]).json()
        assert rest["items"] == following["items"]
        assert len(rest["items"]) == 100
        assert {i["id"] for i in rest["items"]}.isdisjoint(i["id"] for i in detail["citations"])
        everything = dataset_client.get(detail["citations_url"] + "&count=true")
        assert everything.json()["total"] == detail["citations_total"]

    def test_a_source_cited_less_lists_every_citation(self, dataset_client):
        detail = dataset_client.get("/api/v1/sources/a-res-73-195").json()
        assert 0 < detail["citations_total"] <= 100
        assert len(detail["citations"]) == detail["citations_total"]
        assert detail["citations_next_url"] is None
        page = dataset_client.get(detail["citations_url"] + "&limit=100").json()
        assert detail["citations"] == page["items"]
        assert page["next_url"] is None

    def test_statements_do_not_grow_with_its_citations(self, dataset_client):
        many = _statements(dataset_client, f"/api/v1/sources/{SOURCE}")
        few = _statements(dataset_client, "/api/v1/sources/a-res-73-195")
        assert many == few <= 4

    def test_an_unknown_source_is_a_404_problem(self, dataset_client):
        problem(dataset_client.get("/api/v1/sources/desa-cm15-2071"), 404)


def test_a_citation_written_and_removed_is_in_the_detail_and_the_list(api):
    client, tokens = api
    path = "/api/v1/sources/wmr-2024-ch8"
    before = client.get(path).json()
    cited = {"subject": {"kind": "actor", "id": "mexico"}, "source": "wmr-2024-ch8"}
    created = client.post(
        "/api/v1/citations",
        json=cited | {"quote": "Pledges are measurable commitments", "locator": "p. 99"},
        headers=auth(tokens["write"]),
    )
    assert created.status_code == 201, created.text
    ident = created.json()["id"]
    after = client.get(path).json()
    assert after["citations_total"] == before["citations_total"] + 1
    assert after["cited_by_kind"]["actor"] == before["cited_by_kind"].get("actor", 0) + 1
    (new,) = [c for c in after["citations"] if c["id"] == ident]
    assert (new["subject_type"], new["subject_id"]) == ("actor", "mexico")
    assert new["locator"] == "p. 99"
    listed = client.get("/api/v1/citations?source=wmr-2024-ch8&limit=100").json()["items"]
    assert listed == after["citations"]
    etag = client.get(f"/api/v1/citations/{ident}").headers["etag"]
    removed = client.delete(
        f"/api/v1/citations/{ident}", headers=auth(tokens["admin"], **{"If-Match": etag})
    )
    assert removed.status_code == 204, removed.text
    again = client.get(path).json()
    assert again.pop("cite_as")["release"] != before.pop("cite_as")["release"]  # two writes on
    assert again == before
