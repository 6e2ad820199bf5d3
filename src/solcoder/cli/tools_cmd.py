"""`solcoder tools`: the tools the agent may call, grouped by toolkit."""

from __future__ import annotations

import json

import click


@click.command("tools")
@click.option("--json", "json_output", is_flag=True, help="Print the tool specs as JSON.")
def tools_command(json_output: bool) -> None:
    """List the tools the agent can call, by toolkit."""
    from pathlib import Path

    from solcoder.config import load_settings
    from solcoder.tools.program_tools import attach_program_tools
    from solcoder.tools.toolkits import default_registry
    from solcoder.tools.workspace import attach_workspace_tools
    from solcoder.workspace.paths import Workspace, find_root
    from solcoder.workspace.session import WorkspaceSession

    registry = default_registry()
    workspace = Workspace(find_root(Path.cwd()), solcoder_home=load_settings().home)
    session = WorkspaceSession(workspace)
    attach_workspace_tools(registry, session)
    attach_program_tools(registry, session)
    if json_output:
        specs = [
            {
                "name": t.name,
                "toolkit": t.toolkit,
                "description": t.description,
                "effect": t.effect,
                "origin": t.origin,
                "parameters": t.json_schema,
            }
            for tools in registry.toolkits().values()
            for t in tools
        ]
        click.echo(json.dumps(specs, indent=2))
        return
    for toolkit, tools in sorted(registry.toolkits().items()):
        click.secho(toolkit, bold=True)
        for tool in tools:
            summary = tool.description.split("\n", 1)[0]
            click.echo(f"  {tool.name:<18} {tool.effect:<13} {summary}")
    click.echo("\nAnything but read_only asks before it runs (docs/approval.md).")
