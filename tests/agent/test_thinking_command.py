"""`/thinking` against a real conversation: the last turn's reasoning, tool loop included."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from solcoder.agent.conversation import Conversation
from solcoder.agent.orchestrator import Orchestrator
from solcoder.llm.providers.scripted import ScriptedProvider, ScriptedResponse, ScriptedToolCall
from solcoder.sessions import SessionStore
from solcoder.tools.toolkits import default_registry
from solcoder.ui.commands import CommandRouter, ReplHost


async def test_thinking_prints_every_block_of_the_last_turn_only(tmp_path: Path) -> None:
    session = SessionStore(tmp_path / "home").create("offline", "offline-stub")
    provider = ScriptedProvider(
        (
            ScriptedResponse(text="Hi.", thinking="an old thought"),
            ScriptedResponse(
                thinking="plan first",
                tool_calls=(ScriptedToolCall("plan", {"goal": "a counter program"}),),
            ),
            ScriptedResponse(text="Done.", thinking="then answer\x1b[31m"),
        )
    )
    conversation = Conversation(
        Orchestrator(provider, default_registry()), session_id=session.id, transcript=session
    )
    for prompt in ("hello", "plan a counter"):
        async for _ in conversation.run_turn(prompt):
            pass
    stream = io.StringIO()
    router = CommandRouter(conversation, ReplHost(), Console(file=stream, width=120))
    router.dispatch("/thinking")
    shown = stream.getvalue()
    assert "plan first" in shown and "then answer" in shown
    assert shown.index("plan first") < shown.index("then answer")
    assert "an old thought" not in shown
    assert "\x1b[31m" not in shown  # what the model sent is made terminal-safe
