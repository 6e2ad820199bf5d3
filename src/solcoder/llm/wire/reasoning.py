"""Reasoning on the wire: how a provider takes reasoning control, and what goes back.

Both are provider data (`ProviderSpec.reasoning_control`, `.reasoning_roundtrip`, per wire);
this module names the choices and holds the rules every encoder shares, so that the three
encoders only map them onto their own fields:

- control styles: `reasoning_effort` (chat: `reasoning_effort`), `reasoning_object` (chat:
  OpenRouter's `reasoning: {effort | max_tokens}`; Responses: `reasoning: {effort, summary}`),
  `thinking_budget` (Messages: `thinking: {type: "enabled", budget_tokens}`), `none`;
- round trip: whether reasoning goes back at all (DeepSeek wants `reasoning_content` on the
  assistant messages that made tool calls; Anthropic its signed thinking blocks; Responses its
  encrypted items; most OpenAI-compatible servers want it dropped);
- reasoning is only ever sent back to the provider that produced it: decoders tag each
  `Thinking` part's meta with `PROVIDER_KEY`, and encoders drop parts tagged otherwise.
"""

from __future__ import annotations

from typing import Literal

from solcoder.llm.messages import Message, Thinking

ReasoningStyle = Literal["reasoning_effort", "reasoning_object", "thinking_budget", "none"]
REASONING_STYLES: tuple[ReasoningStyle, ...] = (
    "reasoning_effort",
    "reasoning_object",
    "thinking_budget",
    "none",
)

PROVIDER_KEY = "provider"
"""`Thinking.meta` key naming the provider that produced the reasoning."""

MIN_THINKING_BUDGET = 1024
"""Anthropic's smallest `budget_tokens`."""
MIN_ANSWER_TOKENS = 1024
"""Output left for the answer itself when `max_tokens` is raised to fit a thinking budget."""


def tagged(part: Thinking, provider: str) -> Thinking:
    """`part` with the provider that produced it in its meta (kept when already tagged)."""
    if not provider or part.meta.get(PROVIDER_KEY):
        return part
    return Thinking(part.text, part.redacted, {**part.meta, PROVIDER_KEY: provider})


def tag_message(message: Message, provider: str) -> Message:
    """`message` with every thinking part tagged with `provider` (decoders call this)."""
    if not any(isinstance(part, Thinking) for part in message.parts):
        return message
    parts = tuple(
        tagged(part, provider) if isinstance(part, Thinking) else part for part in message.parts
    )
    return Message(message.role, parts)


def own_thinking(part: Thinking, provider: str) -> bool:
    """Whether `part` may be sent to `provider`: only reasoning it produced itself. Untagged
    reasoning (another source, or an old transcript) has no known origin and stays home."""
    return part.meta.get(PROVIDER_KEY) == provider
