"""Anthropic Messages API (`POST {base}/v1/messages`): request encoding and stream decoding.

Anthropic differs from the OpenAI protocols in ways this module absorbs so nothing above the
adapters sees them: the system prompt is a top-level field, roles must alternate (tool results
travel in a *user* turn), `max_tokens` is mandatory, thinking blocks must be sent back with their
signature, and the stream is a sequence of named events around numbered content blocks.
Reference: https://docs.anthropic.com/en/api/messages and .../en/docs/build-with-claude/streaming
"""

from __future__ import annotations

from typing import Any, ClassVar

from solcoder import jsonsafe
from solcoder.llm.events import Event
from solcoder.llm.messages import (
    Message,
    PromptCache,
    Request,
    Text,
    Thinking,
    ToolCall,
    ToolResult,
)
from solcoder.llm.wire.anthropic_decoder import AnthropicDecoder
from solcoder.llm.wire.anthropic_thinking import thinking_config
from solcoder.llm.wire.assemble import DEFAULT_MAX_ARGUMENT_BYTES
from solcoder.llm.wire.base import HttpCall, WireApi, encode_json
from solcoder.llm.wire.names import ENDPOINTS
from solcoder.llm.wire.reasoning import ReasoningStyle, own_thinking
from solcoder.secret import Secret

ANTHROPIC_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 4096
"""Anthropic rejects a request without `max_tokens`; this is used when the Request has none."""


class AnthropicAdapter:
    """Wire adapter for the Messages API; `provider` names the service in error messages."""

    api: ClassVar[WireApi] = "messages"
    path: ClassVar[str] = ENDPOINTS["messages"][0]
    title: ClassVar[str] = ENDPOINTS["messages"][1]
    default_reasoning_style: ClassVar[ReasoningStyle] = "thinking_budget"
    default_reasoning_roundtrip: ClassVar[bool] = True
    """Signed thinking blocks go back within a tool loop."""
    reasoning_object_budget: ClassVar[bool] = False

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
        return HttpCall("POST", self.path, headers, encode_json(body), stream)

    def decoder(self) -> AnthropicDecoder:
        return AnthropicDecoder(provider=self.provider, max_argument_bytes=self.max_argument_bytes)

    def decode_body(self, body: bytes) -> list[Event]:
        return self.decoder().decode_body(body)


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
