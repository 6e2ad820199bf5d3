"""Bad input gets a clear error (issue 13, items 5-9): the installed CLI against the loopback
fake server, with what a hostile or broken server or model sends.

Each case checks the exit code and the words the user reads, and that nothing ends as "a bug
in SolCoder" (exit 1).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import Run
from tests.support.fake_llm_server import FakeLLMServer, Reply
from tests.support.fake_wire import ToolCallReply

pytestmark = pytest.mark.e2e

KEY = "sk-test-hostile-input-000111222"
DEEP = "[" * 100_000 + "]" * 100_000
BUG = "bug in SolCoder"


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(lifetime=60) as running:
        yield running


def prompt(
    run_cli: Run, server: FakeLLMServer, *flags: str, text: str = "go"
) -> tuple[int, str, str]:
    result = run_cli(
        "-p",
        text,
        "--llm-provider",
        "openai",
        "--llm-base-url",
        server.base_url("chat"),
        "--max-retries",
        "0",
        *flags,
        env={"OPENAI_API_KEY": KEY},
    )
    return result.returncode, result.stdout, result.stderr


def json_lines(stdout: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def only_transcript(home: Path) -> Path:
    (transcript,) = (home / "sessions").glob("*/transcript.jsonl")
    return transcript


# --- item 5: deeply nested JSON -----------------------------------------------------------------


def test_deep_tool_arguments_are_an_error_result_and_the_session_replays(
    run_cli: Run, server: FakeLLMServer, solcoder_home: Path
) -> None:
    call = ToolCallReply("plan", '{"goal": ' + DEEP + "}", id="call_deep")
    server.enqueue(Reply(tool_calls=(call,)), Reply(text="Sorry, flatter next time."))
    code, stdout, stderr = prompt(run_cli, server, "--json")
    assert code == 0, stderr
    assert BUG not in stderr
    results = [r for r in json_lines(stdout) if r["type"] == "tool_result"]
    assert len(results) == 1
    assert results[0]["ok"] is False
    assert "nested deeper than 512 levels" in str(results[0]["content"])
    replay = run_cli("replay", str(only_transcript(solcoder_home)))
    assert replay.returncode in (0, 6), replay.stdout + replay.stderr
    assert BUG not in replay.stderr


@pytest.mark.parametrize("where", ["event", "body"])
def test_a_deep_response_is_a_protocol_error(
    run_cli: Run, server: FakeLLMServer, where: str
) -> None:
    if where == "event":
        reply = Reply(raw_body=f'data: {{"choices": {DEEP}}}\n\n')
    else:
        reply = Reply(raw_body=f'{{"choices": {DEEP}}}', content_type="application/json")
    server.enqueue(reply)
    code, _stdout, stderr = prompt(run_cli, server)
    assert code == 6, stderr
    assert "nested deeper than 512 levels" in stderr
    assert BUG not in stderr


# --- item 6: bounds -----------------------------------------------------------------------------


def test_only_the_configured_number_of_tool_calls_run(run_cli: Run, server: FakeLLMServer) -> None:
    calls = tuple(
        ToolCallReply("plan", json.dumps({"goal": f"goal {n}"}), id=f"c{n}") for n in range(300)
    )
    server.enqueue(Reply(tool_calls=calls), Reply(text="done"))
    code, stdout, stderr = prompt(run_cli, server, "--json")
    assert code == 0, stderr
    results = [r for r in json_lines(stdout) if r["type"] == "tool_result"]
    ran = {r["id"] for r in results if r["ok"]}
    assert ran == {f"c{n}" for n in range(32)}  # only the first 32 ran ...
    assert len(results) == 32  # ... and the excess is one notice, not 268 results
    (notice,) = [r for r in json_lines(stdout) if "300 tool calls" in str(r.get("text", ""))]
    assert "llm.max_tool_calls_per_step" in notice["text"]
    # The next request carries the 32 calls and one answer for the rest, not 300.
    resent = server.requests[-1].json["messages"]
    assert sum(len(m.get("tool_calls") or ()) for m in resent) == 33


def test_thousands_of_calls_cost_one_line_and_a_bounded_request(
    run_cli: Run, server: FakeLLMServer
) -> None:
    """Issue 23 item 26: 10,000 over-limit calls were each printed and sent back (20,003
    stderr lines, a 3.6 MB request)."""
    calls = tuple(
        ToolCallReply("plan", json.dumps({"goal": f"goal {n}"}), id=f"c{n}") for n in range(3000)
    )
    server.enqueue(Reply(tool_calls=calls), Reply(text="done"))
    code, stdout, stderr = prompt(run_cli, server)
    assert code == 0, stderr[-2000:]
    assert stdout.strip() == "done"
    assert len(stderr.splitlines()) < 100, len(stderr.splitlines())
    assert sum("3,000 tool calls" in line for line in stderr.splitlines()) == 1
    assert len(server.requests[-1].body) < 200_000


def test_arguments_over_the_byte_limit_are_refused(run_cli: Run, server: FakeLLMServer) -> None:
    big = ToolCallReply("plan", json.dumps({"goal": "x" * 5000}), id="big")
    server.enqueue(Reply(tool_calls=(big,), chunk_size=100), Reply(text="ok"))
    limit = {"SOLCODER_LLM_MAX_TOOL_ARGUMENT_BYTES": "2048"}
    code, stdout, stderr = prompt_with_env(run_cli, server, limit)
    assert code == 0, stderr
    (result,) = [r for r in json_lines(stdout) if r["type"] == "tool_result"]
    assert result["ok"] is False
    assert "longer than the limit of 2048 bytes" in str(result["content"])


def prompt_with_env(
    run_cli: Run, server: FakeLLMServer, env: dict[str, str]
) -> tuple[int, str, str]:
    result = run_cli(
        "-p",
        "go",
        "--json",
        "--llm-provider",
        "openai",
        "--llm-base-url",
        server.base_url("chat"),
        env={"OPENAI_API_KEY": KEY, **env},
    )
    return result.returncode, result.stdout, result.stderr


# --- item 7: a bad port -------------------------------------------------------------------------


@pytest.mark.parametrize("port", ["99999", "-1", "abc"])
def test_a_bad_port_is_a_usage_error(run_cli: Run, port: str) -> None:
    result = run_cli(
        "-p",
        "hi",
        "--llm-provider",
        "openai",
        "--llm-base-url",
        f"http://127.0.0.1:{port}/v1",
        env={"OPENAI_API_KEY": KEY},
    )
    assert result.returncode == 2, result.stderr
    assert "port" in result.stderr
    assert "http://127.0.0.1:8080/v1" in result.stderr  # the example of a good one
    assert BUG not in result.stderr


# --- item 8: messages that named the wrong thing ------------------------------------------------


def test_a_redirect_names_the_status_and_the_location(run_cli: Run, server: FakeLLMServer) -> None:
    location = "https://elsewhere.example/v1/chat/completions"
    server.enqueue(Reply(status=307, text="x", headers={"location": location}))
    code, _stdout, stderr = prompt(run_cli, server)
    assert code == 6, stderr
    assert "HTTP 307" in stderr
    assert location in stderr
    assert "[DONE]" not in stderr


def test_the_offline_fallback_reply_does_not_mention_offline_mode(
    run_cli: Run, server: FakeLLMServer
) -> None:
    server.enqueue(Reply(status=401))
    code, stdout, stderr = prompt(run_cli, server, "--offline-fallback", text="hello")
    assert code == 0, stderr
    assert "Hello, world!" in stdout
    assert "--offline-mode" not in stdout
    assert "--offline-fallback" in stdout


def test_offline_mode_still_says_how_to_leave_it(run_cli: Run) -> None:
    result = run_cli("-p", "hello", "--offline-mode")
    assert result.returncode == 0, result.stderr
    assert "drop `--offline-mode`" in result.stdout


# --- item 9: unknown tools in --json ------------------------------------------------------------


def test_an_unknown_tools_arguments_are_parsed_in_json(run_cli: Run, server: FakeLLMServer) -> None:
    call = ToolCallReply("no_such_tool", '{"path": "src/lib.rs", "n": [1, 2]}', id="c1")
    server.enqueue(Reply(tool_calls=(call,)), Reply(text="ok"))
    code, stdout, stderr = prompt(run_cli, server, "--json")
    assert code == 0, stderr
    (record,) = [r for r in json_lines(stdout) if r["type"] == "tool_call"]
    assert record["name"] == "no_such_tool"
    assert record["arguments"] == {"path": "src/lib.rs", "n": [1, 2]}
