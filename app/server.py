"""Serve the API with worker processes forked from a parent that has imported it.

Gunicorn loads the application once (``preload_app``) and forks each worker from that
process, so a worker starts at once instead of importing everything again; each worker runs
uvicorn's event loop and opens its own database connections in the application's lifespan.

Gunicorn's own request limits (``limit_request_line``, ``limit_request_fields``,
``limit_request_field_size``) apply only to its own parser, which uvicorn's workers do not
use, and uvicorn's httptools parser has none, nor a deadline for a request's headers. So
each worker parses with :class:`LimitedHttpTools`: at most ``MAX_FIELDS`` header fields of
at most ``MAX_FIELD_BYTES`` each, ``MAX_HEAD_BYTES`` for the request line and headers
together, ``MAX_URL_BYTES`` for the target (431 or 414, then the connection is closed), and
``MGT_HEADER_TIMEOUT`` seconds (10) from a request's first byte (or the connection's opening) to the
end of its headers (408, closed): a client trickling headers cannot hold a connection.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import shutil
import tempfile
from http import HTTPStatus
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn_worker import UvicornWorker

from app.core import metrics
from app.core.config import get_settings
from app.main import create_app

MAX_WORKERS = 4
MAX_URL_BYTES = 8 * 1024
MAX_FIELDS = 100
MAX_FIELD_BYTES = 8 * 1024
MAX_HEAD_BYTES = 64 * 1024


class RequestRefused(Exception):
    """A request past a limit, raised from a parser callback to stop parsing it."""


class LimitedHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol with limits on headers and a deadline for them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.refusal: tuple[int, str] | None = None
        self.head_bytes = 0
        self.url_bytes = 0
        self.header_deadline: asyncio.TimerHandle | None = None
        self.header_timeout = get_settings().header_timeout

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._headers_arrived()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.header_deadline is not None and not self.transport.is_closing():
            self.head_bytes += len(data)  # bytes of a head still incomplete, at most a read more
            if self.head_bytes > MAX_HEAD_BYTES:
                self.refuse(431, f"the request's headers exceed {MAX_HEAD_BYTES} bytes")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._await_headers()

    def on_url(self, url: bytes) -> None:
        self.url_bytes += len(url)
        if self.url_bytes > MAX_URL_BYTES:
            self._stop(414, f"the request target exceeds {MAX_URL_BYTES} bytes")
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        if len(name) + len(value) > MAX_FIELD_BYTES:
            self._stop(431, f"a header field exceeds {MAX_FIELD_BYTES} bytes")
        if len(self.headers) >= MAX_FIELDS:
            self._stop(431, f"the request has more than {MAX_FIELDS} header fields")
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._headers_arrived()
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        if self.refusal is None:
            super().send_400_response(msg)
        else:
            self.refuse(*self.refusal)

    def refuse(self, status: int, detail: str) -> None:
        """Answer ``status`` as problem+json and close the connection."""
        self._headers_arrived()
        self.logger.warning("request refused (%d): %s", status, detail)
        title = HTTPStatus(status).phrase
        body = json.dumps(
            {"type": "about:blank", "title": title, "status": status, "detail": detail}
        ).encode()
        head = (
            b"content-type: application/problem+json\r\n"
            + b"content-length: %d\r\nconnection: close\r\n\r\n" % len(body)
        )
        self.transport.write(STATUS_LINE[status] + head + body)
        self.transport.close()

    def _stop(self, status: int, detail: str) -> None:
        self.refusal = (status, detail)
        raise RequestRefused(detail)

    def _await_headers(self) -> None:
        self.head_bytes = self.url_bytes = 0
        if self.header_deadline is None:
            self.header_deadline = self.loop.call_later(self.header_timeout, self._headers_late)

    def _headers_arrived(self) -> None:
        if self.header_deadline is not None:
            self.header_deadline.cancel()
            self.header_deadline = None

    def _headers_late(self) -> None:
        self.header_deadline = None
        if not self.transport.is_closing():
            self.refuse(
                408, f"the request's headers did not arrive within {self.header_timeout:g} s"
            )


class Worker(UvicornWorker):  # type: ignore[misc]
    """uvicorn's fastest loop and parser (with limits); requests are logged by the
    application itself (``app.core.middleware.RequestLog``), not by uvicorn."""

    CONFIG_KWARGS = {"loop": "auto", "http": LimitedHttpTools, "access_log": False}


class Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            self.cfg.set(name, value)

    def load(self) -> Any:
        return create_app()


def cpu_limit(cgroup: Path = Path("/sys/fs/cgroup")) -> int:
    """The CPUs this process may use: a container's CPU quota (cgroup v2 ``cpu.max``, e.g.
    "150000 100000" for 1.5 CPUs) rounded up, else the cores it may run on."""
    cores = len(os.sched_getaffinity(0))
    try:
        quota, period = (cgroup / "cpu.max").read_text().split()
        return max(1, min(cores, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):  # no cgroup v2 file, or "max": no quota
        return cores


def _worker_exited(_server: Any, worker: Any) -> None:
    metrics.worker_exited(worker.pid)


def serve(host: str, port: int, workers: int | None = None) -> None:
    """Serve with ``workers`` processes (default: one per CPU allowed, at most 4). With
    metrics on, the workers count into files of a directory made for this server (unless
    PROMETHEUS_MULTIPROC_DIR names one), removed when it stops."""
    made, parent = None, os.getpid()
    if get_settings().metrics and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        made = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="mgt-metrics-")
    try:
        Server(
            {
                "bind": f"{host}:{port}",
                "workers": workers or min(MAX_WORKERS, cpu_limit()),
                "worker_class": f"{Worker.__module__}.{Worker.__qualname__}",
                "preload_app": True,
                "accesslog": None,
                "loglevel": "warning",
                "child_exit": _worker_exited,
            }
        ).run()
    finally:
        if made is not None and os.getpid() == parent:  # a worker leaves through here too
            shutil.rmtree(made, ignore_errors=True)
