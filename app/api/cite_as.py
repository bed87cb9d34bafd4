"""``cite_as`` in every record's detail answer, added in one place as the answer is served.

Detail bodies are stored documents or rendered per data version, but a citation names the
release, which every write changes, and the day it was read. So nothing stored holds a
citation: this middleware, inside the response cache (which then keeps the cited body for
as long as the data version and the day stay the same), splices ``"cite_as": {...}`` — what
``GET /cite/{kind}/{id}`` answers — into each 200 JSON answer of a route
``/api/v1/{kind}/{id}`` whose kind can be cited (``app.api.cite.CITABLE``). The record's
title and sources are read on the event loop by the driver (``app.records.direct``), the
release once per data version; each record's ``cite_as`` bytes are remembered per data
version and day (a body rendered afresh is cited without reading again), and citeproc's texts
too (``app.cite.styled.text``).
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import models as m
from app.api.cite import (
    CITABLE,
    cite_as,
    read_record,
    release_from,
    sources_from,
    statements,
)
from app.api.deps import on_thread
from app.cite import csl
from app.records.direct import Reader
from app.releases import basis

PREFIX = "/api/v1/"
REMEMBERED = 4096  # records' cite_as bytes kept per process
Found = tuple[str, csl.Release, list[m.Source]]
CitedKey = tuple[int, dt.date, str, str, str]


def detail_of(scope: Scope) -> tuple[str, str] | None:
    """The kind and id of the record a matched route ``/api/v1/{kind}/{id}`` shows."""
    route_path: str = getattr(scope.get("route"), "path", "")  # with or without the prefix
    kind, _, rest = route_path.removeprefix(PREFIX.rstrip("/")).lstrip("/").partition("/")
    params: dict[str, Any] = scope.get("path_params", {})
    if kind not in CITABLE or not rest.startswith("{") or "/" in rest or len(params) != 1:
        return None
    return kind, str(next(iter(params.values())))


def with_cite_as(body: bytes, cited: bytes) -> bytes:
    """A JSON object's bytes with ``cite_as`` as its last member."""
    inner = body.strip()[1:-1].strip()
    return b"{" + inner + (b"," if inner else b"") + b'"cite_as":' + cited + b"}"


class CitedDetails:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.releases: dict[int, csl.Release] = {}
        self.cited: OrderedDict[CitedKey, bytes] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not scope["path"].startswith(PREFIX)
        ):
            await self.app(scope, receive, send)
            return
        held: Message | None = None

        async def cited(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                held = message  # until the body shows whether it is a detail to cite
                return
            if held is None:
                await send(message)
                return
            start, held = held, None
            record = detail_of(scope)
            if record and _whole_json(start, message):
                found = await self._citation(scope, *record)
                if found is not None:
                    body = with_cite_as(message.get("body", b""), found)
                    start = {**start, "headers": _length(start["headers"], len(body))}
                    message = {**message, "body": body}
            await send(start)
            await send(message)

        await self.app(scope, receive, cited)

    async def _citation(self, scope: Scope, kind: str, ident: str) -> bytes | None:
        """``cite_as`` as JSON bytes, read by the driver or, when it does not answer, through
        a session on a worker thread (which reports a failure); None for no such record."""
        request = Request(scope)
        version: int | None = scope.get("state", {}).get("data_version")
        day = dt.datetime.now(dt.UTC).date()
        key = None if version is None else (version, day, str(request.base_url), kind, ident)
        if key is not None and (remembered := self.cited.get(key)) is not None:
            self.cited.move_to_end(key)
            return remembered
        answer = await self._answer(scope, request, kind, ident)
        if key is not None and answer is not None:
            self.cited[key] = answer
            if len(self.cited) > REMEMBERED:
                self.cited.popitem(last=False)
        return answer

    async def _answer(self, scope: Scope, request: Request, kind: str, ident: str) -> bytes | None:
        found = await self._read(scope, kind, ident)
        if found is None:
            found = await on_thread(request, lambda session: read_record(session, kind, ident))
        if found is None:
            return None
        title, release, sources = found
        cited = cite_as(kind, ident, title, str(request.base_url), release, sources)
        return cited.model_dump_json().encode()

    async def _read(self, scope: Scope, kind: str, ident: str) -> Found | None:
        reader: Reader = scope["app"].state.db.direct
        title_of, sources_of = statements(kind)
        titles = await reader.rows(title_of, ident=ident)
        sources = await reader.rows(sources_of, ident=ident)
        release = await self._release(reader, scope.get("state", {}).get("data_version"))
        if not titles or sources is None or release is None:
            return None
        return str(titles[0][0]), release, sources_from(sources)

    async def _release(self, reader: Reader, version: int | None) -> csl.Release | None:
        if version is not None and version in self.releases:
            return self.releases[version]
        rows = await reader.rows(basis.STATEMENT)
        if not rows:
            return None
        release = release_from(basis.from_row(rows[0]))
        if version is not None:
            if len(self.releases) > 16:
                self.releases.clear()
            self.releases[version] = release
        return release


def _whole_json(start: Message, body: Message) -> bool:
    headers = dict(start.get("headers", []))
    media = headers.get(b"content-type", b"").split(b";")[0].strip()
    return start["status"] == 200 and media == b"application/json" and not body.get("more_body")


def _length(headers: list[tuple[bytes, bytes]], length: int) -> list[tuple[bytes, bytes]]:
    kept = [(k, v) for k, v in headers if k.lower() != b"content-length"]
    return [*kept, (b"content-length", str(length).encode())]
