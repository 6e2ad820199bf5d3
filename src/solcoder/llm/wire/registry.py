"""Which adapter speaks which wire: a new protocol is one adapter file and one line here (and
its name, endpoint path and title in `names.py`, which a test keeps equal to this table).

What each wire does by default — how it takes reasoning control, whether reasoning goes back,
whether its reasoning object takes a budget — is declared on its adapter class and read from
here, never restated in a table of its own. Reading it imports the adapters (~20 ms), so
callers on the start-up path import this module only when they need one of these facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from solcoder.errors import ConfigError
from solcoder.llm.wire.anthropic import AnthropicAdapter
from solcoder.llm.wire.assemble import DEFAULT_MAX_ARGUMENT_BYTES
from solcoder.llm.wire.base import WireAdapter
from solcoder.llm.wire.names import WIRE_APIS, WireApi
from solcoder.llm.wire.openai_chat import OpenAIChatAdapter
from solcoder.llm.wire.openai_responses import OpenAIResponsesAdapter
from solcoder.llm.wire.reasoning import ReasoningStyle


class WireKind(Protocol):
    """An adapter class: what its wire is, readable without building an adapter."""

    api: WireApi
    path: str
    title: str
    default_reasoning_style: ReasoningStyle
    default_reasoning_roundtrip: bool
    reasoning_object_budget: bool

    def __call__(
        self,
        *,
        provider: str,
        max_argument_bytes: int,
        reasoning_style: ReasoningStyle,
        reasoning_roundtrip: bool,
    ) -> WireAdapter: ...


ADAPTERS: Mapping[str, WireKind] = {
    "chat": OpenAIChatAdapter,
    "responses": OpenAIResponsesAdapter,
    "messages": AnthropicAdapter,
}
"""Every name in `names.WIRE_APIS` has an adapter (a test checks it)."""


def wire(api: str) -> WireKind:
    """The adapter class of wire `api` (KeyError for a wire SolCoder does not speak)."""
    return ADAPTERS[api]


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
    kind = ADAPTERS.get(api)
    if kind is None:
        raise ConfigError(
            f"Provider {provider!r} uses wire protocol {api!r}, which SolCoder does not speak.",
            hint=f"Use one of: {', '.join(WIRE_APIS)} (--llm-api).",
        )
    return kind(
        provider=provider,
        max_argument_bytes=max_argument_bytes,
        reasoning_style=reasoning_style or kind.default_reasoning_style,
        reasoning_roundtrip=(
            kind.default_reasoning_roundtrip if reasoning_roundtrip is None else reasoning_roundtrip
        ),
    )
