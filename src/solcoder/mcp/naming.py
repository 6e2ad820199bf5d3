"""Model-facing names for MCP tools: `server__tool`, within every provider's name rule.

OpenAI and Anthropic both accept `^[a-zA-Z0-9_-]{1,64}$` (the stricter of the two), while an
MCP server may name a tool anything (dots, slashes, spaces, 100 characters). So a name is
built in three predictable steps: characters outside the rule become `_`; a name longer than
64 characters keeps its first characters and ends in `-` and 6 hex digits of a hash of the
server's own tool name (so two long names that share a beginning stay apart); and a name
already taken (by SolCoder's tools, an earlier server or an earlier tool of the same listing)
gets `_2`, `_3`, ... in the server's listing order. The same listing always gives the same
names.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Sequence

MAX_NAME = 64
SEPARATOR = "__"
_OUTSIDE = re.compile(r"[^a-zA-Z0-9_-]")


def sanitize(text: str) -> str:
    return _OUTSIDE.sub("_", text) or "_"


def _fit(base: str, original: str, room: int) -> str:
    if len(base) <= room:
        return base
    digest = hashlib.sha256(original.encode("utf-8", "surrogatepass")).hexdigest()[:6]
    return base[: room - 7] + "-" + digest


def tool_name(server: str, tool: str, *, suffix: str = "") -> str:
    """The name of `server`'s tool `tool`, `suffix` (like `_2`) included, at most 64 long."""
    prefix = sanitize(server) + SEPARATOR
    room = MAX_NAME - len(prefix) - len(suffix)
    return prefix + _fit(sanitize(tool), tool, room) + suffix


def assign_names(server: str, tools: Sequence[str], taken: Collection[str] = ()) -> dict[str, str]:
    """server tool name -> model-facing name, for a whole listing; never a name in `taken`.

    A tool listed twice keeps its first name (servers should not do that; we do not fail)."""
    used = set(taken)
    names: dict[str, str] = {}
    for tool in tools:
        if tool in names:
            continue
        candidate = tool_name(server, tool)
        number = 2
        while candidate in used:
            candidate = tool_name(server, tool, suffix=f"_{number}")
            number += 1
        used.add(candidate)
        names[tool] = candidate
    return names
