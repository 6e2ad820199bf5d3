"""`ProviderSpec`: everything a provider is, as one frozen value (the catalog's entries are
built from it in `providers.py`; `[providers.NAME]` tables in config become one too)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from solcoder.llm.wire.forced_tool import ForcedToolMode
from solcoder.llm.wire.names import WireApi
from solcoder.llm.wire.reasoning import ReasoningStyle
from solcoder.records import shared_methods

__all__ = ["ProviderSpec", "Runs", "openai_compatible"]


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
        from solcoder.llm.wire.registry import wire as wire_kind

        wire = api or self.api
        style = self.reasoning_control.get(wire)
        return style if style is not None else wire_kind(wire).default_reasoning_style

    def sends_reasoning_back(self, api: WireApi | None = None) -> bool:
        """Whether its own reasoning goes back to it on `api` (default: its own wire)."""
        from solcoder.llm.wire.registry import wire as wire_kind

        wire = api or self.api
        back = self.reasoning_roundtrip.get(wire)
        return back if back is not None else wire_kind(wire).default_reasoning_roundtrip

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


def openai_compatible(
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
