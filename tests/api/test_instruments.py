"""Instruments, their provisions and the comparison of two, on both engines."""

from __future__ import annotations

from app.views.instruments import Comparison
from app.views.schemas import to_json
from tests.checks import problem, statements_of


class TestInstruments:
    def test_detail_lists_provisions(self, client):
        body = client.get("/api/v1/instruments/gcm").json()
        assert body["provisions"][0]["id"] == "gcm.objective.7"
        assert body["binding"] is False

    def test_compare_aligns_by_theme(self, client):
        body = client.get("/api/v1/compare?left=gcm&right=progress-declaration").json()
        assert [r["theme"]["id"] for r in body["shared_themes"]] == ["governance"]
        assert [r["theme"]["id"] for r in body["right_only_themes"]] == ["pledging"]
        assert body["left_only_themes"] == []
        binding = next(a for a in body["attributes"] if a["attribute"] == "binding")
        assert binding == {"attribute": "binding", "left": False, "right": None, "same": False}

    def test_compare_json_is_the_models_own(self, client):
        body = client.get("/api/v1/compare?left=gcm&right=progress-declaration").content
        assert to_json(Comparison.model_validate_json(body)) == body

    def test_compare_unknown_instrument(self, client):
        body = problem(client.get("/api/v1/compare?left=gcm&right=nope"), 422)
        assert body["errors"][0]["parameter"] == "right"
        problem(client.get("/api/v1/compare?left=gcm"), 422)

    def test_compare_statement_count_is_bounded(self, client):
        assert statements_of(client, "/api/v1/compare?left=gcm&right=progress-declaration") <= 30


def test_compare_of_the_compacts_is_the_models_json(dataset_client):
    """On the real dataset (non-ASCII names, quotes with escapes), the comparison built from
    plain values is byte for byte the ``Comparison`` model's JSON."""
    body = dataset_client.get("/api/v1/compare?left=gcm&right=gcr").content
    assert to_json(Comparison.model_validate_json(body)) == body
