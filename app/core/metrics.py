"""Prometheus metrics, collected only when ``MGT_METRICS=true`` (``enable``).

Under gunicorn each worker process counts for itself in files under
``PROMETHEUS_MULTIPROC_DIR`` (``mgt serve`` makes one), and ``/metrics`` adds up the files
of all workers, so a scrape answered by any worker shows the whole server. That variable must
be set before ``prometheus_client`` is first imported, which is why it is imported here only
by ``enable``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10)
CACHE = ("hit", "miss")  # the response cache's answers: reused, or rendered and kept
UNMATCHED = "<unmatched>"  # a path no route serves: never one label per path


@dataclass
class Metrics:
    requests: Any
    latency: Any
    cache: Any
    data_version: Any
    pool: Any
    write_waits: Any
    write_timeouts: Any
    cache_results: dict[str, Any] = field(init=False)  # labels() once, not per request

    def __post_init__(self) -> None:
        self.cache_results = {result: self.cache.labels(result) for result in CACHE}


_active: Metrics | None = None


def enable() -> Metrics:
    """Create the metrics once per process and start collecting them."""
    global _active
    if _active is None:
        from prometheus_client import Counter, Gauge, Histogram

        _active = Metrics(
            requests=Counter(
                "mgt_http_requests",
                "HTTP requests answered, by method, route template and status",
                ["method", "route", "status"],
            ),
            latency=Histogram(
                "mgt_http_request_duration_seconds",
                "Time from a request's arrival to its last byte, by method and route template",
                ["method", "route"],
                buckets=LATENCY_BUCKETS,
            ),
            cache=Counter(
                "mgt_response_cache", "GET responses by the response cache's answer", ["result"]
            ),
            data_version=Gauge(
                "mgt_data_version",
                "The data version: goes up with every write (read at scrape time)",
                multiprocess_mode="max",
            ),
            pool=Gauge(
                "mgt_db_pool_connections",
                "Database connections of the pool: open, and in use by a request",
                ["state"],
                multiprocess_mode="livesum",
            ),
            write_waits=Histogram(
                "mgt_write_turn_wait_seconds",
                "Time a SQLite write waited for its turn among this server's writers",
                buckets=LATENCY_BUCKETS,
            ),
            write_timeouts=Counter(
                "mgt_write_turn_timeouts", "SQLite writes refused (503) as their turn did not come"
            ),
        )
    return _active


def active() -> Metrics | None:
    return _active


def write_turn_waited(seconds: float, got_turn: bool) -> None:
    if _active is None:
        return
    _active.write_waits.observe(seconds)
    if not got_turn:
        _active.write_timeouts.inc()


def watch_pool(engine: Engine) -> None:
    """Count the engine's pooled connections, open and in use."""
    if _active is None:
        return
    opened, in_use = _active.pool.labels("open"), _active.pool.labels("in_use")
    event.listen(engine, "connect", lambda *_: opened.inc())
    event.listen(engine, "close", lambda *_: opened.dec())
    event.listen(engine, "close_detached", lambda *_: opened.dec())
    event.listen(engine, "checkout", lambda *_: in_use.inc())
    event.listen(engine, "checkin", lambda *_: in_use.dec())


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus' text format, and its content type."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return generate_latest(registry), CONTENT_TYPE_LATEST


def worker_exited(pid: int) -> None:
    """Drop a dead worker's live gauges (gunicorn's ``child_exit``)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
