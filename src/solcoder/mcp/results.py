"""An MCP tool result, as plain wire JSON, mapped onto SolCoder's `ToolOutput`.

The model reads text, so text blocks pass through; structured content (`structuredContent`)
is kept as `data` and sent as compact JSON when the server gave no text for it; binary blocks
(images, audio, blob resources) become a one-line note such as `[image: image/png, 12 KB]`,
because base64 would fill the context window with nothing the model can read; `isError`
makes an error result. The result is capped so one chatty server cannot flood the window.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from solcoder.tools.registry import ToolOutput

MAX_RESULT_CHARS = 100_000
EMPTY_ERROR = "The MCP tool reported an error without details."


def format_size(base64_text: str) -> str:
    """The decoded size of base64 data, for people (`12 KB`)."""
    size = len(base64_text.rstrip("=")) * 3 // 4
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def describe_block(block: Mapping[str, Any]) -> str:
    """One content block as the text the model sees."""
    kind = block.get("type")
    if kind == "text":
        return str(block.get("text", ""))
    if kind in ("image", "audio"):
        mime = block.get("mimeType") or "unknown type"
        return f"[{kind}: {mime}, {format_size(str(block.get('data', '')))}]"
    if kind == "resource_link":
        name = block.get("name") or block.get("title")
        label = f" ({name})" if name and name != block.get("uri") else ""
        return f"[resource link: {block.get('uri', '?')}{label}]"
    if kind == "resource":
        resource = block.get("resource")
        if not isinstance(resource, Mapping):
            return "[resource]"
        uri = resource.get("uri", "?")
        if isinstance(resource.get("text"), str):
            return f"[resource: {uri}]\n{resource['text']}"
        mime = resource.get("mimeType") or "unknown type"
        return f"[resource: {uri}, {mime}, {format_size(str(resource.get('blob', '')))}]"
    return f"[{kind or 'unknown'} content]"


def map_result(result: Mapping[str, Any]) -> ToolOutput:
    """`CallToolResult` (wire JSON, camelCase keys) -> `ToolOutput`.

    The text is built up to the cut only: a block past it is measured, never copied, so a
    huge result costs no second copy of itself here."""
    blocks = result.get("content")
    kept: list[str] = []
    room = MAX_RESULT_CHARS
    cut = 0
    for block in blocks if isinstance(blocks, Sequence) else ():
        if not isinstance(block, Mapping):
            continue
        part = describe_block(block)
        if not part:
            continue
        if kept or cut:
            part_size = len(part) + 1  # the joining newline
            part = "\n" + part
        else:
            part_size = len(part)
        if part_size <= room:
            kept.append(part)
            room -= part_size
        else:
            if room:
                kept.append(part[:room])
            cut += part_size - room
            room = 0
    structured = result.get("structuredContent")
    is_error = result.get("isError") is True
    text = "".join(kept)
    if not text and not cut and structured is not None:
        text = json.dumps(structured, ensure_ascii=False, separators=(",", ":"))
        if len(text) > MAX_RESULT_CHARS:
            text, cut = text[:MAX_RESULT_CHARS], len(text) - MAX_RESULT_CHARS
    if not text and not cut:
        text = EMPTY_ERROR if is_error else "(no output)"
    if cut:
        text += f"\n[... {cut} more characters cut by SolCoder]"
    return ToolOutput(text, data=structured, is_error=is_error)
