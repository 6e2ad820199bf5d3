"""Agent ring: the approval gate in the orchestrator, on the scripted provider.

Tools here count their runs, so "never ran" is checked on the tool's side, not inferred.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from solcoder.agent.approval import Answer, ApprovalRules, CommandLineApprovals
from solcoder.agent.conversation import Conversation
from solcoder.agent.events import (
    ApprovalDecided,
    ApprovalRequested,
    ToolRunFinished,
    ToolRunStarted,
)
from solcoder.agent.gate import ApprovalGate, ApprovalRequest
from solcoder.agent.invariants import check_tool_pairing
from solcoder.agent.orchestrator import Orchestrator
from solcoder.llm.messages import Message, ToolResult
from solcoder.llm.providers.scripted import ScriptedProvider, ScriptedResponse, ScriptedToolCall
from solcoder.sessions import SessionStore
from solcoder.sessions.transcript import read_transcript
from solcoder.tools.registry import ToolRegistry


def make_registry(runs: list[str]) -> ToolRegistry:
    registry = ToolRegistry()

    @registry.tool(toolkit="test", effect="writes_files")
    async def write(path: str) -> str:
        """Write a file (pretend)."""
        runs.append(f"write {path}")
        return f"wrote {path}"

    @registry.tool(toolkit="test", effect="read_only")
    async def look(path: str) -> str:
        """Read a file (pretend)."""
        runs.append(f"look {path}")
        return f"saw {path}"

    return registry


class ScriptedApprover:
    """Answers from a list, noting each question and what had run when it was asked."""

    def __init__(self, answers: list[Answer], runs: list[str]) -> None:
        self.answers = list(answers)
        self.runs = runs
        self.asked: list[tuple[str, dict[str, Any], int]] = []

    async def ask(self, request: ApprovalRequest) -> Answer:
        self.asked.append((request.call.id, dict(request.arguments), len(self.runs)))
        await asyncio.sleep(0)  # a real approver waits for a person
        return self.answers.pop(0)


def writes(*ids: str) -> ScriptedResponse:
    return ScriptedResponse(
        tool_calls=tuple(ScriptedToolCall("write", {"path": f"{i}.txt"}, id=i) for i in ids)
    )


async def turn(
    responses: list[ScriptedResponse], gate: ApprovalGate, runs: list[str]
) -> tuple[list[Any], list[Message]]:
    provider = ScriptedProvider(
        [*responses, ScriptedResponse(text="done")],
        responder=lambda _: ScriptedResponse(text="done"),
    )
    orchestrator = Orchestrator(provider, make_registry(runs), approval=gate)
    history: list[Message] = []
    events = [event async for event in orchestrator.run_turn(history, "go")]
    check_tool_pairing(history)
    return events, history


def results(history: list[Message]) -> dict[str, ToolResult]:
    return {
        part.call_id: part
        for message in history
        if message.role == "tool"
        for part in message.parts
        if isinstance(part, ToolResult)
    }


async def test_without_an_approver_a_side_effect_is_declined_and_never_runs() -> None:
    runs: list[str] = []
    events, history = await turn([writes("w1")], ApprovalGate(), runs)
    assert runs == []
    result = results(history)["w1"]
    assert (result.content, result.is_error) == ("Declined by the user.", True)
    (decided,) = [e for e in events if isinstance(e, ApprovalDecided)]
    assert (decided.decision, decided.by, decided.effect) == ("deny", "policy", "writes_files")
    assert not [e for e in events if isinstance(e, ApprovalRequested)]  # nobody was asked


async def test_read_only_runs_unasked_and_unrecorded() -> None:
    runs: list[str] = []
    approver = ScriptedApprover([], runs)
    response = ScriptedResponse(tool_calls=(ScriptedToolCall("look", {"path": "a"}, id="l1"),))
    events, _ = await turn([response], ApprovalGate(approver=approver), runs)
    assert runs == ["look a"] and approver.asked == []
    assert not [e for e in events if isinstance(e, ApprovalDecided | ApprovalRequested)]


async def test_yes_runs_no_declines_and_the_model_is_told() -> None:
    runs: list[str] = []
    approver = ScriptedApprover(["no", "yes"], runs)
    events, history = await turn(
        [writes("w1"), writes("w2")], ApprovalGate(approver=approver), runs
    )
    assert runs == ["write w2.txt"]
    assert results(history)["w1"].content == "Declined by the user."
    assert results(history)["w2"].content == "wrote w2.txt"
    decided = [(e.call.id, e.decision, e.by) for e in events if isinstance(e, ApprovalDecided)]
    assert decided == [("w1", "deny", "user"), ("w2", "allow", "user")]
    assert approver.asked[0][1] == {"path": "w1.txt"}  # the person saw the arguments


async def test_always_sticks_for_the_tool_for_the_session() -> None:
    runs: list[str] = []
    approver = ScriptedApprover(["always"], runs)
    gate = ApprovalGate(approver=approver)
    events, _ = await turn([writes("w1"), writes("w2", "w3")], gate, runs)
    assert runs == ["write w1.txt", "write w2.txt", "write w3.txt"]
    assert len(approver.asked) == 1
    decided = [(e.decision, e.by) for e in events if isinstance(e, ApprovalDecided)]
    assert decided == [("always", "user"), ("allow", "user"), ("allow", "user")]
    assert gate.granted == {"write"}
    # The next turn (same gate) does not ask either.
    await turn([writes("w4")], gate, runs)
    assert runs[-1] == "write w4.txt" and len(approver.asked) == 1


async def test_parallel_calls_are_asked_in_order_before_any_runs() -> None:
    runs: list[str] = []
    approver = ScriptedApprover(["yes", "no", "yes"], runs)
    events, history = await turn([writes("w1", "w2", "w3")], ApprovalGate(approver=approver), runs)
    assert [asked[0] for asked in approver.asked] == ["w1", "w2", "w3"]
    assert [asked[2] for asked in approver.asked] == [0, 0, 0]  # nothing ran while asking
    assert sorted(runs) == ["write w1.txt", "write w3.txt"]
    kinds = [type(e).__name__ for e in events if not type(e).__name__.endswith("Delta")]
    last_decision = max(i for i, k in enumerate(kinds) if k == "ApprovalDecided")
    first_start = kinds.index("ToolRunStarted")
    assert last_decision < first_start
    assert results(history)["w2"].content == "Declined by the user."


async def test_config_and_flags_decide_without_asking() -> None:
    runs: list[str] = []
    approver = ScriptedApprover([], runs)
    gate = ApprovalGate(
        rules=ApprovalRules(deny=("write",)),
        approvals=CommandLineApprovals(everything=True),
        approver=approver,
    )
    events, _ = await turn([writes("w1")], gate, runs)
    assert runs == [] and approver.asked == []
    (decided,) = [e for e in events if isinstance(e, ApprovalDecided)]
    assert (decided.decision, decided.by) == ("deny", "config")
    gate = ApprovalGate(approvals=CommandLineApprovals(patterns=("wr*",)))
    events, _ = await turn([writes("w2")], gate, runs)
    assert runs == ["write w2.txt"]
    assert [(e.decision, e.by) for e in events if isinstance(e, ApprovalDecided)] == [
        ("allow", "flag")
    ]


async def test_cancel_during_the_question_answers_every_call_and_runs_none() -> None:
    runs: list[str] = []
    asked = asyncio.Event()

    class Hanging:
        async def ask(self, request: ApprovalRequest) -> Answer:
            asked.set()
            await asyncio.sleep(60)
            return "yes"

    provider = ScriptedProvider([writes("w1", "w2")])
    orchestrator = Orchestrator(
        provider, make_registry(runs), approval=ApprovalGate(approver=Hanging())
    )
    history: list[Message] = []

    async def drive() -> None:
        async for _ in orchestrator.run_turn(history, "go"):
            pass

    task = asyncio.create_task(drive())
    await asyncio.wait_for(asked.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert runs == []
    check_tool_pairing(history)
    assert {r.content for r in results(history).values()} == {"Cancelled by the user."}


async def test_a_denied_call_among_several_keeps_its_answer_when_cancelled_later() -> None:
    runs: list[str] = []
    second = asyncio.Event()

    class NoThenHang:
        calls = 0

        async def ask(self, request: ApprovalRequest) -> Answer:
            self.calls += 1
            if self.calls == 1:
                return "no"
            second.set()
            await asyncio.sleep(60)
            return "yes"

    orchestrator = Orchestrator(
        ScriptedProvider([writes("w1", "w2")]),
        make_registry(runs),
        approval=ApprovalGate(approver=NoThenHang()),
    )
    history: list[Message] = []
    task = asyncio.create_task(_drain(orchestrator.run_turn(history, "go")))
    await asyncio.wait_for(second.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    found = results(history)
    assert found["w1"].content == "Declined by the user."
    assert found["w2"].content == "Cancelled by the user."
    assert runs == []


async def _drain(events: Any) -> None:
    async for _ in events:
        pass


async def test_decisions_are_in_the_transcript_and_a_resume_ignores_them(tmp_path: Path) -> None:
    runs: list[str] = []
    store = SessionStore(tmp_path / "home")
    session = store.create("scripted", "test")
    approver = ScriptedApprover(["no", "always"], runs)
    provider = ScriptedProvider([writes("w1"), writes("w2"), ScriptedResponse(text="done")])
    orchestrator = Orchestrator(
        provider, make_registry(runs), approval=ApprovalGate(approver=approver)
    )
    conversation = Conversation(orchestrator, session_id=session.id, transcript=session)
    events = [event async for event in conversation.run_turn("go")]
    assert [e for e in events if isinstance(e, ToolRunStarted | ToolRunFinished)]
    session.close()
    records = read_transcript(session.path).records
    approvals = [r["data"] for r in records if r["type"] == "event" and r["name"] == "approval"]
    assert approvals == [
        {
            "tool": "write",
            "call_id": "w1",
            "decision": "deny",
            "by": "user",
            "effect": "writes_files",
            "origin": "solcoder",
        },
        {
            "tool": "write",
            "call_id": "w2",
            "decision": "always",
            "by": "user",
            "effect": "writes_files",
            "origin": "solcoder",
        },
    ]
    resumed = store.open(session.id)
    try:
        assert resumed.messages() == conversation.history
        assert resumed.warnings == []
    finally:
        resumed.close()


async def test_switching_orchestrators_keeps_the_gate_and_its_grants() -> None:
    runs: list[str] = []
    gate = ApprovalGate(granted={"write"})
    first = Orchestrator(ScriptedProvider([]), make_registry(runs), approval=gate)
    conversation = Conversation(first)
    second = Orchestrator(ScriptedProvider([]), make_registry(runs))
    conversation.switch(second)
    assert second.approval is gate
