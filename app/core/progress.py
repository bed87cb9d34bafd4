"""Progress for long command-line operations: a bar on a terminal, silence in pipes and CI."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

T = TypeVar("T")


def enabled(stream: TextIO = sys.stderr) -> bool:
    return stream.isatty() and os.environ.get("CI", "").lower() != "true"


def progress(
    items: Iterable[T], label: str, total: int | None = None, stream: TextIO = sys.stderr
) -> Iterator[T]:
    """Yield ``items`` while drawing ``label [=====     ] n/total`` on a terminal."""
    if not enabled(stream):
        yield from items
        return
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    shown = 0.0
    count = 0
    for count, item in enumerate(items, start=1):
        now = time.monotonic()
        if now - shown > 0.1 or count == total:
            shown = now
            if total:
                filled = int(30 * count / total)
                bar = f"[{'=' * filled}{' ' * (30 - filled)}] {count}/{total}"
            else:
                bar = f"{count}"
            stream.write(f"\r{label} {bar}")
            stream.flush()
        yield item
    stream.write(f"\r{label} done ({count})".ljust(60) + "\n")
    stream.flush()
