"""`solcoder hooks`: the hooks in force here, and approving a project's hooks (docs/hooks.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from solcoder.hooks.runner import HookRunner


@click.group("hooks")
def hooks_group() -> None:
    """List hooks and approve a project's hooks."""


@hooks_group.command("list")
@click.option("--json", "json_output", is_flag=True, help="Print the hooks as JSON.")
def list_command(json_output: bool) -> None:
    """The hooks of your config and this project's, and whether each runs."""
    runner = _runner()
    if json_output:
        from solcoder.terminal import safe_json

        click.echo(safe_json(runner.listing() if runner is not None else [], indent=2))
        return
    if runner is None:
        click.echo("No hooks are configured (docs/hooks.md shows how to add one).")
        return
    from solcoder.cli.hooks_wiring import status_rows
    from solcoder.terminal import safe

    for _, line in status_rows(runner):
        click.echo(safe(line))


@hooks_group.command("trust")
@click.option("--yes", "-y", is_flag=True, help="Approve without asking (after reading them).")
def trust_command(yes: bool) -> None:
    """Approve this project's hooks so they run (asked again when they change)."""
    from solcoder.cli.hooks_wiring import describe
    from solcoder.errors import UsageError
    from solcoder.hooks.trust import trust
    from solcoder.terminal import safe

    runner = _runner()
    waiting = runner.untrusted() if runner is not None else []
    if not waiting:
        click.echo("Nothing to approve: every hook here is trusted (or there are none).")
        return
    click.echo(f"{safe(str(waiting[0].path))} defines hooks, commands that run on your machine:")
    for hook in waiting:
        click.echo(f"  {safe(describe(hook))}")
    if not yes:
        import sys

        if not sys.stdin.isatty():
            raise UsageError(
                "Not approved: there is no terminal to ask.",
                hint="Read them above, then run `solcoder hooks trust --yes`.",
            )
        if not click.confirm("Trust and run these hooks?", default=False):
            click.echo("Not approved; they do not run.")
            return
    from solcoder.config import load_settings

    trust(load_settings().home, waiting)
    click.echo(f"Trusted {len(waiting)} hook(s); they run until they change.")


def _runner() -> HookRunner | None:
    from solcoder.cli.hooks_wiring import hook_runner
    from solcoder.config import load_settings

    settings = load_settings()
    return hook_runner(settings, None, "") if settings.hooks else None
