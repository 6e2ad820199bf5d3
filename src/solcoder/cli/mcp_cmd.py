"""`solcoder mcp`: add, list, inspect and remove MCP servers in the user config.

Servers live in `[mcp.servers.NAME]` of `$SOLCODER_HOME/config.toml` (never a project
config: a cloned repository must not start programs). A bearer token is typed at a hidden
prompt or piped with `--token-stdin` and kept in the credentials store under `mcp:NAME`;
the config file only says `bearer = true`.
"""

from __future__ import annotations

from typing import Any

import click

from solcoder.cli.auth_cmd import settings_from_context
from solcoder.errors import SolcoderError, UsageError
from solcoder.terminal import echo


def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        key, sep, content = value.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{option} {value!r} is not KEY=VALUE.", hint=f"{option} NAME=value")
        pairs[key.strip()] = content
    return pairs


def _read_token(name: str, *, from_stdin: bool) -> str:
    from solcoder.cli.auth_cmd import read_secret

    return read_secret(
        f"Bearer token for MCP server {name}",
        "token",
        from_stdin=from_stdin,
        pipe_hint=f"printf '%s' \"$TOKEN\" | solcoder mcp add {name} --url URL --bearer "
        "--token-stdin",
    )


@click.group("mcp")
def mcp_group() -> None:
    """Configure MCP servers whose tools the agent can call."""


@mcp_group.command("list")
@click.pass_context
def list_command(ctx: click.Context) -> None:
    """Show the configured servers (none is started)."""
    from solcoder.mcp.config import parse_servers

    settings = settings_from_context(ctx)
    servers, problems = parse_servers(settings.mcp_servers)
    if not servers and not problems:
        echo(f"No MCP servers configured in {settings.user_config_path}.")
        echo("Add one: solcoder mcp add NAME -- COMMAND ARGS…  or  --url URL")
        return
    for server in servers:
        state = "configured" if server.enabled else "disabled"
        echo(f"{server.name}  {server.transport}  {state}  {server.describe()}")
    for problem in problems:
        echo(f"invalid: {problem}")


@mcp_group.command("add", context_settings={"ignore_unknown_options": True})
@click.argument("name")
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
@click.option("--url", help="A streamable-HTTP server's endpoint (instead of a command).")
@click.option("--header", "headers", multiple=True, help="HTTP header KEY=VALUE (repeatable).")
@click.option("--bearer", is_flag=True, help="Ask for a bearer token; kept in the key store.")
@click.option("--token-stdin", is_flag=True, help="Read the bearer token from stdin.")
@click.option("--env", "env", multiple=True, help="Variable KEY=VALUE for a command server.")
@click.option("--cwd", help="Working directory of a command server.")
@click.pass_context
def add_command(  # noqa: PLR0917 (click passes every option)
    ctx: click.Context,
    name: str,
    command: tuple[str, ...],
    url: str | None,
    headers: tuple[str, ...],
    bearer: bool,
    token_stdin: bool,
    env: tuple[str, ...],
    cwd: str | None,
) -> None:
    """Add (or replace) server NAME: `NAME -- COMMAND ARGS…` or `NAME --url URL`."""
    from solcoder.config.writer import set_mcp_server
    from solcoder.mcp.config import ServerConfigError, credential_name, parse_server

    settings = settings_from_context(ctx)
    table: dict[str, Any] = {}
    if url is not None:
        if command or env or cwd:
            raise UsageError("Give either --url URL or -- COMMAND ARGS…, not both.")
        table["url"] = url
        if headers:
            table["headers"] = _pairs(headers, "--header")
        if bearer:
            table["bearer"] = True
    else:
        if not command:
            raise UsageError(
                "Say how to reach the server.",
                hint=f"solcoder mcp add {name} -- COMMAND ARGS…  or  solcoder mcp add {name} "
                "--url https://…/mcp",
            )
        if headers or bearer:
            raise UsageError("--header and --bearer apply to --url servers only.")
        table["command"], table["args"] = command[0], list(command[1:])
        if env:
            table["env"] = _pairs(env, "--env")
        if cwd:
            table["cwd"] = cwd
    try:
        parse_server(name, table)
    except ServerConfigError as problem:
        raise UsageError(f"{problem}.") from None
    if bearer:
        from solcoder.cli.auth_cmd import show_store_notices
        from solcoder.credentials.store import open_store
        from solcoder.redact import admit

        secret = admit(_read_token(name, from_stdin=token_stdin))
        store = open_store(settings)
        kind = store.set(credential_name(name), secret)
        show_store_notices(store)  # a plaintext file or a keyring fallback is said, as for keys
        echo(f"Saved the bearer token {secret} for {name} in {kind}.")
    set_mcp_server(settings.home, name, table)
    echo(f"Added MCP server {name} to {settings.user_config_path}.")


@mcp_group.command("remove")
@click.argument("name")
@click.pass_context
def remove_command(ctx: click.Context, name: str) -> None:
    """Remove server NAME and its stored bearer token."""
    from solcoder.config.writer import remove_mcp_server
    from solcoder.mcp.config import credential_name

    settings = settings_from_context(ctx)
    removed = remove_mcp_server(settings.home, name)
    token = False
    try:
        from solcoder.credentials.store import open_store

        token = bool(open_store(settings).delete(credential_name(name)))
    except SolcoderError:
        pass
    if not removed and not token:
        raise UsageError(f"No MCP server named {name!r} is configured.", hint="solcoder mcp list")
    echo(f"Removed MCP server {name}" + (" and its token." if token else "."))


@mcp_group.command("tools")
@click.argument("name")
@click.pass_context
def tools_command(ctx: click.Context, name: str) -> None:
    """Start server NAME and list its tools as the model will see them."""
    from solcoder.cli.mcp_wiring import mcp_manager
    from solcoder.errors import ProviderUnavailableError
    from solcoder.mcp.tools import tools_of
    from solcoder.tools.toolkits import default_registry

    settings = settings_from_context(ctx)
    if name not in settings.mcp_servers:
        raise UsageError(f"No MCP server named {name!r} is configured.", hint="solcoder mcp list")
    manager = mcp_manager(settings, only=name)
    assert manager is not None
    try:
        notices = manager.take_notices()  # a bad table: said once, as in a session
        if notices:
            raise UsageError(notices[0])
        manager.ensure_started().result()
        snapshot = next(s for s in manager.snapshots() if s.name == name)
        if snapshot.status != "ready":
            raise ProviderUnavailableError(
                f"MCP server {name!r} {snapshot.describe()}.",
                hint="Check its command or URL with `solcoder mcp list`.",
            )
        taken = default_registry().names()
        for tool in tools_of(snapshot, manager, taken):
            summary = tool.description.strip().split("\n", 1)[0][:100]
            echo(f"{tool.name}  {summary}")
    finally:
        manager.close()
