"""The interactive REPL: read a prompt, stream the reply, repeat; slash commands on the side.

Wiring (for the CLI)::

    from solcoder.ui.commands import ReplHost
    from solcoder.ui.repl import run_repl

    exit_code = run_repl(conversation, ReplHost(get_setting=..., set_setting=..., ...),
                         console=Console(), history_path=home / "history")

`conversation` is anything shaped like `ConversationLike` (`ui/conversation_view.py`);
`ReplHost` is a bag of optional callables for `/config`, `/tools`, `/plan`, `/review`,
`/logs` (see ui/commands.py).

Everything runs on one asyncio loop: prompt_toolkit's `prompt_async` reads the line, then the
turn runs as a task so Ctrl-C (SIGINT, since the terminal is back in cooked mode while the
reply streams) can cancel exactly that task and return to the prompt with the session intact.
When stdin or stdout is not a terminal (pipes, tests) lines are read from stdin directly and
prompt_toolkit is never imported. The prompt is `PROMPT` and a banner names the session, so a
pseudo-terminal test can wait for both.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from rich.console import Console, RenderableType
from rich.text import Text

from solcoder.agent.events import AgentEvent
from solcoder.errors import Cancelled, SolcoderError
from solcoder.ui.command_table import is_command, unescape
from solcoder.ui.commands import CommandRouter, ReplHost
from solcoder.ui.conversation_view import PROMPT, ConversationLike
from solcoder.ui.interrupt_echo import quiet_interrupt_echo
from solcoder.ui.render import EventSink, StreamRenderer, render_error, safe
from solcoder.ui.spinner import SpinnerSink, WaitingSpinner
from solcoder.ui.wrap import wrap_block

if TYPE_CHECKING:
    from prompt_toolkit.input import Input
    from prompt_toolkit.output import Output

    from solcoder.agent.gate import ApprovalGate

logger = logging.getLogger(__name__)


class LineReader(Protocol):
    """Reads one (possibly multi-line) prompt: EOFError on Ctrl-D, KeyboardInterrupt on Ctrl-C."""

    async def read(self) -> str: ...

    async def ask(self, message: str) -> str:
        """One line answering `message` (an approval question), same errors as `read`."""
        ...


class StreamLineReader:
    """Lines from a plain stream (pipe, file, test); a trailing backslash continues the line."""

    def __init__(self, stream: TextIO, console: Console) -> None:
        self.stream = stream
        self.console = console

    async def read(self) -> str:
        self._write(PROMPT)
        lines: list[str] = []
        while True:
            # A blocking read is fine: nothing else runs on the loop between turns.
            raw = self.stream.readline()
            if not raw:
                if lines:
                    break
                self._write("\n")
                raise EOFError
            line = raw.rstrip("\r\n")
            if line.endswith("\\"):
                lines.append(line[:-1])
                continue
            lines.append(line)
            break
        self._write("\n")
        return "\n".join(lines)

    async def ask(self, message: str) -> str:
        # Blocking, like `read`: the turn waits for this answer and nothing else may run.
        self._write(message)
        raw = self.stream.readline()
        self._write("\n")
        if not raw:
            raise EOFError
        return raw.rstrip("\r\n")

    def _write(self, text: str) -> None:
        self.console.file.write(text)
        self.console.file.flush()


class Repl:
    """The read-and-stream loop; `interrupt()` is what Ctrl-C does while something runs."""

    def __init__(
        self,
        conversation: ConversationLike,
        host: ReplHost,
        *,
        console: Console,
        show_thinking: bool = True,
    ) -> None:
        self.conversation = conversation
        self.host = host
        self.console = console
        self.router = CommandRouter(conversation, host, console, show_thinking=show_thinking)
        self._task: asyncio.Task[None] | None = None
        self._interrupted = False

    @property
    def show_thinking(self) -> bool:
        """Whether reasoning streams live; the router owns it so `/thinking on|off` sets it."""
        return self.router.show_thinking

    @show_thinking.setter
    def show_thinking(self, value: bool) -> None:
        self.router.show_thinking = value

    def banner(self) -> None:
        conversation = self.conversation
        self.console.print(
            Text.assemble(
                ("SolCoder", "bold"),
                f" · {safe(conversation.provider_name)} · {safe(conversation.model)} · ",
                (f"session {conversation.session_id}", "cyan"),
            ),
            highlight=False,
        )
        self.console.print(Text("Type /help for commands, Ctrl-D to exit.", style="dim"))

    async def run(self, reader: LineReader) -> int:
        """Read and answer until Ctrl-D or /quit; returns the exit code (0)."""
        self.banner()
        while True:
            try:
                line = await reader.read()
            except KeyboardInterrupt:
                continue  # Ctrl-C at the prompt only clears the line
            except EOFError:
                return 0
            text = line.strip()
            if not text:
                continue
            if is_command(text):
                try:
                    result = self.router.dispatch(text)
                except (KeyboardInterrupt, EOFError):  # Ctrl-C / Ctrl-D in a hook (getpass)
                    self.console.print(Text("cancelled", style="yellow"))
                    continue
                if result.exit:
                    return 0
                if result.retry:
                    await self.run_cancellable(self._stream(self.conversation.retry_last))
                elif result.stream is not None:
                    await self.run_cancellable(self._stream(result.stream))
                elif result.work is not None:
                    await self.run_cancellable(self._show(result.work))
                elif result.prompt is not None:
                    await self._send(result.prompt, shown=True)
                continue
            await self._send(unescape(text))

    async def _send(self, text: str, *, shown: bool = False) -> None:
        """One turn with `text` as the user's message (`shown`: echo it first, for a
        custom command's expanded prompt, so the user sees what the model was sent)."""
        prompt = self._attach(text)
        if shown:
            self.console.print(Text(safe(f"› {prompt}"), style="dim"), highlight=False)
        await self.run_cancellable(self._stream(partial(self.conversation.run_turn, prompt)))
        self.console.print()

    def _attach(self, prompt: str) -> str:
        """The prompt with its `@file` mentions attached (and a line saying what was)."""
        attach = self.host.attach
        if attach is None or "@" not in prompt:
            return prompt
        text, lines = attach(prompt)
        for line in lines:
            self.console.print(Text(safe(line), style="dim"), highlight=False, soft_wrap=True)
        return text

    def interrupt(self) -> bool:
        """Stop the command running in the foreground (the turn goes on, and the model is
        told), else cancel the turn or command in progress; False when nothing was running."""
        if self._task is None or self._task.done():
            return False
        from solcoder.shell.live import FOREGROUND

        if FOREGROUND.interrupt():
            self.console.print(Text("stopping the command…", style="yellow"))
            return True
        self._interrupted = True
        self._task.cancel()
        return True

    async def run_cancellable(self, job: Coroutine[Any, Any, None]) -> None:
        """Run `job` as a task Ctrl-C can cancel; print failures; never raise them."""
        self._interrupted = False
        task = asyncio.ensure_future(job)
        self._task = task
        restore = _route_sigint(self.interrupt)
        echo = quiet_interrupt_echo()  # no `^C` in the middle of the streaming reply
        try:
            await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # the REPL itself is being cancelled, not just this turn
        except Cancelled:
            self._interrupted = True
        except SolcoderError as error:
            render_error(self.console, error)
        except Exception as error:  # a bug: say so in one line, keep the session going
            logger.debug("unexpected failure in a turn", exc_info=True)
            render_error(
                self.console,
                SolcoderError(
                    f"Unexpected error: {type(error).__name__}: {error}",
                    hint="This is a bug in SolCoder; /logs shows the details. The session goes on.",
                ),
            )
        finally:
            echo()
            restore()
            self._task = None
        if self._interrupted:
            self.console.print(Text("cancelled", style="yellow"))

    async def _stream(self, start: Callable[[], AsyncIterator[AgentEvent]]) -> None:
        width = self._wrap_width()
        renderer: EventSink = StreamRenderer(
            self.console,
            show_thinking=self.show_thinking,
            wrap_width=width,
            collapsed_hint="/thinking to show",
        )
        if width is not None:  # a terminal: say that the model is being waited for
            waiting = SpinnerSink(
                renderer, WaitingSpinner(self.console.file, unicode=_unicode(self.console))
            )
            waiting.begin()
            renderer = waiting
        events = start()
        try:
            async for event in events:
                renderer.handle(event)
        finally:
            renderer.close()
            close = getattr(events, "aclose", None)
            if close is not None:
                await close()

    async def _show(self, work: Callable[[], Awaitable[RenderableType]]) -> None:
        shown = await work()
        if isinstance(shown, str):
            # Wrapped here, between words, so continuation lines of a `/plan` step or a
            # `/review` finding keep their indentation (rich would start them at column 0).
            self.console.print(
                Text(wrap_block(safe(shown), self.console.width)), soft_wrap=True, highlight=False
            )
            return
        self.console.print(shown, highlight=False)

    def _wrap_width(self) -> int | None:
        """Replies are wrapped between words on a terminal; a pipe gets them as they came."""
        console = self.console
        return console.width if console.is_terminal and not console.is_dumb_terminal else None


def _route_sigint(handler: Callable[[], object]) -> Callable[[], None]:
    """Send SIGINT to `handler` until the returned function restores the previous handler."""
    loop = asyncio.get_running_loop()
    previous = signal.getsignal(signal.SIGINT)
    try:
        loop.add_signal_handler(signal.SIGINT, handler)
    except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
        return lambda: None

    def restore() -> None:
        loop.remove_signal_handler(signal.SIGINT)
        if previous is not None:
            signal.signal(signal.SIGINT, previous)

    return restore


def _unicode(console: Console) -> bool:
    return console.encoding.lower().replace("-", "").startswith("utf")


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


async def run_repl_async(
    conversation: ConversationLike,
    host: ReplHost | None = None,
    *,
    console: Console,
    history_path: Path,
    show_thinking: bool = True,
    stdin: TextIO | None = None,
    prompt_input: Input | None = None,
    prompt_output: Output | None = None,
    approval: ApprovalGate | None = None,
) -> int:
    """The REPL on the running loop. `stdin` forces line mode; `prompt_input`/`prompt_output`
    force prompt_toolkit (tests pass a pipe input and `DummyOutput`). `approval` (the
    session's gate) gets the REPL as its approver: calls that need approval are asked."""
    repl = Repl(conversation, host or ReplHost(), console=console, show_thinking=show_thinking)
    reader: LineReader
    if prompt_input is not None or (stdin is None and _interactive()):
        from solcoder.ui.toolbar import PromptToolkitReader, make_history

        reader = PromptToolkitReader(
            conversation,
            history=make_history(history_path, console),
            input=prompt_input,
            output=prompt_output,
            mention_paths=repl.host.mention_paths,
            custom_names=repl.host.custom_commands.names if repl.host.custom_commands else (),
        )
    else:
        reader = StreamLineReader(stdin or sys.stdin, console)
    repl.router.ask = reader.ask
    if approval is not None:
        from solcoder.ui.approval_prompt import TerminalApprover

        approval.approver = TerminalApprover(console, reader.ask, repl.interrupt)
    try:
        return await repl.run(reader)
    finally:
        if approval is not None:
            approval.approver = None


def run_repl(
    conversation: ConversationLike,
    host: ReplHost | None = None,
    *,
    console: Console,
    history_path: Path,
    show_thinking: bool = True,
    stdin: TextIO | None = None,
    cleanup: Callable[[], Awaitable[None]] | None = None,
    approval: ApprovalGate | None = None,
) -> int:
    """Run the REPL until Ctrl-D or /quit; returns the process exit code.

    `cleanup` is awaited on the REPL's loop before it closes (close the provider's HTTP client
    there: it belongs to this loop).
    """

    async def main() -> int:
        try:
            return await run_repl_async(
                conversation,
                host,
                console=console,
                history_path=history_path,
                show_thinking=show_thinking,
                stdin=stdin,
                approval=approval,
            )
        finally:
            if cleanup is not None:
                await cleanup()

    try:
        return asyncio.run(main())
    except KeyboardInterrupt:  # a SIGINT that arrived outside any turn (line mode)
        return 130
