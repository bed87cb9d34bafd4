"""Throughput and latency of the read API against Datasette and a bare-ASGI ceiling.

Run through `bench/run` (which installs wrk, Datasette and the project first):

    bench/run --quick        # 10,000 items, SQLite and PostgreSQL, short runs (~8 min)
    bench/run                # 10,000 and 1,000,000 items, 5 s runs, 3 rounds (long)

Everything is served on 127.0.0.1 only, one server at a time; every wrk run is bounded by
its duration. Generated data and results go to bench/.data/ (git-ignored).
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
DATA = BENCH / ".data"
VENV = ROOT / ".venv" / "bin"
PY = str(VENV / "python")
LUA = str(BENCH / "wrk_report.lua")
HOST = "127.0.0.1"
PORTS = {"mgt": 18080, "datasette": 18081, "ceiling": 18082}
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
GRAPHS = "/api/v1/graphs"
YAML_MAX_ITEMS = 100_000  # above this, generate through the loader's rows in chunks
TICK = os.sysconf("SC_CLK_TCK")
WORKERS = [0]  # --workers: mgt serve's worker processes (0: as deployed)

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- processes


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()


def tree(pid: int) -> list[int]:
    """pid and its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            st = _stat(int(entry.name))
            if st:
                children.setdefault(int(st[1]), []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of the given processes (fields 14 and 15 of /proc/<pid>/stat)."""
    total = 0
    for p in pids:
        st = _stat(p)
        if st:
            total += int(st[11]) + int(st[12])
    return total / TICK


def pg_backends(database: str) -> list[int]:
    """PostgreSQL backend processes serving `database` (their CPU is the database's share)."""
    found = []
    if not database:
        return []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if cmd.startswith("postgres: ") and f" postgres {database} " in cmd:
                found.append(int(entry.name))
    return found


def drain(pids: list[int], limit: float = 180) -> float:
    """Wait until the server is idle (< 5% CPU over 0.5 s): requests wrk gave up on may still
    be running (a sync endpoint cannot be cancelled) and would eat into the next run."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        c0 = cpu_seconds(pids)
        time.sleep(0.5)
        if cpu_seconds(pids) - c0 < 0.025:
            break
    return time.monotonic() - t0 - 0.5


def memory_mb(pid: int) -> dict[str, float]:
    """Resident and peak memory of the largest process of the server (a worker, when the
    server runs several), in MB."""
    out: dict[str, float] = {}
    for member in tree(pid):
        try:
            lines = Path(f"/proc/{member}/status").read_text().splitlines()
        except OSError:
            continue
        for line in lines:
            if line.startswith(("VmRSS:", "VmHWM:")):
                name = line.split(":")[0]
                out[name] = max(out.get(name, 0.0), int(line.split()[1]) / 1024)
    return out


def http_get(
    port: int, path: str, headers: dict[str, str] | None = None, timeout: float = 120
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


class Server:
    def __init__(
        self,
        name: str,
        cmd: list[str],
        env: dict[str, str],
        port: int,
        ready_path: str,
        logfile: Path,
    ) -> None:
        self.name, self.cmd, self.env, self.port = name, cmd, env, port
        self.ready_path, self.logfile = ready_path, logfile
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 120) -> float:
        """Start and wait until ready_path answers; returns seconds to the first answer."""
        self.logfile.parent.mkdir(parents=True, exist_ok=True)
        out = self.logfile.open("ab")
        t0 = time.monotonic()
        self.proc = subprocess.Popen(
            self.cmd, env=self.env, stdout=out, stderr=out, cwd=ROOT, start_new_session=True
        )
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.logfile}")
            try:
                status, _, _ = http_get(self.port, self.ready_path, timeout=10)
                if status < 500:
                    return time.monotonic() - t0
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{self.name} not ready in {timeout}s; see {self.logfile}")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(15)


def run_measured(
    cmd: list[str], env: dict[str, str], timeout: float, logfile: Path
) -> dict[str, Any]:
    """Run a command; its wall time, peak RSS (wait4) and last JSON line on stdout."""
    logfile.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    outfile = logfile.with_suffix(".stdout")
    with logfile.open("ab") as err, outfile.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=out, stderr=err)
        deadline = t0 + timeout
        while True:  # wait4 (not poll) so that the child's rusage is ours to read
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
            time.sleep(0.2)
        proc.returncode = os.waitstatus_to_exitcode(status)
    stdout = outfile.read_text(errors="replace")
    seconds = time.monotonic() - t0
    result: dict[str, Any] = {
        "wall_s": seconds,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "exit": proc.returncode,
        "stdout": stdout[-2000:],
    }
    for line in reversed(stdout.splitlines()):
        if line.startswith("{"):
            result["report"] = json.loads(line)
            break
    if seconds >= timeout:
        result["timed_out"] = True
    return result


def env_for(database_url: str, seeds_dir: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MGT_DATABASE_URL")}
    env["DATABASE_URL"] = database_url
    env["PYTHONHASHSEED"] = "0"
    if seeds_dir is not None:
        env["MGT_SEEDS_DIR"] = str(seeds_dir)
    else:
        env.pop("MGT_SEEDS_DIR", None)
    return env


# --------------------------------------------------------------------------- databases


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(
        "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True, connect_timeout=5
    ) as conn:
        conn.execute(sql)


def pg_available() -> str | None:
    try:
        pg_admin("SELECT 1")
        return None
    except Exception as error:  # noqa: BLE001 - any failure means: skip PostgreSQL
        return f"{type(error).__name__}: {error}".splitlines()[0]


def pg_create(name: str) -> str:
    pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    pg_admin(f'CREATE DATABASE "{name}"')
    return f"{PG_SERVER}/{name}"


def pg_drop(name: str) -> None:
    try:
        pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except Exception as error:  # noqa: BLE001
        log(f"could not drop {name}: {error}")


def load_dataset(size: str, database_url: str, timeout: float) -> dict[str, Any]:
    """Generate the synthetic items and load them with the real seed path."""
    import gen

    items = SIZES[size]
    seeds = DATA / f"seeds-{size}"
    logs = DATA / "logs" / f"load-{size}.log"
    env = env_for(database_url, seeds)
    stamp = seeds / "stamp.json"
    base_only = items > YAML_MAX_ITEMS
    want = {"gen_version": gen.GEN_VERSION, "items": items, "base_only": base_only}
    if not (stamp.exists() and json.loads(stamp.read_text()) == want):
        log(f"writing {size} seed files to {seeds}")
        r = run_measured(
            [PY, str(BENCH / "gen.py"), "yaml", str(seeds), "--items", str(items)]
            + (["--base-only"] if base_only else []),
            env,
            1800,
            logs,
        )
        if r["exit"] != 0:
            raise RuntimeError(f"generation failed: see {logs}")
        stamp.write_text(json.dumps(want))
    if not base_only:
        log(f"loading {size} with `mgt seed` into {database_url.split('://')[0]}")
        r = run_measured([str(VENV / "mgt"), "seed"], env, timeout, logs)
        r["path"] = "mgt seed (YAML, every file at once)"
    else:
        log(f"loading {size}: base seeds with loader.load, items in chunks of {gen.CHUNK}")
        r = run_measured(
            [
                PY,
                str(BENCH / "gen.py"),
                "chunked",
                str(seeds),
                "--items",
                str(items),
                "--max-seconds",
                str(int(timeout)),
            ],
            env,
            timeout + 60,
            logs,
        )
        r["path"] = "loader.load for seeds/ + base; pydantic, checks, build_rows, insert in chunks"
    if r["exit"] != 0:
        raise RuntimeError(f"loading {size} failed ({r.get('stdout', '')[-300:]}); see {logs}")
    return r


def prepare_sqlite(size: str, timeout: float) -> tuple[Path, dict[str, Any]]:
    import gen

    directory = DATA / f"db-{size}"
    db = directory / "mgt.sqlite3"
    stamp = directory / "stamp.json"
    if stamp.exists() and db.exists():
        info = json.loads(stamp.read_text())
        if info.get("gen_version") == gen.GEN_VERSION:
            info["reused"] = True
            log(f"reusing {db} (loaded earlier: {info['load']['wall_s']:.0f}s)")
            # Rebuild what the code renders differently since then, before any server starts.
            logs = DATA / "logs" / f"upgrade-{size}.log"
            upgrade = run_measured(
                [str(VENV / "mgt"), "db", "upgrade"], env_for(f"sqlite:///{db}"), timeout, logs
            )
            if upgrade["exit"] != 0:
                raise RuntimeError(f"`mgt db upgrade` of {db} failed; see {logs}")
            info["upgrade_s"] = upgrade["wall_s"]
            return db, info
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    load = load_dataset(size, f"sqlite:///{db}", timeout)
    import sqlite3

    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    info = {"gen_version": gen.GEN_VERSION, "load": load, "db_bytes": db.stat().st_size}
    stamp.write_text(json.dumps(info))
    return db, info


def counts(database_url: str) -> dict[str, int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as c:
        out = {
            t: c.execute(text(f"select count(*) from {t}")).scalar_one()
            for t in (
                "events",
                "participations",
                "citations",
                "pledges",
                "actors",
                "theme_tags",
                "pledge_objectives",
            )
        }
    engine.dispose()
    return out


def deep_key(database_url: str) -> tuple[str, str, str]:
    """The sort key (start, end, id) of the item half-way through the timeline."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as c:
        n = c.execute(text("select count(*) from events")).scalar_one()
        row = c.execute(
            text(
                "select date_start, date_end, id from events order by "
                "date_start, date_end, id limit 1 offset :o"
            ),
            {"o": n // 2},
        ).one()
    engine.dispose()
    return tuple(str(v) for v in row)  # type: ignore[return-value]


# --------------------------------------------------------------------------- endpoints


@dataclass
class Endpoint:
    name: str
    path: str  # ours
    query: str  # Datasette canned query ("": none holds these rows)
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    generated: Any = None  # the endpoints.Request it was made from (every GET operation)
    sql: str = ""  # a generated endpoint's canned query

    def datasette_path(self) -> str:
        from urllib.parse import urlencode

        q = {"_shape": "array", "_nocount": "1", "_nofacet": "1", **self.params}
        return f"/mgt/{self.query}.json?{urlencode(q)}"


def endpoints(mgt_key: tuple[str, str, str], ds_key: tuple[str, str, str]) -> list[Endpoint]:
    from app.core.pagination import encode_cursor

    cursor = encode_cursor(mgt_key)
    s, e, i = ds_key
    measured = [
        Endpoint("timeline first page", "/api/v1/timeline", "timeline_first"),
        Endpoint(
            "timeline deep page",
            f"/api/v1/timeline?cursor={cursor}",
            "timeline_after",
            {"s": s, "e": e, "i": i},
        ),
        Endpoint(
            "timeline actor=iom", "/api/v1/timeline?actor=iom", "timeline_actor", {"actor": "iom"}
        ),
        Endpoint(
            "timeline process=gcm",
            "/api/v1/timeline?process=gcm",
            "timeline_process",
            {"process": "gcm"},
        ),
        Endpoint(
            "actor profile mexico", "/api/v1/actors/mexico", "actor_profile", {"id": "mexico"}
        ),
        Endpoint("meeting cm-15", "/api/v1/meetings/cm-15", "meeting_detail", {"id": "cm-15"}),
        Endpoint(
            "compare gcm/gcr",
            "/api/v1/compare?left=gcm&right=gcr",
            "compare",
            {"left": "gcm", "right": "gcr"},
        ),
        Endpoint("objectives", "/api/v1/objectives", "objectives"),
        Endpoint(
            "pledges objective=7",
            "/api/v1/pledges?objective=7",
            "pledges_by_objective",
            {"objective": "gcm.objective.7"},
        ),
    ]
    # Every endpoint above is measured rendered afresh (the response cache is told no-cache),
    # so the figures are of the query and rendering, not of the cache.
    for ep in measured:
        ep.headers = {"Cache-Control": "no-cache"}
    # The same request again and again (a client polling the first page), as deployed: the
    # response cache answers, with 304 for If-None-Match (the ETag is filled in by capture()).
    return [*measured, Endpoint("repeated identical", "/api/v1/timeline", "timeline_first")]


def every_operation(database_url: str, files: bool = True) -> list[Endpoint]:
    """A request for every GET operation of the OpenAPI document (bench/endpoints.py), each
    rendered afresh; Datasette answers the raw rows of the table holding them, if one does.
    Without ``files``, no list's export (whole files of up to a million rows, which wrk's
    short runs cannot time: exports are timed by rows/s instead); graphs keep their formats."""
    import endpoints as generated
    from sqlalchemy import create_engine, text

    from app.main import create_app

    engine = create_engine(database_url)
    with engine.connect() as c:

        def sample(sql: str, n: int) -> tuple[Any, ...] | None:
            row = c.execute(text(sql)).first()
            return tuple(row) if row is not None else None

        found = list(generated.requests(create_app().openapi(), sample))
    engine.dispose()
    if not files:
        found = [r for r in found if "format=" not in r.name or r.path.startswith(GRAPHS)]
    out = []
    for request in found:
        raw = request.raw_query()
        name, sql, params = raw if raw else ("", "", {})
        ep = Endpoint(request.name, request.path, name, params, {"Cache-Control": "no-cache"})
        ep.generated, ep.sql = request, sql
        out.append(ep)
    return out


def resolve_deep(ep: Endpoint, port: int) -> None:
    """A deep page: walk the list 20 pages of 500 in, then ask for the page after there
    with the list's own page size (Datasette's raw rows after the same id)."""
    from urllib.parse import quote

    from app.core.pagination import _decode_cursor

    join = "&" if "?" in ep.path else "?"
    cursor = None
    for _ in range(20):
        at = f"{ep.path}{join}limit=500" + (f"&cursor={quote(cursor)}" if cursor else "")
        status, _, body = http_get(port, at)
        following = json.loads(body).get("next_cursor") if status == 200 else None
        if not following:
            break
        cursor = following
    if cursor:
        ep.path = f"{ep.path}{join}cursor={quote(cursor)}"
        raw = ep.generated.raw_query(str(_decode_cursor(cursor)[0]))
        if raw:
            ep.query, ep.sql, ep.params = raw


def same_rows(ep: Endpoint, ours: Any, ds: list[dict[str, Any]]) -> bool | None:
    """Do Datasette's rows hold the same records, in the same order, as our response?"""
    if ep.generated is not None:
        if not ep.query or not isinstance(ours, dict):
            return None
        if "items" in ours:
            return [x["id"] for x in ours["items"]] == [r["id"] for r in ds][: len(ours["items"])]
        return [ours.get("id")] == [r["id"] for r in ds]
    try:
        if ep.query.startswith("timeline") or ep.query == "pledges_by_objective":
            return [x["id"] for x in ours["items"]] == [r["id"] for r in ds][: len(ours["items"])]
        if ep.query == "actor_profile":
            return [x["event"]["id"] for x in ours["meeting_roles"]] == [
                x["event"]["id"] for x in json.loads(ds[0]["meeting_roles"])
            ]
        if ep.query == "meeting_detail":
            return [x["id"] for x in ours["sessions"]] == [
                x["id"] for x in json.loads(ds[0]["sessions"])
            ]
        if ep.query == "compare":
            return [ours["left"]["id"], ours["right"]["id"]] == [r["id"] for r in ds]
        if ep.query == "objectives":
            return [(x["id"], x["pledges_recorded"] or 0) for x in ours["items"]] == [
                (r["id"], r["pledges_recorded"]) for r in ds
            ]
    except (KeyError, IndexError, TypeError, ValueError):
        return False
    return None


def capture(eps: list[Endpoint], port: int, out: Path) -> dict[str, Any]:
    """Our responses, for the ceiling to replay; fills in If-None-Match for the repeat."""
    entries, info = [], {}
    for ep in eps:
        if ep.generated is not None and ep.generated.deep:
            resolve_deep(ep, port)
        status, headers, body = http_get(port, ep.path)
        etag = headers.get("etag")
        if ep.name == "repeated identical" and etag:
            ep.headers = {"If-None-Match": etag}
            status, headers, body = http_get(port, ep.path, ep.headers)
        entries.append(
            {
                "path": ep.path,
                "status": status,
                "etag": headers.get("etag"),
                "if_none_match": ep.headers.get("If-None-Match"),
                "content_type": headers.get("content-type", "application/json"),
                "body": base64.b64encode(body).decode(),
            }
        )
        info[ep.name] = {
            "status": status,
            "bytes": len(body),
            "etag": etag,
            "cache_control": headers.get("cache-control"),
        }
    out.write_text(json.dumps(entries))
    return info


# --------------------------------------------------------------------------- wrk


def wrk(
    port: int,
    ep: Endpoint,
    target: str,
    conc: int,
    duration: int,
    pids: list[int],
    pg_database: str | None = None,
) -> dict[str, Any]:
    path = ep.datasette_path() if target == "datasette" else ep.path
    cmd = [
        "wrk",
        "-t1",
        f"-c{conc}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        LUA,
        f"http://{HOST}:{port}{path}",
    ]
    for k, v in ({} if target == "datasette" else ep.headers).items():
        cmd += ["-H", f"{k}: {v}"]
    watch_db = bool(pg_database and target == "mgt")
    db0 = {p: cpu_seconds([p]) for p in pg_backends(pg_database)} if watch_db else {}
    c0 = cpu_seconds(pids)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 30)
    c1 = cpu_seconds(pids)
    # backends opened during the run count from zero; any closed during it are missed
    db_cpu = (
        sum(cpu_seconds([p]) - db0.get(p, 0.0) for p in pg_backends(pg_database))
        if watch_db
        else 0.0
    )
    line = next((x for x in proc.stdout.splitlines() if x.startswith("BENCHJSON ")), None)
    if line is None:
        return {"error": (proc.stdout + proc.stderr)[-500:]}
    r = json.loads(line.split(" ", 1)[1])
    seconds = r["duration_us"] / 1e6
    r["rps"] = r["requests"] / seconds if seconds else 0.0
    r["cpu_ms_per_req"] = (c1 - c0) * 1000 / r["requests"] if r["requests"] else None
    r["server_cpu_util"] = (c1 - c0) / seconds if seconds else None
    if watch_db:
        r["db_cpu_ms_per_req"] = db_cpu * 1000 / r["requests"] if r["requests"] else None
    return r


# --------------------------------------------------------------------------- one scenario


def start_target(
    target: str, engine_url: str, sqlite_db: Path, responses: Path, tag: str
) -> Server:
    logs = DATA / "logs"
    if target == "mgt":
        server = Server(
            "mgt serve",
            [str(VENV / "mgt"), "serve", "--port", str(PORTS["mgt"])]
            + (["--workers", str(WORKERS[0])] if WORKERS[0] else []),
            env_for(engine_url),
            PORTS["mgt"],
            "/health",
            logs / f"mgt-{tag}.log",
        )
    elif target == "datasette":
        meta = DATA / "datasette-metadata.json"
        server = Server(
            "datasette",
            [
                str(VENV / "datasette"),
                "serve",
                str(sqlite_db),
                "--host",
                HOST,
                "--port",
                str(PORTS["datasette"]),
                "--metadata",
                str(meta),
                "--setting",
                "sql_time_limit_ms",
                "60000",
            ],
            env_for(f"sqlite:///{sqlite_db}"),
            PORTS["datasette"],
            "/-/versions.json",
            logs / f"datasette-{tag}.log",
        )
    else:
        server = Server(
            "ceiling",
            [PY, str(BENCH / "ceiling.py"), str(responses), str(PORTS["ceiling"])],
            env_for(engine_url),
            PORTS["ceiling"],
            "/",
            logs / f"ceiling-{tag}.log",
        )
    server.start()
    return server


def scenario(
    engine: str,
    size: str,
    engine_url: str,
    sqlite_db: Path,
    args: argparse.Namespace,
    deadline: float,
) -> dict[str, Any]:
    from datasette_queries import write_metadata

    tag = f"{engine}-{size}"
    eps = endpoints(deep_key(engine_url), deep_key(f"sqlite:///{sqlite_db}"))
    if args.every:
        eps += every_operation(engine_url, files=SIZES[size] <= YAML_MAX_ITEMS)
    responses = DATA / f"responses-{tag}.json"

    mgt = start_target("mgt", engine_url, sqlite_db, responses, tag)
    try:
        resp_info = capture(eps, PORTS["mgt"], responses)
        ours = {ep.name: _parsed(http_get(PORTS["mgt"], ep.path)[2]) for ep in eps}
        reach = acting_for(PORTS["mgt"], engine_url)
    finally:
        mgt.stop()
    raw = {ep.query: ep.sql for ep in eps if ep.sql}
    write_metadata(DATA / "datasette-metadata.json", "mgt", raw)
    ds = start_target("datasette", engine_url, sqlite_db, responses, tag)
    try:
        check = {}
        for ep in eps:
            if not ep.query:
                continue
            status, _, body = http_get(PORTS["datasette"], ep.datasette_path())
            rows = json.loads(body) if status == 200 else []
            check[ep.name] = {
                "status": status,
                "bytes": len(body),
                "same_rows": same_rows(ep, ours[ep.name], rows) if rows else False,
            }
    finally:
        ds.stop()

    pg_db = engine_url.rsplit("/", 1)[1] if engine == "postgres" else None
    runs: list[dict[str, Any]] = []
    memory: dict[str, list[dict[str, float]]] = {}
    targets = ["mgt", "datasette", "ceiling"]
    for rnd in range(args.rounds):
        if time.monotonic() > deadline and rnd > 0:
            log(f"time budget spent: stopping {tag} after {rnd} round(s)")
            break
        order = targets[rnd % 3 :] + targets[: rnd % 3]  # rotate who goes first
        for target in order:
            server = start_target(target, engine_url, sqlite_db, responses, tag)
            try:
                pids = tree(server.pid)
                for ep in eps:
                    if target == "datasette" and not ep.query:
                        continue
                    if target == "ceiling" and ep.generated is not None:
                        continue  # the ceiling replays the chosen ten
                    if args.warmup:
                        wrk(server.port, ep, target, 4, args.warmup, pids)
                        drain(pids)
                    for conc in args.connections:
                        r = wrk(server.port, ep, target, conc, args.duration, pids, pg_db)
                        r["backlog_s"] = drain(pids)
                        r.update(round=rnd, target=target, endpoint=ep.name, conc=conc)
                        if r["backlog_s"] > 1:
                            log(
                                f"  {target} {ep.name} c{conc}: busy {r['backlog_s']:.0f}s "
                                "after wrk stopped"
                            )
                        runs.append(r)
                        if "error" in r:
                            log(f"  {target} {ep.name} c{conc}: {r['error'][:200]}")
                memory.setdefault(target, []).append(memory_mb(server.pid))
            finally:
                server.stop()
            log(f"{tag} round {rnd + 1}/{args.rounds}: {target} done")
    return {
        "engine": engine,
        "size": size,
        "endpoints": [ep.__dict__ for ep in eps],
        "responses": resp_info,
        "datasette_check": check,
        "acting_for": reach,
        "runs": runs,
        "memory": memory,
    }


def acting_for(port: int, engine_url: str) -> dict[str, Any]:
    """The timelines of the actors most acted for (by on-behalf-of records, by posts held in
    them) and Mexico's hold exactly the items and ways the test suite's oracle works out from
    the participations and posts (tests/acting_for_oracle.py), at this size."""
    import httpx
    from sqlalchemy import create_engine, text

    from tests.acting_for_oracle import differences, expected_reach

    engine = create_engine(engine_url)
    with engine.connect() as c:
        most = "group by 1 order by count(*) desc, 1 limit 2"
        behalf = c.execute(
            text(
                "select on_behalf_of_id from participations"
                f" where on_behalf_of_id is not null {most}"
            )
        ).scalars()
        posted = c.execute(
            text(f"select organization_id from positions where organization_id is not null {most}")
        ).scalars()
        actors = list(dict.fromkeys(["mexico", *behalf, *posted]))
    engine.dispose()
    started = time.monotonic()
    own, ways, _ = expected_reach(engine_url, actors)
    oracle_s = time.monotonic() - started
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=300) as client:
        wrong = [d for a in actors for d in differences(client, a, own[a], ways[a])]
    log(f"acting for: {len(actors)} actors, {len(wrong)} differences")
    return {
        "actors": {
            a: {"items": len(own[a] | {w[0] for w in ways[a]}), "ways": len(ways[a])}
            for a in actors
        },
        "wrong": wrong,
        "oracle_s": round(oracle_s, 1),
        "api_s": round(time.monotonic() - started - oracle_s, 1),
    }


def _parsed(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:  # a file (CSV, iCalendar, GraphML, ...)
        return None


def empty_start(engine: str, url: str) -> dict[str, Any]:
    """`mgt serve` on an empty database: seconds until the first timeline request answers."""
    server = Server(
        "mgt serve (empty db)",
        [str(VENV / "mgt"), "serve", "--port", str(PORTS["mgt"])],
        env_for(url),
        PORTS["mgt"],
        "/api/v1/timeline",
        DATA / "logs" / f"mgt-empty-{engine}.log",
    )
    try:
        seconds = server.start(timeout=60)
        status, _, body = http_get(PORTS["mgt"], "/api/v1/timeline")
        return {"seconds": seconds, "status": status, "items": len(json.loads(body)["items"])}
    except RuntimeError as error:
        return {"error": str(error)}
    finally:
        server.stop()


def loader_probe(items: int, timeout: float) -> dict[str, Any]:
    """The `mgt seed` path phase by phase on `items` synthetic items, on a scratch SQLite."""
    seeds = DATA / f"probe-seeds-{items}"
    db = DATA / f"probe-{items}.sqlite3"
    logs = DATA / "logs" / f"probe-{items}.log"
    r = run_measured(
        [PY, str(BENCH / "gen.py"), "yaml", str(seeds), "--items", str(items)],
        env_for(f"sqlite:///{db}"),
        1800,
        logs,
    )
    yaml_bytes = r.get("report", {}).get("yaml_bytes")
    for p in DATA.glob(f"probe-{items}.sqlite3*"):
        p.unlink()
    r = run_measured(
        [PY, str(BENCH / "gen.py"), "loadcost", str(seeds), "--cyaml"],
        env_for(f"sqlite:///{db}", seeds),
        timeout,
        logs,
    )
    for p in DATA.glob(f"probe-{items}.sqlite3*"):
        p.unlink()
    shutil.rmtree(seeds, ignore_errors=True)
    r["items"], r["yaml_bytes"] = items, yaml_bytes
    return r


# --------------------------------------------------------------------------- report


def machine() -> dict[str, Any]:
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024 // 1024
    import sqlite3

    versions = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    for pkg in ("fastapi", "uvicorn", "sqlalchemy", "pydantic", "datasette"):
        try:
            from importlib.metadata import version

            versions[pkg] = version(pkg)
        except Exception:  # noqa: BLE001
            versions[pkg] = "?"
    for mod in ("uvloop", "httptools", "orjson"):
        try:
            __import__(mod)
            versions[mod] = "installed"
        except ImportError:
            versions[mod] = "absent"
    wrkv = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    versions["wrk"] = (wrkv.stdout + wrkv.stderr).split("[")[0].strip()
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "mem_gib": mem,
        "kernel": platform.release(),
        "versions": versions,
    }


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def summarize(sc: dict[str, Any], conc: int) -> list[dict[str, Any]]:
    rows = []
    for ep in sc["endpoints"]:
        row: dict[str, Any] = {"endpoint": ep["name"]}
        for target in ("mgt", "datasette", "ceiling"):
            rs = [
                r
                for r in sc["runs"]
                if r["endpoint"] == ep["name"]
                and r["target"] == target
                and r["conc"] == conc
                and "rps" in r
            ]
            if not rs:
                continue
            row[target] = {
                "rps": med([r["rps"] for r in rs]),
                "rps_min": min(r["rps"] for r in rs),
                "rps_max": max(r["rps"] for r in rs),
                "p50_ms": med([r["p50_us"] / 1000 for r in rs]),
                "p99_ms": med([r["p99_us"] / 1000 for r in rs]),
                "cpu_ms": med([r["cpu_ms_per_req"] for r in rs if r["cpu_ms_per_req"]]),
                "db_cpu_ms": med(
                    [r["db_cpu_ms_per_req"] for r in rs if r.get("db_cpu_ms_per_req") is not None]
                ),
                "requests": sum(r["requests"] for r in rs),
                "bad": sum(r["errors"] + r["non2xx3xx"] for r in rs),
                "backlog_s": max(r.get("backlog_s", 0) for r in rs),
                "rounds": len(rs),
            }
        rows.append(row)
    return rows


def fmt(x: float | None, digits: int = 1) -> str:
    if x is None or x != x:
        return "–"
    return f"{x:,.{digits}f}"


def render(results: dict[str, Any]) -> str:
    m = results["machine"]
    out = [
        f"# Benchmark results ({results['mode']}, {results['started']})",
        "",
        f"Machine: {m['nproc']} cores, {m['cpu']}, {m['mem_gib']} GiB, Linux {m['kernel']}; "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items()),
        "",
        f"wrk -t1, {results['args']['duration']} s per run after a "
        f"{results['args']['warmup']} s warm-up, rounds: {results['args']['rounds']} "
        "(targets one at a time, order rotated each round); figures are medians over "
        "rounds, req/s with [min–max]. CPU = server CPU time (utime+stime from "
        "/proc/<pid>/stat, the server's process tree) per request. wrk shares the 2 cores.",
        "",
    ]
    for sc in results["scenarios"]:
        out.append(
            f"## {sc['engine']} — {sc['size']} items "
            f"({', '.join(f'{k} {v:,}' for k, v in sc.get('counts', {}).items())})"
        )
        out.append("")
        if reach := sc.get("acting_for"):
            out.append(
                "Acting for (timelines against the oracle of tests/acting_for_oracle.py): "
                + ", ".join(
                    f"{a} {r['items']:,} items / {r['ways']:,} ways"
                    for a, r in reach["actors"].items()
                )
                + (f"; **{len(reach['wrong'])} differences**" if reach["wrong"] else "; all equal")
                + f" (oracle {reach['oracle_s']} s, API {reach['api_s']} s)"
            )
            out.append("")
        mem = sc["memory"]
        out.append(
            "Server memory after its runs (MB, largest process, max over rounds): "
            + "; ".join(
                f"{t}: RSS {max(x.get('VmRSS', 0) for x in v):.0f}, "
                f"peak {max(x.get('VmHWM', 0) for x in v):.0f}"
                for t, v in mem.items()
            )
        )
        out.append("")
        for conc in results["args"]["connections"]:
            out.append(f"### {conc} connection{'s' if conc > 1 else ''}")
            out.append("")
            out.append(
                "| endpoint | mgt req/s | p50 ms | p99 ms | CPU ms/req | Datasette req/s "
                "| p99 ms | CPU ms/req | ceiling req/s | p99 ms | × Datasette "
                "| % of ceiling | same rows |"
            )
            out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
            for row in summarize(sc, conc):
                g, d, c = row.get("mgt", {}), row.get("datasette", {}), row.get("ceiling", {})

                def rps(x: dict[str, Any]) -> str:
                    if not x:
                        return "–"
                    bad = f" ({x['bad']} bad)" if x["bad"] else ""
                    if x.get("backlog_s", 0) > 1:
                        bad += f" (busy {x['backlog_s']:.0f} s after)"
                    return (
                        f"{fmt(x['rps'], 0)} [{fmt(x['rps_min'], 0)}–{fmt(x['rps_max'], 0)}]" + bad
                    )

                ratio_d = g.get("rps", 0) / d["rps"] if d.get("rps") else None
                ratio_c = 100 * g.get("rps", 0) / c["rps"] if c.get("rps") else None
                same = sc["datasette_check"].get(row["endpoint"], {}).get("same_rows")
                out.append(
                    f"| {row['endpoint']} | {rps(g)} | {fmt(g.get('p50_ms'))} "
                    f"| {fmt(g.get('p99_ms'))} | {fmt(g.get('cpu_ms'), 2)}"
                    + (
                        f" (+{fmt(g['db_cpu_ms'], 2)} in PostgreSQL)"
                        if g.get("db_cpu_ms") == g.get("db_cpu_ms") and "db_cpu_ms" in g
                        else ""
                    )
                    + f" | {rps(d)} "
                    f"| {fmt(d.get('p99_ms'))} | {fmt(d.get('cpu_ms'), 2)} | {rps(c)} "
                    f"| {fmt(c.get('p99_ms'))} | {fmt(ratio_d, 2)} | {fmt(ratio_c)} "
                    f"| {'yes' if same else same} |"
                )
            out.append("")
        sizes = {k: v["bytes"] for k, v in sc["responses"].items()}
        out.append(
            "Response sizes (bytes, ours): " + ", ".join(f"{k} {v:,}" for k, v in sizes.items())
        )
        etags = [k for k, v in sc["responses"].items() if v["etag"]]
        out.append(f"ETag sent by: {', '.join(etags) or 'no endpoint'}.")
        out.append("")
    out += render_targets(results)
    out += ["## Loading", ""]
    for key, ld in results["loads"].items():
        rep = ld.get("report", {})
        phases = rep.get("phases", {})
        ph = ", ".join(
            f"{k} {v:.0f}s" if isinstance(v, float) else f"{k} {v['seconds']:.1f}s"
            for k, v in phases.items()
        )
        out.append(
            f"- {key}: {ld.get('path', '')}: {ld['wall_s']:.0f} s wall, peak RSS "
            f"{ld['peak_rss_mb']:.0f} MB"
            + (f" ({ph})" if ph else "")
            + (" (reused from an earlier run)" if ld.get("reused") else "")
        )
    for probe in results.get("loader_probes", []):
        phases = probe.get("report", {}).get("phases", {})
        ph = ", ".join(
            f"{k} {v['seconds']:.1f}s (peak RSS {v['peak_rss_mb']:.0f} MB)"
            for k, v in phases.items()
        )
        status = "timed out" if probe.get("timed_out") else f"exit {probe['exit']}"
        out.append(
            f"- loader probe, `mgt seed` path phase by phase, {probe['items']:,} items "
            f"({(probe.get('yaml_bytes') or 0) / 1e6:.0f} MB of YAML): "
            f"{probe['wall_s']:.0f} s, peak RSS {probe['peak_rss_mb']:.0f} MB, {status}: "
            f"{ph}"
        )
    out.append("")
    return "\n".join(out)


def render_targets(results: dict[str, Any]) -> list[str]:
    out = ["## Targets", ""]
    for sc in results["scenarios"]:
        s32 = {r["endpoint"]: r for r in summarize(sc, max(results["args"]["connections"]))}
        fails = []
        for name, r in s32.items():
            g, d = r.get("mgt"), r.get("datasette")
            if not g or not d:
                continue
            ok = g["rps"] >= 3 * d["rps"] and g["p99_ms"] < d["p99_ms"]
            if not ok:
                fails.append(
                    f"{name} ({g['rps'] / d['rps']:.2f}×, p99 {g['p99_ms']:.0f} vs "
                    f"{d['p99_ms']:.0f} ms)"
                )
        verdict = "PASS" if not fails else f"FAIL on {len(fails)}/{len(s32)}: " + "; ".join(fails)
        out.append(
            f"- {sc['engine']} {sc['size']}: every endpoint ≥ 3× Datasette at "
            f"{max(results['args']['connections'])} connections with lower p99: {verdict}"
        )
        for conc in results["args"]["connections"]:
            r = {x["endpoint"]: x for x in summarize(sc, conc)}.get("repeated identical", {})
            if r.get("mgt") and r.get("ceiling"):
                pct = 100 * r["mgt"]["rps"] / r["ceiling"]["rps"]
                out.append(
                    f"- {sc['engine']} {sc['size']}: repeated identical request at "
                    f"{conc} conn = {pct:.1f}% of the bare-ASGI ceiling (target ≥ 20%): "
                    f"{'PASS' if pct >= 20 else 'FAIL'}"
                )
    by = {(sc["engine"], sc["size"]): sc for sc in results["scenarios"]}
    for engine in ("sqlite", "postgres"):
        small, big = by.get((engine, "10k")), by.get((engine, "1m"))
        if small and big:
            for name in ("timeline first page", "timeline deep page"):
                a = {x["endpoint"]: x for x in summarize(small, 1)}[name]["mgt"]
                b = {x["endpoint"]: x for x in summarize(big, 1)}[name]["mgt"]
                ratio = b["p50_ms"] / a["p50_ms"]
                out.append(
                    f"- {engine}: {name} p50 at 1 conn, 1M vs 10k: {b['p50_ms']:.1f} vs "
                    f"{a['p50_ms']:.1f} ms = {ratio:.2f}× (p99 {b['p99_ms']:.1f} vs "
                    f"{a['p99_ms']:.1f}) (target ≤ 1.5×): "
                    f"{'PASS' if ratio <= 1.5 else 'FAIL'}"
                )
        if big:
            peak = max(x.get("VmHWM", 0) for x in big["memory"].get("mgt", [{}]))
            out.append(
                f"- {engine}: peak RSS of the `mgt serve` worker serving 1M: {peak:.0f} MB "
                f"(target < 200 MB): {'PASS' if peak < 200 else 'FAIL'}"
            )
    for engine, r in results.get("empty_start", {}).items():
        if "seconds" in r:
            out.append(
                f"- {engine}: `mgt serve` on an empty database answered its first "
                f"timeline request after {r['seconds']:.2f} s (status {r['status']}, "
                f"{r['items']} items; target ≤ 5 s): "
                f"{'PASS' if r['seconds'] <= 5 and r['status'] == 200 else 'FAIL'}"
            )
        else:
            out.append(f"- {engine}: empty-database start: {r}")
    out.append("")
    return out


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="10k only, 1 s runs, 2 rounds, no loader probe"
    )
    parser.add_argument("--sizes", help="comma-separated: 10k,100k,1m (default 10k,1m)")
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--pg-sizes", help="sizes also run on PostgreSQL (default: --sizes)")
    parser.add_argument("--duration", type=int, help="seconds per wrk run (default 5)")
    parser.add_argument("--warmup", type=int, help="seconds of warm-up per endpoint (default 1)")
    parser.add_argument("--rounds", type=int, help="rounds per scenario (default 3)")
    parser.add_argument("--connections", default="1,32")
    parser.add_argument(
        "--every", action="store_true", help="also every GET operation of the OpenAPI document"
    )
    parser.add_argument(
        "--workers", type=int, default=0, help="mgt serve workers (default: as deployed)"
    )
    parser.add_argument(
        "--loader-probe",
        type=int,
        help="items for the phase-by-phase `mgt seed` probe (0: none; default 100000, quick 0)",
    )
    parser.add_argument(
        "--load-timeout", type=int, default=5400, help="bound on loading one size, seconds"
    )
    parser.add_argument(
        "--max-minutes", type=float, default=240, help="stop starting new rounds after this long"
    )
    args = parser.parse_args()
    quick = args.quick
    args.sizes = (args.sizes or ("10k" if quick else "10k,1m")).split(",")
    args.pg_sizes = args.pg_sizes.split(",") if args.pg_sizes else args.sizes
    args.duration = args.duration or (1 if quick else 5)
    args.warmup = args.warmup if args.warmup is not None else 1
    args.rounds = args.rounds or (2 if quick else 3)
    args.connections = [int(c) for c in args.connections.split(",")]
    WORKERS[0] = args.workers
    if args.loader_probe is None:
        args.loader_probe = 0 if quick else 100_000
    engines = args.engines.split(",")
    deadline = time.monotonic() + args.max_minutes * 60
    if shutil.which("wrk") is None:
        print("wrk not found: run bench/run, which installs it", file=sys.stderr)
        return 2
    DATA.mkdir(parents=True, exist_ok=True)

    started = time.strftime("%Y-%m-%d %H:%M:%S")
    results: dict[str, Any] = {
        "mode": "quick" if quick else "full",
        "started": started,
        "args": vars(args),
        "machine": machine(),
        "scenarios": [],
        "loads": {},
        "notes": [],
    }
    pg_reason = pg_available() if "postgres" in engines else "not requested"
    if pg_reason and "postgres" in engines:
        results["notes"].append(f"PostgreSQL skipped: {pg_reason}")
        log(f"PostgreSQL unreachable, skipped: {pg_reason}")

    empty: dict[str, Any] = {}
    db = DATA / "empty" / "mgt.sqlite3"
    shutil.rmtree(db.parent, ignore_errors=True)
    empty["sqlite"] = empty_start("sqlite", f"sqlite:///{db}")
    if not pg_reason:
        url = pg_create("mgt_bench_empty")
        try:
            empty["postgres"] = empty_start("postgres", url)
        finally:
            pg_drop("mgt_bench_empty")
    results["empty_start"] = empty
    log(f"empty-database start: {empty}")

    for size in args.sizes:
        sqlite_db, info = prepare_sqlite(size, args.load_timeout)
        results["loads"][f"sqlite {size}"] = {**info["load"], "reused": info.get("reused", False)}
        url = f"sqlite:///{sqlite_db}"
        if "sqlite" in engines:
            sc = scenario("sqlite", size, url, sqlite_db, args, deadline)
            sc["counts"] = counts(url)
            results["scenarios"].append(sc)
        if not pg_reason and size in args.pg_sizes:
            name = f"mgt_bench_{size}"
            pg_url = pg_create(name)
            try:
                results["loads"][f"postgres {size}"] = load_dataset(size, pg_url, args.load_timeout)
                sc = scenario("postgres", size, pg_url, sqlite_db, args, deadline)
                sc["counts"] = counts(pg_url)
                results["scenarios"].append(sc)
            finally:
                pg_drop(name)
        save(results)
    if args.loader_probe:
        log(f"loader probe: {args.loader_probe} items through the `mgt seed` path")
        results["loader_probes"] = [loader_probe(args.loader_probe, 1800)]
    path = save(results)
    print(render(results))
    log(f"results: {path} (.json beside it)")
    return 0


def save(results: dict[str, Any]) -> Path:
    out = DATA / "results"
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"{results['started'].replace(' ', 'T').replace(':', '')}-{results['mode']}"
    stem.with_suffix(".json").write_text(json.dumps(results, indent=1, default=str))
    try:
        stem.with_suffix(".md").write_text(render(results))
        shutil.copy(stem.with_suffix(".md"), out / "latest.md")
    except Exception as error:  # noqa: BLE001 - a partial result must not stop the run
        log(f"could not render the report yet: {error}")
    return stem.with_suffix(".md")


if __name__ == "__main__":
    raise SystemExit(main())
