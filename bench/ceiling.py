"""The ceiling: a bare ASGI app answering each measured URL with our service's own response
(status, content type, ETag and body), pre-rendered, under the same server (uvicorn, one
worker, access log off) as `mgt serve`.

    python bench/ceiling.py RESPONSES.json PORT
"""

from __future__ import annotations

import base64
import json
import sys
from typing import Any

ROUTES: dict[tuple[str, str], tuple[int, list[tuple[bytes, bytes]], bytes]] = {}


def load(path: str) -> None:
    for entry in json.loads(open(path, encoding="utf-8").read()):
        body = base64.b64decode(entry["body"])
        headers = [
            (b"content-type", entry["content_type"].encode()),
            (b"content-length", str(len(body)).encode()),
        ]
        if entry.get("etag"):
            headers.append((b"etag", entry["etag"].encode()))
        ROUTES[(entry["path"], entry.get("if_none_match") or "")] = (entry["status"], headers, body)


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    query = scope["query_string"].decode()
    path = scope["path"] + (f"?{query}" if query else "")
    inm = next((v.decode() for k, v in scope["headers"] if k == b"if-none-match"), "")
    found = ROUTES.get((path, inm)) or ROUTES.get((path, ""))
    if found is None:
        found = (404, [(b"content-type", b"text/plain"), (b"content-length", b"0")], b"")
    status, headers, body = found
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


if __name__ == "__main__":
    import uvicorn

    load(sys.argv[1])
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), access_log=False, log_level="warning")
