"""A `-p` turn run without an event loop (`solcoder.loopless`, as an offline turn is) does
what the same turn does under asyncio: the same output and transcript, a tool call moves it
under asyncio on the way, and Ctrl-C keeps the partial reply and ends with exit code 130."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest

from solcoder import loopless
from solcoder.agent.conversation import Conversation
from solcoder.agent.orchestrator import Orchestrator
from solcoder.cli.run import run_prompt
from solcoder.llm.providers.scripted import ScriptedProvider, ScriptedResponse, ScriptedToolCall
from solcoder.sessions import SessionStore
from solcoder.tools.toolkits import default_registry

Driver = Callable[[Coroutine[Any, Any, int]], int]
DRIVERS: dict[str, Driver] = {"loopless": loopless.run, "asyncio": asyncio.run}


def one_turn(
    tmp_path: Path, driver: Driver, *responses: ScriptedResponse
) -> tuple[int, list[dict[str, Any]]]:
    """Exit code and the transcript's records (without timestamps and session ids)."""
    store = SessionStore(tmp_path / "home")
    session = store.create("offline", "offline-stub")
    conversation = Conversation(
        Orchestrator(ScriptedProvider(responses), default_registry()),
        session_id=session.id,
        transcript=session,
    )
    code = driver(run_prompt(conversation, "plan it", True, show_thinking=False))
    session.close()
    records = [json.loads(line) for line in session.path.read_text().splitlines()]
    for record in records:
        record.pop("ts", None)
        record.pop("session", None)
    return code, records


@pytest.mark.parametrize(
    "responses",
    [
        (ScriptedResponse(text="A plain answer."),),
        (
            ScriptedResponse(
                tool_calls=(ScriptedToolCall("plan", {"goal": "a counter program"}, id="c1"),)
            ),
            ScriptedResponse(text="Planned."),
        ),
    ],
    ids=["text", "tool call"],
)
def test_both_drivers_run_the_same_turn(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], responses: tuple[ScriptedResponse, ...]
) -> None:
    results = {}
    for name, driver in DRIVERS.items():
        code, records = one_turn(tmp_path / name, driver, *responses)
        out = capsys.readouterr().out
        events = [json.loads(line) for line in out.splitlines()]
        for event in events:
            event.pop("duration_ms", None)  # the only thing allowed to differ
        results[name] = (code, records, events)
    assert results["loopless"] == results["asyncio"]
    assert results["loopless"][0] == 0


def test_ctrl_c_without_a_loop_keeps_the_partial_reply(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, records = one_turn(
        tmp_path,
        loopless.run,
        ScriptedResponse(text="half of the answer", error=KeyboardInterrupt()),
    )
    assert code == 130
    assert "Interrupted; the partial reply is kept." in capsys.readouterr().out
    kept = [r for r in records if r["type"] in {"message", "partial"}]
    assert "half of the answer" in json.dumps(kept)
