"""The ``mgt`` command line."""

from __future__ import annotations

import argparse
import sys

from app.core.config import get_settings
from app.seeding.checks import check_dataset
from app.seeding.reader import SeedError, read_dataset


def _seed(args: argparse.Namespace) -> int:
    settings = get_settings()
    try:
        dataset = read_dataset(settings.seeds_dir)
        check_dataset(dataset, settings.sources_dir)
    except SeedError as error:
        print(f"{len(error.problems)} problem(s) in {settings.seeds_dir}:", file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    total = sum(len(v) for v in dataset.records.values())
    print(f"{total} records in {settings.seeds_dir}: valid")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mgt", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    seed = commands.add_parser("seed", help="validate and load the seed files")
    seed.add_argument("--check", action="store_true", help="validate only; write nothing")
    seed.set_defaults(handler=_seed)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
