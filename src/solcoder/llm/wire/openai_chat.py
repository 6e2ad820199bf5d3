"""The OpenAI Chat Completions wire protocol, spoken by OpenAI and every OpenAI-compatible server.

One adapter serves OpenAI, OpenRouter, Groq, Mistral, DeepSeek, Gemini's compatibility endpoint,
Ollama, vLLM, llama.cpp and the rest, so the decoder accepts every variation recorded in
`../shared/corpus` rather than only what OpenAI documents: no `[DONE]`, tool calls without an
`index`, names resent in every chunk, content as a list of parts, reasoning under two names,
usage in `x_groq`, errors inside a 200 stream. Reference:
https://platform.openai.com/docs/api-reference/chat/streaming
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from solcoder.llm.events import Completed, Event, StopReason
from solcoder.llm.messages import Message, Request, Text, Thinking, ToolCall, ToolResult, Usage
from solcoder.llm.wire.assemble import DEFAULT_MAX_ARGUMENT_BYTES
from solcoder.llm.wire.base import HttpCall, WireApi, encode_json
from solcoder.llm.wire.decoder import WireDecoder, emit
from solcoder.llm.wire.error_bodies import error_from_payload
from solcoder.llm.wire.names import ENDPOINTS
from solcoder.llm.wire.reasoning import ReasoningStyle, own_thinking
from solcoder.secret import Secret

# OpenAI's reasoning models refuse `max_tokens` and want `max_completion_tokens`
# (https://platform.openai.com/docs/guides/reasoning).
_REASONING_MODEL_PREFIXES = ("o1", "o3", "o4", "gpt-5")

_STOP_REASONS: dict[str, StopReason] = {
    "stop": "end_turn",
    "end_turn": "end_turn",  # some compatible servers pass Anthropic's word through
    "eos": "end_turn",
    "tool_calls": "tool_use",
    "function_call": "tool_use",  # the deprecated functions API
    "tool_use": "tool_use",
    "length": "max_tokens",
    "max_tokens": "max_tokens",
    "model_length": "max_tokens",  # Mistral
    "content_filter": "content_filter",
    "stop_sequence": "stop_sequence",
}


class OpenAIChatAdapter:
    """`WireAdapter` for `POST {base}/chat/completions`."""

    api: ClassVar[WireApi] = "chat"
    path: ClassVar[str] = ENDPOINTS["chat"][0]
    title: ClassVar[str] = ENDPOINTS["chat"][1]
    default_reasoning_style: ClassVar[ReasoningStyle] = "reasoning_effort"
    default_reasoning_roundtrip: ClassVar[bool] = False
    """Most servers want reasoning dropped (DeepSeek is the exception, in the catalog)."""
    reasoning_object_budget: ClassVar[bool] = True
    """OpenRouter's chat `reasoning: {max_tokens}` takes a token budget."""

    def __init__(
        self,
        provider: str = "openai",
        *,
        max_argument_bytes: int = DEFAULT_MAX_ARGUMENT_BYTES,
        reasoning_style: ReasoningStyle = "reasoning_effort",
        reasoning_roundtrip: bool = False,
    ) -> None:
        self.provider = provider
        """Named in error messages raised from in-stream error events."""
        self.max_argument_bytes = max_argument_bytes
        """Where one tool call's streamed arguments stop being kept (`Assembler`)."""
        self.reasoning_style: ReasoningStyle = reasoning_style
        """How this provider takes reasoning control on chat (`wire/reasoning.py`)."""
        self.reasoning_roundtrip = reasoning_roundtrip
        """Send this provider's own reasoning back as `reasoning_content` on the assistant
        messages that made tool calls (DeepSeek answers 400 without it)."""

    def auth_headers(self, api_key: Secret) -> dict[str, str]:
        return {"Authorization": f"Bearer {api_key.reveal()}"}

    def encode(self, request: Request, *, stream: bool = True) -> HttpCall:
        roundtrip = self.provider if self.reasoning_roundtrip else None
        body: dict[str, Any] = {
            "model": request.model,
            "messages": _encode_messages(request, roundtrip),
        }
        if request.tools:
            body["tools"] = [
                {
                    "type": "function",
                    "function": {
                        "name": tool.name,
                        "description": tool.description,
                        "parameters": dict(tool.json_schema),
                    },
                }
                for tool in request.tools
            ]
        if request.tool_choice is not None:
            choice = request.tool_choice
            body["tool_choice"] = (
                choice
                if choice in ("auto", "none", "required")
                else {"type": "function", "function": {"name": choice}}
            )
        if request.max_tokens is not None:
            key = (
                "max_completion_tokens"
                if request.model.startswith(_REASONING_MODEL_PREFIXES)
                else "max_tokens"
            )
            body[key] = request.max_tokens
        if request.temperature is not None:
            body["temperature"] = request.temperature
        if request.stop:
            body["stop"] = list(request.stop)
        if stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        if request.cache is not None and request.cache.key:
            body["prompt_cache_key"] = request.cache.key  # OpenAI routes equal keys together
        self._reasoning(request, body)
        body.update(request.extra)
        headers = {
            "Content-Type": "application/json",
            "Accept": "text/event-stream" if stream else "application/json",
        }
        return HttpCall("POST", self.path, headers, encode_json(body), stream)

    def _reasoning(self, request: Request, body: dict[str, Any]) -> None:
        """Reasoning control as this provider takes it: OpenAI's `reasoning_effort`, or
        OpenRouter's `reasoning` object (a token budget when one is set, else the effort)."""
        reasoning = request.reasoning
        if reasoning is None or reasoning.effort is None:
            return
        if self.reasoning_style == "reasoning_effort":
            body["reasoning_effort"] = reasoning.effort
        elif self.reasoning_style == "reasoning_object":
            body["reasoning"] = (
                {"max_tokens": reasoning.budget_tokens}
                if reasoning.budget_tokens
                else {"effort": reasoning.effort}
            )

    def decoder(self) -> ChatDecoder:
        return ChatDecoder(provider=self.provider, max_argument_bytes=self.max_argument_bytes)

    def decode_body(self, body: bytes) -> list[Event]:
        return self.decoder().decode_body(body)


def _encode_messages(request: Request, roundtrip: str | None = None) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    if request.system:
        messages.append({"role": "system", "content": request.system})
    for message in request.messages:
        messages.extend(_encode_message(message, roundtrip))
    return messages


def _encode_message(message: Message, roundtrip: str | None = None) -> list[dict[str, Any]]:
    """One of our messages as chat messages: tool results become one `tool` message each
    (they must directly follow the assistant's tool calls). Thinking is dropped, except that
    with `roundtrip` (the provider's name) an assistant message that made tool calls carries
    that provider's own reasoning back as `reasoning_content`."""
    out: list[dict[str, Any]] = [
        {"role": "tool", "tool_call_id": result.call_id, "content": result.content}
        for result in message.parts
        if isinstance(result, ToolResult)
    ]
    text = "".join(part.text for part in message.parts if isinstance(part, Text))
    if message.role == "assistant":
        calls = [part for part in message.parts if isinstance(part, ToolCall)]
        # "" rather than null when the turn is only tool calls: OpenAI accepts both, but
        # llama.cpp's server answers null with HTTP 422.
        encoded: dict[str, Any] = {"role": "assistant", "content": text}
        if calls:
            encoded["tool_calls"] = [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.name, "arguments": call.arguments or "{}"},
                }
                for call in calls
            ]
            if roundtrip is not None:
                reasoning = "".join(
                    part.text
                    for part in message.parts
                    if isinstance(part, Thinking) and own_thinking(part, roundtrip)
                )
                if reasoning:
                    encoded["reasoning_content"] = reasoning
        if text or calls:
            out.append(encoded)
    elif text or not out:
        out.append({"role": "user", "content": text})
    return out


class ChatDecoder(WireDecoder):
    """Folds one response's chunks (`chat.completion.chunk`) into events."""

    __slots__ = (
        "_finish_reason",
        "_model",
        "_next_key",
        "_refused",
        "_response_id",
        "_tool_keys",
        "_usage",
    )

    protocol = "chat completions"
    terminator = "`data: [DONE]` or a finish reason"
    done_terminates = True
    event_names = frozenset(("", "message", "error"))  # Groq sends `event: error` in-stream

    def __init__(
        self, provider: str = "openai", *, max_argument_bytes: int = DEFAULT_MAX_ARGUMENT_BYTES
    ) -> None:
        super().__init__(provider, max_argument_bytes=max_argument_bytes)
        self._finish_reason: str | None = None
        self._response_id: str | None = None
        self._model: str | None = None
        self._usage = Usage()
        self._tool_keys: dict[str, int] = {}  # tool call id -> assembler index (no `index`)
        self._next_key = 0
        self._refused = False

    def _on_event(self, payload: dict[str, Any], name: str) -> list[Event]:
        if name == "error":  # Groq: `event: error` inside an unnamed chunk stream
            raise error_from_payload(payload, provider=self._provider)
        return self._chunk(payload)

    def _on_body(self, payload: dict[str, Any]) -> list[Event]:
        """A non-streaming response: `choices[0].message` is folded as if it were one delta."""
        choices = payload.get("choices")
        if isinstance(choices, list):
            payload = {
                **payload,
                "choices": [
                    {**choice, "delta": choice.get("message") or {}}
                    for choice in choices
                    if isinstance(choice, dict)
                ],
            }
        return self._chunk(payload)

    def _ended_properly(self) -> bool:
        # Many compatible servers never send `[DONE]`; their last chunk's finish reason is
        # the only end there is. A stream with neither was cut.
        return self._terminated or bool(self._finish_reason)

    def _chunk(self, chunk: dict[str, Any]) -> list[Event]:
        if chunk.get("error"):  # OpenRouter: an error object inside a normal chunk
            raise error_from_payload(chunk, provider=self._provider)
        if self._response_id is None and chunk.get("id"):
            self._response_id = str(chunk["id"])
        if self._model is None and chunk.get("model"):
            self._model = str(chunk["model"])
        usage = chunk.get("usage")
        if not isinstance(usage, dict):
            extension = chunk.get("x_groq")  # Groq reports usage in its own extension
            usage = extension.get("usage") if isinstance(extension, dict) else None
        if isinstance(usage, dict):
            self._usage = _usage(usage)
        events: list[Event] = []
        for choice in chunk.get("choices") or ():
            if choice.get("index") not in (0, None):
                continue  # n > 1: we only ever ask for, and show, the first choice
            delta = choice.get("delta")
            if delta:
                self._delta(delta, events)
            reason = choice.get("finish_reason")
            # Servers that serialize zero values send "" in every chunk: that is no finish.
            if reason or (reason is not None and self._finish_reason is None):
                self._finish_reason = str(reason)
        return events

    def _delta(self, delta: dict[str, Any], events: list[Event]) -> None:
        assembler = self._assembler
        content = delta.get("content")
        if len(delta) == 1 and type(content) is str:  # the hot path: {"content": "..."}
            text = assembler.text(content)
            if text is not None:
                events.append(text)
            return
        # DeepSeek and vLLM say `reasoning_content`; OpenRouter, Groq and Ollama `reasoning`.
        reasoning = delta.get("reasoning_content") or delta.get("reasoning")
        if reasoning is None and delta.get("reasoning_details"):
            reasoning = "".join(  # Snowflake sends only OpenRouter-style details
                str(item.get("text") or "") for item in delta["reasoning_details"]
            )
        if isinstance(reasoning, str) and reasoning:
            emit(events, assembler.thinking(reasoning))
        if isinstance(content, str):
            if content:
                emit(events, assembler.text(content))
        elif isinstance(content, list):
            self._content_parts(content, events)
        refusal = delta.get("refusal")
        if isinstance(refusal, str) and refusal:  # OpenAI structured outputs: a refusal
            self._refused = True  # is shown as text and ends with stop reason "refusal"
            emit(events, assembler.text(refusal))
        tool_calls = delta.get("tool_calls")
        if tool_calls:
            for position, call in enumerate(tool_calls):
                self._tool_call(call, position, events)
            return
        # The deprecated functions API. llama.cpp's server sends the same fragment both as
        # `function_call` and in `tool_calls`, so it only counts when `tool_calls` is absent.
        legacy = delta.get("function_call")
        if isinstance(legacy, dict) and (legacy.get("name") or legacy.get("arguments")):
            self._tool_call({"index": 0, "function": legacy}, 0, events)

    def _content_parts(self, parts: list[Any], events: list[Event]) -> None:
        """Mistral sends `content` as a list: `text` parts and `thinking` parts whose own
        `thinking` is a list of text parts (Magistral models)."""
        for part in parts:
            if isinstance(part, str):
                emit(events, self._assembler.text(part))
            elif part.get("type") == "text":
                emit(events, self._assembler.text(str(part.get("text") or "")))
            elif part.get("type") == "thinking":
                inner = part.get("thinking")
                pieces = inner if isinstance(inner, list) else [{"text": inner}]
                for piece in pieces:
                    text = piece.get("text") if isinstance(piece, dict) else piece
                    if isinstance(text, str) and text:
                        emit(events, self._assembler.thinking(text))

    def _tool_call(self, call: dict[str, Any], position: int, events: list[Event]) -> None:
        function = call.get("function") or {}
        call_id = str(call["id"]) if call.get("id") else None
        name = str(function["name"]) if function.get("name") else None
        arguments = function.get("arguments")
        key = self._key(call.get("index"), call_id, name, position)
        emit(events, self._assembler.tool_start(key, call_id, name))
        if arguments is not None and not isinstance(arguments, str):
            arguments = json.dumps(arguments, ensure_ascii=False)  # some servers send an object
        if arguments:
            emit(events, self._assembler.tool_arguments(key, arguments))

    def _key(self, index: Any, call_id: str | None, name: str | None, position: int) -> int:
        """Which tool call a fragment belongs to: by `index` (the standard), else by `id`
        (Mistral), else by position within the chunk (Gemini sends neither)."""
        if isinstance(index, int) and not isinstance(index, bool):
            key = index
        elif call_id is not None:
            known = self._tool_keys.get(call_id)
            if known is not None:
                return known
            key = self._next_key
        else:
            key = position
            if name and self._assembler.tool_has_arguments(key):
                key = self._next_key  # a named start after a finished call: a new call
        if call_id is not None:
            self._tool_keys.setdefault(call_id, key)
        self._next_key = max(self._next_key, key + 1)
        return key

    def _completed(self) -> Completed:
        message = self._message()
        raw = self._finish_reason
        stop_reason: StopReason = _STOP_REASONS.get(raw, "other") if raw else "end_turn"
        if stop_reason == "end_turn" and message.tool_calls:
            stop_reason = "tool_use"  # Gemini and Ollama say "stop" after tool calls
        elif stop_reason == "end_turn" and self._refused:
            stop_reason = "refusal"
        return Completed(
            message=message,
            usage=self._usage,
            stop_reason=stop_reason,
            response_id=self._response_id,
            raw_stop_reason=raw,
            model=self._model,
        )


def _usage(usage: dict[str, Any]) -> Usage:
    prompt_details = usage.get("prompt_tokens_details") or {}
    completion_details = usage.get("completion_tokens_details") or {}
    cache_read = prompt_details.get("cached_tokens") or usage.get("prompt_cache_hit_tokens")
    return Usage(
        input=int(usage.get("prompt_tokens") or 0),
        output=int(usage.get("completion_tokens") or 0),
        cache_read=int(cache_read or 0),  # DeepSeek: prompt_cache_hit_tokens
        cache_write=int(prompt_details.get("cache_write_tokens") or 0),  # OpenRouter
        reasoning=int(completion_details.get("reasoning_tokens") or 0),
    )
