"""Compressed responses (brotli or gzip) for clients that accept them, and the Vary headers
caches need.

The coding is the one the client's Accept-Encoding ranks highest (brotli on a tie: its bodies
are smaller at the same cost). The response cache (``app.core.response_cache``) compresses a
cached body once per coding, the first time a client asks for it, and keeps those bytes beside
the plain ones; ``Compression`` compresses what the cache does not hold (files streamed page
by page, pages outside the API, errors) as it is sent. Bodies under ``MIN_SIZE`` are sent as
they are: the coding's framing and the CPU cost outweigh the bytes saved. A HEAD request is
answered as its GET, without the body (``HeadAsGet``).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable

import brotli
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MIN_SIZE = 1024
LEVEL = 6  # zlib's default: level 9 took 2.4x as long for 1% fewer bytes on a timeline page
# Brotli 5 costs what gzip 6 does and saves 18% more on a timeline page; 11 took 80x as long.
BR_QUALITY = 5
CODINGS = (b"br", b"gzip")  # the order of preference when the client ranks them alike
ALIASES = {b"x-gzip": b"gzip"}
TYPES: tuple[bytes, ...] = (b"application/json", b"application/x-ndjson", b"text/")
TYPES += (b"application/javascript", b"application/x-bibtex")
SUFFIXES = (b"+json", b"+xml")  # problem+json, ld+json, CSL-JSON, GraphML, GEXF, SVG
Headers = list[tuple[bytes, bytes]]


def coding_for(accept_encoding: bytes | None) -> bytes | None:
    """The coding an Accept-Encoding header ranks highest among ``CODINGS`` (by name or
    ``*``, with q > 0), or None when it admits neither."""
    if not accept_encoding:
        return None
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
        qualities[ALIASES.get(coding, coding)] = quality
    ranked = {c: qualities.get(c, qualities.get(b"*", 0.0)) for c in CODINGS}
    best = max(CODINGS, key=lambda c: ranked[c])  # max keeps the first of equals
    return best if ranked[best] > 0 else None


Encoder = Callable[[bytes, bool], bytes]


def encoder(coding: bytes) -> Encoder:
    """A stream compressor for ``coding``: called with each chunk and whether it is the
    last, it returns the compressed bytes to send so far."""
    if coding == b"br":
        packer = brotli.Compressor(quality=BR_QUALITY)
        return lambda chunk, last: packer.process(chunk) + (packer.finish() if last else b"")
    stream = zlib.compressobj(LEVEL, zlib.DEFLATED, 31)  # 31: a gzip stream, mtime 0
    return lambda chunk, last: stream.compress(chunk) + (stream.flush() if last else b"")


def compress(body: bytes, coding: bytes) -> bytes:
    """``body`` in ``coding``; the same body always gives the same bytes."""
    return encoder(coding)(body, True)


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


def encoded(headers: Headers, body: bytes, coding: bytes) -> Headers:
    """The headers of ``body`` (compressed) sent with Content-Encoding: ``coding``."""
    kept = [(k, v) for k, v in headers if k.lower() != b"content-length"]
    return [*kept, (b"content-encoding", coding), (b"content-length", str(len(body)).encode())]


class Compression:
    """brotli or gzip for responses the response cache has not already encoded."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        accept = next((v for k, v in scope["headers"] if k == b"accept-encoding"), None)
        coding = coding_for(accept)
        if coding is None:  # sent as it is: no Vary needed, identity is always fine
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        stream: Encoder | None = None

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
                await send({**message, "body": stream(body, not more)})
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
                packed = compress(body, coding)
                await send({**held, "headers": encoded(held["headers"], packed, coding)})
                await send({**message, "body": packed})
                return
            stream = encoder(coding)
            headers = [(k, v) for k, v in held["headers"] if k.lower() != b"content-length"]
            await send({**held, "headers": [*headers, (b"content-encoding", coding)]})
            await send({**message, "body": stream(body, False)})

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
