"""A reply whose tool calls share one id (buggy OpenAI-compatible servers send that) is a
normal turn end to end: each call runs and gets its own result, the next request pairs every
result with its call, and the session resumes and replays.

Before: the orchestrator's history check stopped the run with exit 1 "this is a bug", and
every later resume of the session stopped the same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Run
from tests.support.fake_llm_server import FakeLLMServer, Reply
from tests.support.fake_wire import ToolCallReply

pytestmark = pytest.mark.e2e

KEY = "sk-test-e2e-duplicate-ids-0123456789"


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(lifetime=90) as running:
        yield running


def _args(server: FakeLLMServer, prompt: str, *extra: str) -> list[str]:
    return [
        "-p",
        prompt,
        "--json",
        "--llm-provider",
        "openai",
        "--llm-base-url",
        server.base_url("chat"),
        "--llm-model",
        "fake-model",
        *extra,
    ]


def _pairs(body: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The call ids of the request's assistant messages, and its tool results' ids."""
    calls = [
        call["id"]
        for message in body["messages"]
        if message["role"] == "assistant"
        for call in message.get("tool_calls") or []
    ]
    results = [m["tool_call_id"] for m in body["messages"] if m["role"] == "tool"]
    return calls, results


def test_two_calls_sharing_one_id_run_resume_and_replay(
    run_cli: Run, server: FakeLLMServer, tmp_path: Path, solcoder_home: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "a.txt").write_text("alpha\n")
    (work / "b.txt").write_text("beta\n")
    shared = "call_dup"
    server.enqueue(
        Reply(
            tool_calls=(
                ToolCallReply("read_file", json.dumps({"path": "a.txt"}), shared),
                ToolCallReply("read_file", json.dumps({"path": "b.txt"}), shared),
            )
        ),
        Reply(text="Both read."),
    )
    result = run_cli(*_args(server, "read both files"), env={"OPENAI_API_KEY": KEY}, cwd=work)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "this is a bug" not in result.stderr
    assert "Both read." in result.stdout

    calls, results = _pairs(server.requests[-1].json)
    assert calls == [shared, f"{shared}_2"]
    assert results == calls
    tool_messages = [m for m in server.requests[-1].json["messages"] if m["role"] == "tool"]
    assert "alpha" in tool_messages[0]["content"]
    assert "beta" in tool_messages[1]["content"]

    session = next(
        json.loads(line)["id"]
        for line in result.stdout.splitlines()
        if line.startswith("{") and json.loads(line)["type"] == "session"
    )
    server.enqueue(Reply(text="Still here."))
    resumed = run_cli(
        *_args(server, "and again", "--session", session), env={"OPENAI_API_KEY": KEY}, cwd=work
    )
    assert resumed.returncode == 0, resumed.stdout[-2000:] + resumed.stderr[-2000:]
    calls, results = _pairs(server.requests[-1].json)
    assert calls == [shared, f"{shared}_2"]
    assert results == calls

    replayed = run_cli("replay", session, cwd=work)
    assert replayed.returncode == 0, replayed.stdout[-2000:] + replayed.stderr[-2000:]


def test_a_session_written_with_duplicate_ids_resumes(
    run_cli: Run, server: FakeLLMServer, tmp_path: Path, solcoder_home: Path
) -> None:
    """A transcript from before the fix (two calls and two results under one id) loads: the
    second pair is renamed the way a fresh reply is."""
    work = tmp_path / "work"
    work.mkdir()
    server.enqueue(Reply(text="First."))
    first = run_cli(*_args(server, "hello"), env={"OPENAI_API_KEY": KEY}, cwd=work)
    assert first.returncode == 0, first.stderr
    (directory,) = (solcoder_home / "sessions").iterdir()
    transcript = directory / "transcript.jsonl"
    calls = [
        {"type": "tool_call", "id": "x", "name": "read_file", "arguments": '{"path": "a"}'},
        {"type": "tool_call", "id": "x", "name": "read_file", "arguments": '{"path": "b"}'},
    ]
    results = [
        {"type": "tool_result", "call_id": "x", "content": "A", "is_error": False},
        {"type": "tool_result", "call_id": "x", "content": "B", "is_error": False},
    ]
    lines = [
        {"v": 1, "type": "message", "turn": 2, "message": {"role": "user", "parts": [
            {"type": "text", "text": "read"}]}},
        {"v": 1, "type": "message", "turn": 2, "message": {"role": "assistant", "parts": calls}},
        {"v": 1, "type": "message", "turn": 2, "message": {"role": "tool", "parts": results}},
        {"v": 1, "type": "message", "turn": 2, "message": {"role": "assistant", "parts": [
            {"type": "text", "text": "done"}]}},
    ]  # fmt: skip
    with transcript.open("a", encoding="utf-8") as handle:
        for line in lines:
            handle.write(json.dumps(line) + "\n")

    server.enqueue(Reply(text="Resumed."))
    resumed = run_cli(
        *_args(server, "again", "--session", directory.name),
        env={"OPENAI_API_KEY": KEY},
        cwd=work,
    )
    assert resumed.returncode == 0, resumed.stdout[-2000:] + resumed.stderr[-2000:]
    body = server.requests[-1].json
    calls_sent, results_sent = _pairs(body)
    assert calls_sent == ["x", "x_2"]
    assert results_sent == ["x", "x_2"]
    contents = [m["content"] for m in body["messages"] if m["role"] == "tool"]
    assert contents == ["A", "B"]
