"""Request dependencies, the read path and the write path.

Write endpoints are written as plain functions of a ``session`` too and wrapped by
``writes``: the application's ``Database`` runs each as one unit of work on a worker thread —
its turn, the write lock first, the endpoint, the commit — and runs it again, whole, after a
deadlock or a serialization failure. The transaction commits before the response is sent.
GET endpoints are written as plain functions of a ``session`` and wrapped by ``reads``: the
session, the queries, the response model and its JSON bytes are made in one call on a worker
thread, with at most ``read_threads`` such calls at once. A request then neither holds a
connection while it waits for the interpreter lock nor hops between threads once per
dependency, and the return value is not validated a second time by the framework.

Endpoints that answer with stored JSON (``stored_documents``, a meeting's stored parts, a
timeline or pledge page) read it on the event loop through the driver
(``app.core.direct``) and fall back to a worker thread (``on_thread``, ``read``) only for
what is not stored, for facets and for files.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, get_type_hints

import orjson
from fastapi import Request, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.core.database import Database
from app.core.errors import NotFound
from app.readmodel import documents
from app.views.schemas import to_json

T = TypeVar("T")


def _json(value: Any) -> bytes:
    if isinstance(value, BaseModel):
        return to_json(value)
    if isinstance(value, list):
        return b"[" + b",".join(_json(item) for item in value) + b"]"
    return orjson.dumps(value)  # the same bytes as json.dumps(ensure_ascii=False), compact


async def on_thread(request: Request, build: Callable[[Session], T]) -> T:
    """``build(session)`` on a worker thread, in a read transaction."""
    db: Database = request.app.state.db
    return await db.read(build)


async def read(request: Request, build: Callable[[Session], Any]) -> Response:
    """``build(session)`` on a worker thread; what it returns, unless already a Response,
    becomes the JSON body there too."""

    def answer(session: Session) -> Response:
        built = build(session)
        if isinstance(built, Response):
            return built
        return Response(_json(built), media_type="application/json")

    return await on_thread(request, answer)


async def stored_documents(
    request: Request, kind: str, keys: list[str]
) -> dict[str, tuple[str, str | None]]:
    """Stored documents' JSON and ETag, read on the event loop; those it does not find there
    (not stored yet, or the database not answering) are looked for — rendered if need be —
    on a worker thread, which also reports a failure. Keys with nothing to show are left out."""
    found = await documents.fetch(request.app.state.db.direct, kind, keys)
    missing = [key for key in keys if key not in found]
    if missing:
        found |= await on_thread(request, lambda s: documents.stored(s, kind, missing))
    return found


async def stored_detail(request: Request, kind: str, key: str, missing: NotFound) -> Response:
    """A record's stored detail document, with its record ETag where it has one; ``missing``
    when there is none."""
    found = (await stored_documents(request, kind, [key])).get(key)
    if found is None:
        raise missing
    body, etag = found
    headers = {"ETag": etag} if etag else None
    return Response(body, media_type="application/json", headers=headers)


def reads(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """A GET endpoint written as ``def f(session, ...)``, served through ``read``.

    The wrapper's signature is the endpoint's without ``session`` (plus ``request``), so
    parameters, validation and the documented response model are unchanged. Headers the
    endpoint sets on an injected ``response: Response`` are added to the answer.
    """

    async def serve(request: Request, kwargs: dict[str, Any]) -> Response:
        answer = await read(request, lambda session: endpoint(session=session, **kwargs))
        if "response" in kwargs:
            answer.headers.update(kwargs["response"].headers)
        return answer

    return _with_session(endpoint, serve)


def reads_stored(
    first: Callable[..., Awaitable[Response | None]],
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``reads``, answered by ``first(request, **the endpoint's other arguments)`` on the
    event loop when it can (stored JSON), and by the endpoint on a worker thread when it
    answers None."""

    def decorate(endpoint: Callable[..., Any]) -> Callable[..., Any]:
        async def serve(request: Request, kwargs: dict[str, Any]) -> Response:
            given = {k: v for k, v in kwargs.items() if k != "request"}
            answer = await first(request, **given)
            if answer is not None:
                return answer
            return await read(request, lambda session: endpoint(session=session, **kwargs))

        return _with_session(endpoint, serve)

    return decorate


def writes(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """A write endpoint written as ``def f(session, ...)``, run as one unit of work by the
    application's ``Database`` (see the module's docstring); same signature rule as ``reads``."""

    async def serve(request: Request, kwargs: dict[str, Any]) -> Any:
        db: Database = request.app.state.db
        work = functools.partial(endpoint, **kwargs)
        return await db.write(lambda s: work(session=s))

    return _with_session(endpoint, serve)


def _with_session(
    endpoint: Callable[..., Any], serve: Callable[[Request, dict[str, Any]], Any]
) -> Callable[..., Any]:
    """An endpoint with ``endpoint``'s signature less ``session`` (plus ``request``), that
    answers with ``serve(request, the other arguments)``."""
    hints = get_type_hints(endpoint, include_extras=True)
    signature = inspect.signature(endpoint)
    keyword = inspect.Parameter.KEYWORD_ONLY
    parameters = [
        p.replace(kind=keyword, annotation=hints.get(p.name, p.annotation))
        for p in signature.parameters.values()
        if p.name != "session"
    ]
    takes_request = "request" in signature.parameters
    if not takes_request:
        parameters.insert(0, inspect.Parameter("request", keyword, annotation=Request))

    @functools.wraps(endpoint)
    async def wrapper(**kwargs: Any) -> Any:
        request = kwargs["request"] if takes_request else kwargs.pop("request")
        return await serve(request, kwargs)

    del wrapper.__wrapped__  # FastAPI must see the signature below, not the endpoint's
    wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=parameters,
        return_annotation=hints.get("return", signature.return_annotation),
    )
    return wrapper
