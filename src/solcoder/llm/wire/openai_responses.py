"""OpenAI Responses API (`POST {base}/responses`): the adapter and its request encoding.

OpenAI-compatible servers (DeepSeek, Bedrock, Azure, OpenRouter) speak this protocol too. The
conversation becomes a list of input items (messages, function calls and their outputs,
reasoning); decoding lives in `openai_responses_decoder`.
Reference: https://platform.openai.com/docs/api-reference/responses/create
"""

from __future__ import annotations

from typing import Any, ClassVar

from solcoder.llm.events import Event
from solcoder.llm.messages import Message, Request, Text, Thinking, ToolCall, ToolResult
from solcoder.llm.wire.assemble import DEFAULT_MAX_ARGUMENT_BYTES
from solcoder.llm.wire.base import HttpCall, WireApi, encode_json
from solcoder.llm.wire.names import ENDPOINTS
from solcoder.llm.wire.openai_responses_decoder import CUSTOM_TOOL, ResponsesDecoder
from solcoder.llm.wire.reasoning import ReasoningStyle, own_thinking
from solcoder.secret import Secret

__all__ = [
    "CUSTOM_TOOL",
    "OpenAIResponsesAdapter",
    "ResponsesDecoder",
    "encode_body",
    "encode_input",
]


class OpenAIResponsesAdapter:
    """Wire adapter for the Responses API; `provider` names the service in error messages."""

    api: ClassVar[WireApi] = "responses"
    path: ClassVar[str] = ENDPOINTS["responses"][0]
    title: ClassVar[str] = ENDPOINTS["responses"][1]
    default_reasoning_style: ClassVar[ReasoningStyle] = "reasoning_object"
    default_reasoning_roundtrip: ClassVar[bool] = True
    """Its encrypted reasoning items are needed within a tool loop."""
    reasoning_object_budget: ClassVar[bool] = False
    """`reasoning: {effort, summary}` takes an effort only."""

    def __init__(
        self,
        *,
        provider: str = "openai",
        max_argument_bytes: int = DEFAULT_MAX_ARGUMENT_BYTES,
        reasoning_style: ReasoningStyle = "reasoning_object",
        reasoning_roundtrip: bool = True,
    ) -> None:
        self.provider = provider
        self.max_argument_bytes = max_argument_bytes
        """Where one tool call's streamed arguments stop being kept (`Assembler`)."""
        self.reasoning_style: ReasoningStyle = reasoning_style
        """`reasoning_object`: `reasoning: {effort, summary}`; `none`: no control sent."""
        self.reasoning_roundtrip = reasoning_roundtrip
        """Ask for encrypted reasoning and send this provider's own items back."""

    def auth_headers(self, api_key: Secret) -> dict[str, str]:
        return {"Authorization": f"Bearer {api_key.reveal()}"}

    def encode(self, request: Request, *, stream: bool = True) -> HttpCall:
        headers = {
            "content-type": "application/json",
            "accept": "text/event-stream" if stream else "application/json",
        }
        body = encode_body(
            request,
            stream=stream,
            provider=self.provider if self.reasoning_roundtrip else None,
            control=self.reasoning_style == "reasoning_object",
        )
        return HttpCall("POST", self.path, headers, encode_json(body), stream)

    def decoder(self) -> ResponsesDecoder:
        return ResponsesDecoder(provider=self.provider, max_argument_bytes=self.max_argument_bytes)

    def decode_body(self, body: bytes) -> list[Event]:
        return self.decoder().decode_body(body)


# --- encoding ---------------------------------------------------------------------------------


def encode_body(
    request: Request,
    *,
    stream: bool = True,
    provider: str | None = "openai",
    control: bool = True,
) -> dict[str, Any]:
    """The JSON body for one Responses API call. `stop` has no Responses equivalent.

    `provider` is whose reasoning items go back (None: none do); `control` sends the effort."""
    body: dict[str, Any] = {"model": request.model}
    if request.system:
        body["instructions"] = request.system
    body["input"] = encode_input(request.messages, provider)
    if request.tools:
        # Responses tools are flat (no nested "function" object). `strict` defaults to true
        # there, which rejects ordinary schemas, so it is turned off explicitly.
        body["tools"] = [
            {
                "type": "function",
                "name": tool.name,
                "description": tool.description,
                "parameters": tool.json_schema,
                "strict": False,
            }
            for tool in request.tools
        ]
        if request.tool_choice:
            body["tool_choice"] = _tool_choice(request.tool_choice)
    if request.max_tokens is not None:
        body["max_output_tokens"] = request.max_tokens
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if stream:
        body["stream"] = True
    # Nothing is kept server side, so reasoning can only be sent back as encrypted content,
    # which the server returns only when asked to.
    body["store"] = False
    if request.cache is not None and request.cache.key:
        body["prompt_cache_key"] = request.cache.key  # OpenAI routes equal keys together
    reasoning = request.reasoning
    if control and reasoning is not None and reasoning.effort is not None:
        body["reasoning"] = {"effort": reasoning.effort, "summary": "auto"}
    if provider is not None and (reasoning is not None or "reasoning" in request.extra):
        body["include"] = ["reasoning.encrypted_content"]
    body.update(request.extra)
    return body


def _tool_choice(choice: str) -> str | dict[str, str]:
    if choice in ("auto", "none", "required"):
        return choice
    if choice == "any":
        return "required"
    return {"type": "function", "name": choice}


def encode_input(
    messages: tuple[Message, ...], provider: str | None = "openai"
) -> list[dict[str, Any]]:
    """The conversation as Responses input items, in order; reasoning items only those
    `provider` produced (None: none)."""
    items: list[dict[str, Any]] = []
    custom_calls: set[str] = set()
    for message in messages:
        if message.role == "assistant":
            _assistant_items(message, items, custom_calls, provider)
            continue
        texts: list[dict[str, str]] = []
        for part in message.parts:
            if isinstance(part, ToolResult):
                kind = "custom_tool_call_output" if part.call_id in custom_calls else None
                items.append(
                    {
                        "type": kind or "function_call_output",
                        "call_id": part.call_id,
                        "output": part.content,
                    }
                )
            elif isinstance(part, Text) and part.text:
                texts.append({"type": "input_text", "text": part.text})
        if texts:
            items.append({"type": "message", "role": "user", "content": texts})
    return items


def _assistant_items(
    message: Message,
    items: list[dict[str, Any]],
    custom_calls: set[str],
    provider: str | None,
) -> None:
    """A reply as input items. Its text goes back as an easy input message (`role:
    assistant`, `content` a string): the output message form needs the item's `id`, a
    `status` and `annotations` on every part (OpenAI's published schema), and SolCoder keeps
    no item ids (nothing is stored server side either, `store: false`). Consecutive text
    parts make one message; a call or reasoning between them starts the next."""
    texts: list[str] | None = None
    for part in message.parts:
        if isinstance(part, Text):
            if not part.text:
                continue
            if texts is None:
                texts = []
                items.append({"type": "message", "role": "assistant", "content": ""})
            texts.append(part.text)
            items[-1]["content"] = "".join(texts)
            continue
        texts = None
        if isinstance(part, Thinking):
            if provider is None or not own_thinking(part, provider):
                continue
            item = _reasoning_item(part)
            if item is not None:
                items.append(item)
        elif isinstance(part, ToolCall):
            if part.meta.get("kind") == CUSTOM_TOOL:
                custom_calls.add(part.id)
                items.append(
                    {
                        "type": "custom_tool_call",
                        "call_id": part.id,
                        "name": part.name,
                        "input": part.arguments,
                    }
                )
            else:
                items.append(
                    {
                        "type": "function_call",
                        "call_id": part.id,
                        "name": part.name,
                        "arguments": part.arguments,
                    }
                )


def _reasoning_item(part: Thinking) -> dict[str, Any] | None:
    """Reasoning goes back only with its item id and encrypted content: the schema requires
    the id, with `store: false` an id alone refers to nothing, and reasoning from another
    provider has neither."""
    encrypted = part.meta.get("encrypted_content")
    item_id = part.meta.get("id")
    if not encrypted or not item_id:
        return None
    return {
        "type": "reasoning",
        "id": item_id,
        "summary": [{"type": "summary_text", "text": part.text}] if part.text else [],
        "encrypted_content": encrypted,
    }
