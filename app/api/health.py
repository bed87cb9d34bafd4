"""Health for load balancers and orchestrators: ``/health/live`` (the process answers),
``/health/ready`` (the database answers, is migrated to the head, and holds a current read
model), both with the version and source revision; ``/health`` as before."""

from __future__ import annotations

import functools
import subprocess
from importlib import metadata
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from sqlalchemy import exists, literal, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.api.deps import on_thread
from app.core.config import PROJECT_ROOT
from app.models import DataVersion, Event, RenderedEvent

PACKAGE = "migration-governance-timeline"
ONE = select(literal(1))


@functools.cache
def build_info(revision: str | None) -> dict[str, str | None]:
    """The package version, and the source revision: as configured (a container image is
    given it at build time), else asked of git once, else None outside a git checkout."""
    try:
        version: str | None = metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        version = None
    if revision is None:
        try:
            done = subprocess.run(
                ["git", "-C", str(PROJECT_ROOT), "rev-parse", "--short=12", "HEAD"],
                capture_output=True,
                text=True,
                timeout=5,
            )
            revision = done.stdout.strip() if done.returncode == 0 else None
        except (OSError, subprocess.SubprocessError):
            revision = None
    return {"version": version, "revision": revision or None}


@functools.cache
def migration_heads() -> frozenset[str]:
    """The newest migrations, read from the migration scripts once per process."""
    from alembic.script import ScriptDirectory

    from app.models import migrate

    return frozenset(ScriptDirectory.from_config(migrate.alembic_config()).get_heads())


def readiness(session: Session) -> dict[str, str]:
    """Each check's finding: "ok", or what is wrong."""
    checks: dict[str, str] = {}
    session.execute(text("SELECT 1"))
    checks["database"] = "ok"
    try:
        applied = set(session.scalars(text("SELECT version_num FROM alembic_version")))
    except SQLAlchemyError:
        applied = set()
    heads = migration_heads()
    checks["migrations"] = (
        "ok" if applied == heads else f"at {sorted(applied) or 'none'}, head {sorted(heads)}"
    )
    if checks["migrations"] != "ok":
        checks["read_model"] = "not checked before the migrations"
        return checks
    if session.scalar(select(DataVersion.version)) is None:
        checks["read_model"] = "no data version"
    elif session.scalar(select(exists().select_from(Event))) and not session.scalar(
        select(exists().select_from(RenderedEvent))
    ):
        checks["read_model"] = "events stored but none rendered"
    else:
        checks["read_model"] = "ok"
    return checks


def health_router(revision: str | None) -> APIRouter:
    router = APIRouter(tags=["service"])
    info = build_info(revision)
    migration_heads()  # read now, in the parent process of the workers, not on a probe

    @router.get("/health", summary="Liveness and database check")
    async def health(request: Request) -> dict[str, str]:
        """The driver answers ``SELECT 1`` on the event loop; when it cannot, a session on a
        worker thread asks again and reports the failure (503)."""
        db = request.app.state.db
        if await db.direct.rows(ONE) is None:
            await on_thread(request, lambda session: session.execute(ONE))
        return {"status": "ok", "database": db.engine.dialect.name}

    @router.get("/health/live", summary="The process is up: version and source revision")
    def live() -> dict[str, Any]:
        return {"status": "ok", **info}

    @router.get(
        "/health/ready",
        summary="Ready to serve: database reachable, migrated, read model present",
        responses={503: {"description": "Not ready; `checks` says why"}},
    )
    async def ready(request: Request) -> Response:
        try:
            checks = await on_thread(request, readiness)
        except SQLAlchemyError as error:
            checks = {"database": f"unreachable ({type(error).__name__})"}
        ok = all(finding == "ok" for finding in checks.values())
        body = {"status": "ready" if ok else "not ready", **info, "checks": checks}
        return Response(
            orjson.dumps(body),
            status_code=200 if ok else 503,
            media_type="application/json",
            headers=None if ok else {"Retry-After": "5"},
        )

    return router
