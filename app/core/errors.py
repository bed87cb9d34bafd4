"""Domain errors and their rendering as RFC 9457 problem details (application/problem+json)."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from app.core.logging import REQUEST_ID

PROBLEM_JSON = "application/problem+json"
logger = logging.getLogger("mgt")


class DomainError(Exception):
    """An error a client can act on; ``status`` is the HTTP status it maps to."""

    status = 400
    title = "Bad request"
    headers: dict[str, str] | None = None

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class PreconditionFailed(DomainError):
    status = 412
    title = "Precondition failed"


class PreconditionRequired(DomainError):
    status = 428
    title = "Precondition required"


class Busy(DomainError):
    status = 503
    title = "Service Unavailable"
    headers = {"Retry-After": "5"}


class UnprocessableRecord(DomainError):
    """A record that is well-formed JSON but not a valid fact (schema, references, quotes)."""

    status = 422
    title = "Invalid record"

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems), errors=[{"detail": p} for p in problems])


class InvalidParameter(DomainError):
    status = 422
    title = "Invalid parameter"

    def __init__(self, parameter: str, detail: str) -> None:
        super().__init__(detail, errors=[{"parameter": parameter, "detail": detail}])


def problem(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    request: Request | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.url.path
    request_id = REQUEST_ID.get()
    if request_id is not None:
        body["request_id"] = request_id
        headers = {**(headers or {}), "X-Request-ID": request_id}
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _location(loc: tuple[Any, ...]) -> str:
    """The parameter's name for query, path and header errors; a dotted path in a body."""
    if len(loc) >= 2 and loc[0] in ("query", "path", "header", "cookie"):
        return str(loc[1])
    parts = [str(p) for p in loc if p != "body"]
    return ".".join(parts) or "request"


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "parameter": _location(tuple(e["loc"])),
            "in": str(e["loc"][0]) if e["loc"] else None,
            "detail": e["msg"],
        }
        for e in exc.errors()
    ]
    detail = "; ".join(f"{e['parameter']}: {e['detail']}" for e in errors)
    return problem(422, detail, title="Invalid parameter", request=request, errors=errors)


async def _domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return problem(
        exc.status, exc.detail, title=exc.title, request=request, headers=exc.headers, **exc.extra
    )


METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route answers at this path (the router names only the first
    route's, so ``/actors/{id}`` would say GET although PATCH and DELETE are there too)."""
    routes = request.app.router.routes
    return [
        method
        for method in METHOD_ORDER
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL for route in routes
        )
    ]


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"No endpoint at {request.url.path}; see /docs for the API"
    headers = dict(exc.headers) if exc.headers else None
    if exc.status_code == 405:
        allowed = ", ".join(allowed_methods(request))
        headers = {**(headers or {}), "Allow": allowed}
        detail = f"{request.method} is not allowed on {request.url.path}; allowed: {allowed}"
    return problem(exc.status_code, detail, request=request, headers=headers)


SQLITE_READONLY, SQLITE_FULL = 8, 13
STORAGE_FAULTS = {
    "read-only": (
        503,
        "The database is read-only, so writes are refused until an operator makes it "
        "writable; reads still work.",
    ),
    "full": (
        507,
        "The database's disk is full, so writes are refused until an operator frees space; "
        "reads still work.",
    ),
}


def storage_fault(exc: Exception) -> str | None:
    """``read-only`` or ``full`` when the database refuses a write for want of permission or
    space: SQLite's result codes, PostgreSQL's SQLSTATEs."""
    original = getattr(exc, "orig", None)
    code = getattr(original, "sqlite_errorcode", None)
    if isinstance(code, int):  # extended codes keep the primary code in the low byte
        return {SQLITE_READONLY: "read-only", SQLITE_FULL: "full"}.get(code & 0xFF)
    sqlstate = getattr(original, "sqlstate", None)
    return {"25006": "read-only", "53100": "full"}.get(str(sqlstate))


# PostgreSQL's SQLSTATEs for a transaction that lost to a concurrent one and may simply be
# run again: deadlock detected, serialization failure.
CONCURRENCY_FAILURES = {"40P01", "40001"}
LOCK_NOT_AVAILABLE = "55P03"  # lock_timeout expired


def _sqlstate(error: DBAPIError) -> str | None:
    return getattr(error.orig, "sqlstate", None)


def _sqlite_busy(error: DBAPIError) -> bool:
    return str(getattr(error.orig, "sqlite_errorname", "")).startswith("SQLITE_BUSY")


def is_retryable(error: DBAPIError) -> bool:
    """Whether running the same transaction again may well succeed: it lost a deadlock or a
    serialization check, or (SQLite) did not get the database lock within the busy timeout."""
    return _sqlstate(error) in CONCURRENCY_FAILURES or _sqlite_busy(error)


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """Concurrent writes that still collide are a 409, a write lock not granted in time a
    503 that says so; any other database error is an outage (503) or a bug (500)."""
    assert isinstance(exc, DBAPIError)
    if isinstance(exc, IntegrityError) or _sqlstate(exc) in CONCURRENCY_FAILURES:
        logger.warning("write conflict on %s: %s", request.url.path, type(exc.orig).__name__)
        return problem(
            409,
            "The change collided with another one made at the same moment and was not "
            "applied; read the record again and retry.",
            title="Conflict",
            request=request,
        )
    if _sqlstate(exc) == LOCK_NOT_AVAILABLE or _sqlite_busy(exc):
        logger.warning("write lock not granted in time on %s", request.url.path)
        return problem(
            503,
            "Other writes held the database for too long; nothing was written. Retry shortly.",
            request=request,
            headers={"Retry-After": "5"},
        )
    return await _database_down(request, exc)


async def _database_down(request: Request, exc: Exception) -> JSONResponse:
    fault = storage_fault(exc)
    if fault is not None:
        status, detail = STORAGE_FAULTS[fault]
        logger.error(
            "database %s: %s %s refused (%s)",
            fault,
            request.method,
            request.url.path,
            getattr(exc, "orig", exc),
        )
        return problem(status, detail, request=request)
    if (
        isinstance(exc, DBAPIError)
        and not exc.connection_invalidated
        and not isinstance(exc, OperationalError)
    ):
        return await _unexpected(request, exc)
    logger.warning("database unavailable: %s", type(exc).__name__)
    return problem(
        503,
        "The database is unavailable; retry shortly.",
        request=request,
        headers={"Retry-After": "5"},
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s", request.url.path, exc_info=exc)
    return problem(500, "An unexpected error occurred; it has been logged.", request=request)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(PoolTimeout, _database_down)  # no free connection in the pool
    app.add_exception_handler(Exception, _unexpected)
