"""`load_skill {name, file?}`: the model reads a skill's instructions when it needs them.

The system prompt lists skills by name and description only (`skills/prompt.py`); this tool
returns a skill's body and the list of files beside it, or one of those files (`file`).
Read-only and SolCoder's own, so it runs without asking, and the transcript records it like
every tool call. A thin adapter over `solcoder.skills`; the name is a contract (DESIGN.md §6).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from solcoder.records import shared_methods
from solcoder.tools.effects import Effect
from solcoder.tools.registry import Assessment, ToolOutput
from solcoder.tools.validation import DeclaredTool

if TYPE_CHECKING:
    from solcoder.skills.catalog import SkillSet
    from solcoder.tools.registry import ToolRegistry

TOOLKIT: Final = "skills"
NAME: Final = "load_skill"

_SCHEMA: Final[Mapping[str, Any]] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "description": "The skill's name, as listed under Skills."},
        "file": {
            "type": "string",
            "description": "A file of the skill to read instead (a path from its file list).",
        },
    },
    "required": ["name"],
    "additionalProperties": False,
}


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class LoadSkillTool(DeclaredTool):
    skills: SkillSet = field(repr=False)
    workspace: Path | None = None
    name: str = NAME
    description: str = (
        "Load a skill listed in the system prompt: returns its instructions and the files "
        "beside them. Call it before a task the skill's description matches. With `file`, "
        "returns one of those files instead."
    )
    json_schema: Mapping[str, Any] = field(default_factory=lambda: _SCHEMA)
    effect: Effect = "read_only"
    timeout: float | None = None

    @property
    def toolkit(self) -> str:
        return TOOLKIT

    def assess(self, arguments: Mapping[str, Any]) -> Assessment:
        return Assessment(self.effect)

    async def run(self, arguments: Mapping[str, Any]) -> ToolOutput:
        import asyncio  # a tool call runs under the event loop (solcoder.loopless)

        return await asyncio.to_thread(self._run, dict(arguments))

    def _run(self, arguments: Mapping[str, Any]) -> ToolOutput:
        from solcoder.skills.files import describe, read_skill_file
        from solcoder.skills.reading import ReadProblem

        name = str(arguments["name"]).strip()
        skill = self.skills.get(name)
        if skill is None:
            known = ", ".join(self.skills.names) or "none"
            return ToolOutput(f"Error: no skill is named `{name}`. Skills: {known}.", is_error=True)
        file = arguments.get("file")
        if not file:
            return ToolOutput(describe(skill, workspace=self.workspace))
        try:
            return ToolOutput(read_skill_file(skill, str(file)))
        except ReadProblem as problem:
            return ToolOutput(f"Error: {problem}.", is_error=True)


def attach_skill_tool(
    registry: ToolRegistry, skills: SkillSet | None, workspace: Path | None = None
) -> None:
    """Offer `load_skill` when there are skills (none: no tool, nothing in the prompt)."""
    if skills is None or not skills.skills:
        return
    registry.add_external(LoadSkillTool(skills, workspace))
