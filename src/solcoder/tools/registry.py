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

import asyncio
import inspect
import json
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from solcoder import jsonsafe
from solcoder.errors import SolcoderError
from solcoder.llm.messages import ToolSpec
from solcoder.records import shared_methods
from solcoder.tools.effects import BUILTIN_ORIGIN, Effect, check_effect

if TYPE_CHECKING:
    import pydantic

ToolFunction = Callable[..., Any]
FunctionT = TypeVar("FunctionT", bound=Callable[..., Any])

# The name rule of OpenAI function calling and Anthropic tool use (the stricter of the two).
_TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


class ToolArgumentError(SolcoderError):
    """The model's arguments were unusable; the message is written for the model to act on."""

    kind: ClassVar[str] = "tool_arguments"


class ToolTimeoutError(TimeoutError):
    """A tool ran longer than its `timeout` (a sync tool's thread finishes in the background)."""


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ToolOutput:
    """What a tool produced: `content` goes to the model, `data` stays for the program."""

    content: str
    data: Any = None
    is_error: bool = False


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
        text = raw.strip()
        value: Any = {}
        if text:
            try:
                # strict=False accepts raw newlines and tabs inside strings: small models
                # (and llama.cpp's JSON grammar) emit them, and their meaning is unambiguous.
                value = jsonsafe.loads(text, strict=False)
            except jsonsafe.JSONTooDeep:
                raise ToolArgumentError(
                    f"Arguments for tool `{self.name}` are nested deeper than "
                    f"{jsonsafe.MAX_DEPTH} levels; send a flat JSON object such as "
                    f"{self._example()}."
                ) from None
            except json.JSONDecodeError as error:
                raise ToolArgumentError(self._describe_bad_json(text, error)) from None
            if isinstance(value, str):
                value = _unwrap_double_encoded(value)
        if not isinstance(value, dict):
            raise ToolArgumentError(
                f"Arguments for tool `{self.name}` must be a JSON object such as "
                f"{self._example()}, not {_json_type(value)}."
            )
        return self._validate(value).model_dump(mode="json")

    async def run(self, arguments: Mapping[str, Any]) -> ToolOutput:
        """Run the tool: sync functions in a worker thread, async ones on this loop.

        Exceptions raised by the tool propagate; `ToolTimeoutError` when `timeout` passes.
        """
        model = self._validate(arguments)
        keywords = {name: getattr(model, name) for name in type(model).model_fields}
        if self.timeout is None:
            return _to_output(await self._call(keywords))
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
        value = await asyncio.to_thread(self.function, **keywords)
        if inspect.isawaitable(value):
            value = await value
        return value

    def _validate(self, arguments: Mapping[str, Any]) -> pydantic.BaseModel:
        import pydantic

        try:
            return self.arguments_model.model_validate(dict(arguments))
        except pydantic.ValidationError as error:
            raise ToolArgumentError(self._describe_invalid(error)) from None

    def _parameter_names(self) -> list[str]:
        return list(self.arguments_model.model_fields)

    def _example(self) -> str:
        required = self.json_schema.get("required", [])
        return "{" + ", ".join(f'"{name}": ...' for name in required) + "}"

    def _describe_bad_json(self, text: str, error: json.JSONDecodeError) -> str:
        if _looks_truncated(text):
            return (
                f"Arguments for tool `{self.name}` are not valid JSON: the text ends before the "
                f"JSON is complete ({error.msg} at character {error.pos} of {len(text)}), so the "
                "arguments were probably cut off, for example by the output token limit. Call "
                "the tool again with complete (and if possible shorter) arguments."
            )
        return (
            f"Arguments for tool `{self.name}` are not valid JSON ({error.msg} at line "
            f"{error.lineno} column {error.colno}). Send one JSON object such as "
            f"{self._example()}."
        )

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


class ToolRegistry:
    """Tools by name, grouped in toolkits; the orchestrator offers `specs()` to the model."""

    def __init__(self) -> None:
        self._tools: dict[str, Tool] = {}

    def tool(
        self,
        *,
        toolkit: str,
        name: str | None = None,
        timeout: float | None = None,
        effect: Effect = "read_only",
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
        effect: Effect = "read_only",
    ) -> Tool:
        """Register `function`; `effect` declares what it does (anything but "read_only"
        makes the approval policy ask before it runs)."""
        tool_name = name or function.__name__
        if not _TOOL_NAME.match(tool_name):
            raise ValueError(f"tool name {tool_name!r} must match {_TOOL_NAME.pattern}")
        if tool_name in self._tools:
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

    def get(self, name: str) -> Tool | None:
        return self._tools.get(name)

    def names(self) -> list[str]:
        return list(self._tools)

    def specs(self, toolkits: Collection[str] | None = None) -> tuple[ToolSpec, ...]:
        """Specs of every tool, or of the named toolkits only (unknown names are an error)."""
        if toolkits is not None:
            unknown = set(toolkits) - {tool.toolkit for tool in self._tools.values()}
            if unknown:
                raise ValueError(
                    f"unknown toolkits: {', '.join(sorted(unknown))}; "
                    f"known: {', '.join(self.toolkits())}"
                )
        return tuple(
            tool.spec
            for tool in self._tools.values()
            if toolkits is None or tool.toolkit in toolkits
        )

    def toolkits(self) -> dict[str, list[Tool]]:
        grouped: dict[str, list[Tool]] = {}
        for tool in self._tools.values():
            grouped.setdefault(tool.toolkit, []).append(tool)
        return grouped

    def closest(self, name: str) -> str | None:
        """The registered name the model most likely meant, for "unknown tool, did you mean"."""
        lowered = {known.lower(): known for known in self._tools}
        # Models sometimes prefix the namespace OpenAI uses internally ("functions.plan").
        candidate = name.rsplit(".", 1)[-1].strip().lower()
        if candidate in lowered:
            return lowered[candidate]
        import difflib

        matches = difflib.get_close_matches(candidate, list(lowered), n=1, cutoff=0.6)
        return lowered[matches[0]] if matches else None

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __iter__(self) -> Iterator[Tool]:
        return iter(list(self._tools.values()))

    def __len__(self) -> int:
        return len(self._tools)


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


def _unwrap_double_encoded(value: str) -> Any:
    """Some models send the arguments object as a JSON string holding JSON; accept that once."""
    try:
        inner = jsonsafe.loads(value, strict=False)
    except ValueError:
        return value
    return inner if isinstance(inner, dict) else value


def _looks_truncated(text: str) -> bool:
    """True when `text` is a valid beginning of JSON that stops too early."""
    closers = {"{": "}", "[": "]"}
    expected: list[str] = []
    in_string = escaped = False
    for character in text:
        if in_string:
            if escaped:
                escaped = False
            elif character == "\\":
                escaped = True
            elif character == '"':
                in_string = False
        elif character == '"':
            in_string = True
        elif character in closers:
            expected.append(closers[character])
        elif character in "}]" and (not expected or expected.pop() != character):
            return False
    return in_string or bool(expected)


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "null" if value is None else type(value).__name__


def _short_json(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"
