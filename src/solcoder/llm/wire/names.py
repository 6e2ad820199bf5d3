"""The wire protocols SolCoder speaks, named once.

Kept free of imports so the CLI's flag parser, the settings schema, the provider catalog and the
adapter registry can all read the one list without loading the LLM stack (start-up time).
"""

from __future__ import annotations

from typing import Literal, get_args

WireApi = Literal["chat", "responses", "messages"]
"""OpenAI Chat Completions, OpenAI Responses, Anthropic Messages."""
WIRE_APIS: tuple[WireApi, ...] = get_args(WireApi)

ENDPOINTS: dict[WireApi, tuple[str, str]] = {
    "chat": ("/chat/completions", "OpenAI Chat Completions"),
    "responses": ("/responses", "OpenAI Responses"),
    "messages": ("/v1/messages", "Anthropic Messages"),
}
"""Each wire's endpoint path (after the base URL) and its name for people: its identity,
beside its name. Here rather than on the adapter class (where the rest of what a wire is
lives, `registry.py`) because the error advice that names a wire by the path a server did
not serve is read by the adapters themselves (`error_hints.endpoint_hint`)."""

CACHE_APART_FROM_INPUT: frozenset[WireApi] = frozenset({"messages"})
"""Wires whose usage counts cache reads and writes apart from `input` (Anthropic's); the
OpenAI-style wires count them inside it. Pricing and telemetry both read this."""


def input_includes_cache(api: str) -> bool:
    """Whether a usage report on this wire already counts cached tokens in `input`."""
    return api not in CACHE_APART_FROM_INPUT
