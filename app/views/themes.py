"""What the theme taxonomy shows: every theme with its parent and description."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import models as m
from app.views.sources import ThemeOut


def themes_out(session: Session) -> list[ThemeOut]:
    """Every theme, by id (one statement)."""
    columns = (m.Theme.id, m.Theme.name, m.Theme.parent_id, m.Theme.description)
    return [
        ThemeOut(id=ident, name=name, parent=parent, description=description)
        for ident, name, parent, description in session.execute(
            select(*columns).order_by(m.Theme.id)
        )
    ]
