"""Logs on stderr: one line per request on ``mgt.access``, errors on ``mgt``; JSON lines
unless stderr is a terminal (``MGT_LOG_FORMAT``), each with the request's id."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import os
import re
import secrets
import sys
from contextvars import ContextVar
from typing import Any

import orjson

# Set by the request middleware for the request's task; worker threads inherit it.
REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
SAFE_ID = re.compile(rb"[A-Za-z0-9._:-]{1,64}")
access = logging.getLogger("mgt.access")


class _Ids:
    """Request ids made here: a random prefix for the process and a counter."""

    def __init__(self) -> None:
        self.reset()
        os.register_at_fork(after_in_child=self.reset)  # each worker a prefix of its own

    def reset(self) -> None:
        self.prefix = secrets.token_hex(5)
        self.counter = itertools.count(1)

    def next(self) -> str:
        return f"{self.prefix}-{next(self.counter):x}"


_ids = _Ids()


def request_id(given: bytes | None) -> str:
    """The client's ``X-Request-ID`` when it is short and plain, else a new one."""
    if given is not None and SAFE_ID.fullmatch(given):
        return given.decode()
    return _ids.next()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _time(record: logging.LogRecord) -> str:
    moment = dt.datetime.fromtimestamp(record.created, dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": _time(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": REQUEST_ID.get(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line).decode()


class Text(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        rid = REQUEST_ID.get()
        message = record.getMessage() + (f" id={rid}" if rid else "")
        text = f"{_time(record)} {record.levelname.lower()} {record.name}: {message}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


class Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time (a test may have replaced it)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


_handler = Stderr()
_json_lines = True


def configure(level: str, form: str) -> None:
    """Send the ``mgt`` loggers to stderr at ``level`` in ``form`` (auto, json or text);
    calling it again changes both."""
    global _json_lines
    _json_lines = form == "json" or (form == "auto" and not sys.stderr.isatty())
    _handler.setFormatter(JsonLines() if _json_lines else Text())
    root = logging.getLogger("mgt")
    root.setLevel(level.upper())
    root.propagate = False
    if _handler not in root.handlers:
        root.addHandler(_handler)


def log_request(fields: dict[str, Any]) -> None:
    """One access-log line (request id, method, path, status, bytes, duration, key), when
    ``mgt.access`` logs INFO. Written straight to stderr in one write, without a LogRecord:
    a third of the cost of the cheapest request went into logging's machinery."""
    if not access.isEnabledFor(logging.INFO):
        return
    if _json_lines:
        line = {"time": _now(), "level": "info", "logger": access.name, **fields}
        sys.stderr.write(orjson.dumps(line).decode() + "\n")
        return
    key = f" key={fields['key']}" if fields.get("key") else ""
    sys.stderr.write(
        f"{_now()} info {access.name}: {fields['method']} {fields['path']} {fields['status']} "
        f"{fields['bytes']}B {fields['duration_ms']}ms id={fields['request_id']}{key}\n"
    )
