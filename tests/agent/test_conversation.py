"""Conversation: what survives failures, cancellation, /clear and /retry — in memory and on disk."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from solcoder.agent.conversation import Conversation
from solcoder.agent.events import ToolRunFinished
from solcoder.agent.invariants import check_tool_pairing
from solcoder.agent.orchestrator import Orchestrator
from solcoder.errors import IdleTimeoutError, ProtocolError
from solcoder.llm.messages import Message, Text
from solcoder.llm.providers.scripted import ScriptedProvider, ScriptedResponse
from solcoder.sessions import SessionStore
from solcoder.tools.toolkits import default_registry


def make(tmp_path: Path, *responses: ScriptedResponse) -> tuple[Conversation, object]:
    store = SessionStore(tmp_path / "home")
    session = store.create("offline", "offline-stub")
    provider = ScriptedProvider(responses)
    conversation = Conversation(
        Orchestrator(provider, default_registry()), session_id=session.id, transcript=session
    )
    return conversation, session


async def drain(conversation: Conversation, text: str) -> None:
    async for _ in conversation.run_turn(text):
        pass


@pytest.mark.parametrize("error", [IdleTimeoutError("stalled"), ProtocolError("bad json")])
async def test_partial_reply_kept_for_any_mid_stream_failure(
    tmp_path: Path, error: Exception
) -> None:
    conversation, session = make(tmp_path, ScriptedResponse(text="partial words here", error=error))
    with pytest.raises(type(error)):
        await drain(conversation, "tell me")
    assert conversation.history[-1].role == "assistant"
    assert "partial words here" in conversation.history[-1].text
    resumed = session.messages()  # type: ignore[attr-defined]
    assert [m.role for m in resumed] == ["user", "assistant"]
    assert "partial words here" in resumed[-1].text


async def test_clear_and_retry_survive_a_resume(tmp_path: Path) -> None:
    conversation, session = make(
        tmp_path,
        ScriptedResponse(text="first answer"),
        ScriptedResponse(text="second answer"),
        ScriptedResponse(text="second answer, again"),
    )
    await drain(conversation, "first")
    conversation.clear()
    await drain(conversation, "second")
    async for _ in conversation.retry_last():
        pass
    expected = [("user", "second"), ("assistant", "second answer, again")]
    assert [(m.role, m.text) for m in conversation.history] == expected
    resumed = session.messages()  # type: ignore[attr-defined]
    assert [(m.role, m.text) for m in resumed] == expected


async def test_cancelled_turn_keeps_prompt_and_streamed_text(tmp_path: Path) -> None:
    conversation, session = make(
        tmp_path, ScriptedResponse(text="one two three four five six", token_delay=0.05)
    )
    seen: list[str] = []

    async def consume() -> None:
        async for event in conversation.run_turn("count"):
            seen.append(type(event).__name__)
            if seen.count("TextDelta") == 3:
                task.cancel()

    task = asyncio.create_task(consume())
    with pytest.raises(asyncio.CancelledError):
        await task
    assert conversation.history[0] == Message.user("count")
    assert conversation.history[-1].parts[0] == Text("one two three [interrupted]")
    resumed = session.messages()  # type: ignore[attr-defined]
    assert resumed[0] == Message.user("count")
    assert "one two three" in resumed[-1].text


async def test_offline_plan_turn_is_valid_history(tmp_path: Path) -> None:
    conversation, _ = make(tmp_path)
    events = [e async for e in conversation.run_turn("run a plan for a vault")]
    assert any(isinstance(e, ToolRunFinished) and e.ok for e in events)
    check_tool_pairing(conversation.history)


async def test_retry_after_clear_has_nothing_to_repeat(tmp_path: Path) -> None:
    conversation, _ = make(tmp_path, ScriptedResponse(text="answer"))
    await drain(conversation, "question")
    conversation.clear()
    events = [e async for e in conversation.retry_last()]
    assert conversation.history == []
    assert "Nothing to retry" in events[0].text  # type: ignore[union-attr]
