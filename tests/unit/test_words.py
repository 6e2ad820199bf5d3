"""Counted nouns ("1 turn", never "1 turns") where the CLI and REPL count things."""

from __future__ import annotations

from solcoder.agent.conversation import Conversation
from solcoder.agent.orchestrator import Orchestrator
from solcoder.llm.providers.scripted import ScriptedProvider
from solcoder.tools.registry import ToolRegistry
from solcoder.words import count


def test_count() -> None:
    assert count(1, "turn") == "1 turn"
    assert count(0, "turn") == "0 turns"
    assert count(2, "model step") == "2 model steps"


async def test_one_turn_is_singular_in_the_session_line() -> None:
    conversation = Conversation(Orchestrator(ScriptedProvider(), ToolRegistry()), session_id="s")
    _ = [event async for event in conversation.run_turn("hello")]
    assert conversation.describe_session().endswith("· 1 turn")


def test_mcp_without_servers_says_none_are_configured() -> None:
    from rich.console import Console

    from solcoder.cli.interactive import mcp_hooks
    from solcoder.ui.commands import CommandRouter, ReplHost

    console = Console(record=True, width=100)
    router = CommandRouter(object(), ReplHost(**mcp_hooks(None)), console)  # type: ignore[arg-type]
    router.dispatch("/mcp")
    shown = console.export_text()
    assert "not available" not in shown
    assert "No MCP servers are configured" in shown
