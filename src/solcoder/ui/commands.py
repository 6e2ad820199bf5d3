"""Slash commands: lines starting with "/" are handled here and never reach the model.

The router is synchronous and does no I/O of its own beyond printing to the console, so every
command is unit-testable without a terminal. Anything slow or streaming is handed back to the
REPL as a `CommandResult` (`retry`, or `work` to await), so Ctrl-C can cancel it there.

What the router needs from the application comes in a `ReplHost`: plain callables, each
optional (a missing one makes its command say "not available").
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from solcoder.errors import SolcoderError, UsageError
from solcoder.llm.messages import Message
from solcoder.ui.command_table import (
    COMMANDS,
    KEYS_HELP,
    closest_command,
    last_turn_thinking,
)
from solcoder.ui.render import render_error, safe

if TYPE_CHECKING:
    from solcoder.agent.events import AgentEvent
    from solcoder.skills.slash_commands import CommandSet
    from solcoder.ui.conversation_view import ConversationLike

Ask = Callable[[str], Awaitable[str]]
"""Reads one answer to a question (the REPL's reader: prompt_toolkit or a line of stdin)."""
HostResult = RenderableType | Awaitable[RenderableType]
"""What a direct tool call returns: text (shown as is) or a rich renderable, maybe awaited."""


@dataclass(frozen=True, slots=True)
class ReplHost:
    """The application services slash commands use; every hook may be left out.

    Hooks raise `SolcoderError` subclasses (for example `UsageError` for an unknown setting)
    and the router prints them with `render_error`.
    """

    get_setting: Callable[[str], str] | None = None
    """`/config get KEY`: the effective value as text."""
    set_setting: Callable[[str, str], str | None] | None = None
    """`/config set KEY VALUE`: saves it; returns a confirmation line (None for a default one)."""
    rotate_key: Callable[[], str] | None = None
    """`/config rotate-key`: asks for the new key itself (no prompt is reading at that moment,
    so `getpass` works) and returns a confirmation line that does not contain the key."""
    list_tools: Callable[[], Iterable[tuple[str, str]]] | None = None
    """`/tools`: (name, one-line description) for every registered tool."""
    run_plan: Callable[[str], HostResult] | None = None
    """`/plan TEXT`: calls the plan tool directly, without the model."""
    run_review: Callable[[str | None], HostResult] | None = None
    """`/review [PATH]`: calls the review tool directly, without the model."""
    show_logs: Callable[[], RenderableType] | None = None
    """`/logs`: where the logs are and their last lines."""
    reasoning: Callable[[str | None], str] | None = None
    """`/reasoning [LEVEL]`: the current level (None), or switch to LEVEL for this session
    from the next request on; returns the line to show. Raises `UsageError` for a bad level."""
    status: Callable[[], Iterable[tuple[str, str]]] | None = None
    """`/status`: (label, value) rows, one per line, in the order to show them."""
    mcp_status: Callable[[], Iterable[tuple[str, str]]] | None = None
    """`/mcp`: (server, state) for every configured MCP server."""
    mcp_restart: Callable[[str], Awaitable[RenderableType]] | None = None
    """`/mcp restart NAME`: stop and start one server; returns its new state as a line.
    Raises `UsageError` for a name that is not configured."""
    undo: Callable[[Ask | None], Awaitable[RenderableType]] | None = None
    """`/undo`: restore the files the last turn with changes changed; asks (with the given
    question reader, when there is one) before overwriting a file the user changed since.
    Returns what was done."""
    diff: Callable[[], RenderableType] | None = None
    """`/diff`: everything this session changed in the workspace, as diffs."""
    attach: Callable[[str], tuple[str, list[str]]] | None = None
    """A prompt's `@path` mentions: (the text to send, lines to tell the user)."""
    mention_paths: Callable[[], Sequence[str]] | None = None
    """Workspace files, for Tab after `@`."""
    processes: Callable[[], Iterable[tuple[str, str]]] | None = None
    """`/ps`: (id, "state · command") for each background process of this session."""
    list_skills: Callable[[], Iterable[tuple[str, str]]] | None = None
    """`/skills`: (name, "[source] description") for every skill in force."""
    custom_commands: CommandSet | None = None
    """The user's and the project's slash commands (`/NAME args` sends their prompt)."""


@dataclass(frozen=True, slots=True)
class CommandResult:
    """What the REPL does after a command beyond what the router already printed."""

    exit: bool = False
    retry: bool = False
    """Run the last prompt again (streamed like a normal turn)."""
    work: Callable[[], Awaitable[RenderableType]] | None = None
    """Slow work to await (cancellable with Ctrl-C); its result is printed."""
    stream: Callable[[], AsyncIterator[AgentEvent]] | None = None
    """Events to stream like a turn (cancellable with Ctrl-C): `/compact`."""
    prompt: str | None = None
    """Text to send as the user's next turn (a custom command's expanded prompt)."""


DONE = CommandResult()


class CommandRouter:
    """Parses one "/command args" line and does it (see `COMMANDS`)."""

    def __init__(
        self,
        conversation: ConversationLike,
        host: ReplHost,
        console: Console,
        *,
        show_thinking: bool = True,
    ) -> None:
        self.conversation = conversation
        self.host = host
        self.console = console
        self.ask: Ask | None = None
        """How a command asks the user a question (set by the REPL once its reader exists)."""
        self.show_thinking = show_thinking
        """Stream reasoning live (True) or collapse it to one line; `/thinking on|off` sets it
        for the session and the REPL reads it for each turn."""
        self._handlers: dict[str, Callable[[str], CommandResult]] = {
            "help": self._help,
            "quit": self._quit,
            "exit": self._quit,
            "config": self._config,
            "clear": self._clear,
            "session": self._session,
            "status": self._status,
            "tools": self._tools,
            "plan": self._plan,
            "review": self._review,
            "retry": self._retry,
            "compact": self._compact,
            "logs": self._logs,
            "reasoning": self._reasoning,
            "thinking": self._thinking,
            "mcp": self._mcp,
            "undo": self._undo,
            "diff": self._diff,
            "ps": self._ps,
            "skills": self._skills,
        }

    def dispatch(self, line: str) -> CommandResult:
        """Run the command on `line` (which starts with "/"); errors are printed, not raised."""
        name, _, argument = line.strip()[1:].partition(" ")
        name = name.lower()
        handler = self._handlers.get(name)
        if handler is None:
            custom = self.host.custom_commands
            command = custom.get(name) if custom is not None else None
            if command is not None:
                return CommandResult(prompt=command.expand(argument))
            self._unknown(name)
            return DONE
        try:
            return handler(argument.strip())
        except SolcoderError as error:
            render_error(self.console, error)
            return DONE

    # -- output helpers ------------------------------------------------------------------------

    def _say(self, text: str, style: str = "") -> None:
        shown = safe(text)
        if self.console.is_terminal:
            # Between words at the terminal's width: the terminal itself would cut mid-word.
            from solcoder.ui.wrap import wrap_block

            shown = wrap_block(shown, self.console.width)
        self.console.print(Text(shown, style=style), soft_wrap=True, highlight=False)

    def _table(self, rows: Iterable[tuple[str, str]]) -> CommandResult:
        """Two columns, names in bold; both are outside text (a server's tool descriptions,
        its state, a project file's path): never markup, never raw."""
        table = Table(show_header=False, box=None, pad_edge=False, padding=(0, 2, 0, 0))
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column()
        for name, value in rows:
            table.add_row(Text(safe(name)), Text(safe(value)))
        self.console.print(table)
        return DONE

    def _not_available(self, what: str) -> CommandResult:
        self._say(f"{what} is not available in this build.", "yellow")
        return DONE

    def _unknown(self, name: str) -> None:
        custom = self.host.custom_commands
        suggestion = closest_command(name, custom.names if custom is not None else ())
        if suggestion is None:
            self._say(f"Unknown command /{name}. Type /help to see the commands.", "yellow")
        else:
            self._say(f"Unknown command /{name}. Did you mean /{suggestion}?", "yellow")

    # -- commands ------------------------------------------------------------------------------

    def _help(self, _argument: str) -> CommandResult:
        table = Table(show_header=False, box=None, pad_edge=False, padding=(0, 2, 0, 0))
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column()
        for info in COMMANDS:
            usage = info.usage + "".join(f", /{alias}" for alias in info.aliases)
            # Text, not markup: rich would take "[on|off]" for a style tag and drop it.
            table.add_row(Text(usage), Text(info.help))
        self.console.print(table)
        custom = self.host.custom_commands
        if custom is not None and custom.commands:
            self._say("Custom commands (.solcoder/commands, ~/.solcoder/commands)", "bold")
            self._table(
                (command.usage, f"{command.description or '(no description)'} [{command.source}]")
                for command in custom.commands
            )
        self._say(KEYS_HELP, "dim")
        return DONE

    def _quit(self, _argument: str) -> CommandResult:
        return CommandResult(exit=True)

    def _config(self, argument: str) -> CommandResult:
        action, _, rest = argument.partition(" ")
        rest = rest.strip()
        if action == "get" and rest and " " not in rest:
            if self.host.get_setting is None:
                return self._not_available("/config get")
            self._say(f"{rest} = {self.host.get_setting(rest)}")
            return DONE
        if action == "set" and rest:
            key, _, value = rest.partition(" ")
            value = value.strip()
            if not value:
                raise UsageError(
                    "/config set needs a key and a value.",
                    hint="Example: /config set llm.model gpt-4o-mini",
                )
            if self.host.set_setting is None:
                return self._not_available("/config set")
            confirmation = self.host.set_setting(key, value)
            self._say(confirmation or f"{key} = {value} (saved)", "green")
            return DONE
        if action == "rotate-key" and not rest:
            if self.host.rotate_key is None:
                return self._not_available("/config rotate-key")
            self._say(self.host.rotate_key(), "green")
            return DONE
        raise UsageError(
            "Usage: /config get KEY | /config set KEY VALUE | /config rotate-key",
            hint="`solcoder config list` shows every setting and where its value comes from.",
        )

    def _clear(self, _argument: str) -> CommandResult:
        self.conversation.clear()
        self._say(
            f"Conversation cleared; session {self.conversation.session_id} continues.", "green"
        )
        return DONE

    def _session(self, _argument: str) -> CommandResult:
        self._say(self.conversation.describe_session())
        return DONE

    def _status(self, _argument: str) -> CommandResult:
        if self.host.status is None:
            return self._not_available("/status")
        return self._table(self.host.status())

    def _tools(self, _argument: str) -> CommandResult:
        if self.host.list_tools is None:
            return self._not_available("/tools")
        tools = list(self.host.list_tools())
        if not tools:
            self._say("No tools are registered.", "yellow")
            return DONE
        return self._table(tools)

    def _mcp(self, argument: str) -> CommandResult:
        words = argument.split()
        if words and words[0] == "restart":
            restart = self.host.mcp_restart
            if restart is None:
                return self._not_available("/mcp restart")
            if len(words) != 2:
                raise UsageError("/mcp restart needs one server name.", hint="/mcp restart NAME")
            name = words[1]
            return CommandResult(work=lambda: restart(name))
        if words:
            raise UsageError(f"Unknown /mcp action {words[0]!r}.", hint="/mcp or /mcp restart NAME")
        if self.host.mcp_status is None:
            return self._not_available("/mcp")
        rows = list(self.host.mcp_status())
        if not rows:
            self._say("No MCP servers are configured (see `solcoder mcp add`).", "yellow")
            return DONE
        return self._table(rows)

    def _plan(self, argument: str) -> CommandResult:
        if not argument:
            raise UsageError("/plan needs a goal.", hint="Example: /plan a counter program")
        run_plan = self.host.run_plan
        if run_plan is None:
            return self._not_available("/plan")
        return CommandResult(work=lambda: _resolve(run_plan(argument)))

    def _review(self, argument: str) -> CommandResult:
        run_review = self.host.run_review
        if run_review is None:
            return self._not_available("/review")
        path = argument or None
        return CommandResult(work=lambda: _resolve(run_review(path)))

    def _undo(self, argument: str) -> CommandResult:
        if argument:
            raise UsageError("/undo takes no argument.", hint="Repeat /undo to go further back.")
        undo = self.host.undo
        if undo is None:
            return self._not_available("/undo")
        ask = self.ask
        return CommandResult(work=lambda: undo(ask))

    def _diff(self, argument: str) -> CommandResult:
        if argument:
            raise UsageError("/diff takes no argument.", hint="/diff shows the whole session.")
        if self.host.diff is None:
            return self._not_available("/diff")
        shown = self.host.diff()
        self.console.print(Text(safe(shown)) if isinstance(shown, str) else shown, highlight=False)
        return DONE

    def _ps(self, _argument: str) -> CommandResult:
        if self.host.processes is None:
            return self._not_available("/ps")
        rows = list(self.host.processes())
        if not rows:
            self._say("No background processes in this session.", "yellow")
            return DONE
        return self._table(rows)

    def _skills(self, _argument: str) -> CommandResult:
        if self.host.list_skills is None:
            return self._not_available("/skills")
        rows = list(self.host.list_skills())
        if not rows:
            self._say(
                "No skills found (.solcoder/skills, .agents/skills, ~/.solcoder/skills; "
                "see docs/skills.md).",
                "yellow",
            )
            return DONE
        return self._table(rows)

    def _retry(self, _argument: str) -> CommandResult:
        return CommandResult(retry=True)

    def _compact(self, argument: str) -> CommandResult:
        focus = argument or None
        return CommandResult(stream=lambda: self.conversation.compact(focus))

    def _reasoning(self, argument: str) -> CommandResult:
        if self.host.reasoning is None:
            return self._not_available("/reasoning")
        self._say(self.host.reasoning(argument.strip() or None), "green" if argument else "")
        return DONE

    def _thinking(self, argument: str) -> CommandResult:
        choice = argument.lower()
        if choice in ("on", "off"):
            self.show_thinking = choice == "on"
            shown = "streamed as it comes" if self.show_thinking else "collapsed to one line"
            self._say(f"Reasoning is {shown} for this session.", "green")
            return DONE
        if choice:
            raise UsageError("Usage: /thinking [on|off]", hint="/thinking alone shows the last.")
        # Conversations without a history (test doubles) simply have no reasoning to show.
        history: Sequence[Message] = getattr(self.conversation, "history", ())
        blocks = last_turn_thinking(history)
        if not blocks:
            self._say("The last turn has no reasoning to show.", "yellow")
            return DONE
        for block in blocks:
            self._say(block, "dim")
        return DONE

    def _logs(self, _argument: str) -> CommandResult:
        if self.host.show_logs is None:
            return self._not_available("/logs")
        shown = self.host.show_logs()
        self.console.print(Text(safe(shown)) if isinstance(shown, str) else shown, highlight=False)
        return DONE


async def _resolve(result: HostResult) -> RenderableType:
    """Await a hook's result when it is a coroutine; hooks may be sync or async."""
    if inspect.isawaitable(result):
        return await result
    return result
