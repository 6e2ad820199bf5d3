"""SolCoder's baseline toolkits, and the registry that holds them all.

Each toolkit module exposes `register(registry)`. Registering builds a pydantic model per tool,
and the toolkits import pydantic themselves: together most of the CLI's start-up time. So
`default_registry()` returns a `BaselineRegistry`, which offers the tools to the model from a
snapshot of their specs (`specs.json`: name, toolkit, effect, description, JSON Schema; it
also holds the workspace and command tools, for `solcoder tools`) and imports the toolkits only
when a tool is looked up, run or listed. `load_registry()` builds the real thing; a test checks
that the snapshot is what the tools declare (`tools/builtin.py`'s `write_snapshot()` renews
it).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator

from solcoder.llm.messages import ToolSpec
from solcoder.tools.effects import Effect
from solcoder.tools.registry import FunctionT, Tool, ToolFunction, ToolLike, ToolRegistry
from solcoder.tools.snapshot import read_snapshot

TOOLKIT_NAMES = ("plan", "code", "review", "deploy", "diagnostics", "knowledge")


def load_registry() -> ToolRegistry:
    """A new registry with every baseline toolkit registered (imports them all)."""
    from solcoder.tools.toolkits import code, deploy, diagnostics, knowledge, plan, review

    registry = ToolRegistry()
    for toolkit in (plan, code, review, deploy, diagnostics, knowledge):
        toolkit.register(registry)
    return registry


def default_registry() -> ToolRegistry:
    """A new registry with every baseline toolkit, loaded when first needed."""
    return BaselineRegistry()


class BaselineRegistry(ToolRegistry):
    """The baseline toolkits: specs and names from the snapshot until a tool itself is needed,
    then the real registry (`load_registry()`) behind the same interface."""

    def __init__(self) -> None:
        super().__init__()
        self._loaded = False
        self._specs = [
            (entry["toolkit"], ToolSpec(entry["name"], entry["description"], entry["json_schema"]))
            for entry in read_snapshot()
            if entry["toolkit"] in TOOLKIT_NAMES  # the declared tools are attached by a launch
        ]

    def _load(self) -> None:
        if not self._loaded:
            self._loaded = True
            self._tools = load_registry()._tools

    def specs(self, toolkits: Collection[str] | None = None) -> tuple[ToolSpec, ...]:
        if self._loaded:
            return super().specs(toolkits)
        external = list(self._external.values())
        if toolkits is not None:
            unknown = set(toolkits) - set(TOOLKIT_NAMES) - {tool.toolkit for tool in external}
            if unknown:
                raise ValueError(
                    f"unknown toolkits: {', '.join(sorted(unknown))}; "
                    f"known: {', '.join(TOOLKIT_NAMES)}"
                )
        baseline = [
            spec for toolkit, spec in self._specs if toolkits is None or toolkit in toolkits
        ]
        return (
            *baseline,
            *(tool.spec for tool in external if toolkits is None or tool.toolkit in toolkits),
        )

    def names(self) -> list[str]:
        if self._loaded:
            return super().names()
        return [*(spec.name for _, spec in self._specs), *self._external]

    def __contains__(self, name: object) -> bool:
        return name in self.names()

    def __len__(self) -> int:
        return len(self.names())

    def tool(
        self,
        *,
        toolkit: str,
        name: str | None = None,
        timeout: float | None = None,
        effect: Effect,
    ) -> Callable[[FunctionT], FunctionT]:
        self._load()
        return super().tool(toolkit=toolkit, name=name, timeout=timeout, effect=effect)

    def register(
        self,
        function: ToolFunction,
        *,
        toolkit: str,
        name: str | None = None,
        timeout: float | None = None,
        effect: Effect,
    ) -> Tool:
        self._load()
        return super().register(
            function, toolkit=toolkit, name=name, timeout=timeout, effect=effect
        )

    def get(self, name: str) -> ToolLike | None:
        if name in self._external:  # an MCP tool needs none of the baseline loaded
            return self._external[name]
        self._load()
        return super().get(name)

    def toolkits(self) -> dict[str, list[ToolLike]]:
        self._load()
        return super().toolkits()

    def closest(self, name: str) -> str | None:
        self._load()
        return super().closest(name)

    def __iter__(self) -> Iterator[ToolLike]:
        self._load()
        return super().__iter__()
