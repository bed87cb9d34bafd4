"""Synthetic timeline data for the benchmark, loaded through the project's own seed path.

Subcommands (each prints one JSON line on stdout with what it measured):

  yaml DIR --items N        write DIR/real/ (a copy of seeds/) and DIR/bench/*.yaml
                            (synthetic sources, actors, events with participants,
                            citations and themes, pledges); load it with `mgt seed`.
  chunked DIR --items N     for sizes where YAML + pydantic is too slow: load DIR
                            (real seeds + synthetic sources/actors, written by
                            `yaml --base-only`) with app.records.loader.load, then
                            validate (pydantic, the seed schemas), check
                            (app.seeding.checks) and build rows
                            (app.seeding.rows.build_rows) for the events and pledges
                            in chunks, inserting each chunk the way loader.sync does.
  loadcost DIR              the `mgt seed` path split into its phases (YAML parse,
                            pydantic validation, checks, row building, sync), with the
                            wall time and the peak RSS after each.

The data is deterministic: the same --items gives the same rows on every machine.
DATABASE_URL selects the database, as for `mgt`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GEN_VERSION = 4  # 4: posts of people in states and organisations, acting on behalf of
CHUNK = 20_000  # events per chunk / per YAML file

MEETING_KINDS = [
    "conference",
    "dialogue",
    "thematic_session",
    "consultation",
    "forum",
    "meeting",
    "workshop",
    "side_event",
    "panel",
    "regional_review",
    "hearing",
]
OTHER_KINDS = [
    "publication",
    "decision",
    "statement",
    "launch",
    "appointment",
    "adoption",
    "survey",
    "institutional_change",
]
ROLES = [
    "speaker",
    "panellist",
    "attendee",
    "chair",
    "moderator",
    "organizer",
    "host",
    "keynote",
    "rapporteur",
    "discussant",
    "co_chair",
    "convener",
]
ACTOR_KINDS = [
    "state",
    "cso",
    "igo",
    "academic",
    "un_entity",
    "private_sector",
    "local_government",
    "person",
    "regional_body",
    "mechanism",
]
ORGANISATIONS = ("igo", "un_entity", "regional_body")
CITIES = [
    "Geneva",
    "New York",
    "Marrakech",
    "Dhaka",
    "Berlin",
    "Quito",
    "Rabat",
    "Manila",
    "Brussels",
    "Mexico City",
    "Istanbul",
    "Stockholm",
    "Bangkok",
    "Addis Ababa",
    "Santiago",
    "Nairobi",
    "Abu Dhabi",
    "Ottawa",
    "Vienna",
    "Doha",
]
WORDS = (
    "migration governance cooperation labour mobility remittances protection "
    "refugees return reintegration diaspora skills partnership regional review "
    "pledge objective compact forum dialogue consultation evidence data borders "
    "human rights climate displacement integration inclusion capacity financing "
    "coordination implementation follow-up stakeholders cities youth women"
).split()
START, END = dt.date(1990, 1, 1), dt.date(2030, 12, 31)
SPAN = (END - START).days


def rss_peak_mb() -> float:
    """Peak RSS of this process so far (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def real_ids(seeds_dir: Path) -> dict[str, list[str]]:
    """Ids in the real seed files, read with the project's reader."""
    from app.seeding.reader import read_dataset

    ds = read_dataset(seeds_dir)
    actors = list(ds.of("actors"))
    return {
        "actors": sorted(a.id for a in actors),
        "states": sorted(a.id for a in actors if a.kind == "state"),
        "organisations": sorted(a.id for a in actors if a.kind in ORGANISATIONS),
        "processes": sorted(p.id for p in ds.of("processes")),
        "themes": sorted(t.id for t in ds.of("themes")),
    }


class Synth:
    """Deterministic synthetic records in seed-file form (plain dicts, as YAML would give)."""

    def __init__(self, items: int, real: dict[str, list[str]], seed: int = 20261123) -> None:
        self.items = items
        self.real = real
        self.seed = seed
        self.n_sources = 200
        self.n_actors = max(300, items // 50)
        weights = {p: 1.0 for p in real["processes"]}
        for busy in ("gcm", "gfmd"):  # the busiest processes, as in the real data
            if busy in weights:
                weights[busy] = len(weights) * 0.15
        self.process_ids = list(weights)
        self.process_weights = list(weights.values())
        self.pledge_process = (
            "pledging-initiative" if "pledging-initiative" in weights else self.process_ids[0]
        )

    def source_id(self, n: int) -> str:
        return f"bench-src-{n:04d}"

    def actor_id(self, n: int) -> str:
        return f"bench-actor-{n:06d}"

    def text(self, rng: random.Random, words: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."

    def cite(self, rng: random.Random, n: int = 1) -> list[dict[str, Any]]:
        out = []
        for _ in range(n):
            c: dict[str, Any] = {
                "source": self.source_id(rng.randrange(self.n_sources)),
                "locator": f"para {rng.randint(1, 400)}",
            }
            if rng.random() < 0.3:
                c["quote"] = self.text(rng, rng.randint(4, 14))[:200]
            out.append(c)
        return out

    def base(self) -> dict[str, list[dict[str, Any]]]:
        rng = random.Random(self.seed)
        sources = [
            {
                "id": self.source_id(n),
                "title": f"Synthetic benchmark source {n}",
                "kind": rng.choice(["web_page", "un_document", "report", "news"]),
                "publisher": "Benchmark",
                "url": f"https://example.org/bench/{n}",
            }
            for n in range(self.n_sources)
        ]
        actors = []
        for n in range(self.n_actors):
            a: dict[str, Any] = {
                "id": self.actor_id(n),
                "name": f"Synthetic Actor {n:06d}",
                "kind": rng.choice(ACTOR_KINDS),
                "cite": self.cite(rng),
            }
            if rng.random() < 0.3:
                a["acronym"] = f"SA{n:06d}"
            if rng.random() < 0.3:
                a["description"] = self.text(rng, 20)
            actors.append(a)
        people = [a["id"] for a in actors if a["kind"] == "person"]
        return {"sources": sources, "actors": actors, "positions": self.posts(rng, people)}

    def posts(self, rng: random.Random, people: list[str]) -> list[dict[str, Any]]:
        """One post per synthetic person, in a real state (two in three) or organisation:
        what the person does there, the timeline shows as done for that state or body."""
        out = []
        for person in people:
            homes = self.real["states"] if rng.random() < 0.67 else self.real["organisations"]
            year = rng.randint(2000, 2024)
            out.append(
                {
                    "id": f"{person}-post",
                    "person": person,
                    "title": rng.choice(["Minister", "Ambassador", "Director", "Envoy"]),
                    "organization": rng.choice(homes),
                    "date": f"{year}/{year + rng.randint(1, 6)}",
                    "cite": self.cite(rng),
                }
            )
        return out

    def pick_actor(self, rng: random.Random) -> str:
        # 30% of roles go to the real actors (states, agencies), 70% to the long tail.
        if rng.random() < 0.3:
            return rng.choice(self.real["actors"])
        return self.actor_id(int(rng.paretovariate(1.2)) % self.n_actors)

    def date(self, rng: random.Random) -> str:
        d = START + dt.timedelta(days=rng.randrange(SPAN))
        r = rng.random()
        if r < 0.65:
            edtf = d.isoformat()
        elif r < 0.80:
            return f"{d.isoformat()}/{(d + dt.timedelta(days=rng.randint(1, 4))).isoformat()}"
        elif r < 0.92:
            edtf = d.strftime("%Y-%m")
        else:
            edtf = str(d.year)
        return edtf + ("~" if rng.random() < 0.04 else "")

    def participants(self, rng: random.Random, n: int) -> list[dict[str, Any]]:
        out, seen = [], set()
        for _ in range(n):
            actor, role = self.pick_actor(rng), rng.choice(ROLES)
            if (actor, role) in seen:
                continue
            seen.add((actor, role))
            p: dict[str, Any] = {"actor": actor, "role": role, "cite": self.cite(rng)}
            if rng.random() < 0.3:
                p["statement"] = self.text(rng, rng.randint(10, 40))
            if rng.random() < 0.05 and actor not in self.real["states"]:
                p["on_behalf_of"] = rng.choice(self.real["states"])
            out.append(p)
        return out

    def event(self, rng: random.Random, n: int, parent: dict[str, Any] | None) -> dict[str, Any]:
        meeting = parent is not None or rng.random() < 0.55
        e: dict[str, Any] = {
            "id": f"bench-ev-{n:07d}",
            "title": f"{self.text(rng, rng.randint(3, 9))[:-1]} ({n})",
            "kind": "session" if parent else rng.choice(MEETING_KINDS if meeting else OTHER_KINDS),
            "date": parent["date"] if parent else self.date(rng),
        }
        if parent:
            e["parent"] = parent["id"]
            if "process" in parent:
                e["process"] = parent["process"]
        elif rng.random() < 0.6:
            e["process"] = rng.choices(self.process_ids, self.process_weights)[0]
        if rng.random() < 0.03:
            e["status"] = rng.choice(["planned", "announced", "postponed"])
        if meeting and not parent and rng.random() < 0.5:
            e["city"] = rng.choice(CITIES)
            e["country"] = rng.choice(self.real["states"])
            e["format"] = rng.choice(["in_person", "virtual", "hybrid"])
        if rng.random() < 0.5:
            e["description"] = self.text(rng, rng.randint(15, 50))
        k = rng.choices([0, 1, 2, 3], [0.25, 0.4, 0.25, 0.1])[0]
        if k:
            e["themes"] = rng.sample(self.real["themes"], k)
        np = rng.choices([0, 1, 2, 3, 4, 6, 8], [0.1, 0.2, 0.25, 0.2, 0.12, 0.08, 0.05])[0]
        if not meeting:
            np = rng.choices([0, 1, 2], [0.4, 0.45, 0.15])[0]
        if np:
            e["participants"] = self.participants(rng, np)
        e["cite"] = self.cite(rng, rng.choices([1, 2, 3], [0.55, 0.35, 0.1])[0])
        return e

    def pledge(self, rng: random.Random, n: int) -> dict[str, Any]:
        p: dict[str, Any] = {
            "id": f"bench-pledge-{n:07d}",
            "title": f"Pledge {n}: {self.text(rng, rng.randint(4, 10))}",
            "pledgers": list(dict.fromkeys(self.pick_actor(rng) for _ in range(rng.randint(1, 3)))),
            "process": self.pledge_process,
            "date": f"{rng.randint(2018, 2030)}-{rng.randint(1, 12):02d}",
            "status": rng.choice(["planned", "in_progress", "fulfilled"]),
            "objectives": sorted(rng.sample(range(1, 24), rng.randint(1, 3))),
            "cite": self.cite(rng),
        }
        if rng.random() < 0.5:
            p["description"] = self.text(rng, rng.randint(10, 30))
        if rng.random() < 0.5:
            p["themes"] = rng.sample(self.real["themes"], rng.randint(1, 2))
        return p

    def chunks(self, size: int = CHUNK) -> Iterator[dict[str, list[dict[str, Any]]]]:
        """Events (a fifth of them sessions of the meeting before) and one pledge per ten."""
        n = 0
        index = 0
        while n < self.items:
            rng = random.Random(self.seed * 1000 + index)
            events: list[dict[str, Any]] = []
            stop = min(self.items, n + size)
            while n < stop:
                top = self.event(rng, n, None)
                events.append(top)
                n += 1
                if top["kind"] in MEETING_KINDS:
                    for _ in range(rng.choices([0, 1, 2, 3], [0.5, 0.2, 0.2, 0.1])[0]):
                        if n >= stop:
                            break
                        events.append(self.event(rng, n, top))
                        n += 1
            first = len(events) and int(events[0]["id"].rsplit("-", 1)[1])
            pledges = [self.pledge(rng, first // 10 + i) for i in range(len(events) // 10)]
            yield {"events": events, "pledges": pledges}
            index += 1


def _dump(path: Path, data: dict[str, Any]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        yaml.dump(
            data, fh, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True, width=1000
        )


def cmd_yaml(args: argparse.Namespace) -> dict[str, Any]:
    out = Path(args.dir)
    if out.exists():
        shutil.rmtree(out)
    (out / "bench").mkdir(parents=True)
    shutil.copytree(ROOT / "seeds", out / "real", ignore=shutil.ignore_patterns("*.md"))
    synth = Synth(args.items, real_ids(ROOT / "seeds"))
    _dump(out / "bench" / "base.yaml", synth.base())
    counts = {"events": 0, "pledges": 0}
    if not args.base_only:
        for i, chunk in enumerate(synth.chunks()):
            _dump(out / "bench" / f"items-{i:04d}.yaml", chunk)
            counts["events"] += len(chunk["events"])
            counts["pledges"] += len(chunk["pledges"])
    size = sum(p.stat().st_size for p in out.rglob("*.yaml"))
    return {"dir": str(out), "yaml_bytes": size, **counts}


def _engine() -> Any:
    from app.core.config import get_settings
    from app.core.db import make_engine
    from app.models import migrate

    url = get_settings().database_url
    migrate.upgrade(url)
    return make_engine(url)


def cmd_chunked(args: argparse.Namespace) -> dict[str, Any]:
    from sqlalchemy import insert

    from app import readmodel
    from app.core.config import get_settings
    from app.models import Base
    from app.readmodel import rendered
    from app.records.loader import _self_ref_order, load
    from app.seeding import schemas as s
    from app.seeding.checks import check_dataset
    from app.seeding.reader import KINDS, Dataset, Located, read_dataset
    from app.seeding.rows import build_rows

    times = {"base_load": 0.0, "validate": 0.0, "check": 0.0, "build_rows": 0.0, "insert": 0.0}
    times["render"] = 0.0
    t0 = time.perf_counter()
    engine = _engine()
    base_dir = Path(args.dir)
    with engine.begin() as connection:
        load(connection, base_dir, get_settings().sources_dir)
    base = read_dataset(base_dir)
    times["base_load"] = time.perf_counter() - t0
    synth = Synth(args.items, real_ids(ROOT / "seeds"))
    tables = Base.metadata.sorted_tables
    rows_total = 0
    counts = {"events": 0, "pledges": 0}
    deadline = time.monotonic() + args.max_seconds
    for i, chunk in enumerate(synth.chunks(args.chunk)):
        if time.monotonic() > deadline:
            raise SystemExit(f"chunked load over its {args.max_seconds}s bound at chunk {i}")
        t = time.perf_counter()
        seed = s.SeedFile.model_validate(chunk)
        times["validate"] += time.perf_counter() - t
        t = time.perf_counter()
        part = Dataset()
        combined = Dataset({k: list(base.records[k]) for k in KINDS})
        for kind in ("events", "pledges"):
            located = [Located(f"bench/items-{i:04d}.yaml", r) for r in getattr(seed, kind)]
            part.records[kind] = located
            combined.records[kind] += located
        check_dataset(combined, None)
        times["check"] += time.perf_counter() - t
        t = time.perf_counter()
        rows = build_rows(part)
        times["build_rows"] += time.perf_counter() - t
        t = time.perf_counter()
        with engine.begin() as connection:
            for table in tables:
                if rows.get(table):
                    connection.execute(insert(table), _self_ref_order(table, rows[table]))
                    rows_total += len(rows[table])
            times["insert"] += time.perf_counter() - t
            t = time.perf_counter()
            rendered.refresh(connection, [event["id"] for event in chunk["events"]])
        times["render"] += time.perf_counter() - t
        counts["events"] += len(chunk["events"])
        counts["pledges"] += len(chunk["pledges"])
        if i % 10 == 0:
            print(
                f"  chunk {i}: {counts['events']} events, {time.perf_counter() - t0:.0f}s, "
                f"peak RSS {rss_peak_mb():.0f} MB",
                file=sys.stderr,
                flush=True,
            )
    t = time.perf_counter()
    with engine.begin() as connection:  # profiles and objectives show every chunk's records
        readmodel.rebuild(connection, ["documents"])
    times["documents"] = time.perf_counter() - t
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:  # what autovacuum would do shortly after a bulk load
            connection.exec_driver_sql("ANALYZE")
    engine.dispose()
    return {
        "seconds": time.perf_counter() - t0,
        "peak_rss_mb": rss_peak_mb(),
        "phases": times,
        "rows_inserted": rows_total,
        **counts,
    }


def cmd_loadcost(args: argparse.Namespace) -> dict[str, Any]:
    """The `mgt seed` path (reader.read_dataset, checks, rows, loader.sync), phase by phase."""
    from app.core.config import get_settings
    from app.records.loader import sync
    from app.seeding import schemas as s
    from app.seeding.checks import check_dataset
    from app.seeding.reader import KINDS, Dataset, Located
    from app.seeding.rows import build_rows

    phases: dict[str, dict[str, float]] = {}
    t0 = time.perf_counter()

    def mark(name: str, since: float) -> float:
        now = time.perf_counter()
        phases[name] = {"seconds": now - since, "peak_rss_mb": rss_peak_mb()}
        return now

    directory = Path(args.dir)
    paths = sorted(directory.rglob("*.yaml"))
    raw = []
    t = time.perf_counter()
    for path in paths:
        raw.append((path, yaml.safe_load(path.read_text(encoding="utf-8")) or {}))
    t = mark("yaml_safe_load", t)
    dataset = Dataset()
    for path, data in raw:
        seed = s.SeedFile.model_validate(data)
        name = str(path.relative_to(directory))
        for kind in KINDS:
            dataset.records[kind].extend(Located(name, r) for r in getattr(seed, kind))
    del raw
    t = mark("pydantic_validate", t)
    check_dataset(dataset, get_settings().sources_dir)
    t = mark("checks", t)
    rows = build_rows(dataset)
    t = mark("build_rows", t)
    engine = _engine()
    with engine.begin() as connection:
        result = sync(connection, rows)
    engine.dispose()
    mark("sync_insert", t)
    if args.cyaml:  # what the C parser (already in PyYAML's wheel) would cost instead
        t = time.perf_counter()
        for path in paths:
            yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        phases["yaml_csafeloader_alternative"] = {
            "seconds": time.perf_counter() - t,
            "peak_rss_mb": rss_peak_mb(),
        }
    return {
        "seconds": time.perf_counter() - t0,
        "peak_rss_mb": rss_peak_mb(),
        "phases": phases,
        "rows": sum(result.total.values()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("yaml")
    p.add_argument("dir")
    p.add_argument("--items", type=int, required=True)
    p.add_argument("--base-only", action="store_true")
    p.set_defaults(fn=cmd_yaml)
    p = sub.add_parser("chunked")
    p.add_argument("dir")
    p.add_argument("--items", type=int, required=True)
    p.add_argument("--chunk", type=int, default=CHUNK)
    p.add_argument("--max-seconds", type=int, default=3600)
    p.set_defaults(fn=cmd_chunked)
    p = sub.add_parser("loadcost")
    p.add_argument("dir")
    p.add_argument("--cyaml", action="store_true")
    p.set_defaults(fn=cmd_loadcost)
    args = parser.parse_args()
    result = args.fn(args)
    result["gen_version"] = GEN_VERSION
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
