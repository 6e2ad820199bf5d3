"""Decoding of OpenAI Responses API streams and bodies into our events.

The Responses protocol is item based: a response is a list of output items (reasoning, message,
function call, server tool calls) and the stream reports each item's life (`output_item.added`,
deltas keyed by `output_index`, `output_item.done`, then `response.completed`). Kept apart from
the encoder because this is the streaming hot path: plain dict access, no validation layer.
Reference: https://platform.openai.com/docs/api-reference/responses-streaming
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from solcoder.errors import ProtocolError
from solcoder.llm.events import Completed, Event, StopReason
from solcoder.llm.messages import Message, Part, Thinking, Usage
from solcoder.llm.wire.assemble import Assembler
from solcoder.llm.wire.base import parse_json
from solcoder.llm.wire.error_bodies import error_from_payload
from solcoder.llm.wire.sse import ServerSentEvent

CUSTOM_TOOL = "custom"
"""`ToolCall.meta["kind"]` of a free-form (custom) tool call, whose input is raw text."""

_INCOMPLETE_REASONS: dict[str, StopReason] = {
    "max_output_tokens": "max_tokens",
    "content_filter": "content_filter",
}
_TERMINATORS = frozenset(("response.completed", "response.incomplete"))
_STARTERS = frozenset(("response.created", "response.in_progress", "response.queued"))
_ARGUMENT_DELTAS = frozenset(
    ("response.function_call_arguments.delta", "response.custom_tool_call_input.delta")
)
_REASONING_DELTAS = frozenset(
    ("response.reasoning_summary_text.delta", "response.reasoning_text.delta")
)
_TOOL_ITEMS = frozenset(("function_call", "custom_tool_call"))


class ResponsesDecoder:
    """Folds one Responses stream; tool calls are keyed by `output_index`."""

    __slots__ = (
        "_assembler",
        "_current_item",
        "_done",
        "_item_indexes",
        "_model",
        "_provider",
        "_reasoning",
        "_refused",
        "_response",
        "_started",
        "_streamed_items",
    )

    def __init__(self, *, provider: str = "openai") -> None:
        self._provider = provider
        self._assembler = Assembler()
        self._item_indexes: dict[str, int] = {}
        self._reasoning: dict[int, dict[str, Any]] = {}
        """Round-trip data of each reasoning item, by output index, in the order they began."""
        self._streamed_items: set[int] = set()
        self._current_item = -1
        self._response: Mapping[str, Any] = {}
        self._model: str | None = None
        self._refused = False
        self._done = False
        self._started = False

    @property
    def content_started(self) -> bool:
        return self._started

    def partial(self) -> Message:
        """The message streamed so far (kept when the stream breaks)."""
        return self._assembler.message()

    @property
    def terminated(self) -> bool:
        """The protocol's terminator was seen: nothing more belongs to this response."""
        return self._done

    def feed(self, event: ServerSentEvent) -> list[Event]:
        if self._done or event.data == "[DONE]":
            # OpenRouter appends a chat-style `[DONE]` after the terminator.
            return []
        data = load_json(event.data, self._provider)
        # Dispatch on the payload's `type`: it is always there, the `event:` name is redundant.
        kind = data.get("type") or event.event
        assembler = self._assembler
        result: Event | None = None
        if kind == "response.output_text.delta":
            self._streamed_items.add(self._index(data))
            result = assembler.text(data.get("delta") or "")
        elif kind in _ARGUMENT_DELTAS:
            result = assembler.tool_arguments(self._index(data), data.get("delta") or "")
        elif kind in _REASONING_DELTAS:
            self._streamed_items.add(self._index(data))
            result = assembler.thinking(data.get("delta") or "")
        elif kind == "response.refusal.delta":
            self._refused = True
            self._streamed_items.add(self._index(data))
            result = assembler.text(data.get("delta") or "")
        elif kind == "response.reasoning_summary_part.added":
            if data.get("summary_index"):
                result = assembler.thinking("\n\n")
        elif kind == "response.output_item.added":
            result = self._item_added(data)
        elif kind == "response.output_item.done":
            result = self._item_done(data)
        elif kind in _TERMINATORS:
            self._done = True
            self._set_response(data.get("response") or {})
            if not assembler.has_content:
                # A server that reports its items only in the final object is still decoded.
                self._fold_items(self._response.get("output") or ())
        elif kind in _STARTERS:
            self._set_response(data.get("response") or {})
        elif kind == "response.failed":
            response = data.get("response") or {}
            payload = response if response.get("error") else data
            raise error_from_payload(payload, provider=self._provider)
        elif kind == "error":
            raise error_from_payload(data, provider=self._provider)
        # Server tool progress (web search, code interpreter, MCP) and the `*.done` events
        # that repeat what the deltas said are ignored.
        if result is None:
            return []
        self._started = True
        return [result]

    def finish(self) -> list[Event]:
        if not self._done:
            raise ProtocolError(
                f"The {self._provider} stream ended before `response.completed`: the response "
                "is incomplete.",
                hint="Retry the request; if it keeps happening, check for a proxy cutting streams.",
                provider=self._provider,
            )
        return [self._completed()]

    def fold_response(self, response: Mapping[str, Any]) -> list[Event]:
        """Events of a complete (non-streamed) response object."""
        self._set_response(response)
        events = self._fold_items(response.get("output") or ())
        self._done = True
        events.append(self._completed())
        return events

    def _fold_items(self, items: Any) -> list[Event]:
        events: list[Event] = []
        for index, item in enumerate(items):
            data = {"output_index": index, "item": item}
            for event in (self._item_added(data), self._item_done(data)):
                if event is not None:
                    events.append(event)
        return events

    def _index(self, data: Mapping[str, Any]) -> int:
        index = data.get("output_index")
        if index is None:
            index = self._item_indexes.get(data.get("item_id") or "", self._current_item)
        return int(index)

    def _item_added(self, data: Mapping[str, Any]) -> Event | None:
        item = data.get("item") or {}
        item_type = item.get("type")
        index = self._index(data)
        self._current_item = index
        if item.get("id"):
            self._item_indexes[item["id"]] = index
        assembler = self._assembler
        assembler.end_block()
        if item_type in _TOOL_ITEMS:
            event = assembler.tool_start(index, item.get("call_id"), item.get("name"))
            if item_type == "custom_tool_call":
                assembler.tool_meta(index, kind=CUSTOM_TOOL)
            return event
        if item_type == "reasoning":
            assembler.thinking("")
            self._reasoning[index] = {"id": item["id"]} if item.get("id") else {}
        return None

    def _item_done(self, data: Mapping[str, Any]) -> Event | None:
        item = data.get("item") or {}
        item_type = item.get("type")
        index = self._index(data)
        assembler = self._assembler
        if item_type in _TOOL_ITEMS:
            if index not in assembler.tool_indexes():
                self._item_added(data)
            if assembler.tool_has_arguments(index):
                return None
            # No argument deltas came: the finished item holds the whole arguments.
            key = "arguments" if item_type == "function_call" else "input"
            return assembler.tool_arguments(index, item.get(key) or "")
        if item_type == "reasoning":
            if index not in self._reasoning:
                self._item_added(data)
            if item.get("encrypted_content"):
                self._reasoning[index]["encrypted_content"] = item["encrypted_content"]
            if index in self._streamed_items or index != self._current_item:
                return None
            texts = [part.get("text") or "" for part in item.get("summary") or ()]
            if not texts:
                texts = [part.get("text") or "" for part in item.get("content") or ()]
            return assembler.thinking("\n\n".join(texts))
        if item_type == "message" and index not in self._streamed_items:
            # Nothing was streamed for this message (or the response is not streamed at all).
            texts = []
            for part in item.get("content") or ():
                if part.get("type") == "refusal":
                    self._refused = True
                    texts.append(part.get("refusal") or "")
                else:
                    texts.append(part.get("text") or "")
            if index != self._current_item:
                assembler.end_block()
            return assembler.text("".join(texts))
        return None

    def _set_response(self, response: Mapping[str, Any]) -> None:
        if response:
            self._response = response
            self._model = response.get("model") or self._model

    def _message(self) -> Message:
        message = self._assembler.message()
        if not self._reasoning:
            return message
        # Reasoning items begin in output order, one Thinking part each, so their round-trip
        # data is attached in the same order (OpenRouter closes them late, after the text).
        metas = iter(self._reasoning.values())
        parts: list[Part] = []
        for part in message.parts:
            meta = next(metas, None) if isinstance(part, Thinking) else None
            if isinstance(part, Thinking) and meta:
                parts.append(Thinking(part.text, part.redacted, {**part.meta, **meta}))
            else:
                parts.append(part)
        return Message(message.role, tuple(parts))

    def _completed(self) -> Completed:
        response = self._response
        status = response.get("status")
        usage = response.get("usage") or {}
        input_details = usage.get("input_tokens_details") or {}
        output_details = usage.get("output_tokens_details") or {}
        reason = (response.get("incomplete_details") or {}).get("reason")
        stop: StopReason
        if self._refused:
            stop = "refusal"
        elif status == "completed":
            stop = "tool_use" if self._assembler.tool_indexes() else "end_turn"
        elif status == "incomplete":
            stop = _INCOMPLETE_REASONS.get(reason or "", "other")
        else:
            stop = "other"
        return Completed(
            message=self._message(),
            usage=Usage(
                input=usage.get("input_tokens") or 0,
                output=usage.get("output_tokens") or 0,
                cache_read=input_details.get("cached_tokens") or 0,
                # Bedrock reports cache writes; OpenAI does not (they are free there).
                cache_write=input_details.get("cache_write_tokens") or 0,
                reasoning=output_details.get("reasoning_tokens") or 0,
            ),
            stop_reason=stop,
            response_id=response.get("id"),
            raw_stop_reason=status,
            model=self._model,
            extra={"incomplete_reason": reason} if reason else {},
        )


def load_json(text: str | bytes, provider: str) -> dict[str, Any]:
    try:
        data = parse_json(text) if isinstance(text, str) else json.loads(text)
    except ValueError as exc:
        raise ProtocolError(f"{provider} sent malformed JSON: {exc}.", provider=provider) from None
    if not isinstance(data, dict):
        raise ProtocolError(f"{provider} sent JSON that is not an object.", provider=provider)
    return data
