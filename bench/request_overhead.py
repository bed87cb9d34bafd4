"""What the request log and the metrics cost per request, measured in-process.

Drives the ASGI application directly (no socket, no HTTP parsing) with the cheapest request
the service answers, a repeated GET answered 304 from the response cache, and times it:
without the request-log middleware, with it but the access log off (MGT_LOG_LEVEL=warning),
with a JSON line per request, and with the metrics on as well. Access lines go to /dev/null.

    .venv/bin/python bench/request_overhead.py [--requests 20000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.config import Settings  # noqa: E402
from app.core.db import make_engine  # noqa: E402
from app.core.middleware import RequestLog  # noqa: E402
from app.main import create_app  # noqa: E402
from app.models import migrate  # noqa: E402
from app.records.loader import load  # noqa: E402

SEEDS = ROOT / "tests" / "fixtures" / "seeds"
PATH = "/api/v1/timeline"


async def per_request_us(app: Any, requests: int, rounds: int) -> float:
    """The median over rounds of the mean CPU time of one 304 answer, in microseconds (CPU
    time, not wall time: the machine may be shared)."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    def scope(etag: bytes | None) -> dict[str, Any]:
        headers = [(b"host", b"bench"), (b"accept", b"application/json")]
        if etag:
            headers.append((b"if-none-match", etag))
        return {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": PATH,
            "raw_path": PATH.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": headers,
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
            "state": {},
        }

    async with app.router.lifespan_context(app):
        await app(scope(None), receive, send)
        etag = dict(sent[0]["headers"])[b"etag"]
        results = []
        for _ in range(rounds):
            sent.clear()
            started = time.process_time()
            for _ in range(requests):
                await app(scope(etag), receive, send)
            results.append((time.process_time() - started) / requests * 1e6)
            assert sent[0]["status"] == 304, sent[0]
    return statistics.median(results)


def build(url: str, *, log_level: str, metrics: bool, request_log: bool) -> Any:
    app = create_app(
        Settings(database_url=url, log_level=log_level, log_format="json", metrics=metrics)
    )
    if not request_log:
        app.user_middleware = [m for m in app.user_middleware if m.cls is not RequestLog]
    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    directory = tempfile.mkdtemp(prefix="mgt-overhead-")
    url = f"sqlite:///{directory}/bench.sqlite3"
    migrate.upgrade(url)
    engine = make_engine(url)
    with engine.begin() as connection:
        load(connection, SEEDS, None)
    engine.dispose()
    devnull = open(os.devnull, "w")  # noqa: SIM115
    sys.stderr = devnull
    cases = [
        ("no request-log middleware", dict(log_level="warning", metrics=False, request_log=False)),
        ("request id, access log off", dict(log_level="warning", metrics=False, request_log=True)),
        ("request id + JSON access line", dict(log_level="info", metrics=False, request_log=True)),
        ("... + metrics", dict(log_level="info", metrics=True, request_log=True)),
    ]
    results = []
    for name, options in cases:
        app = build(url, **options)  # type: ignore[arg-type]
        results.append((name, asyncio.run(per_request_us(app, args.requests, args.rounds))))
    sys.stderr = sys.__stderr__
    base = results[0][1]
    print(f"304 answer of {PATH}, {args.requests} requests x {args.rounds} rounds (median):")
    for name, micros in results:
        print(f"  {name:32} {micros:7.1f} us  (+{micros - base:5.1f} us)")


if __name__ == "__main__":
    main()
