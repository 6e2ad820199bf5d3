"""Providers are data: a wire protocol, a base URL, where the key lives, and extra headers.

An OpenAI-compatible vendor is a `ProviderSpec`, not code. Users add their own with a
`[providers.<name>]` table in config.toml (see `spec_from_table`). The interface the
orchestrator talks to is `llm/providers/base.py`'s `Provider`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from solcoder.errors import ConfigError
from solcoder.llm.catalog.spec import ProviderSpec, Runs, openai_compatible
from solcoder.llm.wire.forced_tool import FORCED_TOOL_MODES, ForcedToolMode
from solcoder.llm.wire.names import WIRE_APIS
from solcoder.llm.wire.reasoning import (
    REASONING_STYLES,
)
from solcoder.urls import base_url_problem

__all__ = [
    "AUTO_PICK_ORDER",
    "BUILTIN_PROVIDERS",
    "LLAMA_CPP_FORCED_TOOL",
    "LOCAL",
    "OFFLINE",
    "ProviderSpec",
    "Runs",
    "builtin_spec",
    "canonical_provider_name",
    "is_free",
    "known_provider_names",
    "resolve_spec",
    "spec_from_table",
    "unknown_provider_error",
]

LLAMA_CPP_FORCED_TOOL: Mapping[str, ForcedToolMode] = {
    "chat": "prefill",
    "responses": "prefill",
    "messages": "prefill",
}
"""llama.cpp's server ignores `tool_choice` for models whose chat template has no tool syntax
(SmolLM2: `Content-only`). It continues a prefilled assistant message on every wire, and
honours a request-level `json_schema` on chat and responses (messages drops extra fields); the
prefill gave sensible arguments far more often on SmolLM2 (docs/offline.md has the figures)."""

BUILTIN_PROVIDERS: dict[str, ProviderSpec] = {
    spec.name: spec
    for spec in (
        ProviderSpec(
            name="openai",
            api="chat",
            base_url="https://api.openai.com/v1",
            key_env=("OPENAI_API_KEY",),
            default_model="gpt-4.1-mini",
            models=(
                "gpt-4.1",
                "gpt-4.1-mini",
                "gpt-4.1-nano",
                "gpt-4o",
                "gpt-4o-mini",
                "o4-mini",
                "gpt-5",
                "gpt-5-mini",
                "gpt-5-nano",
            ),
            key_url="https://platform.openai.com/api-keys",
            price_id="openai",
            telemetry_name="openai",
            prompt_cache_key=True,
        ),
        ProviderSpec(
            name="anthropic",
            api="messages",
            base_url="https://api.anthropic.com",
            key_env=("ANTHROPIC_API_KEY",),
            default_model="claude-sonnet-4-5",
            models=(
                "claude-sonnet-4-5",
                "claude-opus-4-1",
                "claude-haiku-4-5",
                "claude-3-7-sonnet-latest",
                "claude-3-5-haiku-latest",
            ),
            key_url="https://console.anthropic.com/settings/keys",
            price_id="anthropic",
            telemetry_name="anthropic",
        ),
        openai_compatible(
            "openrouter",
            "https://openrouter.ai/api/v1",
            "OPENROUTER_API_KEY",
            "anthropic/claude-sonnet-4.5",
            models=(
                "anthropic/claude-sonnet-4.5",
                "openai/gpt-4.1-mini",
                "google/gemini-2.5-flash",
                "deepseek/deepseek-chat",
                "meta-llama/llama-3.3-70b-instruct",
            ),
            key_url="https://openrouter.ai/keys",
            headers={"X-Title": "SolCoder"},
            price_id="openrouter",
            # `reasoning: {effort}` or `{max_tokens}`, on every model it routes to.
            reasoning_control={"chat": "reasoning_object"},
        ),
        openai_compatible(
            "groq",
            "https://api.groq.com/openai/v1",
            "GROQ_API_KEY",
            "llama-3.3-70b-versatile",
            models=("llama-3.3-70b-versatile", "llama-3.1-8b-instant", "openai/gpt-oss-120b"),
            key_url="https://console.groq.com/keys",
            price_id="groq",
            telemetry_name="groq",
        ),
        openai_compatible(
            "mistral",
            "https://api.mistral.ai/v1",
            "MISTRAL_API_KEY",
            "mistral-large-latest",
            models=("mistral-large-latest", "mistral-small-latest", "codestral-latest"),
            key_url="https://console.mistral.ai/api-keys",
            price_id="mistral",
            telemetry_name="mistral_ai",
        ),
        openai_compatible(
            "deepseek",
            "https://api.deepseek.com/v1",
            "DEEPSEEK_API_KEY",
            "deepseek-chat",
            models=("deepseek-chat", "deepseek-reasoner"),
            key_url="https://platform.deepseek.com/api_keys",
            price_id="deepseek",
            telemetry_name="deepseek",
            # The reasoner always reasons and takes no effort; it answers 400 on a tool-call
            # turn unless the assistant message that made the calls carries its
            # `reasoning_content` back.
            reasoning_control={"chat": "none"},
            reasoning_roundtrip={"chat": True},
        ),
        openai_compatible(
            "together",
            "https://api.together.xyz/v1",
            "TOGETHER_API_KEY",
            "meta-llama/Llama-3.3-70B-Instruct-Turbo",
            key_url="https://api.together.ai/settings/api-keys",
            price_id="together",
        ),
        openai_compatible(
            "xai",
            "https://api.x.ai/v1",
            "XAI_API_KEY",
            "grok-4",
            models=("grok-4", "grok-3", "grok-3-mini"),
            key_url="https://console.x.ai",
            price_id="x-ai",
            telemetry_name="x_ai",
        ),
        openai_compatible(
            "gemini",
            "https://generativelanguage.googleapis.com/v1beta/openai",
            "GEMINI_API_KEY",
            "gemini-2.5-flash",
            models=("gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite"),
            key_url="https://aistudio.google.com/apikey",
            price_id="google",
            telemetry_name="gcp.gemini",
        ),
        openai_compatible("ollama", "http://127.0.0.1:11434/v1", None, "llama3.2"),
        openai_compatible("lmstudio", "http://127.0.0.1:1234/v1", None, "local-model"),
        openai_compatible("vllm", "http://127.0.0.1:8000/v1", None, "default"),
        replace(
            openai_compatible("llamacpp", "http://127.0.0.1:8080/v1", None, "default"),
            forced_tool=LLAMA_CPP_FORCED_TOOL,
            self_describing=True,
        ),
    )
}

OFFLINE = ProviderSpec(
    name="offline",
    api="chat",
    base_url="",
    requires_key=False,
    default_model="offline-stub",
    models=("offline-stub",),
    runs="solcoder",
)
"""The scripted provider: deterministic, instant, no key, no network."""
LOCAL = ProviderSpec(
    name="local",
    api="chat",
    base_url="http://127.0.0.1:0/v1",
    requires_key=False,
    forced_tool=LLAMA_CPP_FORCED_TOOL,
    runs="solcoder",
    self_describing=True,
)
"""llama.cpp's prebuilt server on a GGUF model, started by SolCoder in a child process on
loopback (the `local` extra): real tokens over real HTTP, no key, no network. Its base URL
(the port) and model are known once the server runs."""
BUILTIN_PROVIDERS[OFFLINE.name] = OFFLINE
BUILTIN_PROVIDERS[LOCAL.name] = LOCAL

AUTO_PICK_ORDER: tuple[str, ...] = (
    "openai",
    "anthropic",
    "openrouter",
    "gemini",
    "deepseek",
    "groq",
    "mistral",
    "xai",
    "together",
)
"""With no provider chosen, the first of these with a key (in the environment, then the
credential store) is used: `cli/provider_choice.py`, documented in docs/providers.md."""


def known_provider_names(custom: Mapping[str, Any] | None = None) -> list[str]:
    return sorted({*BUILTIN_PROVIDERS, *(custom or {})})


def builtin_spec(name: str) -> ProviderSpec | None:
    """The built-in provider of that name, if there is one (no config involved)."""
    return BUILTIN_PROVIDERS.get(name)


def is_free(provider: str) -> bool:
    """No per-token price: the catalog says it runs on the user's machine or is scripted. A
    custom provider is never assumed free, even on loopback (it may be a proxy to a vendor).
    Here, beside the specs, so the telemetry writer can price a free call without importing
    the pricing module."""
    spec = BUILTIN_PROVIDERS.get(provider)
    return spec is not None and spec.free


def spec_from_table(name: str, table: Mapping[str, Any]) -> ProviderSpec:
    """Build a provider from a `[providers.<name>]` config table; a table named after a
    built-in overrides only the fields it sets."""
    base = BUILTIN_PROVIDERS.get(name)
    api = table.get("api", base.api if base else "chat")
    if api not in WIRE_APIS:
        raise ConfigError(
            f"[providers.{name}] api = {api!r} is not a wire protocol.",
            hint=f"Use one of: {', '.join(WIRE_APIS)}.",
        )
    base_url = table.get("base_url", base.base_url if base else None)
    if not isinstance(base_url, str) or not base_url:
        raise ConfigError(
            f"[providers.{name}] needs a base_url.",
            hint='For example: base_url = "http://127.0.0.1:8080/v1".',
        )
    problem = base_url_problem(base_url)
    if problem is not None:
        raise ConfigError(
            f"[providers.{name}] base_url = {base_url!r} cannot be used: {problem}.",
            hint='For example: base_url = "http://127.0.0.1:8080/v1".',
        )
    key_env = table.get("key_env", base.key_env if base else ())
    if isinstance(key_env, str):
        key_env = (key_env,)
    headers = {str(k): str(v) for k, v in dict(table.get("headers", {})).items()}
    return ProviderSpec(
        name=name,
        api=api,
        base_url=base_url.rstrip("/"),
        key_env=tuple(key_env),
        requires_key=bool(table.get("requires_key", bool(key_env))),
        default_model=str(table.get("model", base.default_model if base else "")),
        headers={**(base.headers if base else {}), **headers},
        models=tuple(table.get("models", base.models if base else ())),
        key_url=str(table.get("key_url", base.key_url if base else "")),
        forced_tool=_forced_tool(name, table, base),
        runs=base.runs if base else "remote",
        self_describing=bool(table.get("self_describing", base.self_describing if base else False)),
        price_id=base.price_id if base else "",
        telemetry_name=base.telemetry_name if base else "",
        prompt_cache_key=bool(
            table.get("prompt_cache_key", base.prompt_cache_key if base else False)
        ),
        reasoning_control=_per_wire(
            name, table, "reasoning_control", base.reasoning_control if base else {}
        ),
        reasoning_roundtrip=_per_wire(
            name, table, "reasoning_roundtrip", base.reasoning_roundtrip if base else {}
        ),
    )


def _per_wire(name: str, table: Mapping[str, Any], key: str, inherited: Mapping[str, Any]) -> Any:
    """`reasoning_control = "none"` / `reasoning_roundtrip = true` (every wire) or a table
    per wire, checked; what the built-in of that name says when the table is silent."""
    value = table.get(key)
    if value is None:
        return dict(inherited)
    given = dict.fromkeys(WIRE_APIS, value) if not isinstance(value, Mapping) else dict(value)
    allowed: tuple[Any, ...] = REASONING_STYLES if key == "reasoning_control" else (True, False)
    for wire, choice in given.items():
        if wire not in WIRE_APIS or not any(
            type(option) is type(choice) and option == choice for option in allowed
        ):
            raise ConfigError(
                f"[providers.{name}] {key} has {wire} = {choice!r}.",
                hint=f"Use one of {', '.join(map(str, allowed))}, for all wires or per wire "
                f"({', '.join(WIRE_APIS)}).",
            )
    return given


def _forced_tool(
    name: str, table: Mapping[str, Any], base: ProviderSpec | None
) -> Mapping[str, ForcedToolMode]:
    """`forced_tool = "json_schema"` (every wire) or a table per wire, checked."""
    value = table.get("forced_tool")
    if value is None:
        return base.forced_tool if base else {}
    given = dict.fromkeys(WIRE_APIS, value) if isinstance(value, str) else dict(value)
    checked: dict[str, ForcedToolMode] = {}
    for wire, mode in given.items():
        known = next((m for m in FORCED_TOOL_MODES if m == mode), None)
        if wire not in WIRE_APIS or known is None:
            raise ConfigError(
                f"[providers.{name}] forced_tool has {wire} = {mode!r}.",
                hint=f"Use one of {', '.join(FORCED_TOOL_MODES)}, for all wires or per wire "
                f"({', '.join(WIRE_APIS)}).",
            )
        checked[wire] = known
    return checked


def canonical_provider_name(name: str, custom: Mapping[str, Any] | None = None) -> str:
    """`name` as the catalog spells it: itself when known, else the one known name equal to
    it ignoring case (`OpenAI` is `openai`); unchanged when there is none, or several."""
    names = known_provider_names(custom)
    if name in names:
        return name
    folded = [known for known in names if known.casefold() == name.casefold()]
    return folded[0] if len(folded) == 1 else name


def unknown_provider_error(name: str, custom: Mapping[str, Any] | None = None) -> ConfigError:
    """ "Unknown provider", the closest known name (ignoring case) and every known one."""
    import difflib

    names = known_provider_names(custom)
    by_folded = {known.casefold(): known for known in names}
    close = difflib.get_close_matches(name.casefold(), list(by_folded), n=1)
    hint = f"Did you mean {by_folded[close[0]]!r}? " if close else ""
    return ConfigError(
        f"Unknown provider {name!r}.",
        hint=f"{hint}Known providers: {', '.join(names)}; or add a [providers.{name}] table "
        "to config.toml with api and base_url.",
    )


def resolve_spec(name: str, custom: Mapping[str, Any] | None = None) -> ProviderSpec:
    """The spec for `name`: a config table wins over the built-in of the same name."""
    custom = custom or {}
    name = canonical_provider_name(name, custom)
    if name in custom:
        return spec_from_table(name, custom[name])
    if name in BUILTIN_PROVIDERS:
        return BUILTIN_PROVIDERS[name]
    raise unknown_provider_error(name, custom)
