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

ADAPTERS: Mapping[str, Callable[..., WireAdapter]] = {
    "chat": OpenAIChatAdapter,
    "responses": OpenAIResponsesAdapter,
    "messages": AnthropicAdapter,
}
"""Every name in `names.WIRE_APIS` has an adapter (a test checks it)."""


def adapter_for(
    api: str, *, provider: str, max_argument_bytes: int = DEFAULT_MAX_ARGUMENT_BYTES
) -> WireAdapter:
    """The adapter for wire `api`, labelled with the provider it serves (error messages);
    `max_argument_bytes` bounds what its decoders keep of one tool call's arguments."""
    factory = ADAPTERS.get(api)
    if factory is None:
        raise ConfigError(
            f"Provider {provider!r} uses wire protocol {api!r}, which SolCoder does not speak.",
            hint=f"Use one of: {', '.join(WIRE_APIS)} (--llm-api).",
        )
    return factory(provider=provider, max_argument_bytes=max_argument_bytes)
