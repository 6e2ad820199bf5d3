"""The tool registry: plain Python functions become tools a model can call.

Every provider wants the same three things for a tool (a name, a description and a JSON Schema
for its arguments) and sends the arguments back as raw JSON text that may be malformed, cut off
or simply wrong. The schema and the validator are both derived from one pydantic model, built
once at registration from the function's signature and docstring, so they cannot drift apart;
and every argument problem becomes a sentence the model can act on, so it can repair its call.
pydantic is imported when a tool is registered or run, not with this module: a conversation
offers the baseline tools from their snapshot (`toolkits.BaselineRegistry`) and starts faster.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from solcoder.llm.messages import ToolSpec
from solcoder.records import shared_methods
from solcoder.tools.arguments import (  # re-exported: callers import it from here
    ToolArgumentError as ToolArgumentError,  # noqa: PLC0414
)
from solcoder.tools.arguments import decode_arguments
from solcoder.tools.effects import BUILTIN_ORIGIN, Effect, check_effect

if TYPE_CHECKING:
    import pydantic

    from solcoder.workspace.changes import FileChange

ToolFunction = Callable[..., Any]
FunctionT = TypeVar("FunctionT", bound=Callable[..., Any])

# The name rule of OpenAI function calling and Anthropic tool use (the stricter of the two).
TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


class ToolTimeoutError(TimeoutError):
    """A tool ran longer than its `timeout` (a sync tool's thread finishes in the background)."""


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ToolOutput:
    """What a tool produced: `content` goes to the model, `data` stays for the program."""

    content: str
    data: Any = None
    is_error: bool = False
    changes: tuple[FileChange, ...] = ()
    """Files the call changed (workspace tools), reported as `file_change` events."""
    command: CommandRecord | None = None
    """The command the call ran (command tools): a `command` event and transcript record."""


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class CommandRecord:
    """How a command ended, for the transcript, `--json` and `/status`."""

    command: str
    exit_code: int | None
    duration_s: float
    sandbox: str
    """"bubblewrap", "seatbelt" or "none"."""
    timed_out: bool = False
    stopped: bool = False
    """Stopped by the user (Ctrl-C)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "exit_code": self.exit_code,
            "duration_ms": round(self.duration_s * 1000, 1),
            "sandbox": self.sandbox,
            "timed_out": self.timed_out,
            "stopped": self.stopped,
        }


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Assessment:
    """What one call with these arguments would do, judged before it is approved.

    Most tools always do what they declared (`effect`); a workspace tool can say more: a read
    of a secret asks first (`reads_secrets`), an edit shows its diff (`preview`), and a call
    that cannot succeed (an edit of a file never read) is answered with `problem` without
    asking anyone."""

    effect: Effect
    preview: str | None = None
    problem: str | None = None
    command: str | None = None
    """The shell command this call would run: approval judges the command, not the tool
    (`agent/command_approval.py`)."""
    read_only_command: bool = False
    """That command is made only of built-in read-only commands (runs unasked when sandboxed)."""


@dataclass(frozen=True, slots=True, eq=False)
class Tool:
    """One registered function with its schema and the validator built from the same model."""

    name: str
    toolkit: str
    description: str
    json_schema: Mapping[str, Any]
    function: ToolFunction = field(repr=False)
    arguments_model: type[pydantic.BaseModel] = field(repr=False)
    timeout: float | None = None
    effect: Effect = "read_only"
    """What running it can do (`tools/effects.py`); the approval policy decides from it."""
    origin: str = BUILTIN_ORIGIN
    """Who provides it: "solcoder" for built-ins, "mcp:SERVER" for an MCP server's tools."""

    @property
    def spec(self) -> ToolSpec:
        return ToolSpec(self.name, self.description, self.json_schema)

    def parse_arguments(self, raw: str) -> dict[str, Any]:
        """Validated arguments (JSON-compatible, defaults filled in) from the model's raw text.

        Empty text counts as `{}`: several servers stream nothing for a call without arguments.
        """
        value = decode_arguments(self.name, raw, self.json_schema)
        return self._validate(value).model_dump(mode="json")

    async def run(self, arguments: Mapping[str, Any]) -> ToolOutput:
        """Run the tool: sync functions in a worker thread, async ones on this loop.

        Exceptions raised by the tool propagate; `ToolTimeoutError` when `timeout` passes.
        """
        model = self._validate(arguments)
        keywords = {name: getattr(model, name) for name in type(model).model_fields}
        if self.timeout is None:
            return _to_output(await self._call(keywords))
        import asyncio

        scope = asyncio.timeout(self.timeout)
        try:
            async with scope:
                value = await self._call(keywords)
        except TimeoutError:
            if scope.expired():
                raise ToolTimeoutError(
                    f"tool `{self.name}` did not finish within {self.timeout:g} s"
                ) from None
            raise
        return _to_output(value)

    async def _call(self, keywords: dict[str, Any]) -> Any:
        if inspect.iscoroutinefunction(self.function):
            return await self.function(**keywords)
        import asyncio

        value = await asyncio.to_thread(self.function, **keywords)
        if inspect.isawaitable(value):
            value = await value
        return value

    def assess(self, arguments: Mapping[str, Any]) -> Assessment:
        """Registered functions always do what they declared."""
        return Assessment(self.effect)

    def _validate(self, arguments: Mapping[str, Any]) -> pydantic.BaseModel:
        import pydantic

        try:
            return self.arguments_model.model_validate(dict(arguments))
        except pydantic.ValidationError as error:
            raise ToolArgumentError(self._describe_invalid(error)) from None

    def _parameter_names(self) -> list[str]:
        return list(self.arguments_model.model_fields)

    def _describe_invalid(self, error: pydantic.ValidationError) -> str:
        problems = []
        for detail in error.errors(include_url=False):
            location = ".".join(str(part) for part in detail["loc"]) or "(arguments)"
            kind = detail["type"]
            if kind == "missing":
                problem = "required field is missing"
            elif kind == "extra_forbidden":
                problem = "unknown field"
                if len(detail["loc"]) == 1:
                    problem += f"; this tool takes: {', '.join(self._parameter_names()) or 'none'}"
            else:
                problem = f"{detail['msg']} (got {_short_json(detail.get('input'))})"
            problems.append(f"- {location}: {problem}")
        return (
            f"Invalid arguments for tool `{self.name}`:\n"
            + "\n".join(problems)
            + "\nFix these fields and call the tool again."
        )


class ToolLike(Protocol):
    """What the orchestrator uses of a tool: SolCoder's own `Tool` and tools from outside
    (an MCP server's, `solcoder.mcp.tools.McpTool`) both have this surface."""

    @property
    def name(self) -> str: ...
    @property
    def toolkit(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def json_schema(self) -> Mapping[str, Any]: ...
    @property
    def timeout(self) -> float | None: ...
    @property
    def effect(self) -> Effect: ...
    @property
    def origin(self) -> str: ...
    @property
    def spec(self) -> ToolSpec: ...

    def parse_arguments(self, raw: str) -> dict[str, Any]: ...

    def assess(self, arguments: Mapping[str, Any]) -> Assessment:
        """What this call would do (before approval); cheap, no side effects."""
        ...

    async def run(self, arguments: Mapping[str, Any]) -> ToolOutput: ...


class ToolSource(Protocol):
    """Tools that come and go at run time (MCP servers): `refresh` brings the registry up to
    date with them (starting them the first time) and returns lines to tell the user."""

    async def refresh(self, registry: ToolRegistry) -> list[str]: ...

    def status_rows(self) -> list[tuple[str, str]]: ...


class ToolRegistry:
    """Tools by name, grouped in toolkits; the orchestrator offers `specs()` to the model.

    SolCoder's own tools are registered once; external tools (`add_external`) and the
    sources that supply them (`attach_source`) may change between steps of a turn."""

    def __init__(self) -> None:
        self._tools: dict[str, Tool] = {}
        self._external: dict[str, ToolLike] = {}
        self._sources: list[ToolSource] = []

    def tool(
        self,
        *,
        toolkit: str,
        name: str | None = None,
        timeout: float | None = None,
        effect: Effect,
    ) -> Callable[[FunctionT], FunctionT]:
        """Decorator form of `register`; returns the function unchanged."""

        def decorate(function: FunctionT) -> FunctionT:
            self.register(function, toolkit=toolkit, name=name, timeout=timeout, effect=effect)
            return function

        return decorate

    def register(
        self,
        function: ToolFunction,
        *,
        toolkit: str,
        name: str | None = None,
        timeout: float | None = None,
        effect: Effect,
    ) -> Tool:
        """Register `function`; `effect` declares what it does (anything but "read_only"
        makes the approval policy ask before it runs)."""
        tool_name = name or function.__name__
        if not TOOL_NAME.match(tool_name):
            raise ValueError(f"tool name {tool_name!r} must match {TOOL_NAME.pattern}")
        if tool_name in self._tools or tool_name in self._external:
            raise ValueError(f"a tool named {tool_name!r} is already registered")
        if timeout is not None and timeout <= 0:
            raise ValueError(f"timeout of tool {tool_name!r} must be positive")
        declared = check_effect(effect)
        from solcoder.tools.schema import arguments_model, finish_schema, parse_docstring

        description, argument_docs = parse_docstring(inspect.getdoc(function) or "")
        model = arguments_model(function, tool_name, argument_docs)
        tool = Tool(
            name=tool_name,
            toolkit=toolkit,
            description=description or tool_name.replace("_", " "),
            json_schema=finish_schema(model.model_json_schema()),
            function=function,
            arguments_model=model,
            timeout=timeout,
            effect=declared,
        )
        self._tools[tool_name] = tool
        return tool

    def get(self, name: str) -> ToolLike | None:
        return self._tools.get(name) or self._external.get(name)

    def names(self) -> list[str]:
        return [*self._tools, *self._external]

    def specs(self, toolkits: Collection[str] | None = None) -> tuple[ToolSpec, ...]:
        """Specs of every tool, or of the named toolkits only (unknown names are an error)."""
        if toolkits is not None:
            unknown = set(toolkits) - {tool.toolkit for tool in self}
            if unknown:
                raise ValueError(
                    f"unknown toolkits: {', '.join(sorted(unknown))}; "
                    f"known: {', '.join(self.toolkits())}"
                )
        return tuple(
            tool.spec
            for tool in [*self._tools.values(), *self._external.values()]
            if toolkits is None or tool.toolkit in toolkits
        )

    # -- tools from outside (MCP servers), added and removed at run time ------------------

    def add_external(self, tool: ToolLike) -> None:
        """Offer `tool` from the next request on; its name must be free and valid."""
        if not TOOL_NAME.match(tool.name):
            raise ValueError(f"tool name {tool.name!r} must match {TOOL_NAME.pattern}")
        if tool.name in self.names():
            raise ValueError(f"a tool named {tool.name!r} is already registered")
        self._external[tool.name] = tool

    def remove_origin(self, origin: str) -> int:
        """Withdraw every external tool from `origin` (like `mcp:time`); how many went."""
        gone = [name for name, tool in self._external.items() if tool.origin == origin]
        for name in gone:
            del self._external[name]
        return len(gone)

    def attach_source(self, source: ToolSource) -> None:
        self._sources.append(source)

    def sources(self) -> list[ToolSource]:
        return list(self._sources)

    async def refresh_sources(self) -> list[str]:
        """Bring external tools up to date (the orchestrator calls it before each request);
        one line per thing the user should hear (a server that failed, or stopped)."""
        lines: list[str] = []
        for source in self._sources:
            lines.extend(await source.refresh(self))
        return lines

    def toolkits(self) -> dict[str, list[ToolLike]]:
        grouped: dict[str, list[ToolLike]] = {}
        for tool in [*self._tools.values(), *self._external.values()]:
            grouped.setdefault(tool.toolkit, []).append(tool)
        return grouped

    def closest(self, name: str) -> str | None:
        """The registered name the model most likely meant, for "unknown tool, did you mean"."""
        lowered = {known.lower(): known for known in self.names()}
        # Models sometimes prefix the namespace OpenAI uses internally ("functions.plan").
        candidate = name.rsplit(".", 1)[-1].strip().lower()
        if candidate in lowered:
            return lowered[candidate]
        import difflib

        matches = difflib.get_close_matches(candidate, list(lowered), n=1, cutoff=0.6)
        return lowered[matches[0]] if matches else None

    def __contains__(self, name: object) -> bool:
        return name in self._tools or name in self._external

    def __iter__(self) -> Iterator[ToolLike]:
        return iter([*self._tools.values(), *self._external.values()])

    def __len__(self) -> int:
        return len(self._tools) + len(self._external)


def _to_output(value: Any) -> ToolOutput:
    if isinstance(value, ToolOutput):
        return value
    if isinstance(value, str):
        return ToolOutput(value)
    if value is None:
        return ToolOutput("(no output)")
    import pydantic
    import pydantic_core

    if isinstance(value, pydantic.BaseModel):
        return ToolOutput(value.model_dump_json(), data=value)
    return ToolOutput(pydantic_core.to_json(value, fallback=str).decode(), data=value)


def _short_json(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"
