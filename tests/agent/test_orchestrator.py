"""Agent ring: the orchestrator loop on the scripted provider, checking the exact requests."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from solcoder.agent.events import Notice, ToolRunFinished, ToolRunStarted, TurnFinished
from solcoder.agent.invariants import HistoryInvariantError, check_tool_pairing
from solcoder.agent.orchestrator import AgentOptions, Orchestrator
from solcoder.llm.events import Completed, TextDelta
from solcoder.llm.messages import Message, Text, ToolCall, ToolResult
from solcoder.llm.providers.scripted import ScriptedProvider, ScriptedResponse, ScriptedToolCall
from solcoder.tools.registry import ToolRegistry


def make_registry(calls: list[tuple[str, Any]]) -> ToolRegistry:
    registry = ToolRegistry()

    @registry.tool(toolkit="test", effect="read_only")
    def add(a: int, b: int) -> str:
        """Add two integers."""
        calls.append(("add", (a, b)))
        return str(a + b)

    @registry.tool(toolkit="test", effect="read_only")
    async def shout(text: str) -> str:
        """Upper-case some text."""
        calls.append(("shout", text))
        return text.upper()

    @registry.tool(toolkit="test", effect="read_only")
    def explode() -> str:
        """Always fails."""
        raise ValueError("boom")

    @registry.tool(toolkit="test", effect="read_only", timeout=0.2)
    async def sleepy() -> str:
        """Never finishes in time."""
        await asyncio.sleep(30)
        return "late"

    return registry


def call(name: str, arguments: dict[str, Any] | str, call_id: str) -> ScriptedToolCall:
    return ScriptedToolCall(name, arguments, id=call_id)


async def run(
    responses: list[ScriptedResponse], prompt: str = "go", **options: Any
) -> tuple[list[Any], list[Message], ScriptedProvider, list[tuple[str, Any]]]:
    calls: list[tuple[str, Any]] = []
    provider = ScriptedProvider(responses, responder=lambda _: ScriptedResponse(text="fallback"))
    orchestrator = Orchestrator(provider, make_registry(calls), AgentOptions(**options))
    history: list[Message] = []
    events = [event async for event in orchestrator.run_turn(history, prompt)]
    return events, history, provider, calls


def results_of(message: Message) -> list[tuple[str, str, bool]]:
    return [(r.call_id, r.content, r.is_error) for r in message.tool_results]


async def test_plain_reply_streams_and_finishes() -> None:
    events, history, provider, _ = await run([ScriptedResponse(text="hello there friend")])
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert len(deltas) == 3
    assert "".join(deltas) == "hello there friend"
    assert isinstance(events[-1], TurnFinished)
    assert events[-1].reason == "done"
    assert [m.role for m in history] == ["user", "assistant"]
    assert len(provider.requests) == 1
    assert provider.requests[0].messages == (Message.user("go"),)
    assert {t.name for t in provider.requests[0].tools} == {"add", "shout", "explode", "sleepy"}


async def test_single_tool_round_trip_sends_result_back() -> None:
    events, history, provider, calls = await run(
        [
            ScriptedResponse(tool_calls=(call("add", {"a": 2, "b": 3}, "c1"),)),
            ScriptedResponse(text="It is 5."),
        ]
    )
    assert calls == [("add", (2, 3))]
    second = provider.requests[1].messages
    assert second[-1] == Message("tool", (ToolResult("c1", "5", False, "add"),))
    assert second[-2].tool_calls == (ToolCall("c1", "add", '{"a":2,"b":3}'),)
    finished = [e for e in events if isinstance(e, ToolRunFinished)]
    assert [(f.call.id, f.ok, f.content) for f in finished] == [("c1", True, "5")]
    assert history[-1].text == "It is 5."
    check_tool_pairing(history)


async def test_parallel_calls_run_concurrently_and_keep_order() -> None:
    events, _, provider, calls = await run(
        [
            ScriptedResponse(
                tool_calls=(
                    call("shout", {"text": "a"}, "c1"),
                    call("add", {"a": 1, "b": 1}, "c2"),
                )
            ),
            ScriptedResponse(text="done"),
        ]
    )
    assert sorted(name for name, _ in calls) == ["add", "shout"]
    assert results_of(provider.requests[1].messages[-1]) == [("c1", "A", False), ("c2", "2", False)]
    assert sum(isinstance(e, ToolRunStarted) for e in events) == 2


async def test_parallel_calls_really_overlap_and_results_keep_call_order() -> None:
    # Each tool waits for the other to have started: run one after the other, the first
    # would time out. The second one finishes first; its result still comes second.
    registry = ToolRegistry()
    started = {"ping": asyncio.Event(), "pong": asyncio.Event()}
    finished: list[str] = []

    async def meet(me: str, other: str, linger: float) -> str:
        started[me].set()
        await asyncio.wait_for(started[other].wait(), timeout=2)
        await asyncio.sleep(linger)
        finished.append(me)
        return me

    @registry.tool(toolkit="test", effect="read_only")
    async def ping() -> str:
        """Meets pong."""
        return await meet("ping", "pong", 0.05)

    @registry.tool(toolkit="test", effect="read_only")
    async def pong() -> str:
        """Meets ping."""
        return await meet("pong", "ping", 0.0)

    provider = ScriptedProvider(
        [
            ScriptedResponse(tool_calls=(call("ping", {}, "c1"), call("pong", {}, "c2"))),
            ScriptedResponse(text="done"),
        ]
    )
    orchestrator = Orchestrator(provider, registry, AgentOptions())
    history: list[Message] = []
    [event async for event in orchestrator.run_turn(history, "go")]
    assert finished == ["pong", "ping"]  # they overlapped
    results = results_of(provider.requests[1].messages[-1])
    assert results == [("c1", "ping", False), ("c2", "pong", False)]


async def test_multi_step_chain() -> None:
    _, history, provider, calls = await run(
        [
            ScriptedResponse(tool_calls=(call("add", {"a": 1, "b": 2}, "c1"),)),
            ScriptedResponse(tool_calls=(call("add", {"a": 3, "b": 3}, "c2"),)),
            ScriptedResponse(text="six"),
        ]
    )
    assert calls == [("add", (1, 2)), ("add", (3, 3))]
    assert len(provider.requests) == 3
    assert [m.role for m in history] == [
        "user",
        "assistant",
        "tool",
        "assistant",
        "tool",
        "assistant",
    ]


@pytest.mark.parametrize(
    ("tool_call", "expected_words"),
    [
        (call("ad", {"a": 1, "b": 2}, "c1"), ["Unknown tool 'ad'", "Did you mean 'add'"]),
        (call("add", '{"a": 1, "b": ', "c1"), ["JSON"]),
        (call("add", {"a": "one", "b": 2}, "c1"), ["a"]),
        (call("add", {"a": 1}, "c1"), ["b"]),
    ],
    ids=["unknown-tool", "invalid-json", "schema-type", "schema-missing"],
)
async def test_malformed_calls_become_error_results(
    tool_call: ScriptedToolCall, expected_words: list[str]
) -> None:
    _, _, provider, calls = await run(
        [
            ScriptedResponse(tool_calls=(tool_call,)),
            ScriptedResponse(text="sorry"),
        ]
    )
    assert calls == []  # the tool never ran
    [(call_id, content, is_error)] = results_of(provider.requests[1].messages[-1])
    assert call_id == "c1"
    assert is_error
    for word in expected_words:
        assert word in content


async def test_arguments_cut_off_by_max_tokens_are_not_run() -> None:
    _, _, provider, calls = await run(
        [
            ScriptedResponse(
                tool_calls=(call("add", {"a": 1, "b": 2}, "c1"),), stop_reason="max_tokens"
            ),
            ScriptedResponse(text="ok"),
        ]
    )
    assert calls == []
    [(_, content, is_error)] = results_of(provider.requests[1].messages[-1])
    assert is_error
    assert "cut off" in content


async def test_repair_limit_ends_the_turn_with_explanation() -> None:
    bad = ScriptedResponse(tool_calls=(call("add", "not json", "c1"),))
    events, history, provider, _ = await run([bad, bad, bad, bad], max_repairs=2)
    assert len(provider.requests) == 3
    assert isinstance(events[-1], TurnFinished)
    assert events[-1].reason == "repair_limit"
    assert any(isinstance(e, Notice) and "invalid tool calls" in e.text for e in events)
    check_tool_pairing(history)


async def test_raising_tool_returns_error_result() -> None:
    _, _, provider, _ = await run(
        [
            ScriptedResponse(tool_calls=(call("explode", {}, "c1"),)),
            ScriptedResponse(text="it failed"),
        ]
    )
    [(_, content, is_error)] = results_of(provider.requests[1].messages[-1])
    assert is_error
    assert "ValueError: boom" in content
    assert "Traceback" not in content


async def test_slow_tool_hits_its_timeout() -> None:
    _, _, provider, _ = await run(
        [
            ScriptedResponse(tool_calls=(call("sleepy", {}, "c1"),)),
            ScriptedResponse(text="gave up"),
        ]
    )
    [(_, content, is_error)] = results_of(provider.requests[1].messages[-1])
    assert is_error
    assert "timed out" in content


async def test_step_limit() -> None:
    loop_call = ScriptedResponse(tool_calls=(call("add", {"a": 1, "b": 1}, "c1"),))
    events, history, provider, _ = await run([loop_call] * 5, max_steps=3)
    assert len(provider.requests) == 3
    assert events[-1].reason == "step_limit"
    assert any(isinstance(e, Notice) and "llm.max_steps" in e.text for e in events)
    check_tool_pairing(history)


async def test_cancellation_keeps_history_valid() -> None:
    calls: list[tuple[str, Any]] = []
    provider = ScriptedProvider(
        [
            ScriptedResponse(tool_calls=(call("sleepy", {}, "c1"),)),
        ]
    )
    orchestrator = Orchestrator(provider, make_registry(calls), AgentOptions(tool_timeout=30))
    history: list[Message] = []

    async def consume() -> None:
        async for event in orchestrator.run_turn(history, "go"):
            if isinstance(event, ToolRunStarted):
                task.cancel()

    task = asyncio.create_task(consume())
    with pytest.raises(asyncio.CancelledError):
        await task
    assert [m.role for m in history] == ["user", "assistant", "tool"]
    [result] = history[-1].tool_results
    assert result.is_error
    assert "Cancel" in result.content
    check_tool_pairing(history)


def test_invariants_detect_unanswered_and_orphan_results() -> None:
    asked = Message("assistant", (ToolCall("c1", "add", "{}"),))
    with pytest.raises(HistoryInvariantError):
        check_tool_pairing([Message.user("x"), asked, Message.user("y")])
    with pytest.raises(HistoryInvariantError):
        check_tool_pairing([Message.user("x"), Message("tool", (ToolResult("zz", "r"),))])
    with pytest.raises(HistoryInvariantError):
        check_tool_pairing([Message.user("x"), asked])
    check_tool_pairing([Message.user("x"), asked, Message("tool", (ToolResult("c1", "r"),))])


async def test_forced_tool_choice_only_on_first_step() -> None:
    calls: list[tuple[str, Any]] = []
    provider = ScriptedProvider(
        [
            ScriptedResponse(tool_calls=(call("add", {"a": 1, "b": 1}, "c1"),)),
            ScriptedResponse(text="2"),
        ]
    )
    orchestrator = Orchestrator(provider, make_registry(calls))
    history: list[Message] = []
    async for _ in orchestrator.run_turn(history, "go", force_tool="add"):
        pass
    assert [r.tool_choice for r in provider.requests] == ["add", None]


async def test_offline_reply_plans_then_summarizes() -> None:
    from solcoder.tools.toolkits import default_registry

    provider = ScriptedProvider()
    orchestrator = Orchestrator(provider, default_registry())
    history: list[Message] = []
    events = [e async for e in orchestrator.run_turn(history, "run a plan for a token mint")]
    finished = [e for e in events if isinstance(e, ToolRunFinished)]
    assert [(f.call.name, f.ok) for f in finished] == [("plan", True)]
    plan = json.loads(finished[0].content)
    assert plan["steps"]
    completed = [e for e in events if isinstance(e, Completed)]
    assert len(completed) == 2
    assert "1." in completed[-1].message.text
    assert isinstance(history[-1].parts[0], Text)


async def test_cancel_after_one_parallel_tool_finished_keeps_its_real_result() -> None:
    calls: list[tuple[str, Any]] = []
    provider = ScriptedProvider(
        [
            ScriptedResponse(
                tool_calls=(
                    call("add", {"a": 1, "b": 2}, "fast"),
                    call("sleepy", {}, "slow"),
                )
            ),
        ]
    )
    orchestrator = Orchestrator(provider, make_registry(calls), AgentOptions(tool_timeout=30))
    history: list[Message] = []

    async def consume() -> None:
        async for event in orchestrator.run_turn(history, "go"):
            if isinstance(event, ToolRunFinished) and event.call.id == "fast":
                task.cancel()

    task = asyncio.create_task(consume())
    with pytest.raises(asyncio.CancelledError):
        await task
    results = {r.call_id: r for r in history[-1].tool_results}
    assert results["fast"].content == "3"
    assert not results["fast"].is_error
    assert results["slow"].is_error
    check_tool_pairing(history)


async def test_abandoned_stream_still_answers_open_calls() -> None:
    """A consumer that stops iterating (instead of cancelling) must not leave calls open."""
    from contextlib import aclosing

    calls: list[tuple[str, Any]] = []
    provider = ScriptedProvider([ScriptedResponse(tool_calls=(call("sleepy", {}, "c1"),))])
    orchestrator = Orchestrator(provider, make_registry(calls), AgentOptions(tool_timeout=30))
    history: list[Message] = []
    async with aclosing(orchestrator.run_turn(history, "go")) as events:
        async for event in events:
            if isinstance(event, ToolRunStarted):
                break
    check_tool_pairing(history)
    assert history[-1].role == "tool"


async def test_repairs_count_only_invalid_calls_in_a_row() -> None:
    """Issue 23 item 9: a valid round between invalid ones resets the count, so three invalid
    calls that are not consecutive never stop the turn; three in a row do."""
    from solcoder.agent.events import TurnFinished
    from solcoder.agent.orchestrator import AgentOptions, Orchestrator
    from solcoder.llm.providers.scripted import (
        ScriptedProvider,
        ScriptedResponse,
        ScriptedToolCall,
    )
    from solcoder.tools.registry import ToolRegistry

    registry = ToolRegistry()

    @registry.tool(toolkit="test", effect="read_only")
    def echo(text: str) -> str:
        """Echo."""
        return text

    bad = ScriptedResponse(tool_calls=(ScriptedToolCall("echo", {"wrong": 1}, id="b"),))
    good = ScriptedResponse(tool_calls=(ScriptedToolCall("echo", {"text": "x"}, id="g"),))
    options = AgentOptions(max_steps=10, max_repairs=2)

    async def reason(*responses: ScriptedResponse) -> str:
        provider = ScriptedProvider([*responses, ScriptedResponse(text="done")])
        history: list[Message] = []
        orchestrator = Orchestrator(provider, registry, options)
        events = [e async for e in orchestrator.run_turn(history, "go")]
        (finished,) = [e for e in events if isinstance(e, TurnFinished)]
        return finished.reason

    assert await reason(bad, bad, good, bad, bad, good) == "done"
    assert await reason(bad, bad, bad) == "repair_limit"


async def test_a_scripted_provider_that_runs_out_is_an_error() -> None:
    from solcoder.llm.messages import Request
    from solcoder.llm.providers.scripted import (
        ScriptedProvider,
        ScriptedResponse,
        ScriptExhaustedError,
    )

    provider = ScriptedProvider([ScriptedResponse(text="one")])
    request = Request(model="m", messages=())
    _ = [event async for event in provider.astream(request)]
    with pytest.raises(ScriptExhaustedError):
        _ = [event async for event in provider.astream(request)]


async def test_a_reply_cut_by_the_output_limit_says_so() -> None:
    """Issue 23 item 2: a final reply cut by the output token limit is announced (a notice
    for the screen, stderr and --json; a transcript record) with how to raise the limit."""
    from solcoder.agent.conversation import Conversation
    from solcoder.agent.events import Notice
    from solcoder.agent.orchestrator import AgentOptions, Orchestrator
    from solcoder.llm.providers.scripted import ScriptedProvider, ScriptedResponse
    from solcoder.tools.registry import ToolRegistry

    recorded: list[tuple[str, dict[str, object]]] = []

    class Sink:
        def append_message(self, message: object) -> None: ...
        def partial(self, text_so_far: str) -> None: ...
        def end_turn(self, **details: object) -> None: ...
        def record_error(self, error: BaseException) -> None: ...
        def record_fallback(self, *args: object) -> None: ...
        def record_event(self, name: str, /, **data: object) -> None:
            recorded.append((name, data))

    provider = ScriptedProvider([ScriptedResponse(text="The answer is", stop_reason="max_tokens")])
    orchestrator = Orchestrator(provider, ToolRegistry(), AgentOptions(max_output_tokens=64))
    conversation = Conversation(orchestrator, transcript=Sink())  # type: ignore[arg-type]
    events = [event async for event in conversation.run_turn("explain")]
    notices = [e.text for e in events if isinstance(e, Notice)]
    assert any(
        "cut off by the output token limit (64 tokens)" in text and "llm.max_output_tokens" in text
        for text in notices
    ), notices
    assert ("reply_cut", {"limit": 64}) in recorded
