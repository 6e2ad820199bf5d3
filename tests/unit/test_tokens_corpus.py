"""The token estimator against what real providers reported, on ../shared/corpus.

Each recorded request body (status 200, with usage) is decoded into our `Request` (the same
type the orchestrator builds), estimated with `estimate_request`, and compared with the input
tokens the provider reported (for Anthropic's Messages API: input plus cache reads and writes).
Requests that our `Request` cannot express are left out and counted: images, files, audio,
server-side tools (web search, code execution, MCP, tool search), structured-output schemas,
server-side history (`previous_response_id`, compaction) and bodies the corpus elided.

Run `python -m tests.unit.test_tokens_corpus` for the per-family table in
docs/token-estimation.md.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import pytest

from solcoder.llm.messages import (
    Message,
    Part,
    Request,
    Text,
    Thinking,
    ToolCall,
    ToolResult,
    ToolSpec,
)
from solcoder.llm.tokens import estimate_request, model_family
from tests.corpus import MARK, Record, records

pytestmark = MARK

MAX_MEDIAN_ERROR = 0.10

_UNSUPPORTED_FIELDS = (
    "response_format",
    "previous_response_id",
    "mcp_servers",
    "container",
    "output_config",
    "context_management",
    "models",
)


class Unsupported(Exception):
    """The request uses something our Request type does not model."""


def _text_parts(content: Any) -> list[Part]:
    if content is None:
        return []
    if isinstance(content, str):
        return [Text(content)]
    parts: list[Part] = []
    for block in content:
        kind = block.get("type")
        if kind in ("text", "input_text", "output_text"):
            parts.append(Text(block["text"]))
        elif kind == "thinking":
            parts.append(Thinking(block.get("thinking", ""), meta={"signature": "x"}))
        elif kind == "redacted_thinking":
            parts.append(Thinking("", redacted=True))
        elif kind == "reasoning_text":
            parts.append(Thinking(block.get("text", "")))
        else:
            raise Unsupported(str(kind))
    return parts


def _result_text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if all(block.get("type") in ("text", "input_text") for block in content):
        return "".join(block["text"] for block in content)
    raise Unsupported("non-text tool result")


def _append(messages: list[Message], role: str, part: Part) -> None:
    if messages and messages[-1].role == role:
        messages[-1] = Message(messages[-1].role, (*messages[-1].parts, part))
    else:
        messages.append(Message(role, (part,)))  # type: ignore[arg-type]


def _tools(api: str, body: dict[str, Any]) -> tuple[ToolSpec, ...]:
    specs: list[ToolSpec] = []
    for tool in body.get("tools") or []:
        kind = tool.get("type")
        if api == "chat" and kind == "function":
            function = tool["function"]
            specs.append(
                ToolSpec(
                    function["name"],
                    function.get("description") or "",
                    function.get("parameters") or {},
                )
            )
        elif api == "responses" and kind == "function":
            specs.append(
                ToolSpec(tool["name"], tool.get("description") or "", tool.get("parameters") or {})
            )
        elif api == "messages" and kind in (None, "custom"):
            specs.append(
                ToolSpec(
                    tool["name"], tool.get("description") or "", tool.get("input_schema") or {}
                )
            )
        else:
            raise Unsupported(f"tool {kind}")
    return tuple(specs)


def _chat(body: dict[str, Any]) -> tuple[str | None, list[Message]]:
    system: list[str] = []
    messages: list[Message] = []
    for item in body["messages"]:
        role = item["role"]
        if role in ("system", "developer"):
            system.append(
                "".join(p.text for p in _text_parts(item["content"]) if isinstance(p, Text))
            )
        elif role == "user":
            messages.append(Message("user", tuple(_text_parts(item["content"]))))
        elif role == "assistant":
            parts: list[Part] = []
            if item.get("reasoning_content"):
                parts.append(Thinking(item["reasoning_content"]))
            parts += _text_parts(item.get("content"))
            for call in item.get("tool_calls") or []:
                function = call["function"]
                parts.append(ToolCall(call["id"], function["name"], function["arguments"]))
            messages.append(Message("assistant", tuple(parts)))
        elif role == "tool":
            _append(
                messages, "tool", ToolResult(item["tool_call_id"], _result_text(item["content"]))
            )
        else:
            raise Unsupported(role)
    return ("\n\n".join(system) or None), messages


def _responses(body: dict[str, Any]) -> tuple[str | None, list[Message]]:
    system: str | None = body.get("instructions")
    items = body["input"]
    if isinstance(items, str):
        items = [{"role": "user", "content": items}]
    messages: list[Message] = []
    for item in items:
        kind = item.get("type", "message")
        if kind == "message":
            role = item["role"]
            parts = _text_parts(item["content"])
            if role in ("system", "developer"):
                text = "".join(p.text for p in parts if isinstance(p, Text))
                system = f"{system}\n\n{text}" if system else text
            else:
                messages.append(Message(role, tuple(parts)))
        elif kind == "function_call":
            _append(
                messages, "assistant", ToolCall(item["call_id"], item["name"], item["arguments"])
            )
        elif kind == "function_call_output":
            _append(messages, "tool", ToolResult(item["call_id"], _result_text(item["output"])))
        elif kind == "reasoning":
            summary = "".join(s.get("text", "") for s in item.get("summary") or [])
            content = "".join(c.get("text", "") for c in item.get("content") or [])
            _append(messages, "assistant", Thinking(summary + content))
        else:
            raise Unsupported(str(kind))
    return system, messages


def _messages_api(body: dict[str, Any]) -> tuple[str | None, list[Message]]:
    system = body.get("system")
    if isinstance(system, list):
        system = "".join(block["text"] for block in system)
    messages: list[Message] = []
    for item in body["messages"]:
        content = item["content"]
        if isinstance(content, str):
            content = [{"type": "text", "text": content}]
        parts: list[Part] = []
        results: list[Part] = []
        for block in content:
            kind = block["type"]
            if kind == "tool_use":
                parts.append(
                    ToolCall(block["id"], block["name"], json.dumps(block.get("input", {})))
                )
            elif kind == "tool_result":
                results.append(
                    ToolResult(
                        block["tool_use_id"],
                        _result_text(block.get("content")),
                        block.get("is_error", False),
                    )
                )
            else:
                parts += _text_parts([block])
        if results:
            messages.append(Message("tool", tuple(results)))
        if parts or not results:
            messages.append(Message(item["role"], tuple(parts)))
    return system, messages


def decode(api: str, body: dict[str, Any]) -> Request:
    """The corpus request body as our provider-neutral Request (Unsupported if it cannot be)."""
    for name in _UNSUPPORTED_FIELDS:
        if body.get(name):
            raise Unsupported(name)
    if "<elided" in json.dumps(body):
        raise Unsupported("elided by the corpus")
    tools = _tools(api, body)
    system, messages = {"chat": _chat, "responses": _responses, "messages": _messages_api}[api](
        body
    )
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        choice = (
            choice.get("name") or (choice.get("function") or {}).get("name") or choice.get("type")
        )
    if choice == "any":
        choice = "required"
    extra = {key: body[key] for key in ("thinking", "reasoning", "reasoning_effort") if key in body}
    return Request(
        model=body.get("model") or "",
        messages=tuple(messages),
        system=system,
        tools=tools,
        tool_choice=choice,
        extra=extra,
    )


def reported_input(api: str, usage: dict[str, Any]) -> int | None:
    """Every input token the provider counted, cached or not."""
    if "prompt_tokens" in usage:
        return int(usage["prompt_tokens"])
    if "input_tokens" not in usage:
        return None
    total = int(usage["input_tokens"])
    if api == "messages":  # Anthropic reports cache reads and writes apart from input_tokens
        total += int(usage.get("cache_read_input_tokens") or 0)
        total += int(usage.get("cache_creation_input_tokens") or 0)
    return total


def provider_name(record: Record) -> str:
    return {"openai-chat": "openai", "openai-responses": "openai"}.get(
        record.provider, record.provider.rsplit(":", 1)[-1]
    )


@dataclass(frozen=True)
class Measured:
    file: str
    provider: str
    model: str
    family: str
    estimate: int
    reported: int

    @property
    def error(self) -> float:
        return abs(self.estimate - self.reported) / self.reported


def measure() -> tuple[list[Measured], Counter[str]]:
    """Every usable corpus request measured, and why the others were left out."""
    measured: list[Measured] = []
    skipped: Counter[str] = Counter()
    for record in records():
        usage = record.expected.get("usage")
        body = record.request.get("json")
        if record.status != 200 or not usage or not body:
            continue
        reported = reported_input(record.api, usage)
        if not reported:
            skipped["no input tokens reported"] += 1
            continue
        try:
            request = decode(record.api, body)
        except Unsupported as reason:
            skipped[str(reason)] += 1
            continue
        provider = provider_name(record)
        measured.append(
            Measured(
                record.file,
                provider,
                request.model,
                model_family(provider, request.model),
                estimate_request(request, provider=provider),
                reported,
            )
        )
    return measured, skipped


def by_group(measured: list[Measured]) -> dict[str, list[Measured]]:
    """Per family, plus "others" (every family but OpenAI and Anthropic) and "all"."""
    groups: dict[str, list[Measured]] = defaultdict(list)
    for item in measured:
        groups[item.family].append(item)
        groups["all"].append(item)
        if item.family not in ("openai", "anthropic"):
            groups["others"].append(item)
    return groups


def median_error(items: list[Measured]) -> float:
    return statistics.median(item.error for item in items)


@pytest.fixture(scope="module")
def groups() -> dict[str, list[Measured]]:
    measured, _ = measure()
    return by_group(measured)


def test_enough_corpus_requests_are_measured(groups: dict[str, list[Measured]]) -> None:
    assert len(groups["all"]) >= 200
    assert len(groups["openai"]) >= 50
    assert len(groups["anthropic"]) >= 40


@pytest.mark.parametrize("group", ["all", "openai", "anthropic", "others"])
def test_median_error_is_at_most_ten_percent(groups: dict[str, list[Measured]], group: str) -> None:
    error = median_error(groups[group])
    assert error <= MAX_MEDIAN_ERROR, f"{group}: median absolute error {error:.1%}"


def test_most_openai_and_anthropic_requests_are_close(groups: dict[str, list[Measured]]) -> None:
    for group in ("openai", "anthropic"):
        items = groups[group]
        within = sum(item.error <= 0.15 for item in items) / len(items)
        assert within >= 0.7, f"{group}: only {within:.0%} within 15%"


def main() -> None:
    measured, skipped = measure()
    groups = by_group(measured)
    print("| family | requests | median abs. error | 75th percentile | within 10% |")
    print("| --- | ---: | ---: | ---: | ---: |")
    order = ["openai", "anthropic", "deepseek", "mistral", "llama", "gemini", "qwen", "other"]
    for name in [*order, "others", "all"]:
        items = groups.get(name, [])
        if not items:
            continue
        errors = sorted(item.error for item in items)
        p75 = errors[min(len(errors) - 1, int(0.75 * len(errors)))]
        within = sum(error <= 0.10 for error in errors) / len(errors)
        print(f"| {name} | {len(items)} | {median_error(items):.1%} | {p75:.1%} | {within:.0%} |")
    print()
    print("left out:", dict(skipped.most_common()))


if __name__ == "__main__":
    main()
