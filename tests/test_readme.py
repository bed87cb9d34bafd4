"""The README's Python examples, run in order against a live server, assertions included."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.config import PROJECT_ROOT
from app.core.db import make_engine, make_sessionmaker, unit_of_work
from app.records.auth import create_key
from tests.live import Server, live_server

PLEDGES_CSV = (
    "pledger,type,objectives,date,description,status,source\n"
    "Mexico,Policy,7;13,2022-05,Screening and referral for children,planned,"
    "https://example.org/pledges/17\n"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with live_server(tmp_path_factory.mktemp("readme-server")) as running:
        yield running


def test_readme_python_examples_run_against_a_live_server(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    assert len(blocks) >= 2
    engine = make_engine(server.database_url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        token = create_key(session, "readme", "write")
    engine.dispose()
    (tmp_path / "pledges.csv").write_text(PLEDGES_CSV, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"token": token}
    for number, block in enumerate(blocks, start=1):
        code = block.replace("http://127.0.0.1:8000", server.base_url)
        exec(compile(code, f"README.md python block {number}", "exec"), namespace)  # noqa: S102
