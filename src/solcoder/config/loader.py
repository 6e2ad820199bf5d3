"""Effective settings: defaults < user config < project config < environment < flags.

Loading has no side effects (it never creates SOLCODER_HOME; `ensure_home` does), so any
command, test or tool can call `load_settings` freely. Every value remembers where it came
from, which `solcoder config list` shows and error messages quote.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from solcoder.config.config_file import ConfigFile, read_config_file
from solcoder.config.schema import (
    RETIRED_SETTINGS,
    SECTIONS,
    SETTINGS,
    ApprovalSettings,
    LLMSettings,
    MCPSettings,
    SessionsSettings,
    TelemetrySettings,
    ToolSettings,
    UISettings,
    format_value,
    lookup,
    retired_setting_message,
)
from solcoder.config.values import InvalidValue, shorten
from solcoder.errors import UsageError
from solcoder.records import shared_methods
from solcoder.urls import BASE_URL_HINT

if TYPE_CHECKING:
    from solcoder.config.hook_tables import HookEntry

CONFIG_FILE_NAME = "config.toml"
PROJECT_DIR_NAME = ".solcoder"
_PROJECT_REDIRECT_FIELDS = ("base_url", "key_env", "headers")
"""Provider fields that decide where requests, and the key, are sent."""


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Settings:
    """The effective settings, typed by section, with the origin of every value."""

    llm: LLMSettings
    ui: UISettings
    telemetry: TelemetrySettings
    sessions: SessionsSettings
    approval: ApprovalSettings
    tools: ToolSettings
    mcp: MCPSettings
    providers: dict[str, dict[str, Any]]
    """`[providers.<name>]` tables, project keys over user keys; for `resolve_spec`."""
    home: Path
    user_config_path: Path
    project_config_path: Path | None
    warnings: list[str] = field(default_factory=list)
    """Problems worth telling the user that did not stop loading (unknown keys, ...)."""
    sources: dict[str, str] = field(default_factory=dict, repr=False)
    mcp_servers: dict[str, object] = field(default_factory=dict)
    project_approval: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """The project config's `approval.ask` / `approval.deny`, kept apart from the user's: they
    can only add restrictions (the gate takes the stricter of the two verdicts)."""
    """`[mcp.servers.NAME]` tables of the user config, unparsed: `solcoder.mcp.config`
    checks each on its own, so one bad table never stops the others (or any setting)."""
    hooks: tuple[HookEntry, ...] = ()
    """`[[hooks.EVENT]]` tables, the user's then the project's, each marked with its source
    (a project's hook runs only once trusted: `solcoder.hooks.trust`)."""

    def get(self, key: str) -> object:
        spec = lookup(key)
        return getattr(getattr(self, spec.section), spec.name)

    def source(self, key: str) -> str:
        """Where the value came from: flag, env:VAR, project:<path>, user:<path> or default."""
        lookup(key)
        return self.sources.get(key, "default")

    def items(self) -> Iterator[tuple[str, object]]:
        """(dotted key, effective value) for every setting, in display order."""
        for key in SETTINGS:
            yield key, self.get(key)


def resolve_home(home: Path | None, environ: Mapping[str, str], cwd: Path) -> Path:
    """`home` if given, else SOLCODER_HOME, else ~/.solcoder; always absolute."""
    if home is None:
        configured = environ.get("SOLCODER_HOME", "")
        home = Path(configured).expanduser() if configured else Path.home() / ".solcoder"
    return home if home.is_absolute() else cwd / home


def find_project_config(cwd: Path, *, exclude: Path | None = None) -> Path | None:
    """The nearest `.solcoder/config.toml` in `cwd` or an ancestor (never the user config)."""
    excluded = exclude.resolve() if exclude is not None else None
    start = cwd.resolve()
    for directory in (start, *start.parents):
        candidate = directory / PROJECT_DIR_NAME / CONFIG_FILE_NAME
        # With the default home (~/.solcoder), the user config looks like a project config
        # of the home directory; it must not count twice.
        if candidate.is_file() and candidate.resolve() != excluded:
            return candidate
    return None


def load_settings(
    *,
    overrides: Mapping[str, object] | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    home: Path | None = None,
) -> Settings:
    """Merge defaults, user config, project config, environment and `overrides` (flags).

    `overrides` maps dotted keys to typed values or text; None means "flag not given".
    Raises ConfigError for a broken config file, UsageError for a bad variable or flag.
    """
    environ = os.environ if environ is None else environ
    cwd = Path.cwd() if cwd is None else cwd
    home_path = resolve_home(home, environ, cwd)
    user_path = home_path / CONFIG_FILE_NAME
    project_path = find_project_config(cwd, exclude=user_path)

    values: dict[str, object] = {key: spec.default for key, spec in SETTINGS.items()}
    sources: dict[str, str] = {}
    providers: dict[str, dict[str, Any]] = {}
    warnings: list[str] = []
    mcp_servers: dict[str, object] = {}
    project_approval: dict[str, tuple[str, ...]] = {}
    hooks: list[HookEntry] = []

    for label, path in (("user", user_path), ("project", project_path)):
        loaded = read_config_file(path) if path is not None else None
        if loaded is None:
            continue
        if label == "project":
            warnings.extend(_project_approvals(loaded))
            warnings.extend(_project_sandbox(loaded, values["tools.sandbox"]))
            # Never merged into the user's lists: a project's `deny = []` must not empty
            # them, nor its more specific rule outrank the user's deny.
            for name in ("ask", "deny"):
                rules = loaded.values.pop(f"approval.{name}", ())
                if rules:
                    project_approval[name] = tuple(rules)  # type: ignore[arg-type]
        for key, value in loaded.values.items():
            values[key] = value
            sources[key] = f"{label}:{loaded.path}"
        for name, table in loaded.providers.items():
            providers[name] = {**providers.get(name, {}), **table}
        warnings.extend(loaded.warnings)
        hooks.extend(
            hook.from_source("user" if label == "user" else "project") for hook in loaded.hooks
        )
        if label == "project":
            warnings.extend(_project_redirects(loaded))
            if loaded.mcp_servers:
                warnings.append(_project_servers_warning(loaded))
        else:
            mcp_servers = loaded.mcp_servers

    for key, (variable, value) in read_environment(environ, warnings).items():
        values[key] = value
        sources[key] = f"env:{variable}"

    for key, value in (overrides or {}).items():
        if value is None:
            continue
        values[key] = _check_override(key, value)
        sources[key] = "flag"

    # `--llm-provider OpenAI` (or the same in a variable or file) means `openai`.
    provider = values["llm.provider"]
    if isinstance(provider, str):
        from solcoder.llm.catalog.providers import canonical_provider_name

        values["llm.provider"] = canonical_provider_name(provider, providers)

    sections = {
        section: section_class(
            **{spec.name: values[key] for key, spec in SETTINGS.items() if spec.section == section}
        )
        for section, section_class in SECTIONS.items()
    }
    return Settings(
        **sections,
        providers=providers,
        home=home_path,
        user_config_path=user_path,
        project_config_path=project_path,
        warnings=warnings,
        sources=sources,
        mcp_servers=mcp_servers,
        project_approval=project_approval,
        hooks=tuple(hooks),
    )


def _project_servers_warning(loaded: ConfigFile) -> str:
    """A cloned repository must not start programs on the user's machine by being opened."""
    names = ", ".join(sorted(loaded.mcp_servers))
    return (
        f"{loaded.path} defines MCP servers ({names}); they are ignored: servers run programs "
        "or receive your data, so only your own config starts them (`solcoder mcp add`)."
    )


def _check_override(key: str, value: object) -> object:
    spec = lookup(key)
    try:
        if isinstance(value, str) and spec.kind != "str":
            return spec.parse_text(value)
        return spec.check(value)
    except InvalidValue as problem:
        where = f" ({spec.flag})" if spec.flag else ""
        raise UsageError(
            f"Invalid value {shorten(format_value(value))} for {key}{where}: {key} {problem}.",
            hint=BASE_URL_HINT if spec.url else None,
        ) from None


def read_environment(
    environ: Mapping[str, str], warnings: list[str]
) -> dict[str, tuple[str, object]]:
    """Settings given as SOLCODER_* variables: key -> (variable, parsed value).

    An empty variable counts as unset (the shell idiom `VAR= solcoder`).
    """
    found: dict[str, tuple[str, object]] = {}
    for key in RETIRED_SETTINGS:
        variable = "SOLCODER_" + key.upper().replace(".", "_")
        if environ.get(variable, ""):
            warnings.append(f"{variable} is set, but {retired_setting_message(key)}")
    for key, spec in SETTINGS.items():
        present = [name for name in spec.env_names if environ.get(name, "") != ""]
        if not present:
            continue
        variable = present[0]
        raw = environ[variable]
        others = [name for name in present[1:] if environ[name] != raw]
        if others:
            warnings.append(
                f"Both {variable} and {', '.join(others)} are set with different values; "
                f"using {variable}."
            )
        try:
            found[key] = (variable, spec.parse_text(raw))
        except InvalidValue as problem:
            raise UsageError(
                f"{variable}={shorten(raw)!r} is not valid: {key} {problem}.",
                hint=f"Fix or unset {variable}.",
            ) from None
    return found


def _project_redirects(loaded: ConfigFile) -> list[str]:
    """Warn when a project file (possibly from a cloned repository) decides where the API key
    goes: a hostile repository could otherwise send the user's key to its own server."""
    redirects = ["llm.base_url"] if loaded.values.get("llm.base_url") else []
    for name, table in loaded.providers.items():
        redirects += [f"providers.{name}.{key}" for key in _PROJECT_REDIRECT_FIELDS if key in table]
    if not redirects:
        return []
    return [
        f"{loaded.path} sets {', '.join(redirects)}: requests, with your API key, follow it. "
        "Remove it unless you trust this project."
    ]


def _project_approvals(loaded: ConfigFile) -> list[str]:
    """A project file may make SolCoder ask or refuse more, never less: a cloned repository
    must not be able to let its own tools run unasked. Its `approval.allow` and a
    `tools.approve_edits = true` are dropped (`false` only repeats the default)."""
    warnings = []
    if loaded.values.pop("approval.allow", ()):
        warnings.append(
            f"{loaded.path} sets approval.allow: ignored, a project config cannot let tools "
            "run without asking. Put it in your user config "
            "(`solcoder config set approval.allow ...`)."
        )
    if loaded.values.get("tools.network") is True:
        loaded.values.pop("tools.network")
        warnings.append(
            f"{loaded.path} sets tools.network: ignored, a project config cannot let commands "
            "use the network. Use --network, or set it in your user config."
        )
    if loaded.values.pop("tools.approve_edits", False):
        warnings.append(
            f"{loaded.path} sets tools.approve_edits: ignored, a project config cannot let "
            "edits apply without asking. Use --approve-edits, or set it in your user config "
            "(`solcoder config set tools.approve_edits true`)."
        )
    return warnings


_SANDBOX_STRICTNESS = {"off": 0, "workspace-write": 1, "read-only": 2}


def _project_sandbox(loaded: ConfigFile, current: object) -> list[str]:
    """A project's `tools.sandbox` may only be stricter than the user's (read-only over
    workspace-write over off); a looser one is dropped."""
    wanted = loaded.values.get("tools.sandbox")
    if not isinstance(wanted, str) or not isinstance(current, str):
        return []
    if _SANDBOX_STRICTNESS.get(wanted, 0) >= _SANDBOX_STRICTNESS.get(current, 0):
        return []
    loaded.values.pop("tools.sandbox")
    return [
        f"{loaded.path} sets tools.sandbox = {wanted!r}: ignored, a project config can only "
        f"make the sandbox stricter than {current!r}."
    ]
