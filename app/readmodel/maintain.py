"""Applying changes to the projections, rebuilding them, and checking them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, delete, insert, select

from app.core.progress import progress
from app.models import ProjectionVersion
from app.readmodel.change import Change
from app.readmodel.projections import BY_NAME, PROJECTIONS, Projection


def apply(connection: Connection, change: Change) -> None:
    """Bring every projection up to date with one write, in the write's transaction."""
    for projection in PROJECTIONS:
        keys = projection.touches(connection, change)
        if keys:
            projection.refresh(connection, keys)


def _stored_versions(connection: Connection) -> dict[str, str]:
    v = ProjectionVersion
    return {name: built for name, built in connection.execute(select(v.name, v.version))}


def stale(connection: Connection) -> list[str]:
    """The projections whose stored version differs from their code's, or is missing."""
    built = _stored_versions(connection)
    return [p.name for p in PROJECTIONS if built.get(p.name) != p.version]


def rebuild(connection: Connection, names: Iterable[str] | None = None) -> list[str]:
    """Make these projections (all, without ``names``) whole again and record their versions;
    the data version goes up, so cached responses are made again."""
    wanted = set(BY_NAME if names is None else names)
    unknown = wanted - BY_NAME.keys()
    if unknown:
        raise KeyError(f"no projection named {', '.join(sorted(unknown))}; see {list(BY_NAME)}")
    chosen = [p for p in PROJECTIONS if p.name in wanted]
    if BY_NAME["data_version"] not in chosen:
        chosen.append(BY_NAME["data_version"])
    for projection in progress(chosen, "rebuilding the read model"):
        projection.rebuild(connection)
        _record(connection, projection)
    return [p.name for p in chosen]


def _record(connection: Connection, projection: Projection) -> None:
    v = ProjectionVersion
    connection.execute(delete(v).where(v.name == projection.name))
    connection.execute(insert(v).values(name=projection.name, version=projection.version))


def rebuild_stale(connection: Connection) -> list[str]:
    """Rebuild the projections whose stored version differs or is missing; their names."""
    names = stale(connection)
    return rebuild(connection, names) if names else []


def check(connection: Connection, *, versions: bool = True) -> list[str]:
    """Every difference between the stored projections and a fresh rendering; with
    ``versions``, also each projection built by other code or never built."""
    found = [f"{name}: built with another version, or never" for name in stale(connection)]
    found = found if versions else []
    for projection in PROJECTIONS:
        found += projection.check(connection)
    return found
