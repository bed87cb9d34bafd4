"""Unknown paths, the OpenAPI document and the docs page."""

from __future__ import annotations

from tests.checks import problem


class TestErrorsAndDocs:
    def test_unknown_path_is_problem_json(self, client):
        problem(client.get("/api/v1/nothing"), 404)

    def test_openapi_documents_every_endpoint(self, client):
        paths = client.get("/openapi.json").json()["paths"]
        for path in [
            "/api/v1/timeline",
            "/api/v1/processes/{process_id}",
            "/api/v1/meetings",
            "/api/v1/actors/{actor_id}/timeline",
            "/api/v1/objectives",
            "/api/v1/pledges",
            "/api/v1/compare",
            "/api/v1/sources/{source_id}",
            "/api/v1/figures",
            "/health",
        ]:
            assert path in paths
        assert client.get("/docs").status_code == 200
