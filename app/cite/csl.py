"""CSL-JSON items for sources and for records of the dataset."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import orjson

from app import models as m
from app.core.dates import DatePoint

DATASET = "Migration Governance Timeline"
CSL_TYPES = {
    "analysis_note": "report",
    "paper": "article",
    "meeting_report": "report",
    "report": "report",
    "report_chapter": "chapter",
    "resolution": "document",
    "un_document": "document",
    "web_page": "webpage",
    "press_release": "article",
    "news": "article-newspaper",
    "treaty": "treaty",
    "other": "document",
}


@dataclass(frozen=True)
class Release:
    """The data a record was read from: its release (or seed load) and when."""

    name: str | None
    content_hash: str | None
    issued: dt.date | None
    changes_since: int


def _parts(point: DatePoint) -> list[int]:
    parts = [point.year]
    if point.month is not None and point.season is None:
        parts.append(point.month)
        if point.day is not None:
            parts.append(point.day)
    return parts


def csl_date(source: m.Source) -> dict[str, Any] | None:
    date = source.fuzzy_date
    if date is None or date.start is None:
        return None
    found: dict[str, Any] = {"date-parts": [_parts(date.start)]}
    if date.end is not None and date.end != date.start:
        found["date-parts"].append(_parts(date.end))
    if date.start.approximate or date.start.uncertain:
        found["circa"] = True
    return found


def source_item(source: m.Source) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": source.id,
        "type": CSL_TYPES.get(source.kind, "document"),
        "title": source.title,
    }
    if source.author:
        item["author"] = [{"literal": source.author}]
    if source.publisher:
        item["publisher"] = source.publisher
    if source.symbol:
        item["number"] = source.symbol
    if source.url:
        item["URL"] = source.url
    issued = csl_date(source)
    if issued:
        item["issued"] = issued
    return item


def dumps(items: list[dict[str, Any]]) -> bytes:
    return orjson.dumps(items)


def record_item(
    kind: str,
    ident: str,
    title: str,
    url: str,
    release: Release,
    accessed: dt.date,
    subject: str,
) -> dict[str, Any]:
    """The record as a dataset entry: ``subject`` names what it is (actor, event, ...)."""
    version = release.name or "unreleased"
    if release.changes_since:
        version += f", with {release.changes_since} later change(s)"
    item: dict[str, Any] = {
        "id": f"mgt:{kind}/{ident}",
        "type": "dataset",
        "title": title,
        "container-title": DATASET,
        "publisher": DATASET,
        "version": version,
        "URL": url,
        "accessed": {"date-parts": [[accessed.year, accessed.month, accessed.day]]},
        "genre": f"{subject} record",
    }
    if release.issued:
        issued = release.issued
        item["issued"] = {"date-parts": [[issued.year, issued.month, issued.day]]}
    if release.content_hash:
        item["note"] = f"content hash sha256:{release.content_hash}"
    return item
