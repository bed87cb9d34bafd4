"""CPU time per request of the operations whose cost grows with the data, measured in-process.

Drives the whole ASGI application (middleware, routing, the database) over httpx's
ASGITransport against an existing database, with ``Cache-Control: no-cache`` so that the
response cache does not answer, and reports for each path the best over rounds of the mean
CPU time (``time.process_time``: the process and its threads, so a shared machine does not
count) of one request, in milliseconds, and the best mean wall time (which holds what a
PostgreSQL server spends, in a process of its own, and whatever else the machine runs).
The database is the one ``DATABASE_URL`` names, e.g. one bench/run loaded
(bench/.data/db-10k/mgt.sqlite3):

    DATABASE_URL=sqlite:///bench/.data/db-10k/mgt.sqlite3 .venv/bin/python bench/request_cpu.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

os.environ.setdefault("MGT_LOG_LEVEL", "warning")

from app.main import create_app  # noqa: E402

PATHS = [
    "/api/v1/timeline?limit=50",
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


async def measure(paths: list[str], requests: int, rounds: int) -> dict[str, dict[str, float]]:
    app = create_app()
    found: dict[str, dict[str, float]] = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        headers = {"Cache-Control": "no-cache"}
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for path in paths:
                first = await client.get(path, headers=headers)
                if first.status_code != 200:
                    raise SystemExit(f"{path}: {first.status_code} {first.text[:300]}")
                cpu = wall = float("inf")
                for _ in range(rounds):
                    start, began = time.process_time(), time.perf_counter()
                    for _ in range(requests):
                        (await client.get(path, headers=headers)).raise_for_status()
                    cpu = min(cpu, (time.process_time() - start) / requests)
                    wall = min(wall, (time.perf_counter() - began) / requests)
                found[path] = {"cpu_ms": round(cpu * 1000, 2), "wall_ms": round(wall * 1000, 2)}
                print(f"{cpu * 1000:9.2f} ms CPU {wall * 1000:9.2f} ms  {path}", file=sys.stderr)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=5, help="requests per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("paths", nargs="*", help=f"paths to request (default {len(PATHS)})")
    args = parser.parse_args()
    result = asyncio.run(measure(args.paths or PATHS, args.requests, args.rounds))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
