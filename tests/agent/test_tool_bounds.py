"""Bounds on what one model response may ask for (issue 13, item 6).

A response with 10,000 parallel tool calls ran all 10,000, and 50 MB of arguments were buffered
before anything refused them. Calls past `max_tool_calls_per_step` and arguments over
`max_tool_argument_bytes` now get an error result for the model and never run, and the wire
assembler stops keeping arguments past the limit, so memory stays bounded.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from solcoder.agent.events import Notice, ToolRunFinished
from solcoder.agent.orchestrator import AgentOptions, Orchestrator
from solcoder.config.schema import LLMSettings
from solcoder.llm.catalog.providers import ProviderSpec
from solcoder.llm.events import ToolCallDelta, ToolCallStart
from solcoder.llm.messages import Message
from solcoder.llm.providers.client import LLMClient
from solcoder.llm.providers.scripted import ScriptedProvider, ScriptedResponse, ScriptedToolCall
from solcoder.llm.wire.assemble import DEFAULT_MAX_ARGUMENT_BYTES, Assembler
from solcoder.llm.wire.openai_chat import OpenAIChatAdapter
from solcoder.llm.wire.sse import ServerSentEvent
from solcoder.tools.registry import ToolRegistry


def counting_registry(runs: list[int]) -> ToolRegistry:
    registry = ToolRegistry()

    @registry.tool(toolkit="test", effect="read_only")
    def note(n: int, text: str = "") -> str:
        """Record a number."""
        runs.append(n)
        return "ok"

    return registry


async def run_turn(
    calls: list[ScriptedToolCall], **options: Any
) -> tuple[list[Any], list[Message], list[int]]:
    runs: list[int] = []
    provider = ScriptedProvider(
        [ScriptedResponse(tool_calls=tuple(calls)), ScriptedResponse(text="done")]
    )
    orchestrator = Orchestrator(provider, counting_registry(runs), AgentOptions(**options))
    history: list[Message] = []
    events = [event async for event in orchestrator.run_turn(history, "go")]
    return events, history, runs


async def test_calls_past_the_per_step_limit_are_answered_but_not_run() -> None:
    calls = [ScriptedToolCall("note", {"n": n}, id=f"c{n}") for n in range(200)]
    events, history, runs = await run_turn(calls, max_tool_calls_per_step=5)
    assert sorted(runs) == [0, 1, 2, 3, 4]
    # The history keeps the first five and one more that answers for all the excess.
    assert [call.id for call in history[1].tool_calls] == [f"c{n}" for n in range(6)]
    results = history[2].tool_results
    assert [result.call_id for result in results] == [f"c{n}" for n in range(6)]
    assert not any(result.is_error for result in results[:5])
    assert results[5].is_error
    assert "limit of 5 per response" in results[5].content
    assert "200 tool calls" in results[5].content
    assert "llm.max_tool_calls_per_step" in results[5].content
    notices = [event.text for event in events if isinstance(event, Notice)]
    assert sum("200 tool calls" in text and "first 5 run" in text for text in notices) == 1
    finished = [event for event in events if isinstance(event, ToolRunFinished)]
    assert len(finished) == 5


async def test_ten_thousand_calls_in_one_reply_cost_the_limit_not_ten_thousand() -> None:
    """Issue 23 item 26: 10,000 over-limit calls were each printed and sent back (20,003
    stderr lines, a 3.6 MB request). The excess shares one answer and one notice."""
    runs: list[int] = []
    calls = tuple(ScriptedToolCall("note", {"n": n}, id=f"c{n}") for n in range(10_000))
    provider = ScriptedProvider([ScriptedResponse(tool_calls=calls), ScriptedResponse(text="done")])
    orchestrator = Orchestrator(provider, counting_registry(runs), AgentOptions())
    history: list[Message] = []
    events = [event async for event in orchestrator.run_turn(history, "go")]
    assert len(runs) == 32
    shown = [e for e in events if not isinstance(e, ToolCallStart | ToolCallDelta)]
    assert len(shown) < 100  # 32 runs and one notice, not 20,000 lines
    next_request = provider.requests[-1]
    sent_calls = sum(len(message.tool_calls) for message in next_request.messages)
    sent_results = sum(len(message.tool_results) for message in next_request.messages)
    assert sent_calls == sent_results == 33
    assert len(repr(next_request.messages)) < 100_000
    (note,) = [r for r in history[2].tool_results if "10,000 tool calls" in r.content]
    assert "9,967 after it were left out" in note.content


async def test_the_default_limit_is_32_calls() -> None:
    calls = [ScriptedToolCall("note", {"n": n}, id=f"c{n}") for n in range(40)]
    _events, _history, runs = await run_turn(calls)
    assert len(runs) == 32


async def test_arguments_over_the_byte_limit_are_an_error_result_not_a_run() -> None:
    big = ScriptedToolCall("note", {"n": 1, "text": "é" * 700}, id="big")  # 1,400+ bytes
    small = ScriptedToolCall("note", {"n": 2, "text": "é" * 10}, id="small")
    _events, history, runs = await run_turn([big, small], max_tool_argument_bytes=1024)
    assert runs == [2]
    result = history[2].tool_results[0]
    assert result.is_error
    assert "longer than the limit of 1024 bytes" in result.content
    assert "llm.max_tool_argument_bytes" in result.content


def test_the_assembler_stops_keeping_arguments_past_the_limit() -> None:
    assembler = Assembler(max_argument_bytes=100)
    assembler.tool_start(0, "c1", "note")
    deltas = [assembler.tool_arguments(0, "x" * 30) for _ in range(1000)]
    kept = [delta for delta in deltas if isinstance(delta, ToolCallDelta)]
    assert sum(len(delta.arguments_fragment) for delta in kept) == 101
    assert len(kept) == 4  # three whole fragments and the cut fourth; then nothing
    (call,) = assembler.message().tool_calls
    assert len(call.arguments) == 101  # one over the limit: it reads as too long


def test_a_chat_stream_of_huge_arguments_keeps_only_the_limit() -> None:
    decoder = OpenAIChatAdapter(max_argument_bytes=2048).decoder()
    start = {"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "id": "c1",
             "type": "function", "function": {"name": "note", "arguments": ""}}]}}]}  # fmt: skip
    decoder.feed(ServerSentEvent(data=json.dumps(start)))
    piece = {"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0,
             "function": {"arguments": "y" * 10_000}}]}}]}  # fmt: skip
    for _ in range(50):
        decoder.feed(ServerSentEvent(data=json.dumps(piece)))
    (call,) = decoder.partial().tool_calls
    assert len(call.arguments) == 2049


def test_the_settings_default_is_the_assemblers_default() -> None:
    settings = LLMSettings()
    assert settings.max_tool_argument_bytes == DEFAULT_MAX_ARGUMENT_BYTES
    assert settings.max_tool_calls_per_step == AgentOptions().max_tool_calls_per_step == 32
    assert AgentOptions().max_tool_argument_bytes == DEFAULT_MAX_ARGUMENT_BYTES


@pytest.mark.parametrize("api", ["chat", "responses", "messages"])
def test_the_client_builds_every_wire_decoder_with_the_configured_limit(api: str) -> None:
    spec = ProviderSpec(name="x", api=api, base_url="http://127.0.0.1:9/v1", requires_key=False)  # type: ignore[arg-type]
    client = LLMClient(spec, model="m", api_key=None, max_tool_argument_bytes=4096)
    decoder = client._adapter.decoder()
    assert decoder._assembler._max_arguments == 4096  # type: ignore[attr-defined]
