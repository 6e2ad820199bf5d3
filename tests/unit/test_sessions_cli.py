"""`solcoder sessions`: list, show, pin, unpin and delete saved conversations."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from solcoder.cli.main import cli
from solcoder.errors import UsageError
from solcoder.llm.messages import Message, Text, ToolCall, ToolResult
from solcoder.sessions import SessionStore


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SessionStore:
    home = tmp_path / "home"
    monkeypatch.setenv("SOLCODER_HOME", str(home))
    monkeypatch.chdir(tmp_path)
    return SessionStore(home)


def make_session(store: SessionStore, prompt: str) -> str:
    with store.create("anthropic", "claude-sonnet-4-5") as session:
        session.append_message(Message.user(prompt))
        session.append_message(
            Message("assistant", (Text("Let me look."), ToolCall("c1", "read_file", '{"p":1}')))
        )
        session.append_message(
            Message("tool", (ToolResult("c1", "fn main() {}", name="read_file"),))
        )
        session.append_message(Message.assistant("Done."))
        session.end_turn()
    return session.id


def test_list_and_show(store: SessionStore) -> None:
    assert "No saved sessions" in CliRunner().invoke(cli, ["sessions", "list"]).output
    session_id = make_session(store, "Build a counter program")
    listed = CliRunner().invoke(cli, ["sessions", "list"])
    assert listed.exit_code == 0
    assert session_id in listed.output and "Build a counter program" in listed.output
    assert "anthropic/claude-sonnet-4-5" in listed.output
    as_json = json.loads(CliRunner().invoke(cli, ["sessions", "list", "--json"]).output)
    assert as_json["id"] == session_id and as_json["turns"] == 1
    shown = CliRunner().invoke(cli, ["sessions", "show", session_id])
    assert shown.exit_code == 0
    for expected in (
        "user: Build a counter program",
        "read_file",
        "fn main() {}",
        "Done.",
        f"solcoder --session {session_id}",
    ):
        assert expected in shown.output


def test_pin_unpin_delete(store: SessionStore) -> None:
    session_id = make_session(store, "x")
    assert CliRunner().invoke(cli, ["sessions", "pin", session_id]).exit_code == 0
    assert "*" in CliRunner().invoke(cli, ["sessions", "list"]).output.split(session_id)[0]
    with pytest.raises(UsageError, match="pinned"):
        CliRunner().invoke(cli, ["sessions", "delete", session_id], catch_exceptions=False)
    CliRunner().invoke(cli, ["sessions", "unpin", session_id])
    deleted = CliRunner().invoke(cli, ["sessions", "delete", session_id])
    assert deleted.exit_code == 0
    assert not (store.root / session_id).exists()


def test_unknown_session_is_a_usage_error(store: SessionStore) -> None:
    with pytest.raises(UsageError, match="No session"):
        CliRunner().invoke(cli, ["sessions", "show", "nope"], catch_exceptions=False)


def test_settings_come_from_ctx_obj_when_present(tmp_path: Path) -> None:
    from solcoder.cli.sessions_cmd import sessions_group

    class Holder:
        class settings:
            home = tmp_path / "elsewhere"

    SessionStore(tmp_path / "elsewhere").create("openai", "m").close()
    result = CliRunner().invoke(sessions_group, ["list"], obj=Holder())
    assert "openai/m" in result.output
    assert os.path.isdir(tmp_path / "elsewhere" / "sessions")
