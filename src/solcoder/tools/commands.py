"""The command tools the model calls: run_command, start_process, process_output,
stop_process and project (build, test or check the workspace's programs). Their names and
arguments are a contract (users write them in approval rules).

Thin adapters over `commands.CommandContext`; like the workspace tools they declare their JSON
Schemas as written (no pydantic at start-up). A command's approval is about the command
(`Assessment.command`): `agent/command_approval.py` judges it part by part.
"""

from __future__ import annotations

import shlex
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from solcoder.records import shared_methods
from solcoder.tools.effects import Effect
from solcoder.tools.registry import Assessment, CommandRecord, ToolOutput
from solcoder.tools.validation import DeclaredTool
from solcoder.workspace.refusal import Refused

if TYPE_CHECKING:
    from solcoder.commands.context import CommandContext, Ran
    from solcoder.tools.registry import ToolRegistry

TOOLKIT: Final = "commands"
COMMAND_TOOLS: Final = frozenset({"run_command", "start_process", "project"})
"""The tools whose approval is judged by the command they run."""
PROJECT_OUTPUT_BYTES = 4 * 1024 * 1024
"""The project tool summarises its output, so it keeps much more of it than run_command."""

Action = Callable[["CommandContext", Mapping[str, Any]], Awaitable[ToolOutput]]
Assessor = Callable[["CommandContext", Mapping[str, Any]], Assessment]


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class CommandTool(DeclaredTool):
    """A command tool as the registry offers it: spec, effect, and its function."""

    name: str
    description: str
    json_schema: Mapping[str, Any]
    effect: Effect
    context: CommandContext = field(repr=False)
    action: Action = field(repr=False)
    assessor: Assessor | None = field(default=None, repr=False)
    timeout: float | None = None

    @property
    def toolkit(self) -> str:
        return TOOLKIT

    def assess(self, arguments: Mapping[str, Any]) -> Assessment:
        if self.assessor is None:
            return Assessment(self.effect)
        try:
            return self.assessor(self.context, arguments)
        except Refused as error:
            return Assessment(self.effect, problem=str(error))

    async def run(self, arguments: Mapping[str, Any]) -> ToolOutput:
        try:
            return await self.action(self.context, arguments)
        except Refused as error:
            return ToolOutput(f"Error: {error}", is_error=True)


# -- the operations ----------------------------------------------------------------------


def _assess_command(context: CommandContext, arguments: Mapping[str, Any]) -> Assessment:
    from solcoder.shell.commands import is_read_only

    command = arguments["command"]
    if not command.strip():
        raise Refused("The command is empty.")
    context.cwd(arguments.get("cwd"))
    read_only = context.sandboxed and is_read_only(command)
    return Assessment(
        "read_only" if read_only else "runs_programs",
        command=command,
        read_only_command=read_only,
    )


async def _run_command(context: CommandContext, arguments: Mapping[str, Any]) -> ToolOutput:
    command = arguments["command"]
    ran = await context.run(
        command,
        cwd=context.cwd(arguments.get("cwd")),
        timeout_s=context.timeout(arguments.get("timeout_s")),
    )
    return _report(ran, command)


def _report(ran: Ran, command: str, body: str | None = None) -> ToolOutput:
    from solcoder.shell.run import render_result

    result = ran.result
    text = render_result(result, command=command) if body is None else body
    lines = [text]
    if ran.sandbox == "none":
        lines.append("(ran without a sandbox)")
    lines += [f"Note: {note}" for note in ran.notes]
    if ran.changes:
        changed = ", ".join(change.summary() for change in ran.changes[:20])
        more = f" and {len(ran.changes) - 20} more" if len(ran.changes) > 20 else ""
        lines.append(
            f"Files changed by the command (read them again before editing): {changed}{more}."
        )
    failed = result.exit_code != 0 or result.timed_out
    record = CommandRecord(
        command,
        result.exit_code,
        result.duration_s,
        ran.sandbox,
        timed_out=result.timed_out,
        stopped=result.cancelled,
    )
    return ToolOutput("\n".join(lines), is_error=failed, changes=ran.changes, command=record)


async def _start_process(context: CommandContext, arguments: Mapping[str, Any]) -> ToolOutput:
    command = arguments["command"]
    ident = context.start(command, cwd=context.cwd(arguments.get("cwd")))
    return ToolOutput(
        f"Started `{command}` as {ident} in the background. Read its output with "
        f'process_output {{"id": "{ident}"}} (pass `since` to get only what is new), and '
        f"stop it with stop_process. It stops when SolCoder exits."
    )


async def _process_output(context: CommandContext, arguments: Mapping[str, Any]) -> ToolOutput:
    from solcoder.shell.background import UnknownProcess

    ident = arguments["id"]
    try:
        text, offset, state = context.processes.output(ident, arguments.get("since"))
    except UnknownProcess:
        raise Refused(_unknown(context, ident)) from None
    return ToolOutput(
        f"{text or '(no new output)'}\n[{ident}: {state.describe()}; next since={offset}]"
    )


async def _stop_process(context: CommandContext, arguments: Mapping[str, Any]) -> ToolOutput:
    import asyncio

    from solcoder.shell.background import UnknownProcess

    ident = arguments["id"]
    try:
        state = await asyncio.to_thread(context.stop, ident)
    except UnknownProcess:
        raise Refused(_unknown(context, ident)) from None
    return ToolOutput(f"{ident}: {state}.")


def _unknown(context: CommandContext, ident: str) -> str:
    known = ", ".join(info.id for info in context.processes.list()) or "none"
    return f"No background process {ident!r}; running or ended: {known}."


def _project_argv(context: CommandContext, arguments: Mapping[str, Any]) -> list[str]:
    from solcoder.solana.project import (
        build_command,
        check_command,
        detect,
        test_command,
        which_tools,
    )

    project = detect(context.workspace.root)
    action = arguments.get("action", "build")
    program = arguments.get("program")
    if action == "check":
        planned = check_command(project, program=program)
    elif action == "test":
        planned = test_command(project, program=program, tools=which_tools())
    else:
        planned = build_command(project, program=program, tools=which_tools())
    if isinstance(planned, str):
        raise Refused(planned)
    return planned


def _assess_project(context: CommandContext, arguments: Mapping[str, Any]) -> Assessment:
    command = shlex.join(_project_argv(context, arguments))
    return Assessment("runs_programs", command=command)


async def _project(context: CommandContext, arguments: Mapping[str, Any]) -> ToolOutput:
    from solcoder.solana.diagnostics import summarise

    argv = _project_argv(context, arguments)
    command = shlex.join(argv)
    ran = await context.run(
        command,
        cwd=context.workspace.root,
        timeout_s=context.settings.max_timeout_s,
        max_output_bytes=PROJECT_OUTPUT_BYTES,
        argv=argv,
    )
    from solcoder.shell.run import describe_end

    body = f"$ {command}\n{summarise(ran.result.output)}\n{describe_end(ran.result)}"
    return _report(ran, command, body)


# -- schemas and descriptions (the contract) -------------------------------------------


def _object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


_COMMAND = {"type": "string", "description": "A bash command line."}
_CWD = {"type": "string", "description": "Directory to run in, relative to the workspace root."}


def command_tools(context: CommandContext) -> list[CommandTool]:
    """The command tools over `context`."""
    return [
        CommandTool(
            "run_command",
            "Run a shell command in the workspace (in a sandbox: it can write only inside the "
            "workspace, has no network unless the user allowed it, and cannot read keys). Use "
            "it to build, test, format and inspect: `cargo test`, `anchor build`, `git diff`. "
            "Output streams to the user; you get the end of it with the exit code. Read-only "
            "commands run at once; others may need the user's approval.",
            _object(
                {
                    "command": _COMMAND,
                    "timeout_s": {
                        "type": "number",
                        "exclusiveMinimum": 0,
                        "description": "Seconds before the command is stopped (default 120).",
                    },
                    "cwd": _CWD,
                },
                ["command"],
            ),
            "runs_programs",
            context,
            _run_command,
            _assess_command,
        ),
        CommandTool(
            "start_process",
            "Start a long-running command in the background (solana-test-validator, "
            "`surfpool start`, a dev server, a watcher) and get its id at once. Read its "
            "output with process_output; stop it with stop_process.",
            _object({"command": _COMMAND, "cwd": _CWD}, ["command"]),
            "runs_programs",
            context,
            _start_process,
            _assess_command,
        ),
        CommandTool(
            "process_output",
            "The output of a background process (only what came after `since`, a byte offset "
            "from an earlier answer), and whether it is still running.",
            _object(
                {
                    "id": {"type": "string", "description": "The id start_process gave."},
                    "since": {"type": "integer", "minimum": 0},
                },
                ["id"],
            ),
            "read_only",
            context,
            _process_output,
        ),
        CommandTool(
            "stop_process",
            "Stop a background process this session started (and everything it started).",
            _object({"id": {"type": "string"}}, ["id"]),
            # It ends only what this session started, each start approved: no new effect.
            "read_only",
            context,
            _stop_process,
        ),
        CommandTool(
            "project",
            "Build, test or check the workspace's Solana programs with the right tool "
            "(anchor build / anchor test for an Anchor workspace; cargo build-sbf and cargo "
            "test for native programs; cargo check for a quick type check). Answers with the "
            "compiler's errors and warnings (file, line, code, message, suggested fix), the "
            "failing tests and known Anchor/Solana errors explained.",
            _object(
                {
                    "action": {"type": "string", "enum": ["build", "test", "check"]},
                    "program": {
                        "type": "string",
                        "description": "One program of the workspace (default: all).",
                    },
                },
                ["action"],
            ),
            "runs_programs",
            context,
            _project,
            _assess_project,
        ),
    ]


def attach_command_tools(registry: ToolRegistry, context: CommandContext | None) -> None:
    """Offer the command tools in `registry` (none without a context)."""
    if context is None:
        return
    for tool in command_tools(context):
        registry.add_external(tool)
