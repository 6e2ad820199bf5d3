"""The wire protocols SolCoder speaks, named once.

Kept free of imports so the CLI's flag parser, the settings schema, the provider catalog and the
adapter registry can all read the one list without loading the LLM stack (start-up time).
"""

from __future__ import annotations

from typing import Literal, get_args

WireApi = Literal["chat", "responses", "messages"]
"""OpenAI Chat Completions, OpenAI Responses, Anthropic Messages."""
WIRE_APIS: tuple[WireApi, ...] = get_args(WireApi)
