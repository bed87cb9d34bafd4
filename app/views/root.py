"""What ``GET /api/v1`` shows: every resource of the API with its URL and methods."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

PREFIX = "/api/v1"
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]


class Resource(BaseModel):
    path: str = Field(examples=["/api/v1/actors/{actor_id}"])
    url: str = Field(examples=["http://127.0.0.1:8000/api/v1/actors/{actor_id}"])
    methods: list[str] = Field(examples=[["GET", "PATCH", "DELETE"]])
    summary: str = Field(examples=["One actor"])


class ApiRoot(BaseModel):
    """Where everything is, as GitHub's API root says it."""

    resources: list[Resource]
    docs_url: str = Field(examples=["http://127.0.0.1:8000/docs"])
    openapi_url: str = Field(examples=["http://127.0.0.1:8000/openapi.json"])


def root_of(paths: dict[str, dict[str, Any]], base_url: str) -> ApiRoot:
    """The resources of the OpenAPI document's ``paths`` under the API's prefix, by path,
    each with its URL on ``base_url`` (a template where it takes an id) and its methods,
    reads first."""
    base = base_url.rstrip("/")
    resources = []
    for path, operations in paths.items():
        if not path.startswith(f"{PREFIX}/"):
            continue
        summary = (operations.get("get") or next(iter(operations.values())))["summary"]
        methods = sorted((m.upper() for m in operations), key=METHODS.index)
        resources.append(Resource(path=path, url=base + path, methods=methods, summary=summary))
    return ApiRoot(
        resources=sorted(resources, key=lambda r: r.path),
        docs_url=f"{base}/docs",
        openapi_url=f"{base}/openapi.json",
    )
