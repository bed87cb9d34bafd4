"""Logs on stderr: one line per request on ``mgt.access``, errors on ``mgt``; JSON lines
unless stderr is a terminal (``MGT_LOG_FORMAT``), each with the request's id."""

from __future__ import annotations

import datetime as dt
import logging
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


def request_id(given: bytes | None) -> str:
    """The client's ``X-Request-ID`` when it is short and plain, else a new one."""
    if given is not None and SAFE_ID.fullmatch(given):
        return given.decode()
    return secrets.token_hex(8)


def _time(record: logging.LogRecord) -> str:
    moment = dt.datetime.fromtimestamp(record.created, dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": _time(record),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        fields = getattr(record, "fields", None)
        if fields is not None:
            line.update(fields)
        else:
            line["message"] = record.getMessage()
            line["request_id"] = REQUEST_ID.get()
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line).decode()


class Text(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", None)
        if fields is not None:
            key = f" key={fields['key']}" if fields.get("key") else ""
            message = (
                f"{fields['method']} {fields['path']} {fields['status']} {fields['bytes']}B "
                f"{fields['duration_ms']}ms id={fields['request_id']}{key}"
            )
        else:
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


def configure(level: str, form: str) -> None:
    """Send the ``mgt`` loggers to stderr at ``level`` in ``form`` (auto, json or text);
    calling it again changes both."""
    json = form == "json" or (form == "auto" and not sys.stderr.isatty())
    _handler.setFormatter(JsonLines() if json else Text())
    root = logging.getLogger("mgt")
    root.setLevel(level.upper())
    root.propagate = False
    if _handler not in root.handlers:
        root.addHandler(_handler)


def log_request(fields: dict[str, Any]) -> None:
    """One access-log line: time, request id, method, path, status, bytes, duration, key."""
    access.info("request", extra={"fields": fields})
