"""`/status`: what is in effect right now, as (label, value) rows.

One function per concern, each returning its rows, so a new concern (project instructions,
MCP servers, rate limits, budgets) is one function and one line in `STATUS_SOURCES`; the REPL
shows the rows as a two-column table and never learns what they mean.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

Rows = Iterable[tuple[str, str]]
StatusSource = Callable[[Any, Any], Rows]
"""(settings, conversation) -> rows; either may be None in tests."""


def provider_rows(settings: Any, conversation: Any) -> Rows:
    if conversation is None:
        return []
    return [
        ("provider", conversation.provider_name),
        ("model", conversation.model),
    ]


def session_rows(settings: Any, conversation: Any) -> Rows:
    if conversation is None:
        return []
    return [
        ("session", conversation.describe_session()),
        ("usage", conversation.usage_summary()),
    ]


def instruction_rows(settings: Any, conversation: Any) -> Rows:
    """The project instruction files in the system prompt (`cli/instructions.py`)."""
    if conversation is None:
        return []
    from solcoder.cli.instructions import status_lines

    lines = status_lines(conversation.instructions)
    return [("instructions" if number == 0 else "", line) for number, line in enumerate(lines)]


STATUS_SOURCES: tuple[StatusSource, ...] = (provider_rows, session_rows, instruction_rows)


def status_rows(settings: Any, conversation: Any) -> list[tuple[str, str]]:
    """Every source's rows, in order."""
    return [row for source in STATUS_SOURCES for row in source(settings, conversation)]
