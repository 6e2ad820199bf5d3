"""MCP tools in SolCoder's registry: `McpTool` has the surface the orchestrator uses, and
`McpToolSource` keeps the registry in step with the servers (started on the first request
that needs the tool list, refreshed after `notifications/tools/list_changed`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from solcoder.llm.messages import ToolSpec
from solcoder.mcp.adapter import McpServerError
from solcoder.mcp.naming import assign_names
from solcoder.mcp.results import map_result
from solcoder.tools.effects import Effect
from solcoder.tools.registry import Assessment, ToolOutput
from solcoder.tools.validation import checked_arguments

if TYPE_CHECKING:
    from solcoder.mcp.manager import McpManager, ServerSnapshot
    from solcoder.tools.registry import ToolRegistry

MAX_DESCRIPTION = 2000
_EMPTY_SCHEMA: Mapping[str, Any] = {"type": "object", "properties": {}}


def origin_of(server: str) -> str:
    return f"mcp:{server}"


@dataclass(frozen=True, slots=True, eq=False)
class McpTool:
    """One server tool under its model-facing name (`server__tool`)."""

    name: str
    server: str
    remote_name: str
    description: str
    json_schema: Mapping[str, Any]
    manager: McpManager = field(repr=False)
    timeout: float | None = None
    effect: Effect = "unknown"
    """A server declares nothing we can trust about side effects: needs approval."""

    @property
    def toolkit(self) -> str:
        return origin_of(self.server)

    @property
    def origin(self) -> str:
        return origin_of(self.server)

    @property
    def spec(self) -> ToolSpec:
        return ToolSpec(self.name, self.description, self.json_schema)

    def parse_arguments(self, raw: str) -> dict[str, Any]:
        return checked_arguments(self.name, raw, self.json_schema)

    def assess(self, arguments: Mapping[str, Any]) -> Assessment:
        return Assessment(self.effect)

    async def run(self, arguments: Mapping[str, Any]) -> ToolOutput:
        try:
            result = await self.manager.call(self.server, self.remote_name, arguments)
        except McpServerError as error:
            return ToolOutput(f"Error: {error}", is_error=True)
        return map_result(result)


def input_schema(tool: Mapping[str, Any]) -> Mapping[str, Any]:
    """The tool's `inputSchema` as providers accept it (an object schema, always)."""
    schema = tool.get("inputSchema")
    if not isinstance(schema, Mapping) or schema.get("type") != "object":
        return _EMPTY_SCHEMA
    return schema


def tools_of(snapshot: ServerSnapshot, manager: McpManager, taken: list[str]) -> list[McpTool]:
    """The snapshot's tools under their names (never one in `taken`), in listing order."""
    listed = [tool for tool in snapshot.tools if isinstance(tool.get("name"), str)]
    names = assign_names(snapshot.name, [str(tool["name"]) for tool in listed], taken)
    config = snapshot.config
    built: list[McpTool] = []
    seen: set[str] = set()
    for tool in listed:
        remote = str(tool["name"])
        if remote in seen:
            continue
        seen.add(remote)
        description = str(tool.get("description") or tool.get("title") or remote)
        built.append(
            McpTool(
                name=names[remote],
                server=snapshot.name,
                remote_name=remote,
                description=description[:MAX_DESCRIPTION],
                json_schema=input_schema(tool),
                manager=manager,
                timeout=config.tool_timeout if config is not None else None,
            )
        )
    return built


class McpToolSource:
    """Puts each ready server's tools in a registry, and takes a failed server's out."""

    def __init__(self, manager: McpManager) -> None:
        self.manager = manager
        self._generations: dict[str, int] = {}

    async def refresh(self, registry: ToolRegistry) -> list[str]:
        import asyncio

        await asyncio.wrap_future(self.manager.ensure_started())
        if self.manager.tools_stale():
            await self.manager.refresh_tools()  # once, however many list_changed came
        for snapshot in self.manager.snapshots():
            if self._generations.get(snapshot.name) == snapshot.generation:
                continue
            self._generations[snapshot.name] = snapshot.generation
            registry.remove_origin(origin_of(snapshot.name))
            if snapshot.status == "ready":
                for tool in tools_of(snapshot, self.manager, registry.names()):
                    registry.add_external(tool)
        return self.manager.take_notices()

    def status_rows(self) -> list[tuple[str, str]]:
        return [(f"mcp {s.name}", s.describe()) for s in self.manager.snapshots()]
