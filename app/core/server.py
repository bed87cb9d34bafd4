"""Serve the API with worker processes forked from a parent that has imported it.

Gunicorn loads the application once (``preload_app``) and forks each worker from that
process, so a worker starts at once instead of importing everything again; each worker runs
uvicorn's event loop and opens its own database connections in the application's lifespan.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication
from uvicorn_worker import UvicornWorker

from app.core import metrics
from app.core.config import get_settings
from app.main import create_app

MAX_WORKERS = 4


class Worker(UvicornWorker):  # type: ignore[misc]
    """uvicorn's fastest loop and parser; requests are logged by the application itself
    (``app.core.middleware.RequestLog``), not by uvicorn."""

    CONFIG_KWARGS = {"loop": "auto", "http": "auto", "access_log": False}


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
