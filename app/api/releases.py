"""The dataset's version: what the data rests on, counts, and the releases made of it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import models as m
from app.api.deps import reads
from app.core.errors import NotFound
from app.releases import basis
from app.releases.bundle import NAME_PATTERN
from app.seeding.content import schema_revision
from app.seeding.exporter import READERS
from app.views.releases import BasisOut, Meta, ReleaseDetail, ReleaseList, ReleaseOut

router = APIRouter(tags=["releases"])
COUNTED = {
    "sources": m.Source,
    "themes": m.Theme,
    "actors": m.Actor,
    "positions": m.Position,
    "processes": m.Process,
    "process_links": m.ProcessLink,
    "process_roles": m.ProcessRole,
    "events": m.Event,
    "participations": m.Participation,
    "instruments": m.Instrument,
    "provisions": m.Provision,
    "pledges": m.Pledge,
    "figures": m.Figure,
    "disputes": m.Dispute,
    "citations": m.Citation,
}
assert set(READERS) <= set(COUNTED), "every exported kind is counted"


def _release_out(request: Request, release: m.Release) -> ReleaseOut:
    changes = release.changes
    summary = (
        {what: sum(len(ids) for ids in changes[what].values()) for what in changes}
        if changes
        else None
    )
    return ReleaseOut(
        name=release.name,
        created_at=release.created_at,
        content_hash=release.content_hash,
        schema_revision=release.schema_revision,
        previous=release.previous,
        counts=release.counts,
        summary=summary,
        url=str(request.url_for("get_release", name=release.name)),
    )


def _changes_url(request: Request, last_change: int) -> str:
    return str(request.url_for("list_changes").include_query_params(after_change=last_change))


def _version(session: Session) -> int:
    return int(session.scalar(select(m.DataVersion.version).where(m.DataVersion.id == 1)) or 0)


def _counts(request: Request, session: Session) -> tuple[int, dict[str, int]]:
    """The data version and how many records of each kind there are, counted once per data
    version: every write moves the version in its own transaction, so the counts made at a
    version hold until it moves. They are kept only if the version did not move while they
    were counted (PostgreSQL reads each statement at its own moment)."""
    version = _version(session)
    kept: tuple[int, dict[str, int]] | None = getattr(request.app.state, "record_counts", None)
    if kept is not None and kept[0] == version:
        return kept
    counts = {
        kind: int(session.scalar(select(func.count()).select_from(model)) or 0)
        for kind, model in COUNTED.items()
    }
    if _version(session) == version:
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
    version, counts = _counts(request, session)
    release = session.scalars(
        select(m.Release).order_by(m.Release.created_at.desc(), m.Release.name.desc()).limit(1)
    ).first()
    return Meta(
        title="Migration Governance Timeline",
        basis=BasisOut(
            kind=now.kind,
            name=now.name,
            content_hash=now.content_hash,
            at=now.at,
            changes_since=now.changes_since,
            changes_url=_changes_url(request, now.last_change),
        ),
        header=now.header,
        latest_release=_release_out(request, release) if release else None,
        schema_revision=schema_revision(connection),
        data_version=version,
        counts=counts,
    )


@router.get("/releases", response_model=ReleaseList, summary="List releases")
@reads
def list_releases(request: Request, session: Session) -> ReleaseList:
    """Every release made with `mgt release`, newest first, with what each added, changed
    and removed since the one before."""
    found = session.scalars(
        select(m.Release).order_by(m.Release.created_at.desc(), m.Release.name.desc())
    )
    return ReleaseList(items=[_release_out(request, r) for r in found])


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
    return ReleaseDetail(
        **_release_out(request, release).model_dump(),
        changes=release.changes,
        changes_since=basis.changes_after(session.connection(), release.last_change),
        changes_url=_changes_url(request, release.last_change),
    )
