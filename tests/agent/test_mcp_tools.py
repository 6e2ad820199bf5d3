"""Agent ring: MCP tools in the registry behind the orchestrator, with a stand-in manager.

The registry is refreshed before every request: tools appear once their server is ready,
go when it fails (with one notice), and follow the server's tool list between steps."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Mapping
from typing import Any

from solcoder.agent.approval import CommandLineApprovals
from solcoder.agent.events import Notice
from solcoder.agent.gate import ApprovalGate
from solcoder.agent.orchestrator import Orchestrator
from solcoder.llm.messages import Message
from solcoder.llm.providers.scripted import ScriptedProvider, ScriptedResponse, ScriptedToolCall
from solcoder.mcp.adapter import McpServerError
from solcoder.mcp.manager import ServerSnapshot
from solcoder.mcp.tools import McpToolSource
from solcoder.tools.registry import ToolRegistry
from solcoder.tools.toolkits import default_registry

ECHO = {
    "name": "echo",
    "description": "Echo a message",
    "inputSchema": {
        "type": "object",
        "properties": {"message": {"type": "string"}},
        "required": ["message"],
    },
}


class StandInManager:
    """What `McpToolSource` and `McpTool` use of `McpManager`, scripted."""

    def __init__(self) -> None:
        self.snapshot = ServerSnapshot("ev", "ready", tools=(ECHO,), generation=1)
        self.notices: list[str] = []
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.fail_calls = False
        self.started = 0

    def ensure_started(self) -> concurrent.futures.Future[None]:
        self.started += 1
        future: concurrent.futures.Future[None] = concurrent.futures.Future()
        future.set_result(None)
        return future

    def snapshots(self) -> list[ServerSnapshot]:
        return [self.snapshot]

    def tools_stale(self) -> bool:
        return False

    async def refresh_tools(self) -> None:
        return None

    def take_notices(self) -> list[str]:
        lines, self.notices = self.notices, []
        return lines

    async def call(self, name: str, tool: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
        self.calls.append((name, tool, dict(arguments)))
        if self.fail_calls:
            self.snapshot = ServerSnapshot("ev", "failed", "stopped", generation=2)
            raise McpServerError("the MCP server 'ev' stopped during the call")
        return {"content": [{"type": "text", "text": f"Echo: {arguments['message']}"}]}


def orchestrator(
    responses: list[ScriptedResponse],
    registry: ToolRegistry | None = None,
    *,
    approve: tuple[str, ...] = ("ev__*",),
) -> tuple[Orchestrator, ScriptedProvider, StandInManager]:
    """`approve`: the `--approve` patterns (MCP tools need approval; none asks here)."""
    manager = StandInManager()
    registry = registry if registry is not None else ToolRegistry()
    registry.attach_source(McpToolSource(manager))  # type: ignore[arg-type]
    provider = ScriptedProvider(responses, responder=lambda _: ScriptedResponse(text="end"))
    gate = ApprovalGate(approvals=CommandLineApprovals(patterns=approve))
    return Orchestrator(provider, registry, approval=gate), provider, manager


async def test_a_call_round_trips_and_the_next_request_carries_the_result() -> None:
    call = ScriptedToolCall("ev__echo", {"message": "hi"}, id="c1")
    agent, provider, manager = orchestrator(
        [ScriptedResponse(tool_calls=(call,)), ScriptedResponse(text="ok")]
    )
    history: list[Message] = []
    events = [event async for event in agent.run_turn(history, "go")]
    assert manager.calls == [("ev", "echo", {"message": "hi"})]
    first, second = provider.requests
    assert [spec.name for spec in first.tools] == ["ev__echo"]
    [result] = second.messages[-1].parts
    assert result.content == "Echo: hi"  # type: ignore[union-attr]
    assert not [e for e in events if isinstance(e, Notice)]


async def test_an_unapproved_call_is_declined_and_never_reaches_the_server() -> None:
    call = ScriptedToolCall("ev__echo", {"message": "hi"}, id="c1")
    agent, provider, manager = orchestrator(
        [ScriptedResponse(tool_calls=(call,)), ScriptedResponse(text="ok")], approve=()
    )
    history: list[Message] = []
    _ = [event async for event in agent.run_turn(history, "go")]
    assert manager.calls == []
    [result] = provider.requests[1].messages[-1].parts
    assert result.content == "Declined by the user."  # type: ignore[union-attr]
    assert result.is_error  # type: ignore[union-attr]


async def test_invalid_arguments_never_reach_the_server() -> None:
    call = ScriptedToolCall("ev__echo", {"text": "hi"}, id="c1")
    agent, provider, manager = orchestrator(
        [ScriptedResponse(tool_calls=(call,)), ScriptedResponse(text="ok")]
    )
    _ = [event async for event in agent.run_turn([], "go")]
    assert manager.calls == []
    [result] = provider.requests[1].messages[-1].parts
    assert "'message' is required but missing" in result.content  # type: ignore[union-attr]


async def test_a_server_that_dies_answers_with_an_error_and_its_tools_go() -> None:
    call = ScriptedToolCall("ev__echo", {"message": "hi"}, id="c1")
    agent, provider, manager = orchestrator(
        [ScriptedResponse(tool_calls=(call,)), ScriptedResponse(text="ok")]
    )
    manager.fail_calls = True
    _ = [event async for event in agent.run_turn([], "go")]
    [result] = provider.requests[1].messages[-1].parts
    assert result.is_error  # type: ignore[union-attr]
    assert "stopped" in result.content  # type: ignore[union-attr]
    assert [spec.name for spec in provider.requests[1].tools] == []


async def test_notices_from_the_manager_are_shown_once() -> None:
    agent, _, manager = orchestrator([ScriptedResponse(text="ok")])
    manager.notices.append("MCP server 'x' failed: nope. Going on without it.")
    events = [event async for event in agent.run_turn([], "go")]
    assert [e.text for e in events if isinstance(e, Notice)] == [
        "MCP server 'x' failed: nope. Going on without it."
    ]


async def test_baseline_registry_offers_mcp_tools_beside_its_snapshot() -> None:
    registry = default_registry()
    agent, provider, _ = orchestrator([ScriptedResponse(text="ok")], registry)
    _ = [event async for event in agent.run_turn([], "go")]
    names = [spec.name for spec in provider.requests[0].tools]
    assert "plan" in names
    assert names[-1] == "ev__echo"
    assert registry.get("ev__echo") is not None
    assert "ev__echo" in registry.names()
    assert registry.remove_origin("mcp:ev") == 1
    assert "ev__echo" not in registry


async def test_a_changed_tool_list_is_picked_up_before_the_next_request() -> None:
    agent, provider, manager = orchestrator(
        [ScriptedResponse(text="one"), ScriptedResponse(text="two")]
    )
    history: list[Message] = []
    _ = [event async for event in agent.run_turn(history, "go")]
    renamed = {**ECHO, "name": "shout"}
    manager.snapshot = ServerSnapshot("ev", "ready", tools=(ECHO, renamed), generation=2)
    _ = [event async for event in agent.run_turn(history, "again")]
    assert [s.name for s in provider.requests[1].tools] == ["ev__echo", "ev__shout"]
