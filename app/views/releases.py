"""What the dataset's version and its releases show: what the data rests on, the counts,
and what each release added, changed and removed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Protocol

from pydantic import AfterValidator, Field
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app import models as m
from app.seeding.exporter import READERS
from app.views.schemas import Out, Utc, utc


class BasisOut(Out):
    """What the data answering now rests on."""

    kind: str | None = Field(
        description="release (made with `mgt release`), seeds (the last load of the seed "
        "files), or null"
    )
    name: str | None = Field(examples=["2026-12"])
    content_hash: str | None = Field(
        description="SHA-256 of the seed files (or the release's exported seed files) and "
        "the schema revision"
    )
    at: Annotated[dt.datetime | None, AfterValidator(utc)]
    changes_since: int = Field(description="changes made through the API since")
    changes_url: str = Field(description="those changes, in the audit log")


class ReleaseOut(Out):
    name: str
    created_at: Utc
    content_hash: str
    schema_revision: str | None
    previous: str | None
    counts: dict[str, int]
    summary: dict[str, int] | None = Field(
        description="how many records were added, changed and removed since `previous`"
    )
    url: str


class ReleaseDetail(ReleaseOut):
    changes: dict[str, dict[str, list[str]]] | None = Field(
        description="record ids added, changed and removed since `previous`, by kind; null "
        "for the first release"
    )
    changes_since: int = Field(description="changes made through the API since this release")
    changes_url: str


class Meta(Out):
    title: str
    basis: BasisOut
    header: str = Field(description="the MGT-Data-Release header every API response carries")
    latest_release: ReleaseOut | None
    schema_revision: str | None
    data_version: int
    counts: dict[str, int]


class ReleaseList(Out):
    items: list[ReleaseOut]


# What /meta counts, by the kinds the seed files hold.
COUNTED: dict[str, type[m.Base]] = {
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


class Basis(Protocol):
    """What the data answering rests on (``app.releases.basis.Basis``)."""

    @property
    def kind(self) -> str | None: ...
    @property
    def name(self) -> str | None: ...
    @property
    def content_hash(self) -> str | None: ...
    @property
    def at(self) -> dt.datetime | None: ...
    @property
    def last_change(self) -> int: ...
    @property
    def changes_since(self) -> int: ...
    @property
    def header(self) -> str: ...


ReleaseUrl = Callable[[str], str]  # a release's URL, by its name
ChangesUrl = Callable[[int], str]  # the audit log's changes after this one


def release_out(release: m.Release, url: ReleaseUrl) -> ReleaseOut:
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
        url=url(release.name),
    )


def _newest_first() -> Select[m.Release]:
    return select(m.Release).order_by(m.Release.created_at.desc(), m.Release.name.desc())


def data_version(session: Session) -> int:
    return int(session.scalar(select(m.DataVersion.version).where(m.DataVersion.id == 1)) or 0)


def record_counts(session: Session) -> dict[str, int]:
    """How many records of each kind there are."""
    return {
        kind: int(session.scalar(select(func.count()).select_from(model)) or 0)
        for kind, model in COUNTED.items()
    }


def meta_of(
    session: Session,
    now: Basis,
    schema_revision: str | None,
    counted: tuple[int, dict[str, int]],
    release_url: ReleaseUrl,
    changes_url: ChangesUrl,
) -> Meta:
    """The dataset's version: what it rests on, the latest release, the schema revision and
    how many records of each kind there are (``counted``: the data version and the counts
    made at it)."""
    version, counts = counted
    release = session.scalars(_newest_first().limit(1)).first()
    return Meta(
        title="Migration Governance Timeline",
        basis=BasisOut(
            kind=now.kind,
            name=now.name,
            content_hash=now.content_hash,
            at=now.at,
            changes_since=now.changes_since,
            changes_url=changes_url(now.last_change),
        ),
        header=now.header,
        latest_release=release_out(release, release_url) if release else None,
        schema_revision=schema_revision,
        data_version=version,
        counts=counts,
    )


def releases_of(session: Session, release_url: ReleaseUrl) -> ReleaseList:
    """Every release, newest first."""
    return ReleaseList(
        items=[release_out(r, release_url) for r in session.scalars(_newest_first())]
    )


def release_detail(
    release: m.Release, changes_since: int, release_url: ReleaseUrl, changes_url: ChangesUrl
) -> ReleaseDetail:
    """A release with the ids it added, changed and removed, and the changes made since."""
    return ReleaseDetail(
        **release_out(release, release_url).model_dump(),
        changes=release.changes,
        changes_since=changes_since,
        changes_url=changes_url(release.last_change),
    )
