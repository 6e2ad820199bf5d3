"""Which adapter speaks which wire: a new protocol is one adapter file and one line here."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from solcoder.errors import ConfigError
from solcoder.llm.wire.anthropic import AnthropicAdapter
from solcoder.llm.wire.assemble import DEFAULT_MAX_ARGUMENT_BYTES
from solcoder.llm.wire.base import WireAdapter
from solcoder.llm.wire.names import WIRE_APIS
from solcoder.llm.wire.openai_chat import OpenAIChatAdapter
from solcoder.llm.wire.openai_responses import OpenAIResponsesAdapter
from solcoder.llm.wire.reasoning import DEFAULT_ROUNDTRIP, DEFAULT_STYLES, ReasoningStyle

ADAPTERS: Mapping[str, Callable[..., WireAdapter]] = {
    "chat": OpenAIChatAdapter,
    "responses": OpenAIResponsesAdapter,
    "messages": AnthropicAdapter,
}
"""Every name in `names.WIRE_APIS` has an adapter (a test checks it)."""


def adapter_for(
    api: str,
    *,
    provider: str,
    max_argument_bytes: int = DEFAULT_MAX_ARGUMENT_BYTES,
    reasoning_style: ReasoningStyle | None = None,
    reasoning_roundtrip: bool | None = None,
) -> WireAdapter:
    """The adapter for wire `api`, labelled with the provider it serves (error messages);
    `max_argument_bytes` bounds what its decoders keep of one tool call's arguments, and the
    provider's reasoning data (`wire/reasoning.py`; None: the wire's default) says how it takes
    reasoning control and whether its reasoning goes back."""
    factory = ADAPTERS.get(api)
    if factory is None:
        raise ConfigError(
            f"Provider {provider!r} uses wire protocol {api!r}, which SolCoder does not speak.",
            hint=f"Use one of: {', '.join(WIRE_APIS)} (--llm-api).",
        )
    wire = next(name for name in WIRE_APIS if name == api)
    return factory(
        provider=provider,
        max_argument_bytes=max_argument_bytes,
        reasoning_style=reasoning_style or DEFAULT_STYLES[wire],
        reasoning_roundtrip=(
            DEFAULT_ROUNDTRIP[wire] if reasoning_roundtrip is None else reasoning_roundtrip
        ),
    )
