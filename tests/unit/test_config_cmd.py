"""`solcoder config get|set|unset|list|path`, run standalone through click's CliRunner."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner, Result

from solcoder.cli.config_cmd import config_group
from solcoder.config import SETTINGS, load_settings
from solcoder.errors import ConfigError, SolcoderError, UsageError


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("SOLCODER_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SOLCODER_HOME", str(tmp_path / "home"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def work(tmp_path: Path) -> Path:
    return tmp_path / "work"


def run(*args: str, obj: object = None) -> Result:
    return CliRunner().invoke(config_group, list(args), obj=obj, standalone_mode=False)


def ok(*args: str, obj: object = None) -> Result:
    result = run(*args, obj=obj)
    assert result.exception is None, result.exception
    return result


def fails(error: type[SolcoderError], *args: str) -> SolcoderError:
    result = run(*args)
    assert isinstance(result.exception, error), result.exception
    return result.exception


def test_get_prints_effective_values(home: Path) -> None:
    assert ok("get", "llm.provider").stdout == "openai\n"
    assert ok("get", "llm.timeout").stdout == "900.0\n"
    assert ok("get", "llm.offline_mode").stdout == "false\n"
    assert ok("get", "llm.temperature").stdout == "\n"


def test_get_unknown_key_suggests_and_exits_2() -> None:
    error = fails(UsageError, "get", "llm.provder")
    assert "'llm.provider'" in str(error)
    assert error.exit_code == 2


def test_set_writes_the_user_config(home: Path, work: Path) -> None:
    result = ok("set", "llm.model", "gpt-4.1")
    path = home / "config.toml"
    assert result.stdout == ""
    assert f'llm.model = "gpt-4.1" written to {path}' in result.stderr
    assert "Note:" not in result.stderr
    settings = load_settings(cwd=work)
    assert settings.llm.model == "gpt-4.1"
    assert settings.source("llm.model") == f"user:{path}"
    assert ok("get", "llm.model").stdout == "gpt-4.1\n"


def test_set_notes_when_a_higher_level_still_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOLCODER_LLM_MODEL", "from-env")
    result = ok("set", "llm.model", "gpt-4.1")
    assert "still comes from env:SOLCODER_LLM_MODEL" in result.stderr


def test_set_value_that_looks_like_an_option_is_validated() -> None:
    error = fails(UsageError, "set", "llm.max_retries", "-1")
    assert "from 0 to 10" in str(error)


def test_set_bad_value_leaves_file_unchanged(home: Path) -> None:
    ok("set", "llm.model", "a")
    before = (home / "config.toml").read_bytes()
    error = fails(UsageError, "set", "llm.timeout", "soon")
    assert error.exit_code == 2
    assert (home / "config.toml").read_bytes() == before


def test_set_on_corrupt_config_is_a_config_error(home: Path) -> None:
    home.mkdir()
    (home / "config.toml").write_bytes(b"[llm\n")
    error = fails(ConfigError, "set", "llm.model", "x")
    assert "config.toml:1" in str(error)
    assert (home / "config.toml").read_bytes() == b"[llm\n"


def test_set_and_unset_project(home: Path, work: Path) -> None:
    result = ok("set", "--project", "sessions.keep", "5")
    path = work / ".solcoder" / "config.toml"
    assert str(path) in result.stderr
    assert load_settings(cwd=work).source("sessions.keep") == f"project:{path.resolve()}"
    ok("set", "sessions.keep", "7")  # user level, hidden by the project file
    result = ok("unset", "--project", "sessions.keep")
    assert f"sessions.keep removed from {path}" in result.stderr
    assert "now comes from user:" in result.stderr
    assert load_settings(cwd=work).sessions.keep == 7


def test_set_project_refuses_the_user_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # In the home directory itself, ./.solcoder/config.toml *is* the user config.
    monkeypatch.setenv("SOLCODER_HOME", str(tmp_path / "work" / ".solcoder"))
    error = fails(UsageError, "set", "--project", "llm.model", "x")
    assert "user config" in str(error)


def test_unset_user_value(home: Path) -> None:
    ok("set", "llm.model", "x")
    result = ok("unset", "llm.model")
    assert "llm.model removed from" in result.stderr
    assert "now comes from" not in result.stderr
    assert ok("get", "llm.model").stdout == "\n"
    assert "was not set" in ok("unset", "llm.model").stderr


def test_unset_unknown_key() -> None:
    fails(UsageError, "unset", "telemetry.enable")


def test_list_shows_every_key_value_and_source(home: Path) -> None:
    ok("set", "sessions.keep", "7")
    lines = ok("list").stdout.splitlines()
    assert [line.split()[0] for line in lines] == list(SETTINGS)
    keep = next(line for line in lines if line.startswith("sessions.keep"))
    assert keep.split() == ["sessions.keep", "7", f"user:{home / 'config.toml'}"]
    timeout = next(line for line in lines if line.startswith("llm.timeout "))
    assert timeout.split() == ["llm.timeout", "900.0", "default"]


def test_list_json(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOLCODER_TIMEOUT", "30")
    data = json.loads(ok("list", "--json").stdout)
    rows = {row["key"]: row for row in data["settings"]}
    assert list(rows) == list(SETTINGS)
    assert rows["llm.timeout"] == {
        "key": "llm.timeout",
        "value": 30.0,
        "source": "env:SOLCODER_TIMEOUT",
        "default": 900.0,
        "doc": SETTINGS["llm.timeout"].doc,
    }
    assert rows["llm.temperature"]["value"] is None
    assert data["warnings"] == []


def test_list_reports_warnings_on_stderr(home: Path) -> None:
    home.mkdir()
    (home / "config.toml").write_text("[llm]\nmodle = 'x'\n")
    result = ok("list")
    assert "Warning:" in result.stderr
    assert "did you mean llm.model" in result.stderr
    assert "Warning" not in result.stdout


def test_path(home: Path, work: Path) -> None:
    assert ok("path").stdout == f"user     {home / 'config.toml'}\n"
    assert ok("path", "--user").stdout == f"{home / 'config.toml'}\n"
    fails(UsageError, "path", "--project")
    project = work / ".solcoder" / "config.toml"
    project.parent.mkdir()
    project.write_text("")
    lines = ok("path").stdout.splitlines()
    assert lines == [f"user     {home / 'config.toml'}", f"project  {project.resolve()}"]
    assert ok("path", "--project").stdout == f"{project.resolve()}\n"


@pytest.mark.parametrize("shape", ["settings", "attribute", "dict"])
def test_settings_from_context_object(tmp_path: Path, work: Path, shape: str) -> None:
    settings = load_settings(
        environ={}, cwd=work, home=tmp_path / "other", overrides={"llm.model": "from-flag"}
    )
    holder: object = {
        "settings": settings,
        "attribute": SimpleNamespace(settings=settings),
        "dict": {"settings": settings},
    }[shape]
    assert ok("get", "llm.model", obj=holder).stdout == "from-flag\n"
    ok("set", "llm.max_steps", "4", obj=holder)
    assert (tmp_path / "other" / "config.toml").is_file()


def test_bad_environment_surfaces_as_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOLCODER_OFFLINE_MODE", "perhaps")
    error = fails(UsageError, "list")
    assert "SOLCODER_OFFLINE_MODE" in str(error)


def test_set_repairs_a_file_that_no_longer_loads(home: Path) -> None:
    home.mkdir()
    (home / "config.toml").write_text('[llm]\ntimeout = "soon"\n')
    fails(ConfigError, "get", "llm.timeout")
    assert ok("path", "--user").stdout == f"{home / 'config.toml'}\n"
    ok("set", "llm.timeout", "30")
    assert ok("get", "llm.timeout").stdout == "30.0\n"


def test_unset_project_without_project_file_creates_nothing(work: Path) -> None:
    result = ok("unset", "--project", "llm.model")
    assert "was not set" in result.stderr
    assert not (work / ".solcoder").exists()
