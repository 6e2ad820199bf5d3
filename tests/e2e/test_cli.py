"""The installed `solcoder` executable: flags, offline turns, JSON Lines, bad input."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from solcoder import __version__
from tests.e2e.conftest import Run

pytestmark = pytest.mark.e2e


def test_version_and_help(run_cli: Run) -> None:
    version = run_cli("--version")
    assert version.returncode == 0
    assert __version__ in version.stdout
    shown = run_cli("--help")
    assert shown.returncode == 0
    for flag in (
        "--prompt",
        "--json",
        "--dry-run-llm",
        "--llm-provider",
        "--llm-base-url",
        "--llm-model",
        "--llm-api-key",
        "--llm-api",
        "--offline-mode",
        "--offline-fallback",
        "--timeout",
        "--max-retries",
    ):
        assert flag in shown.stdout
    for command in ("config", "auth", "sessions", "tools"):
        assert command in shown.stdout


def test_dry_run_offline_on_a_fresh_home(run_cli: Run, solcoder_home: Path) -> None:
    result = run_cli("--dry-run-llm", "--offline-mode")
    assert result.returncode == 0, result.stderr
    assert "› hello world" in result.stdout
    assert "plan" in result.stdout
    assert "✓ streamed" in result.stdout
    assert "✓ tool round trip" in result.stdout
    assert "✗" not in result.stdout
    assert stat.S_IMODE(solcoder_home.stat().st_mode) == 0o700
    config = solcoder_home / "config.toml"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600


def test_dry_run_json_summary(run_cli: Run) -> None:
    result = run_cli("--dry-run-llm", "--offline-mode", "--json")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    summary = events[-1]
    assert summary["type"] == "summary"
    assert summary["ok"] is True
    assert next(t["prompt"] for t in summary["turns"]) == "hello world"
    assert summary["turns"][1]["tool_calls"] == ["plan"]
    assert summary["turns"][0]["text_deltas"] >= 2


def test_prompt_streams_reply_to_stdout(run_cli: Run) -> None:
    result = run_cli("-p", "hello", "--offline-mode")
    assert result.returncode == 0, result.stderr
    assert "Hello, world!" in result.stdout


def test_json_lines_event_shapes(run_cli: Run) -> None:
    result = run_cli("-p", "run a plan for a counter program", "--offline-mode", "--json")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    types = [event["type"] for event in events]
    assert "text_delta" in types
    assert types.count("completed") == 2
    [tool_call] = [e for e in events if e["type"] == "tool_call"]
    assert tool_call["name"] == "plan"
    assert isinstance(tool_call["arguments"], dict)
    assert tool_call["arguments"]["goal"]
    [tool_result] = [e for e in events if e["type"] == "tool_result"]
    assert tool_result["id"] == tool_call["id"]
    assert tool_result["ok"] is True
    completed = [e for e in events if e["type"] == "completed"]
    assert completed[0]["stop_reason"] == "tool_use"
    assert set(completed[0]["usage"]) >= {"input", "output"}


def test_unknown_flag_is_a_usage_error(run_cli: Run) -> None:
    result = run_cli("--no-such-flag")
    assert result.returncode == 2
    assert "no-such-flag" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_command_suggests_the_closest(run_cli: Run) -> None:
    result = run_cli("confg")
    assert result.returncode == 2
    assert "config" in result.stderr


def test_missing_key_non_interactive_exits_2_with_the_fix(run_cli: Run) -> None:
    result = run_cli("-p", "hello", "--llm-provider", "openai")
    assert result.returncode == 2
    assert "OPENAI_API_KEY" in result.stderr
    assert "solcoder auth login openai" in result.stderr
    assert "Traceback" not in result.stderr


def test_broken_config_is_reported_and_left_untouched(run_cli: Run, solcoder_home: Path) -> None:
    solcoder_home.mkdir(parents=True)
    config = solcoder_home / "config.toml"
    broken = b'[llm]\nprovider = "openai"\ntimeout = [oops\n'
    config.write_bytes(broken)
    result = run_cli("-p", "hello", "--offline-mode")
    assert result.returncode == 2
    assert str(config) in result.stderr
    assert "line" in result.stderr
    assert "Traceback" not in result.stderr
    assert config.read_bytes() == broken


def test_wrong_type_in_config_names_the_key(run_cli: Run, solcoder_home: Path) -> None:
    solcoder_home.mkdir(parents=True)
    (solcoder_home / "config.toml").write_text('[llm]\nmax_retries = "many"\n')
    result = run_cli("-p", "hello", "--offline-mode")
    assert result.returncode == 2
    assert "max_retries" in result.stderr


def test_unwritable_home_is_a_clear_error(run_cli: Run, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = run_cli("-p", "hello", "--offline-mode", env={"SOLCODER_HOME": str(blocker / "home")})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert str(blocker) in result.stderr


def test_config_set_get_list(run_cli: Run) -> None:
    assert run_cli("config", "set", "llm.max_retries", "5").returncode == 0
    got = run_cli("config", "get", "llm.max_retries")
    assert got.returncode == 0
    assert "5" in got.stdout
    listed = run_cli("config", "list", "--json")
    assert listed.returncode == 0
    data = json.loads(listed.stdout)
    text = json.dumps(data)
    assert "llm.max_retries" in text
    assert "user" in text
    env_wins = run_cli("config", "get", "llm.max_retries", env={"SOLCODER_MAX_RETRIES": "7"})
    assert "7" in env_wins.stdout


def test_config_set_unknown_key_suggests(run_cli: Run) -> None:
    result = run_cli("config", "set", "llm.modle", "x")
    assert result.returncode == 2
    assert "llm.model" in result.stderr


def test_tools_lists_every_toolkit(run_cli: Run) -> None:
    result = run_cli("tools")
    assert result.returncode == 0
    for toolkit in ("plan", "code", "review", "deploy", "diagnostics", "knowledge"):
        assert toolkit in result.stdout


def test_python_dash_m_works(solcoder_home: Path) -> None:
    import subprocess
    import sys

    from tests.e2e.conftest import clean_environment

    result = subprocess.run(
        [sys.executable, "-m", "solcoder", "--version"],
        capture_output=True,
        text=True,
        env=clean_environment(solcoder_home),
        check=False,
    )
    assert result.returncode == 0
    assert __version__ in result.stdout


def test_errors_before_the_turn_are_json_too(run_cli: Run) -> None:
    result = run_cli("-p", "hello", "--json", "--llm-provider", "openai")
    assert result.returncode == 2
    [event] = [json.loads(line) for line in result.stdout.splitlines()]
    assert event["type"] == "error"
    assert event["class"] == "missing_key"
    assert event["exit_code"] == 2


def test_empty_prompt_is_a_usage_error(run_cli: Run) -> None:
    result = run_cli("-p", "   ", "--offline-mode")
    assert result.returncode == 2
    assert "empty" in result.stderr


def test_unknown_flag_lists_the_valid_ones(run_cli: Run) -> None:
    result = run_cli("--llm-modle", "x")
    assert result.returncode == 2
    assert "--llm-model" in result.stderr


def test_closed_pipe_exits_quietly(solcoder_home: Path) -> None:
    import subprocess

    from tests.e2e.conftest import SOLCODER, clean_environment

    command = f"'{SOLCODER}' --offline-mode -p 'run a plan for a vault' | head -c 5"
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command],
        capture_output=True,
        text=True,
        env=clean_environment(solcoder_home),
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
