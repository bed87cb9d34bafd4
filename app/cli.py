"""mgt: run, migrate, seed and export the Migration Governance Timeline."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy import func, select

from app.core import migrate
from app.core.config import Settings, get_settings
from app.core.db import make_engine
from app.models import Source
from app.seeding.checks import check_dataset
from app.seeding.exporter import export
from app.seeding.loader import LoadResult, load
from app.seeding.reader import SeedError, read_dataset
from app.seeding.report import build_report, format_report


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


def seed_database(settings: Settings) -> LoadResult:
    """Migrate, then load the seed files in one transaction."""
    if not settings.sources_dir.is_dir():
        print(f"note: {settings.sources_dir} not found; quotes not checked", file=sys.stderr)
    migrate.upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with engine.begin() as connection:
            return load(connection, settings.seeds_dir, settings.sources_dir)
    finally:
        engine.dispose()


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
            check_dataset(dataset, settings.sources_dir)
            total = sum(len(v) for v in dataset.records.values())
            print(f"{total} records in {settings.seeds_dir}: valid")
            return 0
        print(_summary(seed_database(settings)))
    except SeedError as error:
        return _report_problems(error, settings)
    return 0


def _db_upgrade(_args: argparse.Namespace) -> int:
    migrate.upgrade(get_settings().database_url)
    print("database is at the latest migration")
    return 0


def _export(args: argparse.Namespace) -> int:
    engine = make_engine(get_settings().database_url)
    with engine.connect() as connection:
        written = export(connection, Path(args.directory))
    engine.dispose()
    print(f"wrote {len(written)} files to {args.directory}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = get_settings()
    migrate.upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    with engine.connect() as connection:
        empty = connection.execute(select(func.count()).select_from(Source)).scalar_one() == 0
    engine.dispose()
    if empty:
        try:
            seed_database(settings)
        except SeedError as error:
            return _report_problems(error, settings)
        print("empty database: seed files loaded", file=sys.stderr)
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        access_log=False,
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mgt", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="migrate, seed an empty database, and serve")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(handler=_serve)

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply all migrations").set_defaults(handler=_db_upgrade)

    seed = commands.add_parser("seed", help="validate the seed files and load them")
    seed.add_argument("--check", action="store_true", help="validate only; write nothing")
    seed.add_argument(
        "--report",
        action="store_true",
        help="counts by kind and source, and source sentences with a date or number "
        "that no record cites; writes nothing",
    )
    seed.add_argument("--all", action="store_true", help="with --report: list every sentence")
    seed.set_defaults(handler=_seed)

    exporter = commands.add_parser("export", help="write the database out as seed files")
    exporter.add_argument("directory")
    exporter.set_defaults(handler=_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
