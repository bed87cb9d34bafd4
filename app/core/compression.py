"""Compressed responses (gzip) for clients that accept them, and the Vary headers caches need.

The response cache (``app.core.response_cache``) compresses a cached body once, the first
time a client asks for it gzipped, and keeps those bytes beside the plain ones; ``Compression``
compresses what the cache does not hold (files streamed page by page, pages outside the API,
errors) as it is sent. Bodies under ``MIN_SIZE`` are sent as they are: gzip's header and the
CPU cost outweigh the bytes saved. A HEAD request is answered as its GET, without the body
(``HeadAsGet``).
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MIN_SIZE = 1024
LEVEL = 6  # zlib's default: level 9 took 2.4x as long for 1% fewer bytes on a timeline page
TYPES: tuple[bytes, ...] = (b"application/json", b"application/x-ndjson", b"text/")
TYPES += (b"application/javascript", b"application/x-bibtex")
SUFFIXES = (b"+json", b"+xml")  # problem+json, ld+json, CSL-JSON, GraphML, GEXF, SVG
Headers = list[tuple[bytes, bytes]]


def accepts_gzip(accept_encoding: bytes | None) -> bool:
    """Whether an Accept-Encoding header admits gzip (by name or ``*``, with q > 0)."""
    if not accept_encoding:
        return False
    qualities: dict[bytes, float] = {}
    for part in accept_encoding.lower().split(b","):
        coding, *params = (p.strip() for p in part.split(b";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition(b"=")
            if name.strip() == b"q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        qualities[coding] = quality
    return qualities.get(b"gzip", qualities.get(b"x-gzip", qualities.get(b"*", 0.0))) > 0


def compress(body: bytes) -> bytes:
    """gzip with no timestamp: the same body always gives the same bytes."""
    return gzip.compress(body, compresslevel=LEVEL, mtime=0)


def header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    return next((v for k, v in headers if k.lower() == name), None)


def compressible(headers: Headers) -> bool:
    """A media type worth compressing, not already encoded."""
    media = (header(headers, b"content-type") or b"").lower().split(b";")[0].strip()
    worth = media.startswith(TYPES) or media.endswith(SUFFIXES)
    return worth and header(headers, b"content-encoding") is None


def with_vary(headers: Headers, *names: bytes) -> Headers:
    """``headers`` with ``names`` added to its Vary header."""
    present = header(headers, b"vary")
    listed = [v.strip() for v in present.split(b",")] if present else []
    known = {v.lower() for v in listed}
    listed += [n for n in names if n.lower() not in known]
    kept = [(k, v) for k, v in headers if k.lower() != b"vary"]
    return [*kept, (b"vary", b", ".join(listed))]


def encoded(headers: Headers, body: bytes) -> Headers:
    """The headers of ``body`` (compressed) sent with Content-Encoding: gzip."""
    kept = [(k, v) for k, v in headers if k.lower() != b"content-length"]
    return [*kept, (b"content-encoding", b"gzip"), (b"content-length", str(len(body)).encode())]


class Compression:
    """gzip for responses the response cache has not already encoded."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        accept = next((v for k, v in scope["headers"] if k == b"accept-encoding"), None)
        if not accepts_gzip(accept):  # sent as it is: no Vary needed, identity is always fine
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        stream: zlib._Compress | None = None

        async def compressing(message: Message) -> None:
            nonlocal start, stream
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not compressible(headers):
                    await send(message)
                    return
                start = {**message, "headers": with_vary(headers, b"Accept-Encoding")}
                return
            body, more = message.get("body", b""), message.get("more_body", False)
            if stream is not None and message["type"] == "http.response.body":
                chunk = stream.compress(body) + (b"" if more else stream.flush())
                await send({**message, "body": chunk})
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            held, start = start, None
            if not more and len(body) < MIN_SIZE:
                await send(held)
                await send(message)
                return
            if not more:
                packed = compress(body)
                await send({**held, "headers": encoded(held["headers"], packed)})
                await send({**message, "body": packed})
                return
            stream = zlib.compressobj(LEVEL, zlib.DEFLATED, 31)  # 31: a gzip stream
            headers = [(k, v) for k, v in held["headers"] if k.lower() != b"content-length"]
            await send({**held, "headers": [*headers, (b"content-encoding", b"gzip")]})
            await send({**message, "body": stream.compress(body)})

        await self.app(scope, receive, compressing)


class HeadAsGet:
    """HEAD answered as GET (the same status and headers, Content-Length included), no body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if not message.get("more_body"):
                    await send({"type": "http.response.body", "body": b""})
                return
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)
