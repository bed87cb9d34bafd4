"""Domain errors and their rendering as RFC 9457 problem details (application/problem+json)."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

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


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"No endpoint at {request.url.path}; see /docs for the API"
    headers = dict(exc.headers) if exc.headers else None
    return problem(exc.status_code, detail, request=request, headers=headers)


async def _database_down(request: Request, exc: Exception) -> JSONResponse:
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
    app.add_exception_handler(DBAPIError, _database_down)
    app.add_exception_handler(PoolTimeout, _database_down)  # no free connection in the pool
    app.add_exception_handler(Exception, _unexpected)
