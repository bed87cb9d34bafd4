"""``cite_as`` in every record's detail answer, added as the detail is served.

Detail bodies are stored documents or rendered per data version, but a citation names the
release, which every write changes, and the day it was read. So nothing stored holds a
citation: the routers' route class, ``CitedRoute``, splices ``"cite_as": {...}`` — what
``GET /cite/{kind}/{id}`` answers — into each 200 JSON answer of a route ``/{kind}/{id}``
whose kind can be cited (``app.api.cite.CITABLE``). Which routes those are is settled once,
when the route is made; every other route is served untouched. The answer then passes the
response cache, which keeps the cited body for as long as the data version and the day stay
the same. The record's title and sources are read on the event loop by the driver
(``app.core.direct``), the release once per data version; each record's ``cite_as`` bytes
are remembered per data version and day (``Citations``, one per application), so a body
rendered afresh is cited without reading again.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response

from app import models as m
from app.api.cite import CITABLE, read_record, release_from, sources_from, statements
from app.api.deps import on_thread
from app.api.query_route import QueryRoute
from app.cite import csl
from app.core.direct import Reader
from app.releases import basis
from app.views.cite import cite_as

REMEMBERED = 4096  # records' cite_as bytes kept per process
Found = tuple[str, csl.Release, list[m.Source]]
CitedKey = tuple[int, dt.date, str, str, str, str, str]  # version, day, base URL's parts, kind, id
Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def cited_kind(path: str) -> str | None:
    """The kind of record a route path ``/{kind}/{param}`` (prefix or not) shows, if citable."""
    parts = path.strip("/").split("/")
    kind, param = (parts[-2], parts[-1]) if len(parts) >= 2 else ("", "")
    if kind in CITABLE and param.startswith("{") and param.endswith("}"):
        return kind
    return None


def with_cite_as(body: bytes, cited: bytes) -> bytes:
    """A JSON object's bytes with ``cite_as`` as its last member, copied once."""
    end = body.rindex(b"}")
    last = end - 1
    while last >= 0 and body[last] in b" \t\r\n":
        last -= 1
    empty = body[last] == ord("{")
    member = b'"cite_as":' if empty else b',"cite_as":'
    return b"".join((memoryview(body)[:end], member, cited, b"}"))


class CitedRoute(QueryRoute):
    """A route that cites the record it shows, when it shows a citable record's detail."""

    def get_route_handler(self) -> Handler:
        handler: Handler = super().get_route_handler()
        kind = cited_kind(self.path_format)
        if kind is None or "GET" not in (self.methods or ()) or len(self.param_convertors) != 1:
            return handler

        async def cited(request: Request) -> Response:
            response = await handler(request)
            if not _whole_json(response):
                return response
            ident = str(next(iter(request.path_params.values())))
            remembered: Citations = request.app.state.citations  # made in the lifespan
            found = await remembered.of(request, kind, ident)
            if found is not None:
                response.body = with_cite_as(bytes(response.body), found)
                response.headers["content-length"] = str(len(response.body))
            return response

        return cited


def _whole_json(response: Response) -> bool:
    media = response.headers.get("content-type", "").split(";")[0].strip()
    streamed = not isinstance(getattr(response, "body", None), bytes)
    return response.status_code == 200 and media == "application/json" and not streamed


class Citations:
    def __init__(self) -> None:
        self.releases: dict[int, csl.Release] = {}
        self.cited: OrderedDict[CitedKey, bytes] = OrderedDict()

    async def of(self, request: Request, kind: str, ident: str) -> bytes | None:
        """``cite_as`` as JSON bytes, read by the driver or, when it does not answer, through
        a session on a worker thread (which reports a failure); None for no such record."""
        scope = request.scope
        version: int | None = scope.get("state", {}).get("data_version")
        day = dt.datetime.now(dt.UTC).date()
        base = (scope["scheme"], request.headers.get("host", ""), scope.get("root_path", ""))
        key = None if version is None else (version, day, *base, kind, ident)
        if key is not None and (remembered := self.cited.get(key)) is not None:
            self.cited.move_to_end(key)
            return remembered
        answer = await self._answer(request, kind, ident, version)
        if key is not None and answer is not None:
            self.cited[key] = answer
            if len(self.cited) > REMEMBERED:
                self.cited.popitem(last=False)
        return answer

    async def _answer(
        self, request: Request, kind: str, ident: str, version: int | None
    ) -> bytes | None:
        found = await self._read(request.app.state.db.direct, kind, ident, version)
        if found is None:
            found = await on_thread(request, lambda session: read_record(session, kind, ident))
        if found is None:
            return None
        title, release, sources = found
        cited = cite_as(kind, ident, title, str(request.base_url), release, sources)
        return cited.model_dump_json().encode()

    async def _read(
        self, reader: Reader, kind: str, ident: str, version: int | None
    ) -> Found | None:
        title_of, sources_of = statements(kind)
        titles = await reader.rows(title_of, ident=ident)
        sources = await reader.rows(sources_of, ident=ident)
        release = await self._release(reader, version)
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
