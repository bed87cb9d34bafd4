"""The real service in a subprocess: ``mgt serve`` on a free 127.0.0.1 port against a fresh
SQLite database it migrates and seeds from seeds/, as a user would run it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from app.core.config import PROJECT_ROOT


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    base_url: str
    database_url: str

    def get_json(self, path: str, **params: str) -> Any:
        query = urllib.parse.urlencode(params)
        url = f"{self.base_url}{path}{'?' + query if query else ''}"
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.load(response)

    def api(self, path: str, **params: str) -> Any:
        return self.get_json(f"/api/v1{path}", **params)

    def api_all(self, path: str, **params: str) -> list[dict[str, Any]]:
        """Every item of a list, following the cursor."""
        items: list[dict[str, Any]] = []
        cursor = None
        while True:
            page = self.api(path, limit="500", **params, **({"cursor": cursor} if cursor else {}))
            items += page["items"]
            if not (cursor := page["next_cursor"]):
                return items


@contextmanager
def live_server(
    directory: Path, database_url: str | None = None, workers: int | None = None
) -> Iterator[Server]:
    """``mgt serve`` on a free port, against ``database_url`` (default: a fresh SQLite
    database it seeds from seeds/), with ``workers`` processes (default: its own)."""
    database_url = database_url or f"sqlite:///{directory / 'mgt.sqlite3'}"
    port = _free_port()
    log = (directory / "server.log").open("w+")
    env = {**os.environ, "DATABASE_URL": database_url}
    command = [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1"]
    if workers is not None:
        command += ["--workers", str(workers)]
    process = subprocess.Popen(
        [*command, "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                log.seek(0)
                pytest.fail(f"mgt serve exited with {process.returncode}:\n{log.read()}")
            try:
                with urllib.request.urlopen(f"{base_url}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"mgt serve did not answer /health within 60 s:\n{log.read()}")
            time.sleep(0.2)
        yield Server(base_url, database_url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
