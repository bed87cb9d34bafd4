"""Serve the API with worker processes forked from a parent that has imported it.

Gunicorn loads the application once (``preload_app``) and forks each worker from that
process, so a worker starts at once instead of importing everything again; each worker runs
uvicorn's event loop and opens its own database connections in the application's lifespan.
"""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication
from uvicorn_worker import UvicornWorker

from app.main import create_app


class Worker(UvicornWorker):  # type: ignore[misc]
    """uvicorn's fastest loop and parser, without a line logged per request."""

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


def serve(host: str, port: int, workers: int) -> None:
    Server(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": f"{Worker.__module__}.{Worker.__qualname__}",
            "preload_app": True,
            "accesslog": None,
            "loglevel": "warning",
        }
    ).run()
