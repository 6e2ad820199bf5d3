"""Agent ring: compaction on the scripted provider (threshold, off, focus, tool loops, failure
fallback, pieces when full, transcript and resume), checking the exact requests sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from solcoder.agent.compaction import CompactionOptions
from solcoder.agent.conversation import Conversation
from solcoder.agent.events import Compacted, CompactionStarted, Notice
from solcoder.agent.history_cut import SUMMARY_HEADER, summary_text
from solcoder.agent.invariants import check_tool_pairing
from solcoder.agent.orchestrator import AgentOptions, Orchestrator
from solcoder.errors import ServerError
from solcoder.llm.messages import Message, Request
from solcoder.llm.providers.scripted import ScriptedProvider, ScriptedResponse, ScriptedToolCall
from solcoder.llm.tokens import estimate_request
from solcoder.sessions import SessionStore
from solcoder.tools.registry import ToolRegistry

WINDOW = 3000
FILLER = " ".join(f"word{index}" for index in range(120))  # ~ 300 tokens


def registry() -> ToolRegistry:
    tools = ToolRegistry()

    @tools.tool(toolkit="test", effect="read_only")
    def lookup(key: str) -> str:
        """Look a key up (returns a long text)."""
        return f"value of {key}: " + FILLER

    return tools


def provider(
    responses: list[ScriptedResponse] | None = None, *, window: int | None = WINDOW, **kw: Any
) -> ScriptedProvider:
    scripted = ScriptedProvider(
        responses or [],
        responder=lambda request: ScriptedResponse(text="ok " + FILLER[:200]),
        name="custom",
        model="unknown-model",
        **kw,
    )
    scripted.context_window = window
    return scripted


def orchestrator(scripted: ScriptedProvider, threshold: float | None = 0.8) -> Orchestrator:
    options = AgentOptions(
        system="You are a test.",
        max_output_tokens=256,
        max_steps=20,
        compaction=CompactionOptions(threshold=threshold, summary_tokens=256),
    )
    return Orchestrator(scripted, registry(), options)


def turn_requests(scripted: ScriptedProvider) -> list[Request]:
    return [request for request in scripted.requests if request.purpose == "turn"]


def compaction_requests(scripted: ScriptedProvider) -> list[Request]:
    return [request for request in scripted.requests if request.purpose == "compaction"]


async def talk(conversation: Conversation, turns: int, start: int = 1) -> list[Any]:
    events: list[Any] = []
    for number in range(start, start + turns):
        fact = f"FACT: the program id of turn {number} is P{number}." if number == 2 else ""
        async for event in conversation.run_turn(f"Turn {number}. {fact} {FILLER}"):
            events.append(event)
    return events


async def test_threshold_compacts_and_every_request_fits() -> None:
    scripted = provider()
    conversation = Conversation(orchestrator(scripted))
    events = await talk(conversation, 12)
    compactions = [event for event in events if isinstance(event, Compacted)]
    assert compactions, "the history passed 80% of the window and was never compacted"
    assert any(isinstance(event, CompactionStarted) for event in events)
    limit = int(WINDOW * 0.8)
    for request in turn_requests(scripted):
        check_tool_pairing(request.messages)
        assert estimate_request(request, provider="custom") <= limit
    for request in compaction_requests(scripted):
        assert estimate_request(request, provider="custom") + 256 <= WINDOW
    first = conversation.history[0]
    assert first.text.startswith(SUMMARY_HEADER)
    assert "P2" in (summary_text(first) or "")  # turn 2's fact survives repeated summaries
    assert all(event.after_tokens < event.before_tokens for event in compactions)


async def test_off_never_compacts() -> None:
    scripted = provider(window=100_000)
    conversation = Conversation(orchestrator(scripted, threshold=None))
    events = await talk(conversation, 6)
    assert not compaction_requests(scripted)
    assert not any(isinstance(event, Compacted | CompactionStarted) for event in events)


async def test_manual_compact_with_focus_summarises_everything() -> None:
    scripted = provider(window=100_000)
    conversation = Conversation(orchestrator(scripted, threshold=None))
    await talk(conversation, 3)
    events = [event async for event in conversation.compact("the program ids")]
    (request,) = compaction_requests(scripted)
    assert request.messages[-1].text.endswith("Pay particular attention to: the program ids")
    assert "keep every fact" in (request.system or "").lower()
    done = [event for event in events if isinstance(event, Compacted)]
    assert done and done[0].trigger == "manual" and done[0].replaced == 6
    assert [message.role for message in conversation.history] == ["user", "assistant"]
    await talk(conversation, 1, start=4)
    assert turn_requests(scripted)[-1].messages[0].text.startswith(SUMMARY_HEADER)


async def test_tool_loop_is_compacted_between_steps_without_splitting_calls() -> None:
    steps = [
        ScriptedResponse(
            text=f"step {index}",
            tool_calls=(ScriptedToolCall("lookup", {"key": f"k{index}"}, id=f"c{index}"),),
        )
        for index in range(14)
    ]
    scripted = provider([*steps, ScriptedResponse(text="all done")])
    conversation = Conversation(orchestrator(scripted))
    events = [event async for event in conversation.run_turn("Look up fourteen keys.")]
    assert any(isinstance(event, Compacted) for event in events)
    assert events[-1].reason == "done"
    for request in turn_requests(scripted):
        check_tool_pairing(request.messages)  # no result without its call, no call unanswered
        assert estimate_request(request, provider="custom") <= int(WINDOW * 0.8)
    check_tool_pairing(conversation.history)


async def test_failed_summary_falls_back_to_trimming_with_one_line() -> None:
    def broken(request: Request) -> ScriptedResponse:
        return ScriptedResponse(error=ServerError("fake outage", provider="custom", status=500))

    scripted = provider(summarizer=broken)
    conversation = Conversation(orchestrator(scripted))
    events = await talk(conversation, 8)
    warnings = [e.text for e in events if isinstance(e, Notice) and "Could not summarise" in e.text]
    assert warnings and "trimmed" in warnings[0] and "\n" not in warnings[0]
    assert not any(isinstance(event, Compacted) for event in events)
    assert not conversation.history[0].text.startswith(SUMMARY_HEADER)  # history untouched


async def test_manual_compact_when_full_summarises_in_pieces() -> None:
    scripted = provider(window=100_000)
    conversation = Conversation(orchestrator(scripted, threshold=None))
    await talk(conversation, 10)  # about 6k tokens: more than twice the window below
    scripted.context_window = 2000
    events = [event async for event in conversation.compact()]
    (done,) = [event for event in events if isinstance(event, Compacted)]
    assert done.pieces >= 3
    requests = compaction_requests(scripted)
    assert len(requests) == done.pieces
    for request in requests:
        assert estimate_request(request, provider="custom") + 256 <= 2000
    assert "Earlier summary" in requests[-1].messages[-1].text  # each piece builds on the last
    assert "P2" in (summary_text(conversation.history[0]) or "")


async def test_unknown_window_uses_a_default_with_one_notice() -> None:
    scripted = provider(window=None)
    options = AgentOptions(max_output_tokens=256, compaction=CompactionOptions(threshold=0.1))
    conversation = Conversation(Orchestrator(scripted, registry(), options))
    events: list[Any] = []
    for number in range(30):
        async for event in conversation.run_turn(f"turn {number} " + FILLER * 3):
            events.append(event)
    notices = [e.text for e in events if isinstance(e, Notice) and "unknown" in e.text]
    assert len(notices) == 1 and "assumed 32,768 tokens" in notices[0]
    assert any(isinstance(event, Compacted) for event in events)


async def test_transcript_records_compaction_and_resume_continues_from_summary(
    tmp_path: Path,
) -> None:
    store = SessionStore(tmp_path / "home")
    session = store.create("custom", "unknown-model")
    scripted = provider()
    conversation = Conversation(orchestrator(scripted), transcript=session)
    await talk(conversation, 10)
    records = [
        line
        for line in session.path.read_text(encoding="utf-8").splitlines()
        if '"name":"compaction"' in line
    ]
    assert records and "P2" in records[-1]
    session.close()
    resumed = store.open(session.id)
    history = resumed.messages()
    assert [(m.role, m.text) for m in history] == [(m.role, m.text) for m in conversation.history]
    check_tool_pairing(history)
    resumed.close()


async def test_offline_summary_is_deterministic() -> None:
    # Long enough that a summary is shorter than the conversation (a longer one is not used).
    chatter = "Here is a long explanation of accounts, rent and seeds. " * 40
    history = [Message.user("FACT: mint is M1"), Message.assistant(chatter)]
    first = ScriptedProvider()
    second = ScriptedProvider()
    orchestrator_a = Orchestrator(first, registry())
    orchestrator_b = Orchestrator(second, registry())
    a = [e async for e in orchestrator_a.compact(list(history))]
    b = [e async for e in orchestrator_b.compact(list(history))]
    summaries = [e.summary for e in a + b if isinstance(e, Compacted)]
    assert len(summaries) == 2 and summaries[0] == summaries[1]
    assert "FACT: mint is M1" in summaries[0]
