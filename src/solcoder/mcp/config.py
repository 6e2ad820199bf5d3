"""`[mcp.servers.NAME]` tables: what to start (stdio) or where to connect (streamable HTTP).

Parsing is pure and per server: a bad table becomes one problem line naming the key, the
server is left out, and every other server and setting keeps working. A bearer token is never
a config value: `bearer = true` says "the token is in the credentials store under
`mcp:NAME`", so config files can be shared and committed without secrets.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from solcoder.records import shared_methods
from solcoder.urls import base_url_problem

Transport = Literal["stdio", "http"]
SERVER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*(?:_[A-Za-z0-9-]+)*$")
"""Letters, digits, `-` and single `_`: a server name is the prefix of `NAME__tool`, so it
may not contain the `__` separator itself."""
MAX_SERVER_NAME = 32
_STDIO_KEYS = frozenset({"command", "args", "env", "cwd"})
_HTTP_KEYS = frozenset({"url", "headers", "bearer"})
_COMMON_KEYS = frozenset({"startup_timeout", "tool_timeout", "enabled"})
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization"})


def credential_name(server: str) -> str:
    """Where an HTTP server's bearer token lives in the credentials store."""
    return f"mcp:{server}"


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ServerConfig:
    """One configured server; `transport` says which half of the fields applies."""

    name: str
    transport: Transport
    command: str = ""
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: str | None = None
    url: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    bearer: bool = False
    startup_timeout: float | None = None
    """Overrides `mcp.startup_timeout` for this server."""
    tool_timeout: float | None = None
    """Overrides `llm.tool_timeout` for this server's tools."""
    enabled: bool = True

    def describe(self) -> str:
        """One line for `solcoder mcp list` (no header values: they may be private)."""
        if self.transport == "http":
            extra = " (bearer token)" if self.bearer else ""
            return f"{self.url}{extra}"
        return " ".join((self.command, *self.args))


class ServerConfigError(ValueError):
    """A table that cannot be used; the message names the key and completes a sentence."""


def server_name_problem(name: str) -> str | None:
    if len(name) > MAX_SERVER_NAME:
        return f"the name is longer than {MAX_SERVER_NAME} characters"
    if not SERVER_NAME.match(name):
        return "a server name uses letters, digits, '-' and single '_' only"
    return None


def parse_servers(tables: Mapping[str, object]) -> tuple[list[ServerConfig], list[str]]:
    """The usable servers and one problem line per unusable table, in file order."""
    servers: list[ServerConfig] = []
    problems: list[str] = []
    for name, table in tables.items():
        try:
            servers.append(parse_server(name, table))
        except ServerConfigError as problem:
            problems.append(f"{problem}; the server mcp.servers.{name} is skipped.")
    return servers, problems


def parse_server(name: str, table: object) -> ServerConfig:
    where = f"mcp.servers.{name}"
    problem = server_name_problem(name)
    if problem:
        raise ServerConfigError(f"{where}: {problem}")
    if not isinstance(table, Mapping):
        raise ServerConfigError(f"{where} must be a [{where}] table")
    unknown = sorted(set(table) - _STDIO_KEYS - _HTTP_KEYS - _COMMON_KEYS)
    if unknown:
        raise ServerConfigError(
            f"{where}.{unknown[0]} is not a server setting (use command/args/env/cwd for a "
            "local server, url/headers/bearer for a remote one)"
        )
    has_command, has_url = "command" in table, "url" in table
    if has_command == has_url:
        raise ServerConfigError(f"{where} needs exactly one of `command` (stdio) or `url` (HTTP)")
    common = {
        "startup_timeout": _positive(table, "startup_timeout", where),
        "tool_timeout": _positive(table, "tool_timeout", where),
        "enabled": _boolean(table, "enabled", where, default=True),
    }
    if has_command:
        misplaced = sorted(set(table) & _HTTP_KEYS)
        if misplaced:
            raise ServerConfigError(f"{where}.{misplaced[0]} applies to `url` servers only")
        command = _text(table, "command", where)
        if not command.strip():
            raise ServerConfigError(f"{where}.command must be a non-empty program name")
        cwd = _text(table, "cwd", where) if "cwd" in table else None
        return ServerConfig(
            name,
            "stdio",
            command=command,
            args=tuple(_text_list(table, "args", where)),
            env=_text_table(table, "env", where),
            cwd=cwd,
            **common,  # type: ignore[arg-type]
        )
    misplaced = sorted(set(table) & _STDIO_KEYS)
    if misplaced:
        raise ServerConfigError(f"{where}.{misplaced[0]} applies to `command` servers only")
    url = _text(table, "url", where)
    url_problem = base_url_problem(url)
    if url_problem:
        raise ServerConfigError(f"{where}.url is not usable: {url_problem}")
    headers = _text_table(table, "headers", where)
    for header in headers:
        if header.lower() in _SECRET_HEADERS:
            raise ServerConfigError(
                f"{where}.headers.{header} must not hold a credential in the config file; "
                f"store the token with `solcoder mcp add {name} --url URL --bearer`"
            )
    return ServerConfig(
        name,
        "http",
        url=url,
        headers=headers,
        bearer=_boolean(table, "bearer", where, default=False),
        **common,  # type: ignore[arg-type]
    )


def _text(table: Mapping[str, object], key: str, where: str) -> str:
    value = table[key]
    if not isinstance(value, str):
        raise ServerConfigError(f"{where}.{key} must be text")
    return value


def _text_list(table: Mapping[str, object], key: str, where: str) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ServerConfigError(f'{where}.{key} must be a list of text, like ["--flag", "value"]')
    return list(value)


def _text_table(table: Mapping[str, object], key: str, where: str) -> dict[str, str]:
    value = table.get(key, {})
    if not isinstance(value, Mapping):
        raise ServerConfigError(f'{where}.{key} must be a table, like {{ NAME = "value" }}')
    for item, content in value.items():
        if not isinstance(content, str):
            raise ServerConfigError(f"{where}.{key}.{item} must be text")
    return dict(value)


def _positive(table: Mapping[str, object], key: str, where: str) -> float | None:
    if key not in table:
        return None
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ServerConfigError(f"{where}.{key} must be a positive number of seconds")
    return float(value)


def _boolean(table: Mapping[str, object], key: str, where: str, *, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ServerConfigError(f"{where}.{key} must be true or false")
    return value
