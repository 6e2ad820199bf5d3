"""The REPL's approval question in line mode (stdin not a terminal), over the real
Conversation, orchestrator and built-in `deploy_program`, on the scripted provider."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console

from solcoder.agent.conversation import Conversation
from solcoder.agent.gate import ApprovalGate
from solcoder.agent.orchestrator import Orchestrator
from solcoder.llm.messages import ToolResult
from solcoder.llm.providers.scripted import ScriptedProvider, ScriptedResponse, ScriptedToolCall
from solcoder.tools.toolkits import default_registry
from solcoder.ui.repl import run_repl_async


def deploy(call_id: str) -> ScriptedResponse:
    return ScriptedResponse(
        tool_calls=(ScriptedToolCall("deploy_program", {"cluster": "devnet"}, id=call_id),)
    )


async def test_line_mode_asks_and_answers_no_yes_and_always(tmp_path: Path) -> None:
    provider = ScriptedProvider(
        [
            deploy("c_no"),
            ScriptedResponse(text="declined"),
            deploy("c_yes"),
            ScriptedResponse(text="ran"),
            deploy("c_always"),
            ScriptedResponse(text="ran always"),
            deploy("c_again"),
            ScriptedResponse(text="ran again"),
        ]
    )
    gate = ApprovalGate()
    conversation = Conversation(Orchestrator(provider, default_registry(), approval=gate))
    stream = io.StringIO()
    lines = "deploy\nno\ndeploy\nyes\ndeploy\nalways\ndeploy\n"
    code = await run_repl_async(
        conversation,
        console=Console(file=stream, force_terminal=False, width=120),
        history_path=tmp_path / "history",
        stdin=io.StringIO(lines),
        approval=gate,
    )
    assert code == 0
    shown = stream.getvalue()
    assert shown.count("Run deploy_program? It signs") == 3  # "always" held for the 4th
    assert "cluster: devnet" in shown
    results = {
        part.call_id: part.content
        for message in conversation.history
        for part in message.parts
        if isinstance(part, ToolResult)
    }
    assert results["c_no"] == "Declined by the user."
    for ran in ("c_yes", "c_always", "c_again"):
        assert json.loads(results[ran])["status"] == "not_available"
    assert gate.approver is None  # unplugged when the REPL ends: nothing left to ask


async def test_end_of_input_at_the_question_is_no(tmp_path: Path) -> None:
    provider = ScriptedProvider([deploy("c_eof"), ScriptedResponse(text="after")])
    gate = ApprovalGate()
    conversation = Conversation(Orchestrator(provider, default_registry(), approval=gate))
    stream = io.StringIO()
    await run_repl_async(
        conversation,
        console=Console(file=stream, force_terminal=False, width=120),
        history_path=tmp_path / "history",
        stdin=io.StringIO("deploy\n"),
        approval=gate,
    )
    results = [
        part.content
        for message in conversation.history
        for part in message.parts
        if isinstance(part, ToolResult)
    ]
    assert results == ["Declined by the user."]
