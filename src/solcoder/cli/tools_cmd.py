"""`solcoder tools`: the tools the agent may call, grouped by toolkit, and the MCP servers'.

SolCoder's own tools come from their snapshot (`tools/snapshot.py`): listing them reads one
JSON file and imports no tool (it took ~0.8 s when it built every toolkit). MCP servers are
programs: they are not started to be listed unless asked (`--mcp`, each bounded by
`mcp.startup_timeout`); without it each configured server gets one line saying how to see
its tools.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from solcoder.config import Settings

BUILTIN_ORIGIN = "solcoder"
"""`tools.effects.BUILTIN_ORIGIN`, restated so listing imports nothing (a test compares)."""


@click.command("tools")
@click.option("--json", "json_output", is_flag=True, help="Print the tool specs as JSON.")
@click.option(
    "--mcp",
    "start_mcp",
    is_flag=True,
    help="Start the configured MCP servers (bounded by mcp.startup_timeout) to list their tools.",
)
@click.pass_context
def tools_command(ctx: click.Context, json_output: bool, start_mcp: bool) -> None:
    """List the tools the agent can call, by toolkit."""
    from solcoder.cli.auth_cmd import settings_from_context
    from solcoder.tools.snapshot import read_snapshot

    settings = settings_from_context(ctx)
    specs: list[dict[str, Any]] = [
        {
            "name": entry["name"],
            "toolkit": entry["toolkit"],
            "description": entry["description"],
            "effect": entry["effect"],
            "origin": BUILTIN_ORIGIN,
            "parameters": entry["json_schema"],
        }
        for entry in read_snapshot()
    ]
    servers: list[str] = []
    if settings.mcp_servers and start_mcp:
        mcp_specs, servers = _mcp_tools(settings, [spec["name"] for spec in specs])
        specs += mcp_specs
    elif settings.mcp_servers:
        servers = _unstarted(settings)
    if json_output:
        click.echo(json.dumps(specs, indent=2))
        return
    from solcoder.terminal import echo

    toolkits: dict[str, list[dict[str, Any]]] = {}
    for spec in specs:
        toolkits.setdefault(spec["toolkit"], []).append(spec)
    for toolkit, tools in sorted(toolkits.items()):
        click.secho(toolkit, bold=True)
        for tool in tools:
            summary = tool["description"].strip().split("\n", 1)[0]
            # An MCP server's names and descriptions are outside text: terminal-safe.
            echo(f"  {tool['name']:<18} {tool['effect']:<13} {summary}")
    for line in servers:
        echo(line)
    click.echo("\nAnything but read_only asks before it runs (docs/approval.md).")


def _unstarted(settings: Settings) -> list[str]:
    """One line per configured server, started by nothing here."""
    return [
        f"mcp server {name}: not started; `solcoder tools --mcp` starts it and lists its tools"
        for name in sorted(settings.mcp_servers)
    ]


def _mcp_tools(settings: Settings, taken: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """Start the servers (each within `mcp.startup_timeout`), list their tools as the model
    sees them, stop them; a server that did not start gets a line saying why."""
    from solcoder.cli.mcp_wiring import mcp_manager
    from solcoder.mcp.tools import tools_of

    manager = mcp_manager(settings)
    if manager is None:
        return [], []
    specs: list[dict[str, Any]] = []
    servers = manager.take_notices()  # a bad table: said once, as in a session
    try:
        manager.ensure_started().result()
        for snapshot in manager.snapshots():
            if snapshot.status != "ready":
                servers.append(f"mcp server {snapshot.name}: {snapshot.describe()}")
                continue
            for tool in tools_of(snapshot, manager, taken):
                specs.append(
                    {
                        "name": tool.name,
                        "toolkit": tool.toolkit,
                        "description": tool.description,
                        "effect": tool.effect,
                        "origin": tool.origin,
                        "parameters": tool.json_schema,
                    }
                )
                taken.append(tool.name)
    finally:
        manager.close()
    return specs, servers
