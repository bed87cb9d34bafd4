"""Mutation testing of the modules whose silent bugs would mislead a researcher.

Each group of modules is mutated by mutmut in a scratch copy of the work tree (under
``var/mutation/<group>``), on SQLite only. mutmut first runs the group's test files once and
records which tests call each function; every mutant then runs only those tests, stopped after
``timeout_multiplier`` times their usual duration. Survivors that are listed in
``equivalent.toml`` (same behaviour, with the reason) are left out of the score.

A group may name the functions to mutate (``functions``, patterns of mutmut's mutant names)
when its modules hold more than the logic measured. ``--sample N`` runs N of the group's
mutants drawn at random (``--seed``), for a module whose whole run does not fit the time.

Usage: ``tests/mutation/run [--group NAME ...] [--jobs N] [--budget SECONDS] [--sample N]``.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import fnmatch
import functools
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
# -s: mutmut runs pytest several times in one process; without capture, sys.stderr stays
# the stream that app.core.progress bound when first imported.
SQLITE_ONLY = ["-k", "not postgresql", "-p", "no:cacheprovider", "-s"]
EDTF_PROPERTIES = [
    f"tests/test_properties.py::{name}"
    for name in (
        "test_a_point_has_the_bounds_of_the_model",
        "test_an_interval_spans_from_its_first_point_to_its_last",
        "test_the_edtf_library_agrees_on_the_bounds",
        "test_any_text_is_a_date_or_a_date_format_error",
    )
]
KILLED = {"killed", "timeout", "caught by type check", "segfault"}


@dataclass(frozen=True)
class Group:
    modules: list[str]
    tests: list[str]
    # Functions that run only while the module is imported (registering routes): mutmut
    # switches mutants on at call time, after the import, so theirs never run. Not scored.
    import_time: tuple[str, ...] = ()
    # Patterns of the mutant names to run (all of the modules' mutants when empty).
    functions: tuple[str, ...] = ()

    def wants(self, mutant: str) -> bool:
        return not self.functions or any(fnmatch.fnmatch(mutant, f) for f in self.functions)

    def at_import(self, mutant: str) -> bool:
        return mutant.split("__mutmut_")[0] in self.import_time


WRITE_TESTS = (
    "test_reads_are_public_writes_need_a_key",
    "test_create_then_read",
    "test_invalid_records_are_422_and_write_nothing",
    "test_duplicate_id_is_409_and_keeps_the_first",
    "test_patch_needs_the_current_etag",
    "test_delete_needs_admin_scope_and_refuses_referenced_records",
    "test_audit_log_records_who_what_before_and_after",
    "test_participation_lifecycle",
    "test_citation_lifecycle_keeps_every_fact_cited",
)
GROUPS = {
    "dates": Group(
        ["app/core/dates.py"],
        ["tests/core/test_dates.py", *EDTF_PROPERTIES],
    ),
    "timeline_filter": Group(
        ["app/api/timeline_filter.py"],
        [
            "tests/api/test_timeline_filter.py",
            "tests/test_properties.py::test_pages_are_disjoint_complete_and_ordered",
            "tests/api/test_events.py::TestTimeline",
            "tests/search/test_search.py::TestFiltersUseTheIndex",
            "tests/test_statements.py::TestApi::test_theme_filter_reaches_an_event_through_its_points",
            "tests/test_statements.py::test_a_theme_reaches_an_item_through_a_point_s_tag_only",
            "tests/api/test_events.py::TestMeetings::test_list_holds_meetings_only",
        ],
    ),
    "pagination": Group(
        ["app/core/pagination.py"],
        [
            "tests/core/test_pagination.py",
            "tests/test_properties.py",
            *(
                f"tests/api/test_{name}.py"
                for name in ("events", "actors", "processes", "pledges", "instruments", "sources")
            ),
        ],
    ),
    "checks": Group(
        ["app/seeding/checks.py"],
        ["tests/seeding/test_checks.py", "tests/seeding/test_seeding.py"],
    ),
    "writes": Group(
        ["app/api/writes.py", "app/seeding/etags.py"],
        [
            "tests/api/test_preconditions.py",
            *(f"tests/api/test_writes.py::{name}" for name in WRITE_TESTS),
        ],
        import_time=("app.api.writes.x__register",),
    ),
    # The write path: each write's turn, its lock and its retries (db.py), and ``writes``
    # (deps.py), which wraps the write endpoints at import, so it is listed but not scored.
    # mutmut leaves decorated functions alone: write_turn and _between_processes (context
    # managers) are not mutated; core/test_db.py tests them all the same.
    "write_path": Group(
        ["app/core/db.py", "app/api/deps.py"],
        [
            "tests/core/test_db.py",
            "tests/test_reliability.py::test_sqlite_writer_whose_turn_does_not_come_gets_503_and_writes_nothing",
            "tests/test_concurrency.py::test_writer_runs_a_unit_of_work_again_after_a_deadlock_then_gives_up",
            "tests/test_concurrency.py::test_import_whose_later_batch_fails_leaves_nothing",
            *(f"tests/api/test_writes.py::{name}" for name in WRITE_TESTS),
        ],
        import_time=("app.api.deps.x_writes", "app.api.deps.x__with_session"),
        functions=(
            "app.core.db.xǁTurnLockǁ*",
            "app.core.db.xǁWriterǁ*",
            "app.core.db.x_write_turn__*",
            "app.core.db.x__between_processes__*",
            "app.core.db.x_take_write_lock__*",
            "app.api.deps.x_writes__*",
            "app.api.deps.x__with_session__*",
        ),
    ),
    # The read model's apply rule: which projections a change reaches, and which keys (the
    # timeline items' and stored documents' keys are found by ``affected`` in app/records).
    "readmodel": Group(
        [
            "app/readmodel/maintain.py",
            "app/readmodel/projections.py",
            "app/readmodel/change.py",
            "app/readmodel/rendered.py",
            "app/readmodel/documents.py",
        ],
        [
            "tests/readmodel/test_readmodel.py",
            "tests/core/test_direct.py",
            "tests/api/test_writes.py",
        ],
        functions=(
            "app.readmodel.maintain.x_apply__*",
            "app.readmodel.projections.x__*_touches__*",
            "app.readmodel.change.*",
            "app.readmodel.rendered.x_affected__*",
            "app.readmodel.rendered.x__events_of__*",
            "app.readmodel.documents.x_affected__*",
            "app.readmodel.documents.x__posts_in__*",
        ),
    ),
}


@dataclass
class Score:
    group: str
    statuses: dict[str, str] = field(default_factory=dict)
    equivalent: list[str] = field(default_factory=list)
    generated: int = 0  # the group's mutants, run or not (a sample runs some)

    @property
    def killed(self) -> int:
        return sum(status in KILLED for status in self.statuses.values())

    @property
    def skipped(self) -> int:
        return sum(status == "skipped" for status in self.statuses.values())

    @property
    def counted(self) -> int:
        return len(self.statuses) - self.skipped - len(self.equivalent)

    @property
    def survivors(self) -> list[str]:
        return sorted(
            name
            for name, status in self.statuses.items()
            if status not in KILLED | {"skipped"} and name not in self.equivalent
        )

    def row(self) -> str:
        percent = 100 * self.killed / self.counted if self.counted else 100.0
        return (
            f"| {self.group} | {self.generated} | {len(self.statuses)} | {self.skipped} "
            f"| {len(self.equivalent)} | {self.killed} | {len(self.survivors)} | {percent:.0f}% |"
        )


def work_tree_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return [name for name in listed.stdout.splitlines() if (ROOT / name).is_file()]


def scratch_copy(target: Path, group: Group) -> None:
    if target.exists():
        shutil.rmtree(target)
    for name in work_tree_files():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target / name)
    write_config(target, group)


def write_config(target: Path, group: Group) -> None:
    """The group's [tool.mutmut] section at the end of the copy's pyproject.toml."""
    tests = [t for t in group.tests if (ROOT / t.partition("::")[0]).exists()]
    config = (
        "\n[tool.mutmut]\n"
        'source_paths = ["app"]\n'
        f"only_mutate = {group.modules!r}\n"
        f"pytest_add_cli_args_test_selection = {tests!r}\n"
        f"pytest_add_cli_args = {SQLITE_ONLY!r}\n"
        'also_copy = ["seeds", "migrations", "alembic.ini"]\n'
        "timeout_multiplier = 5.0\n"
        "timeout_constant = 5.0\n"
    ).replace("'", '"')
    for pyproject in (target / "pyproject.toml", target / "mutants" / "pyproject.toml"):
        if pyproject.exists():
            text = pyproject.read_text(encoding="utf-8").split("\n[tool.mutmut]\n")[0]
            pyproject.write_text(text + config, encoding="utf-8")


def mutmut(*args: str, cwd: Path, timeout: float | None = None, quiet: bool = False) -> str:
    """Run mutmut in ``cwd``; past ``timeout`` seconds, stop it and its workers."""
    executable = shutil.which("mutmut", path=str(Path(sys.executable).parent)) or "mutmut"
    with subprocess.Popen(
        [executable, *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL if quiet else None,
        text=True,
        start_new_session=True,
    ) as process:
        try:
            return process.communicate(timeout=timeout)[0]
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise


@functools.cache
def functions_in(path: Path) -> tuple[list[str], dict[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """The lines of mutmut's mutated copy of a module, and its functions by name."""
    source = path.read_text(encoding="utf-8")
    nodes = {
        node.name: node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    return source.splitlines(), nodes


def function_source(path: Path, name: str) -> list[str]:
    lines, nodes = functions_in(path)
    node = nodes.get(name)
    if node is None:
        return []
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    return [line.replace(name, "f", 1) for line in lines[first - 1 : node.end_lineno]]


def mutant_diff(target: Path, mutant: str) -> str:
    """The unified diff of one mutant against the original function, read from mutmut's
    mutated copy of the module (much faster than ``mutmut show``)."""
    module, _, function = mutant.rpartition(".")
    path = target / "mutants" / (module.replace(".", "/") + ".py")
    before = function_source(path, function.split("__mutmut_")[0] + "__mutmut_orig")
    after = function_source(path, function)
    name = module.replace(".", "/") + ".py"
    lines = difflib.unified_diff(before, after, f"{name} {mutant}", name, lineterm="", n=1)
    return "\n".join(lines) + "\n"


def mutated_lines(diff: str) -> tuple[list[str], list[str]]:
    """The lines a mutant removes and adds, stripped: its identity across unrelated edits."""
    lines = [line for line in diff.splitlines() if not line.startswith(("---", "+++"))]
    removed = [line[1:].strip() for line in lines if line.startswith("-")]
    added = [line[1:].strip() for line in lines if line.startswith("+")]
    return removed, added


def load_equivalents() -> list[dict[str, object]]:
    with (HERE / "equivalent.toml").open("rb") as file:
        return list(tomllib.load(file).get("equivalent", []))


def is_equivalent(name: str, diff: str, equivalents: list[dict[str, object]]) -> bool:
    removed, added = mutated_lines(diff)
    function = name.split("__mutmut_")[0]
    return any(
        function.endswith(str(e["function"])) and e["removed"] == removed and e["added"] == added
        for e in equivalents
    )


def run_group(
    name: str, group: Group, out: Path, jobs: int, budget: float | None, sample: Sample | None
) -> Score:
    """Mutate and test one group, then score it; without a ``budget``, score the last run."""
    target = out / name
    if budget is not None:
        scratch_copy(target, group)
        if group.functions or sample:
            chosen = choose_mutants(target, group, sample)
            print(f"{name}: running {len(chosen)} mutants", flush=True)
            run_mutants(name, target, jobs, budget, chosen)
        else:
            run_mutants(name, target, jobs, budget)
    return score_group(name, group, out)


@dataclass(frozen=True)
class Sample:
    size: int
    seed: int


def all_mutants(target: Path) -> list[str]:
    """Every mutant of the scratch copy, generated (with the tests' coverage) but not run:
    mutmut generates, collects which tests call what, then finds no mutant of this name."""
    mutmut("run", "--max-children", "1", "no-such-mutant", cwd=target, quiet=True)
    listed = mutmut("results", "--all", "true", cwd=target)
    return [m.group(1) for m in re.finditer(r"^\s+(\S+): ", listed, re.MULTILINE)]


def choose_mutants(target: Path, group: Group, sample: Sample | None) -> list[str]:
    wanted = sorted(m for m in all_mutants(target) if group.wants(m) and not group.at_import(m))
    if sample is None or sample.size >= len(wanted):
        return wanted
    return sorted(random.Random(sample.seed).sample(wanted, sample.size))


def rerun_survivors(name: str, group: Group, out: Path, jobs: int, budget: float) -> Score:
    """Run the last run's survivors again against the work tree's tests as they are now."""
    target = out / name
    survivors = score_group(name, group, out).survivors
    for test in work_tree_files():
        if test.startswith("tests/"):
            for copy in (target / test, target / "mutants" / test):
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / test, copy)
    write_config(target, group)
    if survivors:
        run_mutants(name, target, jobs, budget, survivors)
    return score_group(name, group, out)


def run_mutants(
    name: str, target: Path, jobs: int, budget: float, mutants: list[str] | None = None
) -> None:
    try:
        mutmut("run", "--max-children", str(jobs), *(mutants or []), cwd=target, timeout=budget)
    except subprocess.TimeoutExpired:
        print(f"{name}: stopped after {budget:.0f} s; scoring the mutants that ran")


def score_group(name: str, group: Group, out: Path) -> Score:
    target = out / name
    score = Score(name)
    for line in mutmut("results", "--all", "true", cwd=target).splitlines():
        match = re.match(r"\s+(\S+): (.+)$", line)
        if match and group.wants(match.group(1)):
            score.generated += 1
            if group.at_import(match.group(1)):
                score.statuses[match.group(1)] = "skipped"
        if match and match.group(2) != "not checked":
            mutant, status = match.groups()
            if not group.wants(mutant):
                continue
            score.statuses[mutant] = "skipped" if group.at_import(mutant) else status
    equivalents = load_equivalents()
    diffs = {mutant: mutant_diff(target, mutant) for mutant in score.survivors}
    score.equivalent = [m for m, diff in diffs.items() if is_equivalent(m, diff, equivalents)]
    survivors = "\n".join(diffs[m] for m in score.survivors)
    (out / f"{name}.survivors.diff").write_text(survivors, encoding="utf-8")
    return score


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--group", action="append", choices=sorted(GROUPS))
    parser.add_argument("--jobs", type=int, default=2, help="mutants run at once")
    parser.add_argument("--budget", type=float, default=3600, help="seconds per group")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "mutation")
    parser.add_argument("--sample", type=int, help="run this many mutants drawn at random")
    parser.add_argument("--seed", type=int, default=21, help="the sample's random seed")
    parser.add_argument(
        "--score-only", action="store_true", help="score the last run again (equivalents edited)"
    )
    parser.add_argument(
        "--rerun-survivors", action="store_true", help="run the last run's survivors again"
    )
    args = parser.parse_args(argv)
    from app.core.config import get_settings

    os.environ["MGT_SOURCES_DIR"] = str(get_settings().sources_dir.resolve())
    args.out.mkdir(parents=True, exist_ok=True)
    rows = [
        "| group | mutants | run | not scored | equivalent | killed | survived | score |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in args.group or list(GROUPS):
        if args.rerun_survivors:
            score = rerun_survivors(name, GROUPS[name], args.out, args.jobs, args.budget)
        else:
            budget = None if args.score_only else args.budget
            sample = Sample(args.sample, args.seed) if args.sample else None
            score = run_group(name, GROUPS[name], args.out, args.jobs, budget, sample)
        rows.append(score.row())
        print(score.row(), flush=True)
        for mutant in score.survivors:
            print(f"  survived: {mutant}")
    report = "\n".join(rows)
    (args.out / "scores.md").write_text(report + "\n", encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
