"""Reasoning control resolved from catalog data, `/reasoning` in the REPL, provider tags that
survive a transcript, and `[providers.x]` reasoning settings."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console

from solcoder.agent.orchestrator import AgentOptions, Orchestrator
from solcoder.cli.interactive import switch_reasoning
from solcoder.errors import ConfigError, UsageError
from solcoder.llm.catalog.providers import BUILTIN_PROVIDERS, spec_from_table
from solcoder.llm.catalog.reasoning import apply_reasoning, plan_reasoning
from solcoder.llm.messages import Message, ReasoningRequest, Request, Text, Thinking, ToolCall
from solcoder.llm.providers.scripted import ScriptedProvider, ScriptedResponse
from solcoder.llm.serialize import message_from_dict, message_to_dict
from solcoder.llm.wire.openai_chat import OpenAIChatAdapter
from solcoder.llm.wire.reasoning import own_thinking, tag_message
from solcoder.tools.registry import ToolRegistry
from solcoder.ui.commands import CommandRouter, ReplHost

ANTHROPIC = BUILTIN_PROVIDERS["anthropic"]
OPENAI = BUILTIN_PROVIDERS["openai"]


def test_a_model_that_does_not_reason_gets_no_plan_at_any_level() -> None:
    for level in ("off", "low", "high"):
        assert plan_reasoning(OPENAI, "gpt-4.1-mini", level) is None  # type: ignore[arg-type]
        assert plan_reasoning(OPENAI, "some-unknown-model", level) is None  # type: ignore[arg-type]


def test_off_on_a_reasoning_model_asks_for_no_effort() -> None:
    assert plan_reasoning(OPENAI, "o4-mini", "off") == ReasoningRequest()


def test_the_budget_comes_from_the_level_unless_one_is_set() -> None:
    assert plan_reasoning(ANTHROPIC, "claude-sonnet-4-5", "low") == ReasoningRequest("low", 2048)
    assert plan_reasoning(ANTHROPIC, "claude-sonnet-4-5", "low", 5000) == ReasoningRequest(
        "low", 5000
    )
    # Below Anthropic's minimum, the budget is raised to it.
    assert plan_reasoning(ANTHROPIC, "claude-sonnet-4-5", "low", 10) == ReasoningRequest(
        "low", 1024
    )
    # An effort-only wire gets no budget.
    assert plan_reasoning(OPENAI, "o4-mini", "high", 5000) == ReasoningRequest("high", 0)


def test_max_tokens_is_raised_to_fit_the_budget_and_the_answer() -> None:
    request = Request(model="claude-sonnet-4-5", messages=(), max_tokens=2000)
    applied = apply_reasoning(request, ANTHROPIC, "medium")
    assert applied.max_tokens == 8192 + 2000
    assert applied.reasoning == ReasoningRequest("medium", 8192)
    untouched = apply_reasoning(replace_model(request, "claude-3-5-haiku"), ANTHROPIC, "high")
    assert untouched.reasoning is None and untouched.max_tokens == 2000


def replace_model(request: Request, model: str) -> Request:
    return Request(model=model, messages=request.messages, max_tokens=request.max_tokens)


def test_provider_tags_survive_a_transcript_and_decide_where_reasoning_goes() -> None:
    message = tag_message(
        Message(
            "assistant",
            (Thinking("why", meta={"signature": "s"}), ToolCall("c1", "f", "{}")),
        ),
        "deepseek",
    )
    again = message_from_dict(json.loads(json.dumps(message_to_dict(message))))
    assert again == message
    thinking = again.parts[0]
    assert isinstance(thinking, Thinking)
    assert own_thinking(thinking, "deepseek") and not own_thinking(thinking, "openai")
    # Untagged reasoning (an old transcript, another source) goes nowhere.
    assert not own_thinking(Thinking("old"), "deepseek")
    # Tagging keeps the first tag.
    assert tag_message(again, "other") == again


def test_chat_round_trip_sends_only_the_providers_own_reasoning() -> None:
    assistant = Message(
        "assistant",
        (
            Thinking("mine", meta={"provider": "deepseek"}),
            Thinking("theirs", meta={"provider": "anthropic"}),
            Text(""),
            ToolCall("c1", "f", "{}"),
        ),
    )
    request = Request(model="deepseek-reasoner", messages=(Message.user("q"), assistant))
    sent = json.loads(OpenAIChatAdapter("deepseek", reasoning_roundtrip=True).encode(request).body)
    assert sent["messages"][1]["reasoning_content"] == "mine"
    plain = json.loads(OpenAIChatAdapter("deepseek").encode(request).body)
    assert "reasoning_content" not in plain["messages"][1]


def test_provider_tables_set_reasoning_data_per_wire_or_for_all() -> None:
    table = {"api": "chat", "base_url": "http://127.0.0.1:9/v1"}
    spec = spec_from_table("mine", {**table, "reasoning_roundtrip": True})
    assert spec.sends_reasoning_back("chat") and spec.sends_reasoning_back("responses")
    spec = spec_from_table("mine", {**table, "reasoning_control": {"chat": "reasoning_object"}})
    assert spec.reasoning_style() == "reasoning_object"
    assert spec.reasoning_style("messages") == "thinking_budget"
    # A built-in keeps its own data when its table is silent.
    assert spec_from_table("deepseek", {}).sends_reasoning_back()
    with pytest.raises(ConfigError, match="reasoning_control"):
        spec_from_table("mine", {**table, "reasoning_control": "loud"})
    with pytest.raises(ConfigError, match="reasoning_roundtrip"):
        spec_from_table("mine", {**table, "reasoning_roundtrip": "yes"})


# --- /reasoning ---------------------------------------------------------------------------------


def _orchestrator(model: str) -> tuple[Orchestrator, ScriptedProvider]:
    provider = ScriptedProvider(
        [ScriptedResponse(text="ok"), ScriptedResponse(text="ok")], name="openai", model=model
    )
    return Orchestrator(provider, ToolRegistry(), AgentOptions()), provider


async def test_switch_reasoning_applies_from_the_next_request_and_outlasts_a_rebuild() -> None:
    orchestrator, provider = _orchestrator("o4-mini")
    applied: dict[str, object] = {}
    options: dict[str, object] = {"reasoning": "low"}  # given at launch
    assert switch_reasoning(orchestrator, None, applied) == "Reasoning: off."
    async for _event in orchestrator.run_turn([], "first"):
        pass
    assert switch_reasoning(orchestrator, "HIGH", applied, options) == "Reasoning: high."
    async for _event in orchestrator.run_turn([], "second"):
        pass
    first, second = provider.requests
    assert first.reasoning == ReasoningRequest()
    assert second.reasoning == ReasoningRequest("high", 0)
    assert applied == {"llm.reasoning": "high"} and options == {"reasoning": "high"}


def test_switch_reasoning_says_when_the_model_takes_no_control() -> None:
    orchestrator, _provider = _orchestrator("gpt-4.1-mini")
    line = switch_reasoning(orchestrator, "medium", {})
    assert (
        line == "Reasoning: medium. gpt-4.1-mini does not take reasoning control: nothing is sent."
    )
    with pytest.raises(UsageError, match="Unknown reasoning level"):
        switch_reasoning(orchestrator, "max", {})


def test_the_reasoning_command_uses_its_hook_or_says_not_available() -> None:
    seen: list[str | None] = []

    def hook(level: str | None) -> str:
        seen.append(level)
        return f"Reasoning: {level or 'off'}."

    stream = io.StringIO()
    console = Console(file=stream, width=100, color_system=None)
    router = CommandRouter(object(), ReplHost(reasoning=hook), console)  # type: ignore[arg-type]
    router.dispatch("/reasoning high")
    router.dispatch("/reasoning")
    assert seen == ["high", None]
    assert "Reasoning: high." in stream.getvalue()
    bare = CommandRouter(object(), ReplHost(), console)  # type: ignore[arg-type]
    bare.dispatch("/reasoning low")
    assert "not available" in stream.getvalue()
