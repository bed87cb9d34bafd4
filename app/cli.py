"""mgt: run, migrate, seed and export the Migration Governance Timeline."""

from __future__ import annotations

import argparse
import functools
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Literal

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from app import readmodel
from app.core.config import Settings, get_settings
from app.core.db import (
    WRITE_TRANSACTION,
    TurnLock,
    Writer,
    make_engine,
    make_sessionmaker,
    take_write_lock,
    unit_of_work,
)
from app.core.errors import DomainError
from app.core.startup import applied_migrations, one_at_a_time
from app.models import ApiKey, Source, migrate
from app.readmodel.projections import BY_NAME
from app.records.auth import create_key, revoke_key
from app.records.backup import backup, restore
from app.records.loader import LoadResult, changes_since_last_load, load
from app.records.pledge_import import import_pledges
from app.releases.bundle import NAME_PATTERN, make_release
from app.seeding.checks import check_dataset
from app.seeding.exporter import export
from app.seeding.reader import SeedError, read_dataset
from app.seeding.report import build_report, format_report

HELP = argparse.ArgumentDefaultsHelpFormatter  # every option's help shows its default


def _report_problems(error: SeedError, settings: Settings) -> int:
    print(f"{len(error.problems)} problem(s) in {settings.seeds_dir}:", file=sys.stderr)
    for problem in error.problems:
        print(f"  - {problem}", file=sys.stderr)
    return 1


def _summary(result: LoadResult) -> str:
    def fmt(counter: dict[str, int]) -> str:
        return ", ".join(f"{n} {table}" for table, n in sorted(counter.items())) or "none"

    return (
        f"inserted: {fmt(result.inserted)}\nupdated: {fmt(result.updated)}\n"
        f"deleted: {fmt(result.deleted)}\nrows now: {sum(result.total.values())}"
    )


@contextmanager
def connected(url: str, mode: Literal["read", "begin", "write"] = "read") -> Iterator[Connection]:
    """A connection on an engine of its own, disposed of afterwards. ``read``: no transaction
    of its own; ``begin``: one transaction, committed at the end; ``write``: the same,
    queued with the API's writes and holding their lock (``take_write_lock``)."""
    engine = make_engine(url)
    try:
        if mode == "read":
            with engine.connect() as connection:
                yield connection
        elif mode == "begin":
            with engine.begin() as connection:
                yield connection
        else:
            with engine.execution_options(**WRITE_TRANSACTION).begin() as connection:
                take_write_lock(connection)
                yield connection
    finally:
        engine.dispose()


def upgrade(url: str) -> None:
    """Apply the migrations, then rebuild the projections of the read model whose stored
    version differs from their code's (all of them after a migration that made their
    tables)."""
    migrate.upgrade(url)
    with connected(url, "begin") as connection:
        rebuilt = readmodel.rebuild_stale(connection)
    if rebuilt:
        print(f"read model rebuilt: {', '.join(rebuilt)}", file=sys.stderr)


def seed_database(settings: Settings, *, force: bool = False) -> LoadResult:
    """Migrate, then load the seed files in one transaction.

    The load makes the database match the seed files, so it would undo changes made through
    the API: unless ``force``, it refuses while the audit log holds any.
    """
    if not settings.sources_dir.is_dir():
        print(f"note: {settings.sources_dir} not found; quotes not checked", file=sys.stderr)
    migrate.upgrade(settings.database_url)
    with connected(settings.database_url, "write") as connection:
        changes = changes_since_last_load(connection)
        if changes and not force:
            raise SeedError(
                [
                    f"the database holds {changes} change(s) made through the API, which a "
                    "load would undo: `mgt export DIR` them into the seed files first, or "
                    "pass --force to discard them"
                ]
            )
        result = load(connection, settings.seeds_dir, settings.sources_dir)
        postgresql = connection.dialect.name == "postgresql"
    if postgresql and result.changed:
        with connected(settings.database_url, "begin") as connection:
            connection.exec_driver_sql("ANALYZE")  # fresh statistics for the planner
    return result


def _seed(args: argparse.Namespace) -> int:
    settings = get_settings()
    try:
        if args.report:
            dataset = read_dataset(settings.seeds_dir)
            limit = 10**6 if args.all else 40
            print(format_report(build_report(dataset, settings.sources_dir), limit=limit))
            return 0
        if args.check:
            dataset = read_dataset(settings.seeds_dir)
            check_dataset(dataset, settings.sources_dir, curation=True)
            total = sum(len(v) for v in dataset.records.values())
            if not settings.sources_dir.is_dir():
                print(
                    f"{total} records in {settings.seeds_dir}: valid, but quotes were NOT "
                    f"checked: the source documents were not found at {settings.sources_dir} "
                    "(set MGT_SOURCES_DIR)",
                    file=sys.stderr,
                )
                return 1 if args.strict else 0
            print(f"{total} records in {settings.seeds_dir}: valid, quotes checked")
            return 0
        print(_summary(seed_database(settings, force=args.force)))
    except SeedError as error:
        return _report_problems(error, settings)
    return 0


def _session_factory() -> tuple[Engine, sessionmaker[Session]]:
    settings = get_settings()
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    return engine, make_sessionmaker(engine)


def _keys(args: argparse.Namespace) -> int:
    engine, factory = _session_factory()
    try:
        with unit_of_work(factory) as session:
            if args.keys_command == "create":
                token = create_key(session, args.name, args.scope)
                print(f"created key '{args.name}' ({args.scope}); the token, shown only now:")
                print(token)
            elif args.keys_command == "revoke":
                revoke_key(session, args.name)
                print(f"revoked key '{args.name}'")
            else:
                for key in session.scalars(select(ApiKey).order_by(ApiKey.name)):
                    state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
                    print(f"{key.name}\t{key.scope}\t{state}\tcreated {key.created_at:%Y-%m-%d}")
    except DomainError as error:
        print(f"mgt keys: {error.detail}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


def _import(args: argparse.Namespace) -> int:
    settings = get_settings()
    engine, factory = _session_factory()
    try:
        text = Path(args.file).read_text(encoding="utf-8-sig")
        writer = Writer(engine, factory, TurnLock())
        result = import_pledges(writer, factory, text, f"cli:{args.name}", settings.sources_dir)
    except (OSError, UnicodeDecodeError) as error:
        print(f"mgt import: cannot read {args.file} as UTF-8 text: {error}", file=sys.stderr)
        return 1
    except DomainError as error:
        print(f"mgt import: {error.detail}", file=sys.stderr)
        for problem in error.extra.get("errors", []):
            print(
                f"  row {problem['row']}, {problem['field']}: {problem['detail']}", file=sys.stderr
            )
        return 1
    finally:
        engine.dispose()
    print(f"imported {len(result.created)} pledges ({len(result.sources_created)} new sources)")
    return 0


def _db_upgrade(_args: argparse.Namespace) -> int:
    url = get_settings().database_url
    with one_at_a_time(url):
        upgrade(url)
    print("database is at the latest migration; its read model is current")
    return 0


def _readmodel(args: argparse.Namespace) -> int:
    url = get_settings().database_url
    try:
        if args.readmodel_command == "rebuild":
            with connected(url, "begin") as connection:
                rebuilt = readmodel.rebuild(connection, args.names or None)
            print(f"rebuilt: {', '.join(rebuilt)}")
            return 0
        with connected(url) as connection:
            differences = readmodel.check(connection)
    except KeyError as error:
        print(f"mgt readmodel: {error.args[0]}", file=sys.stderr)
        return 1
    for difference in differences:
        print(difference)
    print(f"{len(differences)} difference(s) from a fresh rendering", file=sys.stderr)
    return 1 if differences else 0


def _export(args: argparse.Namespace) -> int:
    with connected(get_settings().database_url) as connection:
        written = export(connection, Path(args.directory))
    print(f"wrote {len(written)} files to {args.directory}")
    return 0


def _backup(args: argparse.Namespace) -> int:
    try:
        with connected(get_settings().database_url) as connection:
            counts = backup(connection, Path(args.directory))
    except SeedError as error:
        print(f"mgt backup: {error}", file=sys.stderr)
        return 1
    print(f"backed up to {args.directory}: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    return 0


def _restore(args: argparse.Namespace) -> int:
    settings = get_settings()
    migrate.upgrade(settings.database_url)
    try:
        with connected(settings.database_url, "begin") as connection:
            counts = restore(connection, Path(args.directory), settings.sources_dir)
    except SeedError as error:
        print(f"mgt restore: nothing restored from {args.directory}:", file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print(f"restored from {args.directory}: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    return 0


def _release(args: argparse.Namespace) -> int:
    settings = get_settings()
    if not re.fullmatch(NAME_PATTERN, args.name):
        print(f"mgt release: '{args.name}' is not a release name ({NAME_PATTERN})", file=sys.stderr)
        return 2
    directory = Path(args.dir) if args.dir else settings.releases_dir
    try:
        # Holding the writes' lock, so no write lands while the release is read: the bundle
        # is one state of the data.
        with connected(settings.database_url, "write") as connection:
            made = make_release(connection, args.name, directory, settings.sources_dir)
    except DomainError as error:
        print(f"mgt release: {error.detail}", file=sys.stderr)
        return 1
    print(f"release {made.name}: {made.directory} (content hash {made.content_hash})")
    if made.changes is None:
        print("the first release: no change list")
    else:
        totals = {
            what: sum(len(ids) for ids in made.changes[what].values()) for what in made.changes
        }
        print(f"since {made.previous}: " + ", ".join(f"{n} {w}" for w, n in totals.items()))
    return 0


def _prepare_database(settings: Settings) -> None:
    """Migrate, rebuild a changed read model, and seed an empty database; run by one server
    process at a time."""
    before = applied_migrations(settings.database_url)
    upgrade(settings.database_url)
    after = applied_migrations(settings.database_url)
    if after != before:
        print(f"database migrated: {before or 'empty'} -> {after}", file=sys.stderr)
    with connected(settings.database_url) as connection:
        empty = connection.execute(select(func.count()).select_from(Source)).scalar_one() == 0
    if empty:
        seed_database(settings)
        print("empty database: seed files loaded", file=sys.stderr)


def _serve(args: argparse.Namespace) -> int:
    from app.server import MAX_WORKERS, cpu_limit, serve

    settings = get_settings()
    if not args.no_migrate:
        try:
            with one_at_a_time(settings.database_url):
                _prepare_database(settings)
        except SeedError as error:
            return _report_problems(error, settings)
    workers = args.workers or min(MAX_WORKERS, cpu_limit())
    base = f"http://{args.host}:{args.port}"
    print(f"serving {base} (API {base}/api/v1, docs {base}/docs), {workers} worker(s)")
    sys.stdout.flush()
    serve(args.host, args.port, workers)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mgt", description=__doc__, formatter_class=HELP)
    parser.add_argument(
        "--version", action="version", version=f"mgt {version('migration-governance-timeline')}"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    add_parser = functools.partial(commands.add_parser, formatter_class=HELP)

    serve = add_parser("serve", help="migrate, seed an empty database, and serve")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on")
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        help="server processes (default: one per CPU the container's quota allows, at most 4)",
    )
    serve.add_argument(
        "--no-migrate",
        action="store_true",
        help="serve the database as it is (run `mgt db upgrade` and `mgt seed` as a job first)",
    )
    serve.set_defaults(handler=_serve)

    db = add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply all migrations").set_defaults(handler=_db_upgrade)

    model = add_parser("readmodel", help="the derived tables (search, stored JSON)")
    model_commands = model.add_subparsers(dest="readmodel_command", required=True)
    model_commands.add_parser(
        "check", help="compare every projection with a fresh rendering; exit 1 on a difference"
    )
    rebuild = model_commands.add_parser("rebuild", help="rebuild projections (default: all)")
    rebuild.add_argument("names", nargs="*", metavar="NAME", help=", ".join(BY_NAME))
    model.set_defaults(handler=_readmodel)

    seed = add_parser("seed", help="validate the seed files and load them")
    seed.add_argument("--check", action="store_true", help="validate only; write nothing")
    seed.add_argument(
        "--strict",
        action="store_true",
        help="with --check: fail when the source documents are missing (quotes unchecked)",
    )
    seed.add_argument(
        "--report",
        action="store_true",
        help="counts by kind and source, and source sentences with a date or number "
        "that no record cites; writes nothing",
    )
    seed.add_argument("--all", action="store_true", help="with --report: list every sentence")
    seed.add_argument(
        "--force", action="store_true", help="load even over changes made through the API"
    )
    seed.set_defaults(handler=_seed)

    keys = add_parser("keys", help="API keys for writes")
    key_commands = keys.add_subparsers(dest="keys_command", required=True)
    create = key_commands.add_parser("create", help="create a key and print its token once")
    create.add_argument(
        "--name", required=True, help="who or what uses it (shown in the audit log)"
    )
    create.add_argument(
        "--scope",
        choices=["write", "admin"],
        default="write",
        help="write creates and changes; admin also deletes",
    )
    revoke = key_commands.add_parser("revoke", help="revoke a key by name")
    revoke.add_argument("name", help="the key's name")
    key_commands.add_parser("list", help="list keys (never their tokens)")
    keys.set_defaults(handler=_keys)

    importer = add_parser("import", help="import records from a file")
    import_kinds = importer.add_subparsers(dest="import_kind", required=True)
    pledges = import_kinds.add_parser("pledges", help="pledges from a CSV (all or nothing)")
    pledges.add_argument(
        "file", help="a pledging-dashboard export: see POST /api/v1/pledges/import"
    )
    pledges.add_argument("--name", default="import", help="recorded in the audit log as cli:NAME")
    importer.set_defaults(handler=_import)

    exporter = add_parser("export", help="write the database out as seed files")
    exporter.add_argument("directory", help="the directory to write them to")
    exporter.set_defaults(handler=_export)

    backups = add_parser(
        "backup", help="export plus the audit log and the API keys' hashes: a full backup"
    )
    backups.add_argument("directory", help="a new or empty directory")
    backups.set_defaults(handler=_backup)
    restorer = add_parser("restore", help="restore a full backup into an empty database")
    restorer.add_argument("directory", help="a directory written by mgt backup")
    restorer.set_defaults(handler=_restore)

    release = add_parser(
        "release", help="write a release bundle (seed export, SQLite file, change list)"
    )
    release.add_argument("name", help="the release's name, e.g. 2026-12")
    release.add_argument(
        "--dir", help="where to write the bundle (default: MGT_RELEASES_DIR, var/releases)"
    )
    release.set_defaults(handler=_release)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
