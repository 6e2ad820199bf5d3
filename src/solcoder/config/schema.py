"""The registry of settings: every key's type, default, limits and one-line doc, in one place.

The section dataclasses below are the single source of truth. `SETTINGS` is derived from their
fields, so validation, `solcoder config list`, the first-run config file, environment variable
names and "did you mean" suggestions can never disagree with the typed attributes the rest of
SolCoder reads (`settings.llm.timeout`). Plain dataclasses and hand-written checks keep the import
fast and let every message say exactly which key, which value and what is accepted.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from solcoder.config.values import Kind, SettingSpec
from solcoder.errors import UsageError
from solcoder.llm.wire.names import WIRE_APIS
from solcoder.records import shared_methods


def _setting(kind: Kind, default: object, doc: str, **options: Any) -> Any:
    """A dataclass field carrying its setting description (typed Any so annotations rule)."""
    return field(default=default, metadata={"setting": (kind, doc, options)})


def _text(default: str, doc: str, **options: Any) -> Any:
    return _setting("str", default, doc, **options)


def _flag(default: bool, doc: str, **options: Any) -> Any:
    return _setting("bool", default, doc, **options)


def _integer(default: int, doc: str, **options: Any) -> Any:
    return _setting("int", default, doc, **options)


def _patterns(doc: str, **options: Any) -> Any:
    return _setting("patterns", (), doc, **options)


def _number(default: float | None, doc: str, **options: Any) -> Any:
    return _setting("float", default, doc, **options)


def _seconds(default: float, doc: str, **options: Any) -> Any:
    return _number(default, doc, minimum=0, exclusive_minimum=True, **options)


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class LLMSettings:
    """Which model to call and how patiently."""

    provider: str = _text(
        "openai",
        "Provider to call: a built-in (openai, anthropic, openrouter, ollama, ...), offline, "
        "or the name of a [providers.<name>] table.",
        minimum=1,
        flag="--llm-provider",
    )
    model: str = _text(
        "", "Model name; empty means the provider's default model.", flag="--llm-model"
    )
    base_url: str = _text(
        "",
        "Base URL override (OpenAI-style bases end in /v1); empty means the provider's own.",
        flag="--llm-base-url",
        url=True,
    )
    api: str = _text(
        "",
        "Wire protocol override: chat, responses or messages; empty means the provider's own.",
        choices=("", *WIRE_APIS),
        flag="--llm-api",
    )
    timeout: float = _seconds(
        900.0,
        "Deadline in seconds for one whole model request; the finer timeouts never exceed it.",
        aliases=("SOLCODER_TIMEOUT",),
        flag="--timeout",
    )
    connect_timeout: float = _seconds(10.0, "Seconds allowed to connect to the provider.")
    first_event_timeout: float = _seconds(
        120.0, "Seconds to wait for the first streamed event of a response."
    )
    idle_timeout: float = _seconds(
        120.0, "Seconds of silence tolerated between two streamed events."
    )
    max_retries: int = _integer(
        2,
        "Retries of one request, only while no output has arrived yet.",
        minimum=0,
        maximum=10,
        aliases=("SOLCODER_MAX_RETRIES",),
        flag="--max-retries",
    )
    offline_mode: bool = _flag(
        False,
        "Use the scripted offline provider: no network, no key.",
        aliases=("SOLCODER_OFFLINE_MODE",),
        flag="--offline-mode",
    )
    offline_fallback: bool = _flag(
        False,
        "Switch to the offline provider when the real one is unreachable.",
        aliases=("SOLCODER_OFFLINE_FALLBACK",),
        flag="--offline-fallback",
    )
    max_steps: int = _integer(
        8, "Most model calls in one turn (each tool round trip is a step).", minimum=1, maximum=100
    )
    tool_timeout: float = _seconds(60.0, "Seconds one tool call may run.")
    max_tool_calls_per_step: int = _integer(
        32,
        "Most tool calls run from one model response; the calls past it share one error "
        "result (the first of them is kept in the history to carry it) and one notice.",
        minimum=1,
        maximum=10_000,
    )
    max_tool_argument_bytes: int = _integer(
        2**20,  # wire.assemble.DEFAULT_MAX_ARGUMENT_BYTES (a test keeps them equal)
        "Largest arguments of one tool call, in bytes: a bigger call is not run (the model "
        "gets an error result) and its arguments stop being buffered past the limit.",
        minimum=1024,
        maximum=2**30,
    )
    max_output_tokens: int = _integer(
        4096, "Most tokens the model may write in one response.", minimum=1, maximum=1_000_000
    )
    local_max_tokens: int = _integer(
        256,
        "Most tokens the local model writes in one reply: small models ramble and loop "
        "(forced tool calls get up to 512).",
        minimum=1,
        maximum=1_000_000,
    )
    local_context: int = _integer(
        8192,
        "Context window in tokens of the local model server (0: the model's own).",
        minimum=0,
        maximum=10_000_000,
    )
    compact_at: str = _text(
        "80",
        "Summarise the older conversation when the history passes this share of the model's "
        "context window (a percentage, 80 or 80%), or off to only trim the oldest turns.",
        percent=True,
    )
    max_session_tokens: int = _integer(
        0, "Stop before a session uses more tokens than this; 0 means unlimited.", minimum=0
    )
    max_session_cost_usd: float = _number(
        0.0, "Stop before a session costs more US dollars than this; 0 means unlimited.", minimum=0
    )
    prompt_cache: bool = _flag(
        True,
        "Ask the provider to cache the unchanged start of each prompt (Anthropic cache "
        "breakpoints, OpenAI's prompt_cache_key): cached input is billed at a fraction.",
    )
    cache_ttl: str = _text(
        "5m",
        "How long Anthropic keeps a cached prompt: 5m, or 1h (writes cost 2x input, not 1.25x).",
        choices=("5m", "1h"),
    )
    temperature: float | None = _number(
        None,
        "Sampling temperature from 0 to 2; unset means the provider's default.",
        minimum=0,
        maximum=2,
        optional=True,
        example=1.0,
    )
    reasoning: str = _text(
        "off",
        "How hard a reasoning model thinks: off, low, medium or high (an effort on OpenAI and "
        "OpenRouter, a thinking budget on Anthropic); models that do not reason get nothing.",
        choices=("off", "low", "medium", "high"),
        flag="--reasoning",
    )
    reasoning_budget: int = _integer(
        0,
        "Thinking tokens where the wire takes a budget (Anthropic, OpenRouter); 0 derives it "
        "from llm.reasoning (low 2048, medium 8192, high 24576).",
        minimum=0,
        maximum=1_000_000,
    )
    project_instructions: bool = _flag(
        True,
        "Put AGENTS.md and SOLCODER.md (from the working directory up to the git root) into "
        "the system prompt, as data from the repository.",
        flag="--no-project-instructions",
    )
    project_instructions_bytes: int = _integer(
        32 * 1024,  # agent.project_instructions.DEFAULT_MAX_BYTES (a test keeps them equal)
        "Most bytes of project instruction files put into the prompt, all files together; a "
        "file cut short or left out is named in a warning.",
        minimum=1024,
        maximum=2**20,
    )


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class UISettings:
    """How the terminal interface looks."""

    show_thinking: bool = _flag(True, "Show the model's reasoning while it streams.")


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class TelemetrySettings:
    """What SolCoder records locally about its own model calls."""

    enabled: bool = _flag(
        True, "Record latency, tokens and cost of each model call under SOLCODER_HOME."
    )
    store_text: bool = _flag(False, "Also keep prompt and reply text in those records.")


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class SessionsSettings:
    """How many conversations stay on disk."""

    keep: int = _integer(20, "How many recent sessions to keep on disk; 0 keeps all.", minimum=0)


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ApprovalSettings:
    """Which tool calls run without asking (docs/approval.md). Patterns are shell globs over
    tool names (`time__*` is every tool of MCP server `time`); the most specific pattern
    wins, and deny beats ask beats allow between equally specific ones."""

    allow: tuple[str, ...] = _patterns(
        "Tools that run without asking (a project config cannot add to it)."
    )
    ask: tuple[str, ...] = _patterns(
        "Tools that ask first, even read-only ones (without a terminal: declined unless "
        "--approve names them).",
    )
    deny: tuple[str, ...] = _patterns(
        "Tools that never run (not even with --approve or --approve-all)."
    )


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ToolSettings:
    """What the workspace tools may do without asking (docs/workspace.md)."""

    approve_edits: bool = _flag(
        False,
        "Apply SolCoder's file edits inside the workspace without asking (a project config "
        "cannot turn it on).",
        flag="--approve-edits",
    )
    sandbox: str = _text(
        "workspace-write",
        "Where commands run: workspace-write (write only in the workspace and a private temp "
        "dir), read-only, or off (no sandbox: every command asks). A project config can only "
        "make it stricter.",
        choices=("workspace-write", "read-only", "off"),
        flag="--sandbox",
    )
    network: bool = _flag(
        False,
        "Let commands use the network (a project config cannot turn it on).",
        flag="--network",
    )
    command_timeout: float = _seconds(
        120.0, "Seconds a command may run when the model names no timeout."
    )
    max_command_timeout: float = _seconds(
        600.0, "The longest timeout a command may have, whatever the model asks."
    )


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class MCPSettings:
    """How MCP servers are run (the servers themselves are `[mcp.servers.NAME]` tables)."""

    startup_timeout: float = _seconds(
        10.0,
        "Seconds an MCP server has to start and answer `initialize` before the session goes "
        "on without it; a server's own `startup_timeout` wins.",
    )


SECTIONS: dict[str, type[Any]] = {
    "llm": LLMSettings,
    "ui": UISettings,
    "telemetry": TelemetrySettings,
    "sessions": SessionsSettings,
    "approval": ApprovalSettings,
    "tools": ToolSettings,
    "mcp": MCPSettings,
}
"""Settings sections in display order, each a frozen dataclass."""


def _build_registry() -> dict[str, SettingSpec]:
    registry: dict[str, SettingSpec] = {}
    for section, section_class in SECTIONS.items():
        for item in fields(section_class):
            kind, doc, options = item.metadata["setting"]
            key = f"{section}.{item.name}"
            registry[key] = SettingSpec(
                key=key, kind=kind, default=item.default, doc=doc, **options
            )
    return registry


SETTINGS: dict[str, SettingSpec] = _build_registry()
"""Every setting by dotted key, in display order."""


def closest_keys(name: str, limit: int = 3) -> list[str]:
    """Valid keys resembling `name`, best first (also matches a key given without its section)."""
    import difflib

    lowered = name.strip().lower().replace("-", "_")
    same_name = [key for key, spec in SETTINGS.items() if spec.name == lowered]
    similar = difflib.get_close_matches(lowered, list(SETTINGS), n=limit, cutoff=0.6)
    short = {spec.name: key for key, spec in SETTINGS.items()}
    similar += [short[match] for match in difflib.get_close_matches(lowered, list(short), n=limit)]
    return list(dict.fromkeys(same_name + similar))[:limit]


RETIRED_SETTINGS: dict[str, str] = {
    "ui.theme": "it never changed the colours; for output without colour set NO_COLOR=1",
}
"""Settings that were documented and are gone, with what to do instead: a file or command
that names one is told so, not offered a lookalike."""


def retired_setting_message(name: str) -> str | None:
    reason = RETIRED_SETTINGS.get(name.strip().lower())
    return f"{name} is no longer a setting: {reason}." if reason else None


def unknown_setting_error(name: str) -> UsageError:
    retired = retired_setting_message(name)
    if retired is not None:
        return UsageError(retired, hint="Remove it from your config.toml.")
    close = closest_keys(name)
    suggestion = f"Did you mean {' or '.join(repr(key) for key in close)}? " if close else ""
    return UsageError(
        f"Unknown setting {name!r}.",
        hint=f"{suggestion}Run `solcoder config list` to see every setting.",
    )


def lookup(key: str) -> SettingSpec:
    """The spec of a dotted key; UsageError with suggestions when there is none."""
    spec = SETTINGS.get(key)
    if spec is None:
        if key.startswith("providers."):
            raise UsageError(
                f"{key!r} is part of a [providers.<name>] table, not a single setting.",
                hint="Edit the table in config.toml (`solcoder config path` shows where).",
            )
        if key.startswith("mcp.servers"):
            raise UsageError(
                f"{key!r} is part of an [mcp.servers.<name>] table, not a single setting.",
                hint="Use `solcoder mcp add` and `solcoder mcp remove`, or edit config.toml.",
            )
        if key.startswith("hooks."):
            raise UsageError(
                f"{key!r} is part of a [[hooks.<event>]] table, not a single setting.",
                hint="Edit the table in config.toml (docs/hooks.md; `solcoder hooks` lists them).",
            )
        raise unknown_setting_error(key)
    return spec


def format_value(value: object) -> str:
    """A value as it would be written in TOML (None, which TOML cannot write, is "(unset)")."""
    if value is None:
        return "(unset)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | list | tuple):
        import json

        return json.dumps(list(value) if isinstance(value, tuple) else value, ensure_ascii=False)
    return repr(value)
