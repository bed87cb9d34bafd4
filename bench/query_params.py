"""CPU time per request of the list endpoints, in-process: what reading their query
parameters costs shows here.

Drives the whole ASGI application (``app(scope, receive, send)``: no socket, no HTTP client)
against a SQLite database loaded from the repository's seeds, with ``Cache-Control:
no-cache`` so that the response cache does not answer, and prints for each path the best of
``--rounds`` means of ``--requests`` requests, in microseconds of CPU time
(``time.process_time``: the process and its threads, so a shared machine does not count).

    .venv/bin/python bench/query_params.py [--requests 1000] [--rounds 3] [--json]

To compare two checkouts, run each one's copy in turn (interleaved, so load on the machine
falls on both alike) against one database: ``--database PATH`` reuses a loaded file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MGT_LOG_LEVEL", "warning")

from app.core.config import Settings  # noqa: E402
from app.core.db import make_engine  # noqa: E402
from app.main import create_app  # noqa: E402
from app.models import migrate  # noqa: E402
from app.records.loader import load  # noqa: E402

PATHS = [
    "/api/v1/timeline",
    "/api/v1/meetings?process=gfmd",
    "/api/v1/pledges",
    "/api/v1/actors",
]


def scope(target: str) -> dict[str, Any]:
    path, _, query = target.partition("?")
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": [
            (b"host", b"bench"),
            (b"accept", b"application/json"),
            (b"cache-control", b"no-cache"),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
        "state": {},
    }


async def measure(app: Any, paths: list[str], requests: int, rounds: int) -> dict[str, float]:
    """For each path, the best over rounds of the mean CPU time of one answer (µs)."""
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    best: dict[str, float] = {}
    async with app.router.lifespan_context(app):
        for path in paths:
            for _ in range(20):  # warm: statement caches, stored pages
                await app(scope(path), receive, send)
        for _ in range(rounds):
            for path in paths:
                statuses.clear()
                started = time.process_time()
                for _ in range(requests):
                    await app(scope(path), receive, send)
                mean = (time.process_time() - started) / requests * 1e6
                assert set(statuses) == {200}, (path, set(statuses))
                best[path] = min(best.get(path, mean), mean)
    return best


def loaded_database(path: str | None) -> str:
    if path and Path(path).exists():
        return f"sqlite:///{path}"
    target = path or f"{tempfile.mkdtemp(prefix='mgt-params-')}/bench.sqlite3"
    url = f"sqlite:///{target}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with engine.begin() as connection:
        load(connection, ROOT / "seeds", None)
    engine.dispose()
    return url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database", help="a SQLite file: loaded if missing, reused if not")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("paths", nargs="*", default=PATHS)
    args = parser.parse_args()
    url = loaded_database(args.database)
    app = create_app(Settings(database_url=url, log_level="warning"))
    best = asyncio.run(measure(app, args.paths, args.requests, args.rounds))
    if args.json:
        print(json.dumps(best))
        return
    print(f"CPU µs per request, best of {args.rounds} x {args.requests}:")
    for path, micros in best.items():
        print(f"  {path:40} {micros:8.1f}")


if __name__ == "__main__":
    main()
