"""The mgt command line: keys, pledge import and the seed guard, on both engines."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pytest

from app.cli import main
from app.core.config import get_settings
from tests.conftest import FIXTURE_SEEDS


@pytest.fixture
def cli_db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("MGT_SEEDS_DIR", str(FIXTURE_SEEDS))
    get_settings.cache_clear()
    yield db_url
    get_settings.cache_clear()


def test_keys_are_shown_once_and_listed_without_tokens(cli_db, capsys):
    assert main(["keys", "create", "--name", "alice", "--scope", "write"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert token.startswith("mgt_")
    assert main(["keys", "create", "--name", "alice"]) == 1
    assert main(["keys", "list"]) == 0
    listing = capsys.readouterr().out
    assert "alice\twrite\tactive" in listing
    assert token not in listing
    assert main(["keys", "revoke", "alice"]) == 0
    assert main(["keys", "revoke", "alice"]) == 1


def test_import_is_all_or_nothing_and_seed_then_guards_the_changes(cli_db, tmp_path: Path, capsys):
    assert main(["seed"]) == 0
    good = (
        "pledger,type,objectives,date,description,status,source\n"
        "Mexico,Policy,7,2022-05,Alternatives to detention,planned,https://example.org/p/1\n"
    )
    bad = good + "Atlantis,Policy,99,2022,x,maybe,\n"
    (tmp_path / "bad.csv").write_text(bad, encoding="utf-8")
    (tmp_path / "good.csv").write_text(good, encoding="utf-8")
    assert main(["import", "pledges", str(tmp_path / "bad.csv")]) == 1
    assert "row 3, pledger" in capsys.readouterr().err
    assert main(["import", "pledges", str(tmp_path / "good.csv")]) == 0
    assert main(["seed"]) == 1
    assert "would undo" in capsys.readouterr().err
    assert main(["seed", "--force"]) == 0
    assert main(["seed"]) == 0  # the forced load is the new baseline


def test_keys_survive_a_seed_load(cli_db, capsys):
    assert main(["keys", "create", "--name", "bob"]) == 0
    assert main(["seed"]) == 0
    assert main(["keys", "list"]) == 0
    assert "bob\twrite\tactive" in capsys.readouterr().out


def test_progress_is_silent_off_a_terminal(capsys):
    from app.core.progress import progress

    assert list(progress(range(3), "counting")) == [0, 1, 2]
    assert capsys.readouterr().err == ""


def test_version_and_every_default_in_the_help(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"mgt {version('migration-governance-timeline')}"
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    shown = capsys.readouterr().out
    assert "(default: 127.0.0.1)" in shown
    assert "(default: 8000)" in shown


@pytest.mark.parametrize("strict", [False, True])
def test_seed_check_says_when_quotes_were_not_checked(
    strict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
):
    monkeypatch.setenv("MGT_SEEDS_DIR", str(FIXTURE_SEEDS))
    monkeypatch.setenv("MGT_SOURCES_DIR", str(tmp_path / "absent"))
    get_settings.cache_clear()
    try:
        code = main(["seed", "--check", *(["--strict"] if strict else [])])
    finally:
        get_settings.cache_clear()
    assert code == (1 if strict else 0)
    said = capsys.readouterr().err
    assert "quotes were NOT checked" in said
    assert str(tmp_path / "absent") in said
