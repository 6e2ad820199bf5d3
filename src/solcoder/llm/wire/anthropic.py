"""Anthropic Messages API (`POST {base}/v1/messages`): request encoding and stream decoding.

Anthropic differs from the OpenAI protocols in ways this module absorbs so nothing above the
adapters sees them: the system prompt is a top-level field, roles must alternate (tool results
travel in a *user* turn), `max_tokens` is mandatory, thinking blocks must be sent back with their
signature, and the stream is a sequence of named events around numbered content blocks.
Reference: https://docs.anthropic.com/en/api/messages and .../en/docs/build-with-claude/streaming
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from solcoder import jsonsafe
from solcoder.llm.events import Completed, Event, StopReason
from solcoder.llm.messages import (
    Message,
    PromptCache,
    Request,
    Text,
    Thinking,
    ToolCall,
    ToolResult,
    Usage,
)
from solcoder.llm.wire.anthropic_thinking import thinking_config
from solcoder.llm.wire.assemble import DEFAULT_MAX_ARGUMENT_BYTES
from solcoder.llm.wire.base import HttpCall, WireApi
from solcoder.llm.wire.decoder import WireDecoder, one
from solcoder.llm.wire.error_bodies import error_from_payload
from solcoder.llm.wire.reasoning import ReasoningStyle, own_thinking
from solcoder.secret import Secret

ANTHROPIC_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 4096
"""Anthropic rejects a request without `max_tokens`; this is used when the Request has none."""

_STOP_REASONS: dict[str, StopReason] = {
    "end_turn": "end_turn",
    "tool_use": "tool_use",
    "max_tokens": "max_tokens",
    "stop_sequence": "stop_sequence",
    "refusal": "refusal",
    # Newer models stop when the context window fills up: the answer is cut like max_tokens.
    "model_context_window_exceeded": "max_tokens",
}


class AnthropicAdapter:
    """Wire adapter for the Messages API; `provider` names the service in error messages."""

    api: WireApi = "messages"
    path = "/v1/messages"

    def __init__(
        self,
        *,
        provider: str = "anthropic",
        max_argument_bytes: int = DEFAULT_MAX_ARGUMENT_BYTES,
        reasoning_style: ReasoningStyle = "thinking_budget",
        reasoning_roundtrip: bool = True,
    ) -> None:
        self.provider = provider
        self.max_argument_bytes = max_argument_bytes
        """Where one tool call's streamed arguments stop being kept (`Assembler`)."""
        self.reasoning_style: ReasoningStyle = reasoning_style
        """`thinking_budget`: `thinking: {type: "enabled", budget_tokens}`; `none`: nothing."""
        self.reasoning_roundtrip = reasoning_roundtrip
        """Send this provider's own signed thinking blocks back (required in a tool loop)."""

    def auth_headers(self, api_key: Secret) -> dict[str, str]:
        return {"x-api-key": api_key.reveal()}

    def encode(self, request: Request, *, stream: bool = True) -> HttpCall:
        body = encode_body(
            request,
            stream=stream,
            provider=self.provider if self.reasoning_roundtrip else None,
            control=self.reasoning_style == "thinking_budget",
        )
        headers = {
            "anthropic-version": ANTHROPIC_VERSION,
            "content-type": "application/json",
            "accept": "text/event-stream" if stream else "application/json",
        }
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        # `replace` keeps a lone surrogate (from undecodable tool output) from aborting the call.
        return HttpCall("POST", self.path, headers, data.encode("utf-8", "replace"), stream)

    def decoder(self) -> AnthropicDecoder:
        return AnthropicDecoder(provider=self.provider, max_argument_bytes=self.max_argument_bytes)

    def decode_body(self, body: bytes) -> list[Event]:
        return AnthropicDecoder(
            provider=self.provider, max_argument_bytes=self.max_argument_bytes
        ).decode_body(body)


# --- encoding ---------------------------------------------------------------------------------


def encode_body(
    request: Request,
    *,
    stream: bool = True,
    provider: str | None = "anthropic",
    control: bool = True,
) -> dict[str, Any]:
    """The JSON body for one Messages API call. `provider` is whose thinking blocks go back
    (None: none do); `control` enables thinking when the request asks for it."""
    body: dict[str, Any] = {
        "model": request.model,
        "max_tokens": request.max_tokens or DEFAULT_MAX_TOKENS,
    }
    if request.system:
        body["system"] = request.system
    body["messages"] = encode_messages(request.messages, provider)
    if request.tools:
        body["tools"] = [
            {"name": tool.name, "description": tool.description, "input_schema": tool.json_schema}
            for tool in request.tools
        ]
        if request.tool_choice:
            body["tool_choice"] = _tool_choice(request.tool_choice)
    thinking = thinking_config(request, body["max_tokens"], body["messages"]) if control else None
    if thinking is not None:
        # Thinking refuses a temperature other than the default.
        body["thinking"] = thinking
    elif request.temperature is not None:
        body["temperature"] = request.temperature
    if request.stop:
        body["stop_sequences"] = list(request.stop)
    if stream:
        body["stream"] = True
    if request.cache is not None:
        mark_cache_breakpoints(body, request.cache)
    body.update(request.extra)
    return body


MAX_CACHE_BREAKPOINTS = 4
"""Anthropic refuses a request with more `cache_control` blocks ("A maximum of 4 blocks with
cache_control may be provided"); SolCoder places at most three."""


def mark_cache_breakpoints(body: dict[str, Any], cache: PromptCache) -> None:
    """Breakpoints on the last tool, the system prompt and the newest message's last block.

    Anthropic caches the prefix up to each breakpoint, in the order tools, system, messages:
    tools and system rarely change, so their breakpoints hit across turns and sessions. The
    message breakpoint rolls: the encoder is pure, so only the newest message of each request
    carries one, and Anthropic's lookback finds the prefix the previous request wrote.
    """
    marker: dict[str, str] = {"type": "ephemeral"}
    if cache.ttl == "1h":
        marker["ttl"] = "1h"
    tools = body.get("tools")
    if tools:
        tools[-1]["cache_control"] = dict(marker)
    system = body.get("system")
    if isinstance(system, str) and system:
        body["system"] = [{"type": "text", "text": system, "cache_control": dict(marker)}]
    messages = body.get("messages") or []
    if messages:
        # Thinking blocks cannot carry cache_control; the last other block takes it.
        for block in reversed(messages[-1]["content"]):
            if block.get("type") not in ("thinking", "redacted_thinking"):
                block["cache_control"] = dict(marker)
                break


def _tool_choice(choice: str) -> dict[str, str]:
    if choice == "auto":
        return {"type": "auto"}
    if choice in ("required", "any"):
        return {"type": "any"}
    if choice == "none":
        return {"type": "none"}
    return {"type": "tool", "name": choice}


def encode_messages(
    messages: tuple[Message, ...], provider: str | None = "anthropic"
) -> list[dict[str, Any]]:
    """Messages as Anthropic blocks, merging consecutive same-role turns (roles must
    alternate); thinking blocks only those `provider` produced (None: none)."""
    out: list[dict[str, Any]] = []
    for message in messages:
        role = "assistant" if message.role == "assistant" else "user"
        blocks = (
            _assistant_blocks(message, provider) if role == "assistant" else _user_blocks(message)
        )
        if not blocks:
            continue
        if out and out[-1]["role"] == role:
            out[-1]["content"].extend(blocks)
        else:
            out.append({"role": role, "content": blocks})
    for entry in out:
        if entry["role"] == "user":
            # Tool results must open the user turn that answers the calls; text goes after them.
            entry["content"].sort(key=lambda block: block["type"] != "tool_result")
    return out


def _user_blocks(message: Message) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for part in message.parts:
        if isinstance(part, ToolResult):
            blocks.append(
                {
                    "type": "tool_result",
                    "tool_use_id": part.call_id,
                    # Anthropic refuses an empty content when is_error is true (HTTP 400).
                    "content": part.content
                    or ("Tool failed with no output." if part.is_error else ""),
                    "is_error": part.is_error,
                }
            )
        elif isinstance(part, Text) and part.text:
            # Anthropic rejects empty text blocks ("text content blocks must be non-empty").
            blocks.append({"type": "text", "text": part.text})
    return blocks


def _assistant_blocks(message: Message, provider: str | None) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for part in message.parts:
        if isinstance(part, Text):
            if part.text:
                blocks.append({"type": "text", "text": part.text})
        elif isinstance(part, Thinking):
            if provider is None or not own_thinking(part, provider):
                continue
            block = _thinking_block(part)
            if block is not None:
                blocks.append(block)
        elif isinstance(part, ToolCall):
            blocks.append(
                {"type": "tool_use", "id": part.id, "name": part.name, "input": _input(part)}
            )
    return blocks


def _thinking_block(part: Thinking) -> dict[str, Any] | None:
    """Thinking goes back only with its signature (or redacted data): Anthropic verifies it,
    and reasoning from another provider has neither, so it is dropped."""
    if part.redacted:
        data = part.meta.get("data")
        return {"type": "redacted_thinking", "data": data} if data else None
    signature = part.meta.get("signature")
    if not signature:
        return None
    return {"type": "thinking", "thinking": part.text, "signature": signature}


def _input(call: ToolCall) -> Any:
    """The call's arguments as an object; malformed JSON is sent as `{}` (Anthropic requires an
    object, and the orchestrator already answered the call with an error result)."""
    try:
        value = jsonsafe.loads(call.arguments) if call.arguments else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


# --- decoding ---------------------------------------------------------------------------------


class AnthropicDecoder(WireDecoder):
    """Folds one Messages stream; content blocks are keyed by their `index`."""

    __slots__ = (
        "_block_types",
        "_model",
        "_response_id",
        "_server_tools",
        "_stop_reason",
        "_stop_sequence",
        "_tool_inputs",
        "_usage",
    )

    protocol = "Messages"
    terminator = "`message_stop`"

    def __init__(
        self, *, provider: str = "anthropic", max_argument_bytes: int = DEFAULT_MAX_ARGUMENT_BYTES
    ) -> None:
        super().__init__(provider, max_argument_bytes=max_argument_bytes)
        self._block_types: dict[int, str] = {}
        self._tool_inputs: dict[int, Any] = {}
        self._server_tools: list[str] = []
        self._usage: dict[str, Any] = {}
        self._stop_reason: str | None = None
        self._stop_sequence: str | None = None
        self._response_id: str | None = None
        self._model: str | None = None

    def _on_event(self, data: dict[str, Any], name: str) -> list[Event]:
        kind = data.get("type") or name
        if kind == "content_block_delta":
            return self._on_delta(data)
        if kind == "content_block_start":
            return self._on_block_start(data)
        if kind == "content_block_stop":
            return self._on_block_stop(data)
        if kind == "message_start":
            message = data.get("message") or {}
            self._response_id = message.get("id") or self._response_id
            self._model = message.get("model") or self._model
            self._merge_usage(message.get("usage"))
        elif kind == "message_delta":
            delta = data.get("delta") or {}
            self._stop_reason = delta.get("stop_reason") or self._stop_reason
            self._stop_sequence = delta.get("stop_sequence") or self._stop_sequence
            # The final usage repeats (and may correct) what message_start said.
            self._merge_usage(data.get("usage"))
        elif kind == "message_stop":
            self._terminated = True
        elif kind == "error":
            # Mid-stream failures (overloaded_error, api_error) arrive as an `error` event.
            raise error_from_payload(data, provider=self._provider)
        # `ping` and event types added later are ignored, as Anthropic's versioning policy asks.
        return []

    def _on_body(self, data: dict[str, Any]) -> list[Event]:
        """A complete (non-streamed) message object."""
        if data.get("type") == "error":
            raise error_from_payload(data, provider=self._provider)
        events: list[Event] = []
        for index, block in enumerate(data.get("content") or ()):
            events.extend(self._on_block_start({"index": index, "content_block": block}))
            events.extend(self._on_block_stop({"index": index}))
        self._response_id = data.get("id")
        self._model = data.get("model")
        self._stop_reason = data.get("stop_reason")
        self._stop_sequence = data.get("stop_sequence")
        self._usage.update(data.get("usage") or {})
        return events

    def _merge_usage(self, usage: Any) -> None:
        """Take the counts an event states; a null (MessageDeltaUsage's fields other than
        `output_tokens` are nullable) restates nothing, so it keeps the earlier count."""
        if isinstance(usage, Mapping):
            self._usage.update((key, value) for key, value in usage.items() if value is not None)

    def _on_block_start(self, data: Mapping[str, Any]) -> list[Event]:
        index = data.get("index", 0)
        block = data.get("content_block") or {}
        block_type = block.get("type", "")
        self._block_types[index] = block_type
        assembler = self._assembler
        assembler.end_block()
        event: Event | None = None
        if block_type == "text":
            event = assembler.text(block.get("text") or "")
        elif block_type == "thinking":
            event = assembler.thinking(block.get("thinking") or "")
            if block.get("signature"):
                assembler.thinking_meta(signature=block["signature"])
        elif block_type == "redacted_thinking":
            assembler.thinking("", redacted=True)
            assembler.thinking_meta(data=block.get("data") or "")
        elif block_type == "tool_use":
            self._tool_inputs[index] = block.get("input")
            event = assembler.tool_start(index, block.get("id"), block.get("name"))
        elif block_type in ("server_tool_use", "mcp_tool_use"):
            # Run by Anthropic itself (web search, code execution, MCP): not ours to answer.
            self._server_tools.append(str(block.get("name", "")))
        return one(event)

    def _on_delta(self, data: Mapping[str, Any]) -> list[Event]:
        delta = data.get("delta") or {}
        delta_type = delta.get("type")
        index = data.get("index", 0)
        assembler = self._assembler
        event: Event | None = None
        if delta_type == "text_delta":
            event = assembler.text(delta.get("text") or "")
        elif delta_type == "input_json_delta":
            # Server tool blocks stream their input too; only client tool_use blocks count.
            if self._block_types.get(index) == "tool_use":
                event = assembler.tool_arguments(index, delta.get("partial_json") or "")
        elif delta_type == "thinking_delta":
            event = assembler.thinking(delta.get("thinking") or "")
        elif delta_type == "signature_delta":
            assembler.thinking_meta(signature=delta.get("signature") or "")
        # citations_delta, compaction_delta and future delta types carry nothing we keep.
        return one(event)

    def _on_block_stop(self, data: Mapping[str, Any]) -> list[Event]:
        index = data.get("index", 0)
        event: Event | None = None
        if self._block_types.get(index) == "tool_use" and not self._assembler.tool_has_arguments(
            index
        ):
            # No input_json_delta (or only empty ones): the start block's `input` is the whole
            # input; the Assembler turns a call without arguments into "{}".
            start_input = self._tool_inputs.get(index)
            if start_input:
                event = self._assembler.tool_arguments(index, _dump(start_input))
        self._assembler.end_block()
        return [event] if event is not None else []

    def _completed(self) -> Completed:
        usage = self._usage
        details = usage.get("output_tokens_details") or {}
        creation = usage.get("cache_creation")
        long_writes = creation.get("ephemeral_1h_input_tokens") if isinstance(creation, dict) else 0
        extra: dict[str, object] = {}
        if self._stop_sequence:
            extra["stop_sequence"] = self._stop_sequence
        if self._server_tools:
            extra["server_tools"] = list(self._server_tools)
        raw = self._stop_reason
        return Completed(
            message=self._message(),
            usage=Usage(
                input=usage.get("input_tokens") or 0,
                output=usage.get("output_tokens") or 0,
                cache_read=usage.get("cache_read_input_tokens") or 0,
                cache_write=usage.get("cache_creation_input_tokens") or 0,
                reasoning=details.get("thinking_tokens") or 0,
                cache_write_1h=long_writes or 0,
            ),
            stop_reason=_STOP_REASONS.get(raw or "", "other"),
            response_id=self._response_id,
            raw_stop_reason=raw,
            model=self._model,
            extra=extra,
        )


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
