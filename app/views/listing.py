"""The items of a list, rendered for many records at once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.views.schemas import to_json


def item_renderer(
    model: Any, shape: Callable[[Session, list[Any]], Sequence[BaseModel]]
) -> Callable[[Session, list[str]], dict[str, str]]:
    """Renders the list items of these ids as JSON (stored by ``app.readmodel.documents``),
    made together by the list's own ``shape``."""

    def render(session: Session, keys: list[str]) -> dict[str, str]:
        rows = list(session.scalars(select(model).where(model.id.in_(keys))))
        return {item.id: to_json(item).decode() for item in shape(session, rows)}  # type: ignore[attr-defined]

    return render
