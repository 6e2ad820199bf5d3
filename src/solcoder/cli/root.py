"""The `solcoder` command tree (click): every flag, its help, and the subcommands.

`cli/main.py` is the entry point and answers the common one-shot runs (`-p TEXT` with the
usual flags) without loading this module (`cli/oneshot.py`); everything else comes here.
Start-up still matters: subcommands and the conversation stack are imported when used.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import click

from solcoder import __version__
from solcoder.llm.wire.names import WIRE_APIS

if TYPE_CHECKING:
    from solcoder.errors import SolcoderError

# name -> (module, attribute, one-line help). Help is kept here so `--help` imports nothing.
_SUBCOMMANDS: dict[str, tuple[str, str, str]] = {
    "config": ("solcoder.cli.config_cmd", "config_group", "Show and change settings."),
    "auth": ("solcoder.cli.auth_cmd", "auth_group", "Store, rotate and inspect API keys."),
    "sessions": ("solcoder.cli.sessions_cmd", "sessions_group", "List, show and delete sessions."),
    "tools": ("solcoder.cli.tools_cmd", "tools_command", "List the tools the agent can call."),
    "replay": (
        "solcoder.cli.replay_cmd",
        "replay_command",
        "Replay a recorded session and report differences.",
    ),
    "logs": ("solcoder.cli.logs_cmd", "logs_command", "Show recent model calls (telemetry)."),
    "stats": ("solcoder.cli.logs_cmd", "stats_command", "Latency, errors, tokens and cost."),
    "models": ("solcoder.cli.models_cmd", "models_command", "Known models, context and price."),
    "local": ("solcoder.cli.local_cmd", "local_group", "Install and inspect the local model."),
    "mcp": ("solcoder.cli.mcp_cmd", "mcp_group", "Add, list and inspect MCP servers."),
    "undo": ("solcoder.cli.undo_cmd", "undo_command", "Restore the files a turn changed."),
    "hooks": ("solcoder.cli.hooks_cmd", "hooks_group", "List hooks and approve a project's."),
    "review": ("solcoder.cli.review_cmd", "review_command", "Security review of the programs."),
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_SUBCOMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in _SUBCOMMANDS:
            import importlib

            module_name, attribute, _ = _SUBCOMMANDS[cmd_name]
            command: click.Command = getattr(importlib.import_module(module_name), attribute)
            return command
        return super().get_command(ctx, cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            import difflib

            close = difflib.get_close_matches(name, self.list_commands(ctx), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise click.UsageError(
                f"No such command {name!r}.{hint} Commands: {', '.join(self.list_commands(ctx))}. "
                "To send a prompt, use -p TEXT."
            )
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, help_text) for name, (_, _, help_text) in sorted(_SUBCOMMANDS.items())]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


_API_CHOICES = click.Choice(list(WIRE_APIS))


class _Number(click.ParamType[float, Any]):
    """A number within limits, whose error says what is expected ("a number of seconds
    greater than 0, for example 30") rather than click's "not a valid float range"."""

    def __init__(
        self, kind: type[int] | type[float], expected: str, low: float, high: float
    ) -> None:
        self.kind = kind
        self.expected = expected
        self.low = low
        self.high = high
        self.name = expected

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, self.kind) and not isinstance(value, bool):
            number = value
        else:
            try:
                number = self.kind(str(value).strip())
            except ValueError:
                self.fail(f"{value!r} is not {self.expected}.", param, ctx)
        # Seconds exclude their lower limit (a zero timeout is no timeout), counts include it.
        low_ok = number > self.low if self.kind is float else number >= self.low
        if not (low_ok and number <= self.high):
            self.fail(f"{value!r} is out of range: use {self.expected}.", param, ctx)
        return number


def _check_patterns(patterns: tuple[str, ...]) -> tuple[str, ...]:
    """`--approve` values: tool-name globs (the same rule as `approval.allow`)."""
    if not patterns:
        return ()
    from solcoder.config.schema import lookup
    from solcoder.config.values import InvalidValue

    try:
        checked = lookup("approval.allow").check(list(patterns))
    except InvalidValue as problem:
        raise click.BadParameter(f"--approve {problem}.") from None
    assert isinstance(checked, tuple)
    return checked


_SECONDS = _Number(float, "a number of seconds greater than 0, for example 30 or 2.5", 0, 1e9)
_RETRIES = _Number(int, "a whole number from 0 to 10", 0, 10)


@click.group(
    cls=_LazyGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "-p", "--prompt", metavar="TEXT", help="Run one turn with TEXT and exit (- reads stdin)."
)
@click.option("--json", "json_output", is_flag=True, help="Print JSON Lines events on stdout.")
@click.option(
    "--dry-run-llm",
    is_flag=True,
    help="Run the smoke conversation (streaming + a tool call) and report.",
)
@click.option(
    "--llm-provider",
    metavar="NAME",
    help="Provider: openai, anthropic, openrouter, groq, ollama, offline, … "
    "[env: SOLCODER_LLM_PROVIDER]",
)
@click.option(
    "--llm-base-url",
    metavar="URL",
    help="Override the provider's base URL. [env: SOLCODER_LLM_BASE_URL]",
)
@click.option("--llm-model", metavar="MODEL", help="Model name. [env: SOLCODER_LLM_MODEL]")
@click.option(
    "--llm-api-key",
    metavar="KEY",
    help="API key (visible in the process list: prefer the "
    "environment or `solcoder auth login`). [env: SOLCODER_LLM_API_KEY]",
)
@click.option(
    "--llm-api", type=_API_CHOICES, help="Wire protocol override. [env: SOLCODER_LLM_API]"
)
@click.option(
    "--reasoning",
    type=click.Choice(["off", "low", "medium", "high"]),
    help="How hard a reasoning model thinks (models that do not reason get nothing). "
    "[env: SOLCODER_LLM_REASONING]",
)
@click.option(
    "--offline-mode/--no-offline-mode",
    default=None,
    help="Use the deterministic offline provider. [env: SOLCODER_OFFLINE_MODE]",
)
@click.option(
    "--offline-fallback/--no-offline-fallback",
    default=None,
    help="Switch to offline mode when the provider fails. [env: SOLCODER_OFFLINE_FALLBACK]",
)
@click.option(
    "--timeout",
    type=_SECONDS,
    metavar="SECONDS",
    help="Deadline for one whole model request. [env: SOLCODER_TIMEOUT]",
)
@click.option(
    "--max-retries",
    type=_RETRIES,
    metavar="N",
    help="Retries per model request, 0-10. [env: SOLCODER_MAX_RETRIES]",
)
@click.option(
    "--max-turns",
    type=click.IntRange(min=1),
    metavar="N",
    help="Refuse a -p run once its session has had N turns (counted across --session resumes).",
)
@click.option(
    "--max-steps",
    type=click.IntRange(min=1, max=100),
    metavar="N",
    help="Most model calls in one turn (each tool round trip is a step). "
    "[env: SOLCODER_LLM_MAX_STEPS]",
)
@click.option(
    "--approve",
    metavar="PATTERN",
    multiple=True,
    callback=lambda _context, _parameter, value: _check_patterns(value),
    help="Let tools matching PATTERN (a glob over tool names, e.g. time__*) run without "
    "asking; repeatable. Without it -p declines what needs approval.",
)
@click.option(
    "--approve-all", is_flag=True, help="Let every tool run without asking (not approval.deny)."
)
@click.option(
    "--approve-edits",
    is_flag=True,
    default=None,
    help="Apply file edits inside the workspace without asking. "
    "[env: SOLCODER_TOOLS_APPROVE_EDITS]",
)
@click.option(
    "--sandbox",
    type=click.Choice(["workspace-write", "read-only", "off"]),
    help="Where commands run: workspace-write (default), read-only, or off (every command "
    "asks). [env: SOLCODER_TOOLS_SANDBOX]",
)
@click.option(
    "--network/--no-network",
    default=None,
    help="Let commands use the network (default: off). [env: SOLCODER_TOOLS_NETWORK]",
)
@click.option(
    "--workspace",
    metavar="DIR",
    type=click.Path(file_okay=False, dir_okay=True, exists=True),
    help="The project the tools work in (default: the git root above the current "
    "directory, else the current directory).",
)
@click.option(
    "--project-instructions/--no-project-instructions",
    default=None,
    help="Read AGENTS.md and SOLCODER.md (up to the git root) into the system prompt "
    "(default: on). [env: SOLCODER_LLM_PROJECT_INSTRUCTIONS]",
)
@click.option("--session", "session_id", metavar="ID", help="Resume a saved session.")
@click.option("--new-session", is_flag=True, help="Start a fresh session.")
@click.option("--debug", is_flag=True, help="Show tracebacks and write a debug log.")
@click.version_option(__version__, "--version", prog_name="solcoder")
@click.pass_context
def cli(ctx: click.Context, /, **options: Any) -> None:
    """SolCoder: a terminal AI agent for Solana developers.

    Run without arguments for the interactive REPL, or with -p TEXT for one turn.
    """
    ctx.ensure_object(dict)
    ctx.obj["options"] = options
    if ctx.invoked_subcommand is not None:
        _check_home()
        return
    from solcoder.cli.run import run_root

    ctx.exit(run_root(options))


def _check_home() -> None:
    """Subcommands: report a SOLCODER_HOME open to other users (they never change it)."""
    from pathlib import Path

    from solcoder.cli.home_check import report_exposed_home
    from solcoder.config.loader import resolve_home

    report_exposed_home(resolve_home(None, os.environ, Path.cwd()))


def _valid_options() -> str:
    names = sorted(
        name
        for parameter in cli.params
        for name in getattr(parameter, "opts", [])
        if name.startswith("--")
    )
    return ", ".join(names)


def run_click(
    args: Sequence[str], *, json_output: bool, fail: Callable[[SolcoderError], object]
) -> int:
    """Parse `args` with click and run what they ask; click's usage errors become exit code 2
    (with --json, an `error` event too), `fail` reports anything else click raises."""
    from solcoder.errors import Cancelled, UsageError

    try:
        code = cli.main(args=list(args), prog_name="solcoder", standalone_mode=False)
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.exceptions.NoSuchOption as error:
        error.show()
        sys.stderr.write(f"Valid options: {_valid_options()}\n")
        return 2
    except click.ClickException as error:
        if json_output:
            fail(UsageError(error.format_message()))
        error.show()
        return 2
    except click.exceptions.Abort:
        fail(Cancelled("Interrupted."))
        raise  # not reached: `fail` exits
    return code if isinstance(code, int) else 0
