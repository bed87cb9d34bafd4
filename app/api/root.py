"""``GET /api/v1``: the resources of the API and their URLs, read from its OpenAPI document."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

router = APIRouter()
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


@router.get("", response_model=ApiRoot, summary="List the resources and their URLs")
async def api_root(request: Request) -> ApiRoot:
    """Every path of the API with its URL (a template where it takes an id) and methods;
    reads first, as the documentation orders them."""
    base = str(request.base_url).rstrip("/")
    resources = []
    for path, operations in request.app.openapi()["paths"].items():
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
