"""``MGT-Data-Release`` on every API response: what the data answering rests on.

The value changes only with the data version, so it is worked out once per version and
process (the response cache puts the version it read in the request's state); a response
that did not pass the cache (a write, a request with credentials) works it out afresh, after
the write it answers has committed. It is read on the event loop by the driver (as the data
version is), not through the request's session.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.direct import Reader
from app.releases import basis

HEADER = b"mgt-data-release"


class ReleaseHeader:
    def __init__(self, app: ASGIApp, *, prefix: str = "/api/") -> None:
        self.app, self.prefix = app, prefix
        self.by_version: dict[int, bytes] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return

        async def with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                value = await self._value(scope)
                if value is not None:
                    message["headers"] = [*message.get("headers", []), (HEADER, value)]
            await send(message)

        await self.app(scope, receive, with_header)

    async def _value(self, scope: Scope) -> bytes | None:
        version = scope.get("state", {}).get("data_version")
        if version is not None and version in self.by_version:
            return self.by_version[version]
        reader: Reader = scope["app"].state.db.direct
        rows = await reader.rows(basis.STATEMENT)
        if not rows:  # the database is not answering: the response says so itself
            return None
        value = basis.from_row(rows[0]).header.encode()
        if version is not None:
            if len(self.by_version) > 16:
                self.by_version.clear()
            self.by_version[version] = value
        return value
