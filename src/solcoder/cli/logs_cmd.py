"""`solcoder logs` and `solcoder stats`: what the recorded model calls did and cost.

Both read `$SOLCODER_HOME/telemetry.db` (never create it) and print a rich table, or JSON with
`--json` (`logs`: a JSON array of calls, newest first; `stats`: one object).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from solcoder.cli.auth_cmd import settings_from_context
from solcoder.errors import UsageError
from solcoder.terminal import safe, safe_json

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from solcoder.telemetry.store import TelemetryStore

Command = TypeVar("Command", bound=Callable[..., Any])

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
PIPED_WIDTH = 160


def _since(value: str | None) -> float | None:
    if not value:
        return None
    match = _DURATION.match(value)
    if match is None:
        raise UsageError(
            f"--since {value!r} is not a duration.",
            hint="Use a number and a unit: 30m, 24h, 7d, 2w.",
        )
    return time.time() - float(match.group(1)) * _SECONDS[match.group(2)]


def outcome_choices() -> list[str]:
    """What `--outcome` accepts: ok, error, every error kind and every failure class."""
    from solcoder.errors import failure_classes

    classes = failure_classes()
    return sorted({"ok", "error", "other", *classes, *classes.values()})


def _check_outcome(value: str | None) -> None:
    """An outcome nothing can have is a typo, not an empty result (exit 2, with the choices)."""
    if not value:
        return
    choices = outcome_choices()
    if value in choices:
        return
    import difflib

    close = difflib.get_close_matches(value, choices, n=1)
    hint = f"Did you mean {close[0]!r}? " if close else ""
    raise UsageError(
        f"--outcome {value!r} is not an outcome.", hint=f"{hint}Use one of: {', '.join(choices)}."
    )


def _home(ctx: click.Context) -> Path:
    return Path(settings_from_context(ctx).home)


def _open(home: Path) -> TelemetryStore | None:
    """The store, or None when nothing was recorded yet."""
    from solcoder.telemetry.store import TelemetryStore, database_path

    try:
        return TelemetryStore.open_for_reading(database_path(home))
    except FileNotFoundError:
        return None


def _console() -> Console:
    import sys

    from rich.console import Console

    # Piped into a file or a pager: do not squeeze the table into 80 columns.
    width = None if sys.stdout.isatty() or "COLUMNS" in os.environ else PIPED_WIDTH
    return Console(highlight=False, width=width)


def _filter_options(function: Command) -> Command:
    for option in reversed(
        (
            click.option("--provider", metavar="NAME", help="Only calls to this provider."),
            click.option("--model", metavar="MODEL", help="Only calls to this model."),
            click.option(
                "--session", metavar="ID", help="Only calls of this session (or id prefix)."
            ),
            click.option(
                "--since", metavar="DURATION", help="Only calls in the last 30m, 24h, 7d…"
            ),
        )
    ):
        function = option(function)
    return function


@click.command("logs")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of calls.")
@_filter_options
@click.option(
    "--outcome",
    metavar="OUTCOME",
    help="ok, error, an error kind (rate_limited, idle_timeout, …) or a class (timeout, auth, …).",
)
@click.option(
    "--limit", type=click.IntRange(1, 100_000), default=20, show_default=True, metavar="N"
)
@click.pass_context
def logs_command(  # noqa: PLR0917 (click passes options positionally)
    ctx: click.Context,
    as_json: bool,
    provider: str | None,
    model: str | None,
    session: str | None,
    since: str | None,
    outcome: str | None,
    limit: int,
) -> None:
    """Show recent model calls: outcome, retries, time to first token, latency, tokens, cost."""
    from solcoder.telemetry.stats import CallFilter, recent_calls

    _check_outcome(outcome)
    call_filter = CallFilter(provider, model, outcome, session, _since(since))
    home = _home(ctx)
    store = _open(home)
    rows: list[dict[str, Any]] = []
    if store is not None:
        with store:
            rows = recent_calls(store.connection, call_filter, limit=limit)
    if as_json:
        click.echo(safe_json(rows, indent=2))
        return
    if not rows:
        click.echo("No model calls recorded." if store is not None else _nothing_yet(home))
        return
    from solcoder.telemetry.render import calls_table

    console = _console()
    console.print(calls_table(rows, width=console.width))


@click.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as one JSON object.")
@_filter_options
@click.pass_context
def stats_command(  # noqa: PLR0917
    ctx: click.Context,
    as_json: bool,
    provider: str | None,
    model: str | None,
    session: str | None,
    since: str | None,
) -> None:
    """Per provider and model: calls, error rate by class, p50/p95 time to first token and
    latency, tokens and cost; and a latency histogram."""
    from solcoder.telemetry.stats import CallFilter, compute_stats

    call_filter = CallFilter(provider, model, None, session, _since(since))
    home = _home(ctx)
    from solcoder.telemetry.commands import command_stats, describe

    commands = command_stats(home, session=session, since=call_filter.since)
    store = _open(home)
    if store is None:
        if as_json:
            empty: dict[str, Any] = {
                "models": [],
                "total": None,
                "latency_histogram": [],
                "commands": commands,
            }
            click.echo(safe_json(empty))
        else:
            click.echo(_nothing_yet(home))
            _print_commands(describe(commands))
        return
    from solcoder.telemetry.rate_limits import last_rate_limits

    with store:
        report = compute_stats(store.connection, call_filter)
        report["rate_limits"] = last_rate_limits(store.connection)
    report["commands"] = commands
    if as_json:
        click.echo(safe_json(report, indent=2))
        return
    if not report["models"]:
        click.echo("No model calls recorded.")
        _print_commands(describe(commands))
        return
    from solcoder.telemetry.render import stats_renderable

    _console().print(stats_renderable(report))
    _print_rate_limits(report["rate_limits"])
    _print_commands(describe(commands))


def _print_commands(line: str | None) -> None:
    if line is not None:
        click.echo(safe(line))


def _print_rate_limits(entries: list[dict[str, Any]]) -> None:
    """The rate limits each provider last announced (from its latest recorded response)."""
    if not entries:
        return
    from solcoder.telemetry.rate_limits import describe

    click.echo("Rate limits last announced:")
    for entry in entries:
        seen = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(entry["seen_at"]))
        where = f" ({entry['endpoint_host']})" if entry.get("endpoint_host") else ""
        click.echo(safe(f"  {entry['provider']}{where}: {describe(entry)} · seen {seen}"))


def _nothing_yet(home: Path) -> str:
    from solcoder.telemetry.store import database_path

    return (
        f"No model calls recorded yet ({database_path(home)} does not exist). "
        "Calls are recorded while telemetry.enabled is true."
    )


def recent_calls_renderable(home: Path | str, limit: int = 10) -> RenderableType:
    """For the REPL's `/logs` (see `solcoder.telemetry.render`)."""
    from solcoder.telemetry.render import recent_calls_renderable as render

    return render(home, limit)
