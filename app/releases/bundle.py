"""``mgt release NAME``: write a release bundle and record the release.

A bundle is a folder ``DIR/NAME/`` holding ``seeds/`` (the database exported as seed files),
``mgt.sqlite3`` (those files loaded into a fresh SQLite database: no API keys, no audit log
but the load), ``records.json`` (every record's digest), ``changes.json`` and ``CHANGES.md``
(what was added, changed and removed since the release before), ``release.json``, and
``SHA256SUMS`` over all of them (``sha256sum -c SHA256SUMS`` checks a copy).
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, func, insert, select

from app import models as m
from app.core.db import make_engine
from app.core.errors import Conflict
from app.models import migrate
from app.readmodel import version
from app.records.loader import load
from app.releases.digests import Digests, diff, digests
from app.seeding.content import files_hash, schema_revision
from app.seeding.exporter import collect, export

NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}"


@dataclass(frozen=True)
class Made:
    name: str
    directory: Path
    content_hash: str
    counts: dict[str, int]
    changes: dict[str, dict[str, list[str]]] | None
    previous: str | None


def latest(connection: Connection) -> m.Release | None:
    r = m.Release
    row = connection.execute(select(r).order_by(r.created_at.desc(), r.name.desc()).limit(1))
    found = row.first()
    return m.Release(**found._asdict()) if found else None


def read_digests(release: m.Release) -> Digests:
    loaded: Digests = orjson.loads(gzip.decompress(release.digests))
    return loaded


def make_release(
    connection: Connection, name: str, directory: Path, sources_dir: Path | None
) -> Made:
    """Export, bundle and record the release, inside the caller's transaction, which holds
    the write lock (``mgt release``), so the bundle is one state of the data."""
    r = m.Release
    if connection.execute(select(r.name).where(r.name == name)).first():
        raise Conflict(f"a release named '{name}' exists already")
    bundle = directory / name
    if bundle.exists() and any(bundle.iterdir()):
        raise Conflict(f"{bundle} exists and is not empty")
    previous = latest(connection)
    records = collect(connection)
    counts = {kind: len(found) for kind, found in records.items()}
    now = digests(records)
    changes = diff(read_digests(previous), now) if previous else None
    revision = schema_revision(connection)
    export(connection, bundle / "seeds")
    content_hash = files_hash(bundle / "seeds", revision)
    _sqlite_copy(bundle, sources_dir)
    last_change = connection.execute(select(func.max(m.Change.id))).scalar_one() or 0
    created = dt.datetime.now(dt.UTC)
    before = previous.name if previous else None
    about: dict[str, Any] = {
        "name": name,
        "created_at": created.isoformat(),
        "content_hash": content_hash,
        "schema_revision": revision,
        "previous": before,
        "counts": counts,
    }
    _write(bundle, about, now, changes)
    connection.execute(
        insert(m.Release.__table__).values(  # type: ignore[arg-type]
            name=name,
            created_at=created,
            content_hash=content_hash,
            schema_revision=revision,
            last_change=last_change,
            previous=before,
            counts=counts,
            changes=changes,
            digests=gzip.compress(orjson.dumps(now)),
        )
    )
    version.bump(connection)
    return Made(name, bundle, content_hash, counts, changes, before)


def _sqlite_copy(bundle: Path, sources_dir: Path | None) -> None:
    url = f"sqlite:///{bundle / 'mgt.sqlite3'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        with engine.begin() as copy:
            load(copy, bundle / "seeds", sources_dir)
    finally:
        engine.dispose()


def _write(
    bundle: Path, about: dict[str, Any], now: Digests, changes: dict[str, Any] | None
) -> None:
    (bundle / "release.json").write_text(json.dumps(about, indent=2) + "\n", encoding="utf-8")
    (bundle / "records.json").write_bytes(orjson.dumps(now, option=orjson.OPT_SORT_KEYS))
    listed = {"previous": about["previous"], **(changes or {})}
    (bundle / "changes.json").write_text(json.dumps(listed, indent=2) + "\n", encoding="utf-8")
    (bundle / "CHANGES.md").write_text(changes_markdown(about, changes), encoding="utf-8")
    files = sorted(p for p in bundle.rglob("*") if p.is_file())
    sums = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(bundle)}" for p in files]
    (bundle / "SHA256SUMS").write_text("\n".join(sums) + "\n", encoding="utf-8")


def changes_markdown(about: dict[str, Any], changes: dict[str, Any] | None) -> str:
    lines = [f"# Release {about['name']}", ""]
    lines.append(f"Made {about['created_at']}; content hash `{about['content_hash']}`.")
    counts = ", ".join(f"{n} {kind}" for kind, n in about["counts"].items() if n)
    lines += ["", f"Records: {counts}.", ""]
    if changes is None:
        lines.append("The first release: nothing to compare it with.")
        return "\n".join(lines) + "\n"
    lines.append(f"Changes since release {about['previous']}:")
    for what in ("added", "changed", "removed"):
        by_kind = changes[what]
        total = sum(len(ids) for ids in by_kind.values())
        lines += ["", f"## {what.capitalize()} ({total})"]
        for kind, ids in by_kind.items():
            lines.append(f"- {kind}: " + ", ".join(f"`{i}`" for i in ids))
    return "\n".join(lines) + "\n"
