"""Anthropic Messages API stream decoding: named events around numbered content blocks
(`message_start`, `content_block_*`, `message_delta`, `message_stop`), folded into our events.
Encoding lives in `anthropic.py`; the shared envelope (content started, partial, terminator
rule, JSON loader) in `decoder.py`.
Reference: https://docs.anthropic.com/en/docs/build-with-claude/streaming
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from solcoder.llm.events import Completed, Event, StopReason
from solcoder.llm.messages import Usage
from solcoder.llm.wire.assemble import DEFAULT_MAX_ARGUMENT_BYTES
from solcoder.llm.wire.decoder import WireDecoder, one
from solcoder.llm.wire.error_bodies import error_from_payload

__all__ = ["AnthropicDecoder"]

_STOP_REASONS: dict[str, StopReason] = {
    "end_turn": "end_turn",
    "tool_use": "tool_use",
    "max_tokens": "max_tokens",
    "stop_sequence": "stop_sequence",
    "refusal": "refusal",
    # Newer models stop when the context window fills up: the answer is cut like max_tokens.
    "model_context_window_exceeded": "max_tokens",
}


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
