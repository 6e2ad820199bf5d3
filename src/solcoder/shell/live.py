"""What a running tool shows while it runs, and Ctrl-C for the command in the foreground.

A command's output streams to the REPL (dimmed) and to `--json` (`command_output`) while it
runs. Tools cannot yield events, so the orchestrator gives each call a sink in a context
variable (`LIVE_OUTPUT`), and the call's task inherits it.

Ctrl-C while a command runs stops that command, not the turn: the model is told it was
stopped and goes on. `FOREGROUND` holds the commands running now; the REPL's interrupt asks
it first (`interrupt()`), and only when nothing is running does Ctrl-C cancel the turn.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncio

LIVE_OUTPUT: ContextVar[Callable[[str], None] | None] = ContextVar("live_output", default=None)
"""Where the current tool call's live output goes (None: nobody is watching)."""


def emit(text: str) -> None:
    """Show `text` as the current call's live output, if someone is watching."""
    sink = LIVE_OUTPUT.get()
    if sink is not None and text:
        sink(text)


class Foreground:
    """Commands running in the foreground now; Ctrl-C stops them before the turn."""

    def __init__(self) -> None:
        self._running: dict[asyncio.Task[object], bool] = {}

    @contextmanager
    def running(self) -> Iterator[Callable[[], bool]]:
        """Register the current task as a foreground command for the block; yields a
        function saying whether the user stopped it (then its CancelledError is theirs)."""
        import asyncio

        task = asyncio.current_task()
        if task is None:
            yield lambda: False
            return
        self._running[task] = False
        try:
            yield lambda: self._running.get(task, False)
        finally:
            self._running.pop(task, None)

    def interrupt(self) -> bool:
        """Stop every foreground command; False when none was running."""
        live = [task for task, stopped in self._running.items() if not stopped and not task.done()]
        for task in live:
            self._running[task] = True
            task.cancel()
        return bool(live)


FOREGROUND = Foreground()
