"""Provider-neutral conversation types: what we send and what we get back.

These are plain frozen dataclasses (not pydantic models) because they sit on the streaming hot
path and in every transcript; adapters translate them to and from vendor JSON, and nothing above
`llm/wire/` ever sees vendor JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from solcoder.records import shared_methods

Role = Literal["user", "assistant", "tool"]


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Text:
    """Plain text written by the user or the model."""

    text: str


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Thinking:
    """Model reasoning; `meta` carries opaque round-trip data (signatures, encrypted content)."""

    text: str
    redacted: bool = False
    meta: Mapping[str, Any] = field(default_factory=dict)


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ToolCall:
    """A request from the model to run a tool.

    `arguments` is the raw JSON text exactly as streamed: the orchestrator parses and validates
    it, so a malformed call becomes an error result for the model instead of a crash here.
    """

    id: str
    name: str
    arguments: str
    meta: Mapping[str, Any] = field(default_factory=dict)


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ToolResult:
    """The answer to one `ToolCall`, sent back in the next request."""

    call_id: str
    content: str
    is_error: bool = False
    name: str = ""


Part = Text | Thinking | ToolCall | ToolResult


def unique_call_id(call_id: str, taken: set[str] | frozenset[str]) -> str:
    """`call_id`, or when a call of the same message already has it, `call_id_2`, `call_id_3`,
    the first one not taken. Buggy OpenAI-compatible servers give several calls of one reply
    the same id; every provider wants one result per id, so duplicates are renamed on receipt
    (the assembler) and when an older transcript is read (its results follow in order)."""
    if call_id not in taken:
        return call_id
    number = 2
    while f"{call_id}_{number}" in taken:
        number += 1
    return f"{call_id}_{number}"


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Message:
    """One conversation turn by one role."""

    role: Role
    parts: tuple[Part, ...]

    @property
    def text(self) -> str:
        """All text parts joined, the way a user reads the message."""
        return "".join(part.text for part in self.parts if isinstance(part, Text))

    @property
    def tool_calls(self) -> tuple[ToolCall, ...]:
        return tuple(part for part in self.parts if isinstance(part, ToolCall))

    @property
    def tool_results(self) -> tuple[ToolResult, ...]:
        return tuple(part for part in self.parts if isinstance(part, ToolResult))

    @classmethod
    def user(cls, text: str) -> Message:
        return cls("user", (Text(text),))

    @classmethod
    def assistant(cls, text: str) -> Message:
        return cls("assistant", (Text(text),))


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ToolSpec:
    """A tool offered to the model: its name, what it does, and its arguments' JSON Schema."""

    name: str
    description: str
    json_schema: Mapping[str, Any]


CacheTtl = Literal["5m", "1h"]


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class PromptCache:
    """Ask the provider to cache the prompt's unchanged prefix (`llm.prompt_cache`).

    Each wire reads what it can use: Anthropic places `cache_control` breakpoints with `ttl`;
    OpenAI-style wires send `key` as `prompt_cache_key` (the session id: requests of one
    session share a prefix, so routing them together raises the hit rate). The client clears
    `key` for providers that reject unknown fields (`ProviderSpec.prompt_cache_key`).
    """

    key: str = ""
    ttl: CacheTtl = "5m"


ReasoningEffort = Literal["low", "medium", "high"]
ReasoningLevel = Literal["off", "low", "medium", "high"]
REASONING_LEVELS: tuple[ReasoningLevel, ...] = ("off", "low", "medium", "high")


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ReasoningRequest:
    """How hard a model that reasons should think, already resolved for its provider
    (`llm/catalog/reasoning.py`); each wire adapter maps it onto its own fields.

    `effort` None: the model reasons anyway but no level was asked for (`llm.reasoning =
    "off"`), so nothing is sent but what carries its reasoning across a tool loop.
    `budget_tokens` is the thinking budget for wires that take one (0: none)."""

    effort: ReasoningEffort | None = None
    budget_tokens: int = 0


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Request:
    """Everything a provider needs for one model call, independent of the wire protocol."""

    model: str
    messages: tuple[Message, ...]
    system: str | None = None
    tools: tuple[ToolSpec, ...] = ()
    max_tokens: int | None = None
    temperature: float | None = None
    stop: tuple[str, ...] = ()
    tool_choice: str | None = None
    """None (model decides), "auto", "none", "required", or a tool name to force."""
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Vendor fields merged into the request body as is (for example `reasoning`)."""
    cache: PromptCache | None = None
    """Prompt caching for this call; None sends no caching hints at all."""
    reasoning: ReasoningRequest | None = None
    """None: the model does not reason (or nobody asked), and nothing about reasoning is sent."""
    purpose: str = "turn"
    """Why the call is made: "turn" (the conversation) or "compaction" (a summary of older
    history); never sent, read by telemetry and by the offline provider."""


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Usage:
    """Token counts as reported by the provider (zeros when it reported nothing)."""

    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write: int = 0
    reasoning: int = 0
    cache_write_1h: int = 0
    """The part of `cache_write` kept for an hour (Anthropic bills it at 2x input, not 1.25x);
    used for pricing only, so `as_dict` (JSON output, transcripts) keeps its shape."""

    @property
    def total(self) -> int:
        return self.input + self.output

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input + other.input,
            self.output + other.output,
            self.cache_read + other.cache_read,
            self.cache_write + other.cache_write,
            self.reasoning + other.reasoning,
            self.cache_write_1h + other.cache_write_1h,
        )

    def as_dict(self) -> dict[str, int]:
        return {
            "input": self.input,
            "output": self.output,
            "cache_read": self.cache_read,
            "cache_write": self.cache_write,
            "reasoning": self.reasoning,
        }
