"""Reasoning on the wire, per wire and provider: the request bodies a fake server receives.

Each case runs the real orchestrator over the real client against the loopback fake, with the
provider's catalog entry pointed at it: what `llm.reasoning` becomes on each wire (effort,
thinking budget, nothing for a model that does not reason), and what the second request of a
tool loop carries back (DeepSeek's `reasoning_content`, Anthropic's signed thinking blocks,
Responses' encrypted items) or must not carry (other chat servers, another provider).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from solcoder.agent.orchestrator import AgentOptions, Orchestrator
from solcoder.llm.catalog.providers import BUILTIN_PROVIDERS, ProviderSpec
from solcoder.llm.messages import Message, ReasoningLevel, Thinking
from solcoder.llm.providers.client import LLMClient
from solcoder.tools.registry import ToolRegistry
from tests.support.fake_llm_server import FakeLLMServer, Reply
from tests.support.fake_wire import ToolCallReply
from tests.support.reasoning_bodies import (
    ANTHROPIC_REASONING_THEN_CALL,
    ARGS,
    ENCRYPTED,
    REDACTED,
    RESPONSES_REASONING_THEN_CALL,
    SIGNATURE,
    chat_reasoning_then_call,
)
from tests.transport.harness import FAKE_KEY


def _registry() -> ToolRegistry:
    tools = ToolRegistry()

    @tools.tool(toolkit="test", effect="read_only")
    def lookup(query: str) -> str:
        """Look something up."""
        return f"found {query}"

    return tools


def _spec(server: FakeLLMServer, provider: str, api: str | None = None) -> ProviderSpec:
    spec = BUILTIN_PROVIDERS[provider]
    wire = api or spec.api
    return spec.with_overrides(base_url=server.base_url(wire), api=wire)  # type: ignore[arg-type]


async def _turn(
    spec: ProviderSpec,
    model: str,
    *,
    level: ReasoningLevel = "off",
    budget: int = 0,
    temperature: float | None = None,
    history: list[Message] | None = None,
) -> list[Message]:
    options = AgentOptions(
        max_output_tokens=4096, temperature=temperature, reasoning=level, reasoning_budget=budget
    )
    history = [] if history is None else history
    async with LLMClient(spec, model=model, api_key=FAKE_KEY) as client:
        orchestrator = Orchestrator(client, _registry(), options)
        async for _event in orchestrator.run_turn(history, "find the vaults"):
            pass
    return history


def _bodies(server: FakeLLMServer) -> list[dict[str, Any]]:
    return [request.json for request in server.requests]


# --- item 1: effort mapping --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "api", "model", "level", "budget", "expected", "absent"),
    [
        # OpenAI chat: `reasoning_effort`, and reasoning models want `max_completion_tokens`.
        (
            "openai",
            None,
            "o4-mini",
            "high",
            0,
            {"reasoning_effort": "high", "max_completion_tokens": 4096},
            ("reasoning", "max_tokens"),
        ),
        # OpenAI Responses: effort with summaries, and the encrypted reasoning asked for.
        (
            "openai",
            "responses",
            "gpt-5",
            "medium",
            0,
            {
                "reasoning": {"effort": "medium", "summary": "auto"},
                "include": ["reasoning.encrypted_content"],
                "store": False,
            },
            ("reasoning_effort",),
        ),
        # Anthropic: a budget from the level, max_tokens raised to fit, no temperature.
        (
            "anthropic",
            None,
            "claude-sonnet-4-5",
            "medium",
            0,
            {"thinking": {"type": "enabled", "budget_tokens": 8192}, "max_tokens": 8192 + 4096},
            ("temperature", "reasoning_effort"),
        ),
        # Anthropic with an explicit budget, cut to fit the model's output limit (32k on Opus
        # 4.1) with room left for the answer.
        (
            "anthropic",
            None,
            "claude-opus-4-1",
            "high",
            31_500,
            {"thinking": {"type": "enabled", "budget_tokens": 30_976}, "max_tokens": 32_000},
            ("temperature",),
        ),
        # OpenRouter: its `reasoning` object, an effort or a token budget.
        (
            "openrouter",
            None,
            "anthropic/claude-sonnet-4.5",
            "low",
            0,
            {"reasoning": {"effort": "low"}},
            ("reasoning_effort", "thinking"),
        ),
        (
            "openrouter",
            None,
            "anthropic/claude-sonnet-4.5",
            "high",
            5000,
            {"reasoning": {"max_tokens": 5000}, "max_tokens": 5000 + 4096},
            ("reasoning_effort",),
        ),
        # Gemini's OpenAI-compatible endpoint takes `reasoning_effort` for 2.5 models.
        ("gemini", None, "gemini-2.5-flash", "low", 0, {"reasoning_effort": "low"}, ()),
    ],
)
async def test_reasoning_level_becomes_each_providers_own_control(
    server: FakeLLMServer,
    provider: str,
    api: str | None,
    model: str,
    level: ReasoningLevel,
    budget: int,
    expected: dict[str, Any],
    absent: tuple[str, ...],
) -> None:
    server.enqueue(Reply(text="ok"))
    await _turn(_spec(server, provider, api), model, level=level, budget=budget, temperature=0.2)
    (body,) = _bodies(server)
    assert {key: body.get(key) for key in expected} == expected
    assert [key for key in absent if key in body] == []


@pytest.mark.parametrize(
    ("provider", "api", "model"),
    [
        ("openai", None, "gpt-4.1-mini"),
        ("openai", "responses", "gpt-4o"),
        ("anthropic", None, "claude-3-5-haiku-latest"),
        ("openrouter", None, "meta-llama/llama-3.3-70b-instruct"),
        ("groq", None, "llama-3.3-70b-versatile"),
        ("deepseek", None, "deepseek-reasoner"),  # it reasons, but takes no control
        ("ollama", None, "llama3.2"),
    ],
)
async def test_a_model_that_takes_no_reasoning_control_gets_nothing_extra(
    server: FakeLLMServer, provider: str, api: str | None, model: str
) -> None:
    server.enqueue(Reply(text="ok"))
    await _turn(_spec(server, provider, api), model, level="high", temperature=0.2)
    (body,) = _bodies(server)
    extra = {"reasoning_effort", "reasoning", "thinking", "include"}
    assert sorted(extra & set(body)) == []
    assert body["temperature"] == 0.2


async def test_off_sends_no_control_but_keeps_the_responses_round_trip(
    server: FakeLLMServer,
) -> None:
    server.enqueue(Reply(text="ok"), Reply(text="ok"))
    await _turn(_spec(server, "openai", "responses"), "o4-mini", level="off")
    await _turn(_spec(server, "anthropic"), "claude-sonnet-4-5", level="off", temperature=0.3)
    responses, messages = _bodies(server)
    assert "reasoning" not in responses
    assert responses["include"] == ["reasoning.encrypted_content"]
    assert "thinking" not in messages
    assert messages["temperature"] == 0.3


async def test_a_forced_tool_call_on_anthropic_is_sent_without_thinking(
    server: FakeLLMServer,
) -> None:
    """Anthropic refuses thinking with a forced `tool_choice` (the dry run forces `plan`), and
    the step that answers a call made without thinking is sent without it too."""
    server.enqueue(Reply(tool_calls=(ToolCallReply("lookup", ARGS, "toolu_1"),)), Reply(text="ok"))
    spec = _spec(server, "anthropic")
    options = AgentOptions(max_output_tokens=4096, reasoning="high")
    async with LLMClient(spec, model="claude-sonnet-4-5", api_key=FAKE_KEY) as client:
        orchestrator = Orchestrator(client, _registry(), options)
        async for _event in orchestrator.run_turn([], "go", force_tool="lookup"):
            pass
    forced, answer = _bodies(server)
    assert forced["tool_choice"] == {"type": "tool", "name": "lookup"}
    assert "thinking" not in forced
    assert answer["messages"][-1]["content"][0]["type"] == "tool_result"
    assert "thinking" not in answer


# --- item 2: the round trip, per provider ------------------------------------------------------


async def test_deepseek_gets_its_reasoning_content_back_on_the_tool_call_turn(
    server: FakeLLMServer,
) -> None:
    server.enqueue(Reply(raw_body=chat_reasoning_then_call("reasoning_content")), Reply(text="ok"))
    await _turn(_spec(server, "deepseek"), "deepseek-reasoner", level="high")
    first, second = _bodies(server)
    assert "reasoning_content" not in json.dumps(first["messages"])
    calling = second["messages"][-2]
    assert calling["role"] == "assistant" and calling["tool_calls"][0]["id"] == "call_1"
    assert calling["reasoning_content"] == "Need the lookup tool."
    assert second["messages"][-1] == {
        "role": "tool",
        "tool_call_id": "call_1",
        "content": "found vaults",
    }


@pytest.mark.parametrize(
    ("provider", "model", "field"),
    [
        ("groq", "openai/gpt-oss-120b", "reasoning"),
        ("openai", "o4-mini", "reasoning_content"),
        ("vllm", "default", "reasoning_content"),
    ],
)
async def test_chat_providers_that_want_reasoning_dropped_do_not_get_it(
    server: FakeLLMServer, provider: str, model: str, field: str
) -> None:
    server.enqueue(Reply(raw_body=chat_reasoning_then_call(field)), Reply(text="ok"))
    history = await _turn(_spec(server, provider), model, level="high")
    assert any(isinstance(part, Thinking) for part in history[1].parts)  # it was decoded
    _first, second = _bodies(server)
    assert "lookup tool." not in json.dumps(second)
    assert {"reasoning_content", "reasoning"} & set(second["messages"][-2]) == set()


async def test_anthropic_gets_its_thinking_blocks_back_unmodified(server: FakeLLMServer) -> None:
    server.enqueue(Reply(raw_body=ANTHROPIC_REASONING_THEN_CALL), Reply(text="ok"))
    await _turn(_spec(server, "anthropic"), "claude-sonnet-4-5", level="low")
    first, second = _bodies(server)
    assert first["thinking"] == second["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assistant = second["messages"][1]
    assert assistant["role"] == "assistant"
    assert assistant["content"] == [
        {"type": "thinking", "thinking": "Need the lookup tool.", "signature": SIGNATURE},
        {"type": "redacted_thinking", "data": REDACTED},
        {"type": "tool_use", "id": "toolu_1", "name": "lookup", "input": {"query": "vaults"}},
    ]
    assert second["messages"][2]["content"][0]["type"] == "tool_result"


async def test_responses_gets_its_encrypted_reasoning_item_back(server: FakeLLMServer) -> None:
    server.enqueue(Reply(raw_body=RESPONSES_REASONING_THEN_CALL), Reply(text="ok"))
    await _turn(_spec(server, "openai", "responses"), "o4-mini", level="high")
    _first, second = _bodies(server)
    assert second["include"] == ["reasoning.encrypted_content"]
    items = second["input"]
    assert [item["type"] for item in items] == [
        "message",
        "reasoning",
        "function_call",
        "function_call_output",
    ]
    assert items[1] == {
        "type": "reasoning",
        "id": "rs_1",
        "summary": [{"type": "summary_text", "text": "Need the lookup tool."}],
        "encrypted_content": ENCRYPTED,
    }


@pytest.mark.parametrize(
    ("source", "source_model", "body", "target", "target_model"),
    [
        # Anthropic's signed thinking, then the same conversation on another Messages provider.
        ("anthropic", "claude-sonnet-4-5", ANTHROPIC_REASONING_THEN_CALL, "minimax", "claude-x"),
        # DeepSeek's reasoning, then the conversation continued on Anthropic.
        (
            "deepseek",
            "deepseek-reasoner",
            chat_reasoning_then_call("reasoning_content"),
            "anthropic",
            "claude-sonnet-4-5",
        ),
        # OpenAI's encrypted reasoning, then OpenRouter's Responses endpoint.
        ("openai", "o4-mini", RESPONSES_REASONING_THEN_CALL, "openrouter", "openai/o4-mini"),
    ],
)
async def test_reasoning_never_goes_to_another_provider_after_a_switch(
    server: FakeLLMServer,
    source: str,
    source_model: str,
    body: str,
    target: str,
    target_model: str,
) -> None:
    server.enqueue(Reply(raw_body=body), Reply(text="ok"), Reply(text="ok"))
    api = "responses" if body is RESPONSES_REASONING_THEN_CALL else None
    history = await _turn(_spec(server, source, api), source_model, level="high")
    if target in BUILTIN_PROVIDERS:
        spec = _spec(server, target, api)
    else:  # a custom provider speaking the same wire
        spec = replace(_spec(server, source), name=target)
    await _turn(spec, target_model, level="high", history=history)
    sent = json.dumps(_bodies(server)[2])
    assert "Need the lookup tool." not in sent
    assert SIGNATURE not in sent and REDACTED not in sent and ENCRYPTED not in sent
    assert "lookup" in sent  # the tool exchange itself is still there
