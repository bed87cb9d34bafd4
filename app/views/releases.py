"""What the dataset's version and its releases show: what the data rests on, the counts,
and what each release added, changed and removed."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, Field

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
