"""What one write changed: the record's kind (as audited), its id, and its data before and
after (None when it did not exist)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Change:
    kind: str
    id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    def versions(self) -> list[dict[str, Any]]:
        """The record's data before and after, leaving out the side where it did not exist."""
        return [data for data in (self.before, self.after) if data is not None]
