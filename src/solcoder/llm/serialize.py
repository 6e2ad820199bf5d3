"""`Message` <-> JSON-ready dicts, losslessly, for transcripts and anything else on disk.

Every part is kept, including thinking signatures and other provider round-trip data in
`meta`: a resumed session must be able to send its history back to the provider exactly as
it came. `message_from_dict(message_to_dict(m)) == m` for any message whose `meta` values are
JSON values (property-tested).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from solcoder.llm.messages import Message, Part, Role, Text, Thinking, ToolCall, ToolResult

_ROLES: frozenset[str] = frozenset({"user", "assistant", "tool"})


def part_to_dict(part: Part) -> dict[str, Any]:
    if isinstance(part, Text):
        return {"type": "text", "text": part.text}
    if isinstance(part, Thinking):
        return {
            "type": "thinking",
            "text": part.text,
            "redacted": part.redacted,
            "meta": dict(part.meta),
        }
    if isinstance(part, ToolCall):
        return {
            "type": "tool_call",
            "id": part.id,
            "name": part.name,
            "arguments": part.arguments,
            "meta": dict(part.meta),
        }
    return {
        "type": "tool_result",
        "call_id": part.call_id,
        "content": part.content,
        "is_error": part.is_error,
        "name": part.name,
    }


def message_to_dict(message: Message) -> dict[str, Any]:
    """A JSON-ready dict holding every part of `message`."""
    return {"role": message.role, "parts": [part_to_dict(part) for part in message.parts]}


def _text(data: Mapping[str, Any], key: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise ValueError(f"{key!r} must be a string")
    return value


def _flag(data: Mapping[str, Any], key: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise ValueError(f"{key!r} must be true or false")
    return value


def _meta(data: Mapping[str, Any]) -> dict[str, Any]:
    value = data.get("meta", {})
    if not isinstance(value, dict):
        raise ValueError("'meta' must be an object")
    return value


def part_from_dict(data: Mapping[str, Any]) -> Part:
    kind = data.get("type")
    if kind == "text":
        return Text(_text(data, "text"))
    if kind == "thinking":
        return Thinking(_text(data, "text"), _flag(data, "redacted"), _meta(data))
    if kind == "tool_call":
        return ToolCall(
            _text(data, "id"), _text(data, "name"), _text(data, "arguments"), _meta(data)
        )
    if kind == "tool_result":
        return ToolResult(
            _text(data, "call_id"),
            _text(data, "content"),
            _flag(data, "is_error"),
            _text(data, "name", ""),
        )
    raise ValueError(f"unknown part type {kind!r}")


def message_from_dict(data: Mapping[str, Any]) -> Message:
    """The `Message` written by `message_to_dict`; ValueError if `data` is not one."""
    if not isinstance(data, Mapping):
        raise ValueError("a message must be an object")
    role = data.get("role")
    if role not in _ROLES:
        raise ValueError(f"unknown role {role!r}")
    parts = data.get("parts")
    if not isinstance(parts, list) or not all(isinstance(part, Mapping) for part in parts):
        raise ValueError("'parts' must be a list of objects")
    return Message(cast(Role, role), tuple(part_from_dict(part) for part in parts))
