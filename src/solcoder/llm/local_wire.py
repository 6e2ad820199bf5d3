"""Pure translation between our types and llama-cpp-python's OpenAI-shaped chat API.

Kept apart from `llm/local.py` (threads, model loading) so it is tested without llama.cpp or a
model: `plan_call` turns a `Request` into `create_chat_completion` arguments, `ChunkTranslator`
turns its streamed chunk dicts into our events. No I/O here; the only calls into llama.cpp are
through the model object passed in (`tokenize`, `metadata`, grammar construction).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from solcoder.errors import BadRequestError
from solcoder.llm.assemble import Assembler
from solcoder.llm.events import Completed, Event, StopReason
from solcoder.llm.messages import Message, Request, ToolCall, ToolResult, ToolSpec, Usage

FORCED_CALL_ID = "call_local_1"
FORCED_TOOL_MAX_TOKENS = 1024
"""The token budget of a forced tool call, whatever the request's `max_tokens`: a call cut off
mid-JSON is useless, and the string caps below make every allowed call fit in it."""
STRING_LENGTH_CAP = 200
"""Most characters in one string of forced-call arguments. A grammar guarantees valid JSON only
if the strings end before the token budget does, and SmolLM2-135M, left unbounded, fills a
string with `1.1.1.1…` until the budget runs out (measured)."""

REPETITION_FINISH = "repetition"
"""Our own finish reason for a generation stopped by `RepetitionGuard`."""

# Stop reasons in llama-cpp-python's chunks (OpenAI's words) mapped to ours.
_STOP_REASONS: dict[str, StopReason] = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "content_filter": "content_filter",
    REPETITION_FINISH: "other",
}


@dataclass(frozen=True, slots=True)
class LocalCall:
    """One model call, planned: what to send and how to read what comes back."""

    messages: list[dict[str, Any]]
    """OpenAI-shaped messages for templates that understand tool calls."""
    inline_messages: list[dict[str, Any]]
    """The same conversation with tool calls and results written as plain text, for chat
    templates that only know `content` (SmolLM2's drops tool messages and fails on None)."""
    forced_tool: ToolSpec | None = None
    """Generate this tool's arguments under a grammar and emit them as its call."""
    options: dict[str, Any] = field(default_factory=dict)
    """max_tokens, temperature, stop."""

    def chat_input(self, llm: Any) -> list[dict[str, Any]]:
        """The messages this model's chat template can render."""
        return self.messages if template_knows_tools(llm) else self.inline_messages

    def arguments(self, llm: Any) -> dict[str, Any]:
        """Keyword arguments for `llm.create_chat_completion`, streaming."""
        arguments: dict[str, Any] = {
            "messages": self.chat_input(llm),
            "stream": True,
            **self.options,
        }
        if self.forced_tool is not None:
            arguments["grammar"] = forced_grammar(self.forced_tool.json_schema)
            arguments["max_tokens"] = FORCED_TOOL_MAX_TOKENS
        return arguments


def plan_call(request: Request) -> LocalCall:
    """Translate a `Request`; a `tool_choice` naming an unknown tool is a bad request."""
    forced = forced_tool(request)
    messages = chat_messages(request)
    inline = chat_messages(request, inline_tools=True)
    if forced is not None:
        instruction = forced_tool_instruction(forced)
        messages = _with_system_note(messages, instruction)
        inline = _with_system_note(inline, instruction)
    options: dict[str, Any] = {}
    if request.max_tokens:
        options["max_tokens"] = request.max_tokens
    if request.temperature is not None:
        options["temperature"] = request.temperature
    if request.stop:
        options["stop"] = list(request.stop)
    return LocalCall(
        messages=messages,
        inline_messages=inline,
        forced_tool=forced,
        options=options,
    )


def forced_tool(request: Request) -> ToolSpec | None:
    """The tool whose call is forced: named by `tool_choice`, or the only one when "required"."""
    choice = request.tool_choice
    if not request.tools or choice in (None, "auto", "none"):
        return None
    if choice == "required":
        # Several tools and "required": no single schema to constrain to; the model answers
        # freely (documented in docs/offline.md). One tool: that is the one to call.
        return request.tools[0] if len(request.tools) == 1 else None
    for tool in request.tools:
        if tool.name == choice:
            return tool
    names = ", ".join(tool.name for tool in request.tools)
    raise BadRequestError(
        f"tool_choice names {choice!r}, which is not one of the offered tools ({names}).",
        provider="local",
    )


def forced_tool_instruction(tool: ToolSpec) -> str:
    """The note that tells a small model what to put in the grammar-constrained arguments.

    Measured on SmolLM2-135M: naming each argument with its description and asking for "the
    user's own words" gives sensible values; showing the raw JSON Schema made it copy the
    descriptions or repeat itself (see docs/offline.md).
    """
    properties = tool.json_schema.get("properties") or {}
    described = "; ".join(
        f"{name}: {str(spec.get('description', '')).rstrip('.')}".rstrip(": ")
        for name, spec in properties.items()
        if isinstance(spec, Mapping)
    )
    arguments = f" Its arguments: {described}." if described else ""
    return (
        f"Now call the tool `{tool.name}` ({tool.description.rstrip('.')}).{arguments} Reply "
        "only with the JSON arguments, using the user's own words as values."
    )


def _with_system_note(messages: list[dict[str, Any]], note: str) -> list[dict[str, Any]]:
    if messages and messages[0]["role"] == "system":
        first = {**messages[0], "content": f"{messages[0]['content']}\n\n{note}"}
        return [first, *messages[1:]]
    return [{"role": "system", "content": note}, *messages]


def chat_messages(request: Request, *, inline_tools: bool = False) -> list[dict[str, Any]]:
    """Our conversation as OpenAI chat messages (thinking parts are dropped: local models get
    no reasoning round trip). With `inline_tools`, tool calls and results become text."""
    output: list[dict[str, Any]] = []
    if request.system:
        output.append({"role": "system", "content": request.system})
    for message in request.messages:
        output.extend(_message(message, inline_tools))
    return output


def _message(message: Message, inline_tools: bool) -> Iterable[dict[str, Any]]:
    results = message.tool_results
    if results:
        for result in results:
            if inline_tools:
                yield {"role": "user", "content": _result_text(result)}
            else:
                entry = {"role": "tool", "tool_call_id": result.call_id, "content": result.content}
                if result.name:
                    entry["name"] = result.name
                yield entry
        if message.role != "tool" and message.text:
            yield {"role": message.role, "content": message.text}
        return
    if message.role != "assistant" or not message.tool_calls:
        yield {"role": "user" if message.role == "tool" else message.role, "content": message.text}
        return
    calls = message.tool_calls
    if inline_tools:
        lines = [message.text] if message.text else []
        lines.extend(_call_text(call) for call in calls)
        yield {"role": "assistant", "content": "\n".join(lines)}
        return
    yield {
        "role": "assistant",
        # "" rather than None: llama-cpp-python's message types (and its server, with a 422)
        # require a string, and chat templates concatenate it.
        "content": message.text,
        "tool_calls": [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments},
            }
            for call in calls
        ],
    }


def _call_text(call: ToolCall) -> str:
    return f"Calling {call.name}({call.arguments})"


def _result_text(result: ToolResult) -> str:
    # Plain "plan returned:" lines: a bracketed "[The tool … returned: …]" form made SmolLM2 repeat
    # the bracket line forever instead of answering (measured, see docs/offline.md).
    outcome = "failed" if result.is_error else "returned"
    return f"{result.name or 'The tool'} {outcome}:\n{result.content}"


# llama-cpp-python's JSON-Schema converter lets strings hold raw control characters (a newline),
# which strict JSON parsers reject; llama.cpp's own converter excludes them, and so do we.
_LOOSE_CHAR_RULE = r'char ::= [^"\\] |'
_STRICT_CHAR_RULE = r'char ::= [^"\\\x7F\x00-\x1F] |'


def forced_grammar(schema: Mapping[str, Any]) -> Any:
    """The llama.cpp grammar (`LlamaGrammar`) that only lets the model write arguments valid
    for `schema`, with strings bounded by `bounded_schema`."""
    grammar_module = _llama_module("llama_cpp.llama_grammar")
    text = grammar_module.json_schema_to_gbnf(json.dumps(bounded_schema(schema)))
    text = text.replace(_LOOSE_CHAR_RULE, _STRICT_CHAR_RULE)
    return grammar_module.LlamaGrammar.from_string(text, verbose=False)


_DATA_KEYWORDS = frozenset({"enum", "const", "default", "examples"})
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions"})


def bounded_schema(
    schema: Mapping[str, Any], *, budget: int = FORCED_TOOL_MAX_TOKENS
) -> dict[str, Any]:
    """A copy of `schema` whose unbounded strings get a `maxLength`, so that every string the
    grammar allows, at one token per character in the worst case, fits in `budget` tokens;
    required strings also get `minLength` 1."""
    unbounded: list[None] = []

    def visit(node: Any, cap: int | None) -> Any:
        if not isinstance(node, Mapping):
            return node
        copy: dict[str, Any] = {}
        for key, value in node.items():
            if key in _DATA_KEYWORDS:
                copy[key] = value
            elif key in _SCHEMA_MAPS and isinstance(value, Mapping):
                copy[key] = {name: visit(item, cap) for name, item in value.items()}
            elif isinstance(value, Mapping):
                copy[key] = visit(value, cap)
            elif isinstance(value, list):
                copy[key] = [visit(item, cap) for item in value]
            else:
                copy[key] = value
        if copy.get("type") == "string" and not {"maxLength", "enum", "const"} & copy.keys():
            unbounded.append(None)
            if cap is not None:
                copy["maxLength"] = cap
        for name in copy.get("required") or ():
            # A required string left empty is valid JSON but useless (the plan tool rejects an
            # empty goal), and an empty string is a small model's easiest way out.
            required = copy.get("properties", {}).get(name)
            if isinstance(required, dict) and required.get("type") == "string":
                required.setdefault("minLength", 1)
        return copy

    visit(schema, None)  # first pass counts the strings to share the budget between
    share = (budget - 100) // max(1, len(unbounded))
    result: dict[str, Any] = visit(schema, max(40, min(STRING_LENGTH_CAP, share)))
    return result


def template_knows_tools(llm: Any) -> bool:
    """Whether the model's chat template renders `tool_calls` and tool messages itself."""
    if getattr(llm, "chat_format", None) != "chat_template.default":
        return False  # llama-cpp-python's built-in formats (chatml, llama-2, …) drop them
    template = (getattr(llm, "metadata", None) or {}).get("tokenizer.chat_template", "")
    return "tool_calls" in template


def count_prompt_tokens(llm: Any, call: LocalCall) -> int:
    """The prompt's token count, rendered the way llama-cpp-python renders it.

    Its streamed chunks report no usage, so we render the same chat template (from the GGUF
    metadata) and tokenize the result; models without a template get their messages' text
    tokenized, an approximation that misses only the few role-marker tokens.
    """
    messages = call.chat_input(llm)
    template = (getattr(llm, "metadata", None) or {}).get("tokenizer.chat_template")
    # Only the GGUF template (or the built-in format guessed from it) renders like this; a
    # custom handler or an explicit chat_format has its own prompt, so it gets the estimate.
    if template and getattr(llm, "chat_handler", None) is None and _uses_gguf_template(llm):
        try:
            formatter = _llama_module("llama_cpp.llama_chat_format").Jinja2ChatFormatter(
                template=template,
                eos_token=_token_text(llm, llm.token_eos()),
                bos_token=_token_text(llm, llm.token_bos()),
            )
            rendered = formatter(messages=messages)
            return len(
                llm.tokenize(
                    rendered.prompt.encode("utf-8"),
                    add_bos=not rendered.added_special,
                    special=True,
                )
            )
        except Exception:  # an exotic template: fall back to the approximation below
            pass
    text = "\n".join(str(message.get("content") or "") for message in messages)
    return len(llm.tokenize(text.encode("utf-8"), add_bos=True, special=False))


def _uses_gguf_template(llm: Any) -> bool:
    chat_format = getattr(llm, "chat_format", None)
    # llama-cpp-python picks "chatml" (or "llama-3", "mistral-instruct") when the GGUF template
    # is exactly that format's template, so those render the same text.
    return chat_format in ("chat_template.default", "chatml", "llama-3", "mistral-instruct")


def _llama_module(name: str) -> Any:
    """A llama-cpp-python module, typed loosely: the package is an optional extra."""
    return importlib.import_module(name)


def _token_text(llm: Any, token: int) -> str:
    if token < 0:
        return ""
    return bytes(llm.detokenize([token], special=True)).decode("utf-8", errors="ignore")


class RepetitionGuard:
    """Notices a model stuck in a loop: the text ends with the same block four times over.

    Tiny models (SmolLM2-135M) often repeat one line until the token budget runs out, which at
    the default 4096 tokens means minutes of useless output; stopping at the fourth repeat
    keeps the answer and the wait bounded. Blocks shorter than `MIN_PERIOD` characters are
    ignored so that ordinary repetition (`0, 0, 0`, rules of dashes) is left alone.
    """

    MIN_PERIOD = 10
    MAX_PERIOD = 200
    REPEATS = 4

    def __init__(self) -> None:
        self._tail = ""

    def feed(self, text: str) -> bool:
        """Add streamed text; True once the output is looping."""
        window = self.MAX_PERIOD * self.REPEATS
        self._tail = (self._tail + text)[-window:]
        tail = self._tail
        for period in range(self.MIN_PERIOD, len(tail) // self.REPEATS + 1):
            if tail[-1] != tail[-1 - period]:
                continue  # cheap first test; most periods fail here
            block = tail[-period:]
            if tail.endswith(block * self.REPEATS) and not _has_short_unit(block, self.MIN_PERIOD):
                return True
        return False


def _has_short_unit(block: str, limit: int) -> bool:
    """Whether `block` is itself a shorter unit repeated (`0, 0, 0, 0, ` is `0, ` four times)."""
    size = len(block)
    return any(
        size % unit == 0 and block == block[:unit] * (size // unit) for unit in range(1, limit)
    )


class ChunkTranslator:
    """Folds llama-cpp-python's streamed chat chunks into our events, token by token."""

    def __init__(self, call: LocalCall, *, model: str) -> None:
        self._forced = call.forced_tool
        self._model = model
        self._assembler = Assembler()
        self._finish_reason: str | None = None
        self._response_id: str | None = None
        self.completion_tokens = 0
        """Streamed pieces counted as tokens: llama-cpp-python yields one per generated token
        (it merges two only to hold back an incomplete UTF-8 character or stop sequence)."""

    @property
    def has_content(self) -> bool:
        return self._assembler.has_content

    def partial(self) -> Message:
        return self._assembler.message()

    def feed(self, chunk: Mapping[str, Any]) -> list[Event]:
        events: list[Event | None] = []
        self._response_id = self._response_id or chunk.get("id")
        for choice in chunk.get("choices") or ():
            delta = choice.get("delta") or {}
            content = delta.get("content")
            if content:
                self.completion_tokens += 1
                if self._forced is not None:
                    events.append(self._assembler.tool_start(0, FORCED_CALL_ID, self._forced.name))
                    events.append(self._assembler.tool_arguments(0, content))
                else:
                    events.append(self._assembler.text(content))
            for call in delta.get("tool_calls") or ():
                # llama-cpp-python repeats the id and full name in every chunk of a call;
                # the Assembler keys calls by index and ignores the repeats.
                index = int(call.get("index") or 0)
                function = call.get("function") or {}
                events.append(
                    self._assembler.tool_start(index, call.get("id"), function.get("name"))
                )
                arguments = function.get("arguments")
                if arguments:
                    self.completion_tokens += 1
                    events.append(self._assembler.tool_arguments(index, arguments))
            if choice.get("finish_reason"):
                self._finish_reason = str(choice["finish_reason"])
        return [event for event in events if event is not None]

    def completed(self, prompt_tokens: int) -> Completed:
        message = self._assembler.message()
        if self._forced is not None and not message.tool_calls:
            self._assembler.tool_start(0, FORCED_CALL_ID, self._forced.name)
            message = self._assembler.message()
        raw = self._finish_reason or "stop"
        stop = _STOP_REASONS.get(raw, "other")
        if stop == "end_turn" and message.tool_calls:
            stop = "tool_use"
        return Completed(
            message=message,
            usage=Usage(input=prompt_tokens, output=self.completion_tokens),
            stop_reason=stop,
            response_id=self._response_id,
            raw_stop_reason=raw,
            model=self._model,
        )


__all__ = [
    "ChunkTranslator",
    "LocalCall",
    "bounded_schema",
    "chat_messages",
    "count_prompt_tokens",
    "forced_tool",
    "plan_call",
]
