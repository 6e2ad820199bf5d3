"""The model's raw tool arguments, decoded into a JSON object or a sentence it can act on.

Shared by SolCoder's own tools (`registry.Tool`) and tools from MCP servers, so every tool
answers malformed, cut-off or double-encoded arguments the same way, before its own schema
check (pydantic for ours, the server's JSON Schema for MCP tools).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

from solcoder import jsonsafe
from solcoder.errors import SolcoderError

__all__ = ["ToolArgumentError", "decode_arguments"]


class ToolArgumentError(SolcoderError):
    """The model's arguments were unusable; the message is written for the model to act on."""

    kind: ClassVar[str] = "tool_arguments"


def decode_arguments(tool: str, raw: str, json_schema: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON object in the model's raw arguments for `tool`, before any schema check.

    Empty text counts as `{}`; a JSON string holding the object is unwrapped once; every
    problem is a `ToolArgumentError` written for the model (cut off, not JSON, not an
    object), the same for SolCoder's tools and MCP tools."""
    text = raw.strip()
    value: Any = {}
    example = _example(json_schema)
    if text:
        try:
            # strict=False accepts raw newlines and tabs inside strings: small models
            # (and llama.cpp's JSON grammar) emit them, and their meaning is unambiguous.
            value = jsonsafe.loads(text, strict=False)
        except jsonsafe.JSONTooDeep:
            raise ToolArgumentError(
                f"Arguments for tool `{tool}` are nested deeper than "
                f"{jsonsafe.MAX_DEPTH} levels; send a flat JSON object such as {example}."
            ) from None
        except json.JSONDecodeError as error:
            raise ToolArgumentError(_describe_bad_json(tool, text, error, example)) from None
        if isinstance(value, str):
            value = _unwrap_double_encoded(value)
    if not isinstance(value, dict):
        raise ToolArgumentError(
            f"Arguments for tool `{tool}` must be a JSON object such as "
            f"{example}, not {_json_type(value)}."
        )
    return value


def _example(json_schema: Mapping[str, Any]) -> str:
    required = json_schema.get("required", [])
    names = required if isinstance(required, list) else []
    return "{" + ", ".join(f'"{name}": ...' for name in names) + "}"


def _describe_bad_json(tool: str, text: str, error: json.JSONDecodeError, example: str) -> str:
    if _looks_truncated(text):
        return (
            f"Arguments for tool `{tool}` are not valid JSON: the text ends before the "
            f"JSON is complete ({error.msg} at character {error.pos} of {len(text)}), so the "
            "arguments were probably cut off, for example by the output token limit. Call "
            "the tool again with complete (and if possible shorter) arguments."
        )
    return (
        f"Arguments for tool `{tool}` are not valid JSON ({error.msg} at line "
        f"{error.lineno} column {error.colno}). Send one JSON object such as {example}."
    )


def _unwrap_double_encoded(value: str) -> Any:
    """Some models send the arguments object as a JSON string holding JSON; accept that once."""
    try:
        inner = jsonsafe.loads(value, strict=False)
    except ValueError:
        return value
    return inner if isinstance(inner, dict) else value


def _looks_truncated(text: str) -> bool:
    """True when `text` is a valid beginning of JSON that stops too early."""
    closers = {"{": "}", "[": "]"}
    expected: list[str] = []
    in_string = escaped = False
    for character in text:
        if in_string:
            if escaped:
                escaped = False
            elif character == "\\":
                escaped = True
            elif character == '"':
                in_string = False
        elif character == '"':
            in_string = True
        elif character in closers:
            expected.append(closers[character])
        elif character in "}]" and (not expected or expected.pop() != character):
            return False
    return in_string or bool(expected)


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "null" if value is None else type(value).__name__
