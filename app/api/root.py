"""``GET /api/v1``: the resources of the API and their URLs, read from its OpenAPI document."""

from __future__ import annotations

from fastapi import APIRouter, Request

from app.views import root

router = APIRouter()


@router.get("", response_model=root.ApiRoot, summary="List the resources and their URLs")
async def api_root(request: Request) -> root.ApiRoot:
    """Every path of the API with its URL (a template where it takes an id) and methods;
    reads first, as the documentation orders them."""
    return root.root_of(request.app.openapi()["paths"], str(request.base_url))
