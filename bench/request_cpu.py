"""CPU time per request, measured in-process: the endpoints whose cost grows with the data,
and the list endpoints whose query parameters are read on every request.

Drives the whole ASGI application (``app(scope, receive, send)``: middleware, routing, the
database; no socket, no HTTP client) with ``Cache-Control: no-cache`` so that the response
cache does not answer, and prints for each path the best over ``--rounds`` of the mean CPU
time of one request (``time.process_time``: the process and its threads, so a shared machine
does not count) and the best mean wall time (which holds what a PostgreSQL server spends, in
a process of its own, and whatever else the machine runs).

The database is the one ``DATABASE_URL`` names, e.g. one bench/run loaded:

    DATABASE_URL=sqlite:///bench/.data/db-10k/mgt.sqlite3 .venv/bin/python bench/request_cpu.py

or, without it, a SQLite file loaded from the repository's seeds (``--database PATH``: loaded
if missing, reused if not). To compare two checkouts, run each one's copy in turn against one
database (interleaved, so load on the machine falls on both alike).
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
    "/api/v1/meetings?facet=kind",
    "/api/v1/timeline?facet=kind&facet=status&facet=process&facet=year",
    "/api/v1/meetings?facet=kind&process=gfmd",
    "/api/v1/pledges?facet=objective&facet=status",
    "/api/v1/actors?facet=kind",
    "/api/v1/snapshot?date=2018-12-10",
    "/api/v1/meta",
    "/api/v1/search?q=compact",
    "/api/v1/search?q=compact&kind=event",
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


async def measure(
    app: Any, paths: list[str], requests: int, rounds: int
) -> dict[str, dict[str, float]]:
    """For each path, the best over rounds of the mean CPU and wall time of one answer (ms)."""
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    found: dict[str, dict[str, float]] = {}
    async with app.router.lifespan_context(app):
        for path in paths:
            for _ in range(20):  # warm: statement caches, stored pages
                await app(scope(path), receive, send)
        for _ in range(rounds):
            for path in paths:
                statuses.clear()
                cpu, wall = time.process_time(), time.perf_counter()
                for _ in range(requests):
                    await app(scope(path), receive, send)
                cpu = (time.process_time() - cpu) / requests * 1000
                wall = (time.perf_counter() - wall) / requests * 1000
                if set(statuses) != {200}:
                    raise SystemExit(f"{path}: answered {sorted(set(statuses))}")
                best = found.setdefault(path, {"cpu_ms": cpu, "wall_ms": wall})
                best["cpu_ms"], best["wall_ms"] = (
                    min(best["cpu_ms"], cpu),
                    min(best["wall_ms"], wall),
                )
    return found


def loaded_database(path: str | None) -> str:
    if path and Path(path).exists():
        return f"sqlite:///{path}"
    target = path or f"{tempfile.mkdtemp(prefix='mgt-cpu-')}/bench.sqlite3"
    url = f"sqlite:///{target}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with engine.begin() as connection:
        load(connection, ROOT / "seeds", None)
    engine.dispose()
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200, help="requests per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database", help="without DATABASE_URL: a SQLite file of the seeds")
    parser.add_argument("paths", nargs="*", help=f"paths to request (default {len(PATHS)})")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or loaded_database(args.database)
    app = create_app(Settings(database_url=url, log_level="warning"))
    found = asyncio.run(measure(app, args.paths or PATHS, args.requests, args.rounds))
    for path, best in found.items():
        print(f"{best['cpu_ms']:9.3f} ms CPU {best['wall_ms']:9.3f} ms  {path}", file=sys.stderr)
    print(json.dumps({p: {k: round(v, 3) for k, v in b.items()} for p, b in found.items()}))


if __name__ == "__main__":
    main()
