"""Request hygiene at the edge: request ids and the access log, security headers, allowed
body types, unknown parameters."""

from __future__ import annotations

import logging
import time
from typing import Any

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core import metrics
from app.core.declared import declared_query
from app.core.errors import InvalidParameter, problem
from app.core.logging import REQUEST_ID, access, log_request, request_id

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
API_CSP = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")
BODY_TYPES = {"application/json", "application/merge-patch+json", "text/csv"}


class RequestLog:
    """Gives each request an id (the client's ``X-Request-ID`` if short and plain, else a new
    one), returns it in the ``X-Request-ID`` header, logs one line when the request is done
    and, when metrics are on, counts it under its route template. Outermost, so that it also
    times the answers of the response cache."""

    MAX_TEMPLATES = 10_000

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.templates: dict[str, str] = {}  # path -> route template, for cached answers
        self.children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        given = next((v for k, v in scope["headers"] if k == b"x-request-id"), None)
        rid = request_id(given)
        header = (b"x-request-id", rid.encode())
        REQUEST_ID.set(rid)  # each request runs in a task of its own: nothing to reset
        status, size = 500, 0

        async def send_with_id(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.get("headers", [])
                # a problem+json answer carries the id already; others never do
                if status < 400 or all(k != b"x-request-id" for k, _ in headers):
                    message = {**message, "headers": [*headers, header]}
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            if access.isEnabledFor(logging.INFO):
                log_request(
                    {
                        "request_id": rid,
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "bytes": size,
                        "duration_ms": round(seconds * 1000, 3),
                        "key": scope.get("state", {}).get("key_name"),
                    }
                )
            counted = metrics.active()
            if counted is not None:
                self._count(counted, scope, status, seconds)

    def _count(self, counted: metrics.Metrics, scope: Scope, status: int, seconds: float) -> None:
        path, template = scope["path"], _route_template(scope)
        if template is not None:
            if len(self.templates) >= self.MAX_TEMPLATES:
                self.templates.clear()
            self.templates[path] = template
        else:
            template = self.templates.get(path, metrics.UNMATCHED)
        labels = (scope["method"], template, status)
        children = self.children.get(labels)
        if children is None:  # labels() costs a lock and a lookup: kept per label set
            children = self.children[labels] = (
                counted.requests.labels(labels[0], template, str(status)),
                counted.latency.labels(labels[0], template),
            )
        children[0].inc()
        children[1].observe(seconds)
        cache = scope.get("mgt.cache")
        if cache is not None:
            counted.cache_results[cache].inc()


def _route_template(scope: Scope) -> str | None:
    """The matched route's path template with its router's prefix. FastAPI keeps the
    included route (whose own path lacks the prefix) in scope["route"] and, since it
    includes routers without copying their routes, the full template beside it."""
    included = scope.get("fastapi", {}).get("effective_route_context")
    route = included or scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return str(template) if template is not None else None


class SecurityHeaders:
    """Adds security headers to every response (a page that sets its own CSP keeps it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [h for h in SECURITY_HEADERS if h[0] not in present]
                if API_CSP[0] not in present:
                    headers.append(API_CSP)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


class RequestBodyPolicy:
    """Refuses bodies in a media type the API does not read (415) or over the size limit
    (413), as problem+json, before any endpoint runs."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in {"POST", "PUT", "PATCH"}:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        media = headers.get(b"content-type", b"").decode("latin-1").split(";")[0].strip()
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await self._refuse(scope, receive, send, 413)
            return
        messages, size = [], 0
        while True:
            message = await receive()
            messages.append(message)
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._refuse(scope, receive, send, 413)
                return
            if message["type"] != "http.request" or not message.get("more_body"):
                break
        if size and media.lower() not in BODY_TYPES:
            await self._refuse(scope, receive, send, 415, media)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, status: int, media: str = ""
    ) -> None:
        if status == 413:
            detail = f"The request body is larger than {self.max_bytes} bytes; split it"
        else:
            detail = (
                f"Request bodies must be one of {', '.join(sorted(BODY_TYPES))}; "
                f"got '{media or 'none'}'"
            )
        await problem(status, detail)(scope, receive, send)


_DECLARED: dict[tuple[str, str], frozenset[str]] = {}


async def reject_unknown_query(request: Request) -> None:
    """A misspelt filter must not silently return everything: unknown parameters are 422."""
    if not request.url.path.startswith("/api/"):
        return
    for name, value in [*request.query_params.multi_items(), *request.path_params.items()]:
        if "\x00" in str(value):
            raise InvalidParameter(
                name, f"{name} contains a NUL character, which no value may hold"
            )
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    key = (request.scope.get("method", ""), getattr(route, "path", ""))
    if key not in _DECLARED:  # the dependency tree is walked once per route, not per request
        _DECLARED[key] = declared_query(dependant)
    declared = _DECLARED[key]
    unknown = sorted(set(request.query_params) - declared)
    if unknown:
        allowed = ", ".join(sorted(declared)) or "none"
        raise InvalidParameter(
            unknown[0],
            f"unknown query parameter(s) {', '.join(unknown)}; this endpoint takes {allowed}",
        )
