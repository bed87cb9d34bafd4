"""The application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Response
from fastapi.middleware.cors import CORSMiddleware

from app.api import (
    actors,
    changes,
    citations,
    cite,
    cite_query,
    events,
    graphs,
    imports,
    instruments,
    linked_writes,
    pledges,
    processes,
    releases,
    root,
    search,
    snapshot,
    sources,
    writes,
)
from app.api.cite_as import Citations
from app.api.health import health_router
from app.api.openapi import install_problem_openapi
from app.api.route_index import index_routes
from app.core import allocator, logging, metrics
from app.core.compression import Compression, HeadAsGet
from app.core.config import Settings, get_settings
from app.core.database import Database
from app.core.errors import install_error_handlers
from app.core.middleware import (
    RequestBodyPolicy,
    RequestLog,
    SecurityHeaders,
    reject_unknown_query,
)
from app.core.response_cache import ResponseCache
from app.readmodel import version
from app.releases.header import ReleaseHeader
from app.web import install_web

DESCRIPTION = """
A research API over how the world came to govern international migration: processes,
meetings, actors and their roles, instruments and their provisions, figures and pledges.

**Every fact carries its citations** (a source, plus a verbatim quote or a page or paragraph).
Dates are given at the precision the sources give, as EDTF with ISO bounds and a display
form. Where sources disagree, both claims are shown under `disputes`, with the one the
dataset follows marked.

Lists return `{"items": [...], "next_cursor": ...}`; pass `cursor` to get the next page.
Every record's detail ends with `cite_as`, how to cite it; `/cite?url=` cites a list (or any
answer) by its query, naming the dataset, its release, the query's URL and the day read.
Errors are RFC 9457 `application/problem+json`.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    logging.configure(settings.log_level, settings.log_format)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        allocator.keep_large_bodies_on_heap()
        app.state.citations = Citations()
        app.state.db = Database(
            settings.database_url, read_threads=settings.read_threads, **settings.pool
        )
        yield
        await app.state.db.close()

    app = FastAPI(
        title="Migration Governance Timeline",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(reject_unknown_query)],
    )
    install_error_handlers(app)
    install_problem_openapi(app)
    app.add_middleware(RequestBodyPolicy, max_bytes=settings.max_body_bytes)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=settings.cors_methods,
        allow_headers=[
            "Authorization",
            "Content-Type",
            "If-Match",
            "If-None-Match",
            "Idempotency-Key",
            "X-Request-ID",
        ],
        expose_headers=["ETag", "Link", "MGT-Data-Release", "X-Request-ID"],
        allow_credentials=False,
    )
    app.add_middleware(SecurityHeaders)

    async def data_version() -> int | None:
        return await version.current(app.state.db.direct)

    app.add_middleware(ReleaseHeader)
    app.add_middleware(
        ResponseCache, version=data_version, max_bytes=settings.response_cache_mb * 1024 * 1024
    )
    app.add_middleware(Compression)
    app.add_middleware(HeadAsGet)
    app.add_middleware(RequestLog)
    for module in (
        events,
        processes,
        actors,
        instruments,
        imports,
        pledges,
        sources,
        citations,
        writes,
        linked_writes,
        changes,
        search,
        graphs,
        releases,
        cite,
        cite_query,
        snapshot,
    ):
        app.include_router(module.router, prefix="/api/v1")
    app.include_router(root.router, prefix="/api/v1", tags=["api"])
    install_web(app)

    app.include_router(health_router(settings.revision))
    if settings.metrics:
        install_metrics(app)
    index_routes(app)
    return app


def install_metrics(app: FastAPI) -> None:
    metrics.enable()

    @app.get("/metrics", tags=["service"], summary="Prometheus metrics", include_in_schema=False)
    async def scrape() -> Response:
        current = await version.current(app.state.db.direct)
        counted = metrics.active()
        if current is not None and counted is not None:
            counted.data_version.set(current)
        body, media_type = metrics.exposition()
        return Response(body, media_type=media_type)
