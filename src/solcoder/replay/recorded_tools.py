"""Workspace tools in a replay answer from the recording; they never run again.

Replaying a session must not read or change the user's project as it is today: the files
have moved on since, and an edit replayed twice would corrupt them. So every call of a tool
that touches the workspace gets the result the transcript recorded for the same tool and
arguments, in order; the replay then checks that the model's calls are the same, and the
report lists the file changes the session made (from its `file_change` records).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from solcoder.llm.messages import Message, ToolSpec
from solcoder.tools.arguments import ToolArgumentError, decode_arguments
from solcoder.tools.effects import BUILTIN_ORIGIN, Effect
from solcoder.tools.registry import Assessment, ToolOutput, ToolRegistry

WORKSPACE_TOOLS = frozenset({"read_file", "list_files", "search_files", "edit_file", "write_file"})
RECORDED_TOOLS = WORKSPACE_TOOLS | {"load_skill"}
"""Answered from the recording: the workspace tools, and `load_skill` (the skills on disk
today are not the ones the session loaded, and a replay reads no skill folder)."""
_ANY_OBJECT: Mapping[str, Any] = {"type": "object"}
_NOT_RECORDED = "Error: the recording has no result for this call (it differs from the session)."


def _key(name: str, arguments: Mapping[str, Any]) -> str:
    return f"{name}:{json.dumps(arguments, sort_keys=True, ensure_ascii=False)}"


@dataclass(frozen=True, slots=True, eq=False)
class RecordedTool:
    name: str
    results: dict[str, list[tuple[str, bool]]] = field(repr=False)
    description: str = "Answered from the recording."
    json_schema: Mapping[str, Any] = field(default_factory=lambda: _ANY_OBJECT)
    timeout: float | None = None
    effect: Effect = "read_only"
    """Nothing runs, so nothing needs approval (the recording already says what was decided)."""

    @property
    def toolkit(self) -> str:
        return "workspace"

    @property
    def origin(self) -> str:
        return BUILTIN_ORIGIN

    @property
    def spec(self) -> ToolSpec:
        return ToolSpec(self.name, self.description, self.json_schema)

    def parse_arguments(self, raw: str) -> dict[str, Any]:
        return decode_arguments(self.name, raw, self.json_schema)

    def assess(self, arguments: Mapping[str, Any]) -> Assessment:
        return Assessment(self.effect)

    async def run(self, arguments: Mapping[str, Any]) -> ToolOutput:
        queue = self.results.get(_key(self.name, arguments))
        if not queue:
            return ToolOutput(_NOT_RECORDED, is_error=True)
        content, is_error = queue.pop(0)
        return ToolOutput(content, is_error=is_error)


def recorded_results(messages: Iterable[Message]) -> dict[str, list[tuple[str, bool]]]:
    """Workspace tool results by tool and arguments, in the order they were recorded."""
    calls: dict[str, str] = {}
    found: dict[str, list[tuple[str, bool]]] = {}
    for message in messages:
        for call in message.tool_calls:
            if call.name not in RECORDED_TOOLS:
                continue
            try:
                arguments = decode_arguments(call.name, call.arguments, _ANY_OBJECT)
            except ToolArgumentError:
                continue
            calls[call.id] = _key(call.name, arguments)
        for result in message.tool_results:
            key = calls.get(result.call_id)
            if key is not None:
                found.setdefault(key, []).append((result.content, result.is_error))
    return found


def add_recorded_tools(registry: ToolRegistry, messages: Iterable[Message]) -> None:
    """Stand-ins for the workspace tools the recording called, answering from `messages`
    (only those: a session that never used them replays against the same tool list)."""
    messages = list(messages)
    called = {call.name for message in messages for call in message.tool_calls}
    results = recorded_results(messages)
    for name in sorted(RECORDED_TOOLS & called):
        if name not in registry:
            registry.add_external(RecordedTool(name, results))
