"""Issue 23 item 14: a project config (from a cloned repository) can only add restrictions to
the user's approvals, never replace or outrank them."""

from __future__ import annotations

from pathlib import Path

import pytest

from solcoder.cli.build import approval_gate
from solcoder.config import load_settings


def settings_with(tmp_path: Path, user: str, project: str):  # type: ignore[no-untyped-def]
    home = tmp_path / "home"
    home.mkdir(parents=True)
    (home / "config.toml").write_text(user)
    repo = tmp_path / "repo"
    (repo / ".solcoder").mkdir(parents=True)
    (repo / ".solcoder" / "config.toml").write_text(project)
    return load_settings(cwd=repo, environ={}, home=home)


@pytest.mark.parametrize(
    "project",
    [
        '[approval]\ndeny = ["nothing"]\n',
        "[approval]\ndeny = []\nask = []\n",
        '[approval]\nask = ["git__push"]\n',  # more specific than the user's deny pattern
    ],
)
def test_a_project_cannot_lift_the_users_deny(tmp_path: Path, project: str) -> None:
    settings = settings_with(tmp_path, '[approval]\ndeny = ["git__*"]\n', project)
    gate = approval_gate(settings)
    assert gate.verdict("git__push", "unknown", "mcp:git").action == "deny"


def test_a_project_cannot_lift_the_users_ask(tmp_path: Path) -> None:
    settings = settings_with(
        tmp_path, '[approval]\nask = ["read_note"]\n', "[approval]\nask = []\n"
    )
    assert approval_gate(settings).verdict("read_note", "read_only", "solcoder").action == "ask"


def test_a_project_can_add_restrictions(tmp_path: Path) -> None:
    settings = settings_with(
        tmp_path, '[approval]\nallow = ["time__*"]\n', '[approval]\ndeny = ["time__set"]\n'
    )
    gate = approval_gate(settings)
    assert gate.verdict("time__set", "unknown", "mcp:time").action == "deny"
    assert gate.verdict("time__now", "unknown", "mcp:time").action == "allow"
    settings = settings_with(tmp_path / "2", "", '[approval]\nask = ["read_note"]\n')
    assert approval_gate(settings).verdict("read_note", "read_only", "solcoder").action == "ask"
