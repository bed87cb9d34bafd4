"""Digests of records, and the change list between two sets of them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import orjson

from app.seeding.exporter import as_data
from app.seeding.ids import process_link_id, process_role_id, provision_id
from app.seeding.schemas import ProcessLinkIn, ProcessRoleIn, ProvisionIn, Record

Digests = dict[str, dict[str, str]]


def record_id(record: Record) -> str:
    """The record's id, or for records without one the id the loader gives its row."""
    if isinstance(record, ProvisionIn):
        return provision_id(record)
    if isinstance(record, ProcessLinkIn):
        return process_link_id(record)
    if isinstance(record, ProcessRoleIn):
        return process_role_id(record)
    ident: str = record.id  # type: ignore[attr-defined]  # every other kind has one
    return ident


def digests(records: dict[str, list[Record]]) -> Digests:
    """Each record's digest (its seed-file form, keys sorted), by kind and id."""
    return {
        kind: {
            record_id(record): hashlib.sha256(
                orjson.dumps(as_data(record), option=orjson.OPT_SORT_KEYS)
            ).hexdigest()[:32]
            for record in found
        }
        for kind, found in records.items()
        if found
    }


def _ids(kinds: Iterable[str], pick: Any) -> dict[str, list[str]]:
    found = {kind: sorted(pick(kind)) for kind in sorted(kinds)}
    return {kind: ids for kind, ids in found.items() if ids}


def diff(old: Digests, new: Digests) -> dict[str, dict[str, list[str]]]:
    """Record ids added, changed and removed between ``old`` and ``new``, by kind."""
    kinds = old.keys() | new.keys()
    empty: dict[str, str] = {}
    return {
        "added": _ids(kinds, lambda k: new.get(k, empty).keys() - old.get(k, empty).keys()),
        "changed": _ids(
            kinds,
            lambda k: {
                i for i, d in new.get(k, empty).items() if old.get(k, empty).get(i) not in {None, d}
            },
        ),
        "removed": _ids(kinds, lambda k: old.get(k, empty).keys() - new.get(k, empty).keys()),
    }
