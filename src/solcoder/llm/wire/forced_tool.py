"""Forced tool calls on servers that ignore `tool_choice`: the reply is constrained, then folded
back into a real tool call.

Why: llama.cpp's server with a model whose chat template has no tool syntax (SmolLM2 reports
`chat_format: Content-only`) answers a request that names the tool to call with plain prose,
on every wire. What it does honour differs by wire, so the mode is provider data
(`ProviderSpec.forced_tool`, per wire):

- `json_schema`: llama.cpp's request-level `json_schema` field (chat and responses) turns the
  tool's parameter schema into a sampling grammar, so the reply *is* the arguments object.
- `prefill`: the messages wire drops unknown fields, but continues an assistant message left
  open at the end of the conversation. The reply is primed with the opening of the arguments
  object (`{"goal": "`) and the first complete JSON object is taken as the arguments.

Either way the orchestrator sees what a native provider streams: `ToolCallStart`, argument
deltas as they arrive, and a `Completed` whose message holds a `ToolCall`, so validation,
transcripts and the tool loop are the same code. The rewrite and the fold are pure.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Literal

from solcoder import jsonsafe
from solcoder.llm.events import Completed, Event, TextDelta, ToolCallDelta, ToolCallStart
from solcoder.llm.messages import Message, Request, Text, ToolCall, ToolSpec

ForcedToolMode = Literal["native", "json_schema", "prefill"]
FORCED_TOOL_MODES: tuple[ForcedToolMode, ...] = ("native", "json_schema", "prefill")

STRING_LENGTH_CAP = 200
"""Most characters in one free string of forced arguments. A grammar only guarantees JSON that
closes if every string ends before the token budget does; left unbounded, SmolLM2-135M fills
a string with `Achim-Achim-…` until the budget runs out (measured on llama.cpp's server)."""
FORCED_MAX_TOKENS = 512
"""The token budget of a grammar-constrained call: enough for every capped string."""
PRIMED_MAX_TOKENS = 128
"""The budget of a primed call, which only writes its first value (a 200-character string is
about 60 tokens); servers that ignore the stop quote (llama.cpp's responses endpoint) then
stop here rather than after 512 tokens of prose we would cut anyway."""


def forced_tool(request: Request) -> ToolSpec | None:
    """The tool `request` forces: named by `tool_choice`, or the only tool under "required"."""
    choice = request.tool_choice
    if choice is None or choice in ("auto", "none"):
        return None
    if choice == "required":
        return request.tools[0] if len(request.tools) == 1 else None
    return next((tool for tool in request.tools if tool.name == choice), None)


def rewrite(request: Request, mode: ForcedToolMode) -> tuple[Request, ForcedToolFold | None]:
    """The request to send instead, and the fold that turns its reply into the forced call;
    unchanged (and no fold) when nothing is forced or the provider honours `tool_choice`."""
    tool = forced_tool(request)
    if tool is None or mode == "native":
        return request, None
    system = _join(request.system, instructions(tool))
    budget = max(request.max_tokens or 0, FORCED_MAX_TOKENS)
    stripped = replace(request, tools=(), tool_choice=None, system=system, max_tokens=budget)
    if mode == "json_schema":
        extra = {**request.extra, "json_schema": bounded_schema(tool.json_schema)}
        return replace(stripped, extra=extra), ForcedToolFold(tool.name)
    opening = json_opening(tool.json_schema)
    messages = (*request.messages, Message("assistant", (Text(opening),)))
    fold = ForcedToolFold(tool.name, prefill=opening, schema=tool.json_schema)
    if not opening.endswith('"'):
        return replace(stripped, messages=messages), fold
    # Primed inside a string, the model's next quote ends the value; stopping there keeps a
    # small model from wandering on for hundreds of tokens (measured: up to the whole budget).
    stop = (*request.stop, '"')
    return replace(stripped, messages=messages, stop=stop, max_tokens=PRIMED_MAX_TOKENS), fold


def instructions(tool: ToolSpec) -> str:
    """What the model is told it is doing: the tool, and what each argument means."""
    lines = [
        f"You are calling the tool `{tool.name}`: {tool.description.strip()}",
        "Reply with only its arguments, as one JSON object:",
    ]
    properties = tool.json_schema.get("properties")
    if isinstance(properties, Mapping):
        for name, schema in properties.items():
            described = schema.get("description", "") if isinstance(schema, Mapping) else ""
            lines.append(f"- {name}: {described}".rstrip(": "))
    return "\n".join(lines)


def bounded_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """`schema` with every free string capped (and required strings non-empty), recursively."""
    copy: dict[str, Any] = dict(schema)
    if copy.get("type") == "string" and "enum" not in copy and "pattern" not in copy:
        copy["maxLength"] = min(int(copy.get("maxLength", STRING_LENGTH_CAP)), STRING_LENGTH_CAP)
    properties = copy.get("properties")
    if isinstance(properties, Mapping):
        required = set(copy.get("required", ()))
        bounded = {}
        for name, child in properties.items():
            child_schema = bounded_schema(child) if isinstance(child, Mapping) else child
            required_string = isinstance(child_schema, dict) and name in required
            if required_string and child_schema.get("type") == "string":
                child_schema.setdefault("minLength", 1)
            bounded[name] = child_schema
        copy["properties"] = bounded
    items = copy.get("items")
    if isinstance(items, Mapping):
        copy["items"] = bounded_schema(items)
    return copy


def json_opening(schema: Mapping[str, Any]) -> str:
    """The start of the arguments object, up to the value of the first required string (the
    model then only writes that value and what follows), or just `{` when there is none."""
    properties = schema.get("properties")
    required = schema.get("required") or ()
    if isinstance(properties, Mapping) and required:
        first = required[0]
        child = properties.get(first)
        if isinstance(child, Mapping) and child.get("type") == "string":
            return "{" + json.dumps(first) + ': "'
    return "{"


class ForcedToolFold:
    """Folds the events of a constrained reply into the forced tool call."""

    def __init__(
        self, name: str, *, prefill: str = "", schema: Mapping[str, Any] | None = None
    ) -> None:
        self.name = name
        self._schema = schema
        """Set for unconstrained (primed) replies: optional arguments that break it are
        dropped, since nothing held the model to it."""
        self.call_id = f"call_{os.urandom(8).hex()}"  # secrets.token_hex(8), minus its import
        self._prefill = prefill
        self._seen = ""
        """Text received so far (what the server echoed of the prefill included)."""
        self._arguments = ""
        self._scanner = _ObjectScanner()
        self._started = False
        self._native = False

    def feed(self, event: Event) -> list[Event]:
        if isinstance(event, ToolCallStart | ToolCallDelta):
            self._native = True  # the server made a real call after all: keep it as it is
            return [event]
        if isinstance(event, TextDelta) and not self._native:
            return self._text(event.text)
        if isinstance(event, Completed) and not self._native:
            return self._completed(event)
        return [event]

    def _text(self, text: str, *, final: bool = False) -> list[Event]:
        if self._started:
            return self._arguments_from(text)
        self._seen += text
        body = self._seen.lstrip()
        if not final and self._prefill.startswith(body):
            return []  # nothing yet, or still inside an echo of our own prefill
        # Servers that echo the prefill send it back first; the others only continue it.
        arguments = body if body.startswith(self._prefill) else self._prefill + body
        self._started = True
        return [ToolCallStart(0, self.call_id, self.name), *self._arguments_from(arguments)]

    def _arguments_from(self, text: str) -> list[Event]:
        taken = self._scanner.take(text)
        if not taken:
            return []
        self._arguments += taken
        return [ToolCallDelta(0, taken)]

    def _completed(self, event: Completed) -> list[Event]:
        events: list[Event] = []
        if not self._started:  # no deltas, or only the echo: the final text says it all
            events = self._text(event.message.text[len(self._seen) :], final=True)
        others = tuple(part for part in event.message.parts if not isinstance(part, Text))
        arguments = self._final_arguments()
        call = ToolCall(self.call_id, self.name, arguments)
        stop = "tool_use" if _is_json(arguments) else event.stop_reason
        message = Message("assistant", (*others, call))
        return [*events, replace(event, message=message, stop_reason=stop)]

    def _final_arguments(self) -> str:
        """The arguments as sent to the tool. A primed reply whose first value was fine but
        whose continuation is not JSON (small models wander on after the value they were asked
        for) keeps the object up to that first value, closed."""
        arguments = self._arguments.strip()
        if self._prefill.endswith('"') and not _is_json(arguments):
            arguments = self._close_first_value()
        return conform(arguments, self._schema) if self._schema is not None else arguments

    def _close_first_value(self) -> str:
        """The object up to its first value, closed: the reply stopped at the value's closing
        quote (our stop sequence), ran out of tokens inside it, or went on into invalid JSON."""
        cut = self._scanner.first_value_end
        if cut is not None:
            return self._arguments[:cut] + "}"
        value = self._arguments[len(self._prefill) :][:STRING_LENGTH_CAP].rstrip("\\")
        return self._prefill + value + '"}'


def conform(arguments: str, schema: Mapping[str, Any]) -> str:
    """`arguments` without the optional properties that contradict `schema` (a wrong simple
    type, or a name the schema does not allow): measured on SmolLM2, a primed reply with a good
    `goal` often adds `"context": {…}` where a string is declared. Required properties are left
    as they are, for the orchestrator to report; text that does not parse is returned as is."""
    try:
        value = jsonsafe.loads(arguments)
    except ValueError:
        return arguments
    properties = schema.get("properties")
    if not isinstance(value, dict) or not isinstance(properties, Mapping):
        return arguments
    required = set(schema.get("required") or ())
    closed = schema.get("additionalProperties") is False
    kept = {
        name: item
        for name, item in value.items()
        if name in required
        or (name in properties and _fits(item, properties[name]))
        or (name not in properties and not closed)
    }
    return arguments if kept == value else json.dumps(kept)


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
    "null": (type(None),),
}


def _fits(value: object, schema: object) -> bool:
    declared = schema.get("type") if isinstance(schema, Mapping) else None
    if not isinstance(declared, str) or declared not in _JSON_TYPES:
        return True  # no simple type to check against
    if isinstance(value, bool) and declared in ("integer", "number"):
        return False
    return isinstance(value, _JSON_TYPES[declared])


class _ObjectScanner:
    """Passes text through until the first top-level JSON value closes, then nothing: what a
    model writes after the arguments object (prose, a second object) is not part of them."""

    def __init__(self) -> None:
        self.depth = 0
        self.in_string = False
        self.escaped = False
        self.closed = False
        self.taken = 0
        self.strings = 0
        self.first_value_end: int | None = None
        """Characters taken up to the end of the object's first value string (the one a
        prefill opens: the key is string one, its value string two)."""

    def take(self, text: str) -> str:
        if self.closed:
            return ""
        for position, character in enumerate(text):
            if self.in_string:
                if self.escaped:
                    self.escaped = False
                elif character == "\\":
                    self.escaped = True
                elif character == '"':
                    self.in_string = False
                    self.strings += 1
                    if self.strings == 2 and self.depth == 1:
                        self.first_value_end = self.taken + position + 1
            elif character == '"':
                self.in_string = True
            elif character in "{[":
                self.depth += 1
            elif character in "}]":
                self.depth -= 1
                if self.depth <= 0:
                    self.closed = True
                    self.taken += position + 1
                    return text[: position + 1]
        self.taken += len(text)
        return text


def _is_json(text: str) -> bool:
    try:
        jsonsafe.loads(text)
    except ValueError:
        return False
    return True


def _join(first: str | None, second: str) -> str:
    return f"{first}\n\n{second}" if first else second


__all__ = [
    "FORCED_TOOL_MODES",
    "ForcedToolFold",
    "ForcedToolMode",
    "bounded_schema",
    "conform",
    "forced_tool",
    "json_opening",
    "rewrite",
]
