"""What the audit log shows of a change: who made it, when, and the record before and after."""

from __future__ import annotations

from typing import Any

from app.views.schemas import Out, Utc


class ChangeOut(Out):
    id: int
    at: Utc
    key_name: str
    action: str
    kind: str
    record_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
