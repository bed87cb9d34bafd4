"""Rendered GET responses of the API, reused while the data has not changed.

Every write bumps the data version in its own transaction (``app.readmodel.version``), so a
response rendered under version N is current for as long as the database still says N: the
cache reads that one number per request, in whichever process made the change. Responses get
an ETag from their bytes, and ``If-None-Match`` is answered with 304. A request with
``Cache-Control: no-cache`` is rendered afresh; requests with credentials are never cached.

A client that accepts brotli or gzip gets the body compressed once per coding, the first time
one asks, and kept beside the plain bytes; its ETag is the plain one's with ``-br`` or
``-gzip`` (a different representation, RFC 9110), and any of them answers If-None-Match.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core import compression
from app.core.declared import declared_query

VersionReader = Callable[[], Awaitable[int | None]]
# The host is in the key because pages hold absolute URLs (next_url, the API root's).
KEY_HEADERS = (b"accept", b"origin", b"host")


@dataclass(slots=True)
class Entry:
    version: int
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes
    revalidates: bool  # the ETag is this body's, so If-None-Match may be answered with 304
    compresses: bool = False  # large enough, and of a type worth it
    # By coding, each made the first time a client accepting it asks.
    encoded: dict[bytes, bytes] = field(default_factory=dict)
    stored: bool = False

    @property
    def weight(self) -> int:
        return len(self.body) + sum(len(body) for body in self.encoded.values())


class ResponseCache:
    def __init__(
        self,
        app: ASGIApp,
        *,
        version: VersionReader,
        max_bytes: int,
        prefix: str = "/api/",
    ) -> None:
        self.app, self.version, self.prefix = app, version, prefix
        self.max_bytes, self.max_entry = max_bytes, max_bytes // 8
        self.entries: OrderedDict[tuple[object, ...], Entry] = OrderedDict()
        self.size = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not scope["path"].startswith(self.prefix)
        ):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if b"authorization" in headers:
            await self.app(scope, receive, send)
            return
        version = await self.version()
        if version is None:  # the database did not answer: let the app report it
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})["data_version"] = version  # for what renders inside
        key = (scope["path"], scope["query_string"], *(headers.get(h) for h in KEY_HEADERS))
        key += (dt.datetime.now(dt.UTC).date(),)  # a citation names the day it was read
        if b"no-cache" not in headers.get(b"cache-control", b""):
            entry = self.entries.get(key)
            if entry is not None and entry.version == version:
                scope["mgt.cache"] = "hit"  # counted by the metrics
                self.entries.move_to_end(key)
                await self._send(entry, headers, send)
                return
        scope["mgt.cache"] = "miss"
        await self._render(scope, receive, send, key, version, headers)

    async def _render(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        key: tuple[object, ...],
        version: int,
        request_headers: dict[bytes, bytes],
    ) -> None:
        start: Message | None = None

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message  # held back until the body shows whether it is cacheable
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            held, start = start, None
            body = message.get("body", b"")
            if message.get("more_body") or held["status"] != 200:  # streamed or not a 200
                await send(held)
                await send(message)
                return
            entry = _entry(version, held, body, negotiates=_negotiates(scope))
            self._store(key, entry)
            await self._send(entry, request_headers, send)

        await self.app(scope, receive, capture)

    async def _send(self, entry: Entry, request: dict[bytes, bytes], send: Send) -> None:
        body, headers = entry.body, entry.headers
        coding = compression.coding_for(request.get(b"accept-encoding"))
        if entry.compresses and coding is not None:
            body, headers = self._encoded(entry, coding)
        if_none_match = request.get(b"if-none-match")
        if entry.revalidates and if_none_match and _matches(if_none_match, entry.etag):
            kept = [(k, v) for k, v in headers if k not in {b"content-length", b"content-encoding"}]
            await send({"type": "http.response.start", "status": 304, "headers": kept})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": entry.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _encoded(self, entry: Entry, coding: bytes) -> tuple[bytes, list[tuple[bytes, bytes]]]:
        """The entry's body compressed in ``coding`` (made once) and its headers."""
        body = entry.encoded.get(coding)
        if body is None:
            body = entry.encoded[coding] = compression.compress(entry.body, coding)
            if entry.stored:
                self.size += len(body)
        etag = entry.etag
        if entry.revalidates:
            etag = entry.etag[:-1] + b"-" + coding + b'"'
        headers = [(k, etag if k == b"etag" else v) for k, v in entry.headers]
        return body, compression.encoded(headers, body, coding)

    def _store(self, key: tuple[object, ...], entry: Entry) -> None:
        if len(entry.body) > self.max_entry:
            return
        old = self.entries.pop(key, None)
        if old is not None:
            self.size -= old.weight
            old.stored = False
        self.entries[key] = entry
        entry.stored = True
        self.size += entry.weight
        while self.size > self.max_bytes:
            _, evicted = self.entries.popitem(last=False)
            self.size -= evicted.weight
            evicted.stored = False


def _negotiates(scope: Scope) -> bool:
    """Whether the route answering chooses its format by the Accept header (it takes
    ``format``, whose default Accept decides)."""
    route = scope.get("route")
    found = NEGOTIATES.get(id(route))
    if found is None:
        dependant = getattr(route, "dependant", None)
        found = NEGOTIATES[id(route)] = "format" in declared_query(dependant)
    return found


NEGOTIATES: dict[int, bool] = {}  # by route, which lives as long as the application


def _entry(version: int, start: Message, body: bytes, *, negotiates: bool) -> Entry:
    headers = list(start.get("headers", []))
    compressible = compression.compressible(headers)
    if compressible:
        headers = compression.with_vary(headers, b"Accept-Encoding")
    if negotiates:
        headers = compression.with_vary(headers, b"Accept")
    own = next((v for k, v in headers if k.lower() == b"etag"), None)
    if own is None:
        # SHA-256 runs in the CPU's SHA instructions where it has them: 2.3x BLAKE2b on 100 KB.
        etag = b'"' + hashlib.sha256(body).hexdigest()[:24].encode() + b'"'
        headers.append((b"etag", etag))
    headers.append((b"cache-control", b"no-cache"))
    # A record's own ETag (for If-Match on writes) follows the record, not everything the
    # response shows about it, so only an ETag made from the bytes answers If-None-Match.
    compresses = compressible and len(body) >= compression.MIN_SIZE
    return Entry(version, start["status"], headers, body, own or etag, own is None, compresses)


SUFFIXES = tuple(b"-" + coding + b'"' for coding in compression.CODINGS)


def _matches(if_none_match: bytes, etag: bytes) -> bool:
    if if_none_match.strip() == b"*":
        return True
    bare = etag.removeprefix(b"W/")
    for tag in if_none_match.split(b","):
        tag = tag.strip().removeprefix(b"W/")
        plain = next((tag[: -len(s)] + b'"' for s in SUFFIXES if tag.endswith(s)), tag)
        if plain == bare:
            return True
    return False
