"""The theme taxonomy that provisions, processes, meetings and pledges are tagged with."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.orm import Session

from app.api.cite_as import CitedRoute
from app.api.deps import reads
from app.views.sources import ThemeOut
from app.views.themes import themes_out

router = APIRouter(tags=["sources"], route_class=CitedRoute)


@router.get("/themes", response_model=list[ThemeOut], summary="The theme taxonomy")
@reads
def list_themes(session: Session) -> list[ThemeOut]:
    """Themes that provisions, processes, meetings and pledges are tagged with."""
    return themes_out(session)
