"""The dataset's version: what the data rests on, counts, and the releases made of it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from sqlalchemy.orm import Session

from app import models as m
from app.api.deps import reads
from app.api.query_route import QueryRoute
from app.core.errors import NotFound
from app.releases import basis
from app.releases.bundle import NAME_PATTERN
from app.seeding.content import schema_revision
from app.views import releases
from app.views.releases import Meta, ReleaseDetail, ReleaseList

router = APIRouter(tags=["releases"], route_class=QueryRoute)


def _urls(request: Request) -> tuple[releases.ReleaseUrl, releases.ChangesUrl]:
    """A release's URL by its name, and the audit log's URL after a change."""

    def release_url(name: str) -> str:
        return str(request.url_for("get_release", name=name))

    def changes_url(last_change: int) -> str:
        return str(request.url_for("list_changes").include_query_params(after_change=last_change))

    return release_url, changes_url


def _counts(request: Request, session: Session) -> tuple[int, dict[str, int]]:
    """The data version and how many records of each kind there are, counted once per data
    version: every write moves the version in its own transaction, so the counts made at a
    version hold until it moves. They are kept only if the version did not move while they
    were counted (PostgreSQL reads each statement at its own moment)."""
    version = releases.data_version(session)
    kept: tuple[int, dict[str, int]] | None = getattr(request.app.state, "record_counts", None)
    if kept is not None and kept[0] == version:
        return kept
    counts = releases.record_counts(session)
    if releases.data_version(session) == version:
        request.app.state.record_counts = (version, counts)
    return version, counts


@router.get("/meta", response_model=Meta, summary="The dataset's version and counts")
@reads
def get_meta(request: Request, session: Session) -> Meta:
    """What the data answering rests on (the last release or seed load, with its content
    hash, and the changes made through the API since), the latest release, the schema
    revision and how many records of each kind there are."""
    connection = session.connection()
    now = basis.current(connection)
    counted = _counts(request, session)
    return releases.meta_of(session, now, schema_revision(connection), counted, *_urls(request))


@router.get("/releases", response_model=ReleaseList, summary="List releases")
@reads
def list_releases(request: Request, session: Session) -> ReleaseList:
    """Every release made with `mgt release`, newest first, with what each added, changed
    and removed since the one before."""
    return releases.releases_of(session, _urls(request)[0])


ReleaseName = Annotated[
    str, Path(description="Release name", examples=["2026-12"], pattern=f"^{NAME_PATTERN}$")
]


@router.get("/releases/{name}", response_model=ReleaseDetail, summary="Get a release")
@reads
def get_release(request: Request, session: Session, name: ReleaseName) -> ReleaseDetail:
    """A release: its content hash and counts, the ids of the records added, changed and
    removed since the release before, and how many changes were made through the API since
    it (listed at `changes_url`)."""
    release = session.get(m.Release, name)
    if release is None:
        raise NotFound(f"No release named '{name}'")
    since = basis.changes_after(session.connection(), release.last_change)
    return releases.release_detail(release, since, *_urls(request))
