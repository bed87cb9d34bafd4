"""Running the service: request ids in the header, the error body and the access log;
Prometheus metrics; liveness and readiness; three replicas starting together on one
PostgreSQL database; workers from the CPU quota; the lock file against pyproject.toml."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from packaging.requirements import Requirement
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import delete, func, select, text

from app import models as m
from app.api import health
from app.core.config import PROJECT_ROOT, Settings
from app.core.db import make_engine, make_sessionmaker, unit_of_work
from app.main import create_app
from app.records.auth import create_key
from app.server import cpu_limit
from tests.conftest import FIXTURE_SEEDS, _fresh_database, seeded
from tests.live import _free_port

LOCK = PROJECT_ROOT / "requirements.lock"
CITE = [
    {"source": "wmr-2024-ch8", "quote": "Pledges are measurable commitments made by Member States"}
]


def _token(url: str, name: str = "writer") -> str:
    engine = make_engine(url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        token = create_key(session, name, "write")
    engine.dispose()
    return token


def _pledge(pledge_id: str) -> dict[str, Any]:
    return {
        "id": pledge_id,
        "title": f"Pledge {pledge_id}",
        "pledgers": ["mexico"],
        "objectives": [7],
        "cite": CITE,
    }


def _access_lines(stderr: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("logger") == "mgt.access"]


@pytest.fixture(scope="module")
def ops_client(fixture_db: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=fixture_db, metrics=True, log_format="json"))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(params=["sqlite", "postgresql"])
def writable_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from seeded(request.param, tmp_path, FIXTURE_SEEDS)


def test_request_id_is_in_the_header_the_error_body_and_the_log_line(ops_client, capsys):
    capsys.readouterr()
    response = ops_client.get("/api/v1/nothing-here", headers={"X-Request-ID": "trace-42.a"})
    assert response.status_code == 404
    assert response.headers["x-request-id"] == "trace-42.a"
    body = response.json()
    assert body["request_id"] == "trace-42.a"
    assert body["instance"] == "/api/v1/nothing-here"
    [line] = [x for x in _access_lines(capsys.readouterr().err) if x["request_id"] == "trace-42.a"]
    assert line["method"] == "GET"
    assert line["path"] == "/api/v1/nothing-here"
    assert line["status"] == 404
    assert line["bytes"] == len(response.content)
    assert 0 <= line["duration_ms"] < 10_000
    assert line["key"] is None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])


def test_request_ids_are_made_when_missing_or_unsafe(ops_client, capsys):
    given = ["", "has spaces", "x" * 65, "semi;colon", None]
    made = []
    for value in given:
        headers = {"X-Request-ID": value} if value is not None else {}
        response = ops_client.get("/api/v1/timeline", params={"limit": "2"}, headers=headers)
        assert response.status_code == 200
        made.append(response.headers["x-request-id"])
    assert len(set(made)) == len(given)
    assert all(re.fullmatch(r"[0-9a-f]{10}-[0-9a-f]+", rid) for rid in made), made
    logged = {line["request_id"] for line in _access_lines(capsys.readouterr().err)}
    assert set(made) <= logged


def test_a_writes_log_line_names_its_key_and_never_the_token(writable_db, capsys):
    token = _token(writable_db, "importer-7")
    app = create_app(Settings(database_url=writable_db, log_format="json"))
    with TestClient(app) as client:
        capsys.readouterr()
        response = client.post(
            "/api/v1/pledges",
            json=_pledge("p-logged"),
            headers={"Authorization": f"Bearer {token}", "X-Request-ID": "write-1"},
        )
    assert response.status_code == 201, response.text
    stderr = capsys.readouterr().err
    [line] = [x for x in _access_lines(stderr) if x["request_id"] == "write-1"]
    assert (line["method"], line["path"], line["status"]) == ("POST", "/api/v1/pledges", 201)
    assert line["key"] == "importer-7"
    assert token not in stderr
    assert token.removeprefix("mgt_")[:12] not in stderr


def test_an_unexpected_error_is_logged_and_answered_with_the_request_id(fixture_db, capsys):
    app = create_app(Settings(database_url=fixture_db, log_format="json"))

    def fail() -> None:
        raise RuntimeError("simulated fault")

    app.add_api_route("/api/v1/fault", fail)
    with TestClient(app, raise_server_exceptions=False) as client:
        capsys.readouterr()
        response = client.get("/api/v1/fault", headers={"X-Request-ID": "fault-9"})
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["x-request-id"] == "fault-9"
    assert response.json()["request_id"] == "fault-9"
    assert "simulated fault" not in response.text
    lines = [json.loads(x) for x in capsys.readouterr().err.splitlines() if x.startswith("{")]
    [error] = [x for x in lines if x["level"] == "error"]
    assert error["request_id"] == "fault-9"
    assert "RuntimeError: simulated fault" in error["exception"]
    [access] = _access_lines("\n".join(json.dumps(x) for x in lines))
    assert (access["request_id"], access["status"]) == ("fault-9", 500)


def _scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def test_metrics_scrape_and_parse_as_prometheus_text(ops_client, fixture_db):
    before = _scrape(ops_client)
    for _ in range(2):  # rendered, then answered from the response cache
        assert ops_client.get("/api/v1/timeline", params={"limit": "7"}).status_code == 200
    assert ops_client.get("/api/v1/no-such-route").status_code == 404
    assert ops_client.get("/health/ready").status_code == 200  # through the connection pool
    after = _scrape(ops_client)

    def grew(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    timeline = {"method": "GET", "route": "/api/v1/timeline"}
    assert grew("mgt_http_requests_total", status="200", **timeline) == 2
    assert grew("mgt_http_requests_total", method="GET", route="<unmatched>", status="404") == 1
    assert grew("mgt_http_request_duration_seconds_count", **timeline) == 2
    assert grew("mgt_http_request_duration_seconds_bucket", le="+Inf", **timeline) == 2
    assert grew("mgt_response_cache_total", result="miss") == 2  # the page and the 404
    assert grew("mgt_response_cache_total", result="hit") == 1
    engine = make_engine(fixture_db)
    with engine.connect() as connection:
        stored = connection.execute(select(m.DataVersion.version)).scalar_one()
    engine.dispose()
    assert after[("mgt_data_version", ())] == stored
    assert after[("mgt_db_pool_connections", (("state", "open"),))] >= 1
    assert after[("mgt_db_pool_connections", (("state", "in_use"),))] == 0
    assert ("mgt_write_turn_wait_seconds_count", ()) in after
    assert not any("/api/v1/no-such-route" in str(labels) for _, labels in after)


def test_metrics_are_off_unless_asked_for(client):
    response = client.get("/metrics")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def _git_revision() -> str | None:
    done = subprocess.run(
        ["git", "-C", str(PROJECT_ROOT), "rev-parse", "--short=12", "HEAD"],
        capture_output=True,
        text=True,
    )
    return done.stdout.strip() if done.returncode == 0 else None


def test_live_and_ready_give_version_and_revision(client):
    version = metadata.version("migration-governance-timeline")
    live = client.get("/health/live")
    assert live.status_code == 200
    assert live.json() == {"status": "ok", "version": version, "revision": _git_revision()}
    ready = client.get("/health/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json() == {
        "status": "ready",
        "version": version,
        "revision": _git_revision(),
        "checks": {"database": "ok", "migrations": "ok", "read_model": "ok"},
    }
    assert client.get("/health").json()["status"] == "ok"


def test_not_ready_before_the_migrations(db_url):
    with TestClient(create_app(Settings(database_url=db_url))) as client:
        response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    checks = response.json()["checks"]
    assert checks["database"] == "ok"
    assert checks["migrations"] == f"at none, head {sorted(health.migration_heads())}"
    assert client.get("/health/live").status_code == 200


def test_not_ready_without_a_read_model(migrated_url):
    engine = make_engine(migrated_url)
    with engine.begin() as connection:
        connection.execute(delete(m.DataVersion))
    engine.dispose()
    with TestClient(create_app(Settings(database_url=migrated_url))) as client:
        response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["read_model"] == "no data version"


def test_the_revision_is_configured_asked_of_git_or_none(tmp_path, monkeypatch):
    assert health.build_info.__wrapped__("0123abcd")["revision"] == "0123abcd"
    monkeypatch.setattr(health, "PROJECT_ROOT", tmp_path)  # not a git checkout
    assert health.build_info.__wrapped__(None)["revision"] is None


def test_workers_follow_the_containers_cpu_quota(tmp_path):
    cores = len(os.sched_getaffinity(0))
    assert cpu_limit(tmp_path) == cores  # no cgroup file
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert cpu_limit(tmp_path) == cores
    (tmp_path / "cpu.max").write_text("50000 100000\n")
    assert cpu_limit(tmp_path) == 1
    (tmp_path / "cpu.max").write_text("150000 100000\n")
    assert cpu_limit(tmp_path) == min(cores, 2)
    (tmp_path / "cpu.max").write_text("6400000 100000\n")
    assert cpu_limit(tmp_path) == cores


def test_the_lock_file_pins_every_dependency_within_its_range():
    declared = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    pinned = re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)", LOCK.read_text(), re.MULTILINE)
    pins = {name.lower().replace("_", "-"): version for name, version in pinned}
    target = {"sys_platform": "linux", "python_version": "3.11", "extra": ""}
    for requirement in map(Requirement, declared["dependencies"]):
        if requirement.marker is not None and not requirement.marker.evaluate(target):
            continue
        name = requirement.name.lower().replace("_", "-")
        assert name in pins, f"{name} is a dependency but not in requirements.lock"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"requirements.lock pins {name}=={pins[name]}, outside {requirement.specifier}"
        )


def _wait_ready(port: int, process: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"replica exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=5):
                return
        except (OSError, urllib.error.HTTPError):
            time.sleep(0.2)
    pytest.fail(f"replica on {port} not ready in {timeout} s:\n{log.read_text()}")


def _get(port: int, path: str) -> Any:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        return json.load(response)


def test_three_replicas_start_together_on_one_postgresql_database(tmp_path):
    for url in _fresh_database("postgresql", tmp_path):
        ports = [_free_port() for _ in range(3)]
        logs = [tmp_path / f"replica-{n}.log" for n in range(3)]
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "MGT_SEEDS_DIR": str(FIXTURE_SEEDS),
            "MGT_LOG_LEVEL": "warning",
        }
        started = time.monotonic()
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "1"],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=log.open("w"),
                stderr=subprocess.STDOUT,
            )
            for port, log in zip(ports, logs, strict=True)
        ]
        try:
            ready_after = []
            for port, process, log in zip(ports, processes, logs, strict=True):
                _wait_ready(port, process, log, timeout=120)
                ready_after.append(time.monotonic() - started)
            said = [log.read_text() for log in logs]
            assert sum("database migrated" in s for s in said) == 1, said
            assert sum("seed files loaded" in s for s in said) == 1, said
            engine = make_engine(url)
            with engine.connect() as connection:
                applied = connection.execute(text("SELECT version_num FROM alembic_version"))
                assert set(applied.scalars()) == health.migration_heads()
                loads = select(func.count()).select_from(m.Change).where(m.Change.kind == "seeds")
                assert connection.execute(loads).scalar_one() == 1
                seeds = yaml.safe_load((FIXTURE_SEEDS / "data.yaml").read_text())
                for table, key in [(m.Event, "events"), (m.Pledge, "pledges")]:
                    rows = connection.execute(select(func.count()).select_from(table))
                    assert rows.scalar_one() == len(seeds[key])
            engine.dispose()
            pages = [_get(port, "/api/v1/timeline?limit=500") for port in ports]
            assert len(pages[0]["items"]) > 0
            assert pages[1:] == [pages[0], pages[0]]
            listed = [_get(port, "/api/v1/pledges?limit=500") for port in ports]  # now cached
            assert all(page == listed[0] for page in listed)
            request = urllib.request.Request(
                f"http://127.0.0.1:{ports[0]}/api/v1/pledges",
                data=json.dumps(_pledge("p-through-one")).encode(),
                headers={
                    "Authorization": f"Bearer {_token(url)}",
                    "Content-Type": "application/json",
                },
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.status == 201
            for port in ports[1:]:
                ids = {p["id"] for p in _get(port, "/api/v1/pledges?limit=500")["items"]}
                assert "p-through-one" in ids
            print(f"\nthree replicas on one empty database: ready after {ready_after} s")
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def test_the_container_files_name_what_exists():
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    for copied in re.findall(r"^COPY (.+) \S+$", dockerfile, re.MULTILINE):
        assert all((PROJECT_ROOT / name).exists() for name in copied.split()), copied
    [probe] = re.findall(r"http://127\.0\.0\.1:8000(/[\w/]+)", dockerfile)
    assert probe == "/health/ready"
    assert 'VOLUME ["/data"]' in dockerfile
    assert "DATABASE_URL=sqlite:////data/" in dockerfile
    compose = yaml.safe_load((PROJECT_ROOT / "compose.yaml").read_text())
    api = compose["services"]["api"]
    assert api["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert api["depends_on"]["db"]["condition"] == "service_healthy"
    assert compose["services"]["db"]["image"].startswith("postgres:")
