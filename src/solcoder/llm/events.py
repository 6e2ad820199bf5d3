"""The one event union every provider streams.

Adapters turn vendor SSE into these; the orchestrator, the renderer, telemetry and the JSON
Lines output consume only these. `Completed` is always last and carries the assembled message,
so a consumer that ignores deltas still gets the whole answer. Errors are raised, not yielded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from solcoder.llm.messages import Message, Usage
from solcoder.records import shared_methods

StopReason = Literal[
    "end_turn", "tool_use", "max_tokens", "stop_sequence", "content_filter", "refusal", "other"
]


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class TextDelta:
    """A piece of the reply's text, as it streams."""

    text: str


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ThinkingDelta:
    """A piece of the model's reasoning, as it streams (shown only when asked for)."""

    text: str


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ToolCallStart:
    """A tool call begins; `index` (not `id`) identifies it for the deltas that follow."""

    index: int
    id: str
    name: str


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ToolCallDelta:
    """A fragment of a tool call's JSON arguments, keyed by the call's index."""

    index: int
    arguments_fragment: str


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Completed:
    """The response ended properly (its protocol terminator was seen)."""

    message: Message
    usage: Usage
    stop_reason: StopReason
    response_id: str | None = None
    raw_stop_reason: str | None = None
    """The vendor's own word (`stop`, `end_turn`, `completed`, …), kept for logs and tests."""
    model: str | None = None
    extra: dict[str, object] = field(default_factory=dict)


Event = TextDelta | ThinkingDelta | ToolCallStart | ToolCallDelta | Completed
