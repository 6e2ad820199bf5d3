"""The installed CLI against a real local HTTP server speaking each wire protocol.

The server scripts a tool call; the test checks that the tool ran, that the follow-up request
carried its result in that provider's exact wire form, and that the final text reached stdout.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import Run
from tests.support.fake_llm_server import FakeLLMServer, Reply
from tests.support.fake_wire import ToolCallReply

pytestmark = pytest.mark.e2e

KEY = "sk-test-e2e-provider-0123456789"

# api -> (provider, key variable, flags)
PROVIDERS: dict[str, tuple[str, str]] = {
    "chat": ("openai", "OPENAI_API_KEY"),
    "responses": ("openai", "OPENAI_API_KEY"),
    "messages": ("anthropic", "ANTHROPIC_API_KEY"),
}


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(lifetime=60) as running:
        yield running


def cli_args(server: FakeLLMServer, api: str) -> list[str]:
    provider, _ = PROVIDERS[api]
    return [
        "--llm-provider",
        provider,
        "--llm-base-url",
        server.base_url(api),
        "--llm-api",
        api,
        "--llm-model",
        "fake-model",
    ]


def key_env(api: str) -> dict[str, str]:
    return {PROVIDERS[api][1]: KEY}


def tool_result_in_wire_form(api: str, body: dict[str, Any], call_id: str) -> str:
    """The tool result content carried by a follow-up request, checked in its exact shape."""
    if api == "chat":
        result = body["messages"][-1]
        assert result["role"] == "tool"
        assert result["tool_call_id"] == call_id
        asked = body["messages"][-2]
        assert asked["role"] == "assistant"
        assert asked["tool_calls"][0]["id"] == call_id
        assert asked["tool_calls"][0]["function"]["name"] == "plan"
        return str(result["content"])
    if api == "responses":
        [output] = [i for i in body["input"] if i.get("type") == "function_call_output"]
        assert output["call_id"] == call_id
        [asked] = [i for i in body["input"] if i.get("type") == "function_call"]
        assert asked["call_id"] == call_id
        assert asked["name"] == "plan"
        return str(output["output"])
    last = body["messages"][-1]
    assert last["role"] == "user"
    [block] = [b for b in last["content"] if b["type"] == "tool_result"]
    assert block["tool_use_id"] == call_id
    asked = body["messages"][-2]
    assert asked["role"] == "assistant"
    [use] = [b for b in asked["content"] if b["type"] == "tool_use"]
    assert use["id"] == call_id
    assert use["input"] == {"goal": "a counter program"}
    content = block["content"]
    return content if isinstance(content, str) else "".join(p["text"] for p in content)


@pytest.mark.parametrize("api", ["chat", "responses", "messages"])
def test_prompt_round_trips_a_tool_call(run_cli: Run, server: FakeLLMServer, api: str) -> None:
    server.enqueue(
        Reply(
            text="Let me plan.",
            chunk_size=3,
            tool_calls=(ToolCallReply("plan", '{"goal": "a counter program"}', "call_42"),),
        ),
        Reply(text="Your plan is ready: four steps.", chunk_size=4),
    )
    result = run_cli(
        "-p", "run a plan for a counter program", *cli_args(server, api), env=key_env(api)
    )
    assert result.returncode == 0, result.stderr
    assert "Your plan is ready: four steps." in result.stdout
    assert "plan" in result.stderr  # the tool line goes to stderr in text mode
    requests = server.requests
    assert len(requests) == 2
    first, second = (r.json for r in requests)
    assert first["model"] == "fake-model"
    assert first["stream"] is True
    assert any(t.get("name", t.get("function", {}).get("name")) == "plan" for t in first["tools"])
    content = tool_result_in_wire_form(api, second, "call_42")
    plan = json.loads(content)
    assert plan["goal"] == "a counter program"
    assert len(plan["steps"]) >= 3
    headers = requests[0].headers
    if api == "messages":
        assert headers["x-api-key"] == KEY
        assert "anthropic-version" in headers
    else:
        assert headers["authorization"] == f"Bearer {KEY}"
    assert KEY not in result.stdout + result.stderr


@pytest.mark.parametrize("api", ["chat", "responses", "messages"])
def test_dry_run_against_each_protocol(run_cli: Run, server: FakeLLMServer, api: str) -> None:
    server.enqueue(
        Reply(text="Hello, world! Streaming works.", chunk_size=2),
        Reply(tool_calls=(ToolCallReply("plan", '{"goal": "counter"}', "call_1"),)),
        Reply(text="Here is the plan.", chunk_size=5),
    )
    result = run_cli("--dry-run-llm", "--json", *cli_args(server, api), env=key_env(api))
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.splitlines()[-1])
    assert summary["ok"] is True, summary
    assert summary["turns"][1]["tool_calls"] == ["plan"]
    assert summary["turns"][0]["text_deltas"] >= 10
    forced = server.requests[1].json
    if api == "chat":
        assert forced["tool_choice"] == {"type": "function", "function": {"name": "plan"}}
    elif api == "responses":
        assert forced["tool_choice"] == {"type": "function", "name": "plan"}
    else:
        assert forced["tool_choice"] == {"type": "tool", "name": "plan"}
    assert "tool_choice" not in server.requests[2].json


def test_json_events_against_a_server(run_cli: Run, server: FakeLLMServer) -> None:
    server.enqueue(
        Reply(tool_calls=(ToolCallReply("search_notes", '{"query": "pda seeds"}', "c1"),)),
        Reply(text="PDAs are derived from seeds.", chunk_size=6),
    )
    result = run_cli(
        "-p", "what is a pda", "--json", *cli_args(server, "chat"), env=key_env("chat")
    )
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    by_type: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_type.setdefault(event["type"], []).append(event)
    assert by_type["tool_call"][0]["arguments"]["query"] == "pda seeds"
    assert by_type["tool_result"][0]["ok"] is True
    assert by_type["tool_result"][0]["id"] == "c1"
    assert "".join(e["text"] for e in by_type["text_delta"]) == "PDAs are derived from seeds."
    assert [e["stop_reason"] for e in by_type["completed"]] == ["tool_use", "end_turn"]
