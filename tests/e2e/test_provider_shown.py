"""`config list` and `auth status` show the provider a launch would run (issue 23 item 4).

With no key and the local extra installed, a launch runs the bundled model (or a model server
already running here), yet both commands said `openai (default)`; `auth status` did not list
`local` or `offline` at all.
"""

from __future__ import annotations

import importlib.util
import json

import pytest

from tests.e2e.conftest import Run

pytestmark = pytest.mark.e2e

needs_local = pytest.mark.skipif(
    importlib.util.find_spec("xllamacpp") is None, reason="the local extra is not installed"
)


def provider_row(stdout: str) -> str:
    (row,) = [line for line in stdout.splitlines() if line.startswith("llm.provider ")]
    return row


@needs_local
def test_config_list_names_the_keyless_choice_not_the_default(run_cli: Run) -> None:
    result = run_cli("config", "list")
    assert result.returncode == 0, result.stderr
    row = provider_row(result.stdout)
    assert '"openai"' not in row and "auto: no key" in row, row


def test_config_list_under_offline_mode_says_offline(run_cli: Run) -> None:
    result = run_cli("config", "list", "--json", env={"SOLCODER_OFFLINE_MODE": "1"})
    assert result.returncode == 0, result.stderr
    (row,) = [r for r in json.loads(result.stdout)["settings"] if r["key"] == "llm.provider"]
    assert row["value"] == "offline"
    assert "offline_mode" in row["source"]


def test_config_list_names_the_provider_of_the_key(run_cli: Run) -> None:
    result = run_cli("config", "list", env={"ANTHROPIC_API_KEY": "sk-test-anthropic-shown-01"})
    assert result.returncode == 0, result.stderr
    assert '"anthropic"' in provider_row(result.stdout)
    assert "sk-test-anthropic-shown-01" not in result.stdout + result.stderr


@needs_local
def test_auth_status_lists_local_and_offline_and_marks_what_runs(run_cli: Run) -> None:
    result = run_cli("auth", "status")
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    assert "always available" in rows["offline"]
    assert "no key needed" in rows["local"]
    assert "solcoder local install" in rows["local"]  # the private home has no model yet
    assert "(current provider)" not in rows["openai"]
    (in_use,) = [line for line in result.stdout.splitlines() if line.startswith("In use:")]
    assert "auto: no key" in in_use


def test_auth_status_under_offline_mode_marks_offline(run_cli: Run) -> None:
    result = run_cli("auth", "status", env={"SOLCODER_OFFLINE_MODE": "1"})
    assert result.returncode == 0, result.stderr
    (offline,) = [line for line in result.stdout.splitlines() if line.startswith("offline ")]
    assert "(current provider)" in offline
