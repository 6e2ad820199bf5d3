"""Providers are data: a wire protocol, a base URL, where the key lives, and extra headers.

An OpenAI-compatible vendor is a `ProviderSpec`, not code. Users add their own with a
`[providers.<name>]` table in config.toml (see `spec_from_table`). The interface the
orchestrator talks to is `llm/providers/base.py`'s `Provider`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from solcoder.errors import ConfigError
from solcoder.llm.wire.forced_tool import FORCED_TOOL_MODES, ForcedToolMode
from solcoder.llm.wire.names import WIRE_APIS, WireApi
from solcoder.llm.wire.reasoning import (
    DEFAULT_ROUNDTRIP,
    DEFAULT_STYLES,
    REASONING_STYLES,
    ReasoningStyle,
)
from solcoder.records import shared_methods
from solcoder.urls import base_url_problem

Runs = Literal["remote", "on_machine", "solcoder"]
"""Where a provider runs: a vendor's API ("remote"), a server the user runs on this machine
("on_machine": Ollama, vLLM, llama.cpp), or something SolCoder runs itself ("solcoder": the
offline script and the local model, no URL to configure and no key)."""


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ProviderSpec:
    """Everything a provider is, in one place: how to reach it, where its key lives, where it
    runs, how it is priced and named in telemetry, and its models."""

    name: str
    api: WireApi
    base_url: str
    key_env: tuple[str, ...] = ()
    """Conventional environment variables holding its key, most specific first."""
    requires_key: bool = True
    default_model: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    models: tuple[str, ...] = ()
    """Known model names, for "did you mean" when the provider says a model does not exist."""
    key_url: str = ""
    """Where a user creates a key, quoted in the missing-key message."""
    forced_tool: Mapping[str, ForcedToolMode] = field(default_factory=dict)
    """Per wire, how a call named by `tool_choice` is forced (`llm/wire/forced_tool.py`); wires not
    listed honour `tool_choice` natively."""
    runs: Runs = "remote"
    self_describing: bool = False
    """A llama.cpp server: `/props` and `/v1/models` say which model it serves and its window,
    so SolCoder asks before the first request."""
    price_id: str = ""
    """Its id in genai-prices' catalogue; empty when it is priced by its endpoint URL."""
    telemetry_name: str = ""
    """OpenTelemetry's well-known `gen_ai.provider.name` for it, when the conventions have one."""
    prompt_cache_key: bool = False
    """It accepts `prompt_cache_key` (OpenAI chat and Responses): the session id is sent there
    to raise cache hits. Off elsewhere, since some servers refuse fields they do not know."""
    reasoning_control: Mapping[str, ReasoningStyle] = field(default_factory=dict)
    """Per wire, how it takes reasoning control (`wire/reasoning.py`); wires not listed take
    the wire's own (`reasoning_effort`, Responses' `reasoning`, Anthropic's `thinking`)."""
    reasoning_roundtrip: Mapping[str, bool] = field(default_factory=dict)
    """Per wire, whether it wants its reasoning sent back; wires not listed: chat drops it,
    Responses and Messages send it (encrypted items, signed thinking blocks)."""

    def reasoning_style(self, api: WireApi | None = None) -> ReasoningStyle:
        """How reasoning control is sent to it on `api` (default: its own wire)."""
        wire = api or self.api
        return self.reasoning_control.get(wire, DEFAULT_STYLES[wire])

    def sends_reasoning_back(self, api: WireApi | None = None) -> bool:
        """Whether its own reasoning goes back to it on `api` (default: its own wire)."""
        wire = api or self.api
        return self.reasoning_roundtrip.get(wire, DEFAULT_ROUNDTRIP[wire])

    @property
    def free(self) -> bool:
        """No per-token price: it runs on the user's machine (or is scripted)."""
        return self.runs != "remote"

    @property
    def managed(self) -> bool:
        """SolCoder runs it itself (offline, local): no base URL to set and no key to ask for."""
        return self.runs == "solcoder"

    def with_overrides(
        self, *, base_url: str | None = None, api: WireApi | None = None
    ) -> ProviderSpec:
        return replace(
            self,
            base_url=(base_url or self.base_url).rstrip("/"),
            api=api or self.api,
        )


def _openai_compatible(
    name: str,
    base_url: str,
    key_env: str | None,
    default_model: str,
    *,
    models: tuple[str, ...] = (),
    key_url: str = "",
    headers: Mapping[str, str] | None = None,
    price_id: str = "",
    telemetry_name: str = "",
    reasoning_control: Mapping[str, ReasoningStyle] | None = None,
    reasoning_roundtrip: Mapping[str, bool] | None = None,
) -> ProviderSpec:
    return ProviderSpec(
        name=name,
        api="chat",
        base_url=base_url,
        key_env=(key_env,) if key_env else (),
        requires_key=key_env is not None,
        default_model=default_model,
        headers=dict(headers or {}),
        models=models or (default_model,),
        key_url=key_url,
        runs="remote" if key_env else "on_machine",
        price_id=price_id,
        telemetry_name=telemetry_name,
        reasoning_control=dict(reasoning_control or {}),
        reasoning_roundtrip=dict(reasoning_roundtrip or {}),
    )


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
        _openai_compatible(
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
        _openai_compatible(
            "groq",
            "https://api.groq.com/openai/v1",
            "GROQ_API_KEY",
            "llama-3.3-70b-versatile",
            models=("llama-3.3-70b-versatile", "llama-3.1-8b-instant", "openai/gpt-oss-120b"),
            key_url="https://console.groq.com/keys",
            price_id="groq",
            telemetry_name="groq",
        ),
        _openai_compatible(
            "mistral",
            "https://api.mistral.ai/v1",
            "MISTRAL_API_KEY",
            "mistral-large-latest",
            models=("mistral-large-latest", "mistral-small-latest", "codestral-latest"),
            key_url="https://console.mistral.ai/api-keys",
            price_id="mistral",
            telemetry_name="mistral_ai",
        ),
        _openai_compatible(
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
        _openai_compatible(
            "together",
            "https://api.together.xyz/v1",
            "TOGETHER_API_KEY",
            "meta-llama/Llama-3.3-70B-Instruct-Turbo",
            key_url="https://api.together.ai/settings/api-keys",
            price_id="together",
        ),
        _openai_compatible(
            "xai",
            "https://api.x.ai/v1",
            "XAI_API_KEY",
            "grok-4",
            models=("grok-4", "grok-3", "grok-3-mini"),
            key_url="https://console.x.ai",
            price_id="x-ai",
            telemetry_name="x_ai",
        ),
        _openai_compatible(
            "gemini",
            "https://generativelanguage.googleapis.com/v1beta/openai",
            "GEMINI_API_KEY",
            "gemini-2.5-flash",
            models=("gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite"),
            key_url="https://aistudio.google.com/apikey",
            price_id="google",
            telemetry_name="gcp.gemini",
        ),
        _openai_compatible("ollama", "http://127.0.0.1:11434/v1", None, "llama3.2"),
        _openai_compatible("lmstudio", "http://127.0.0.1:1234/v1", None, "local-model"),
        _openai_compatible("vllm", "http://127.0.0.1:8000/v1", None, "default"),
        replace(
            _openai_compatible("llamacpp", "http://127.0.0.1:8080/v1", None, "default"),
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
