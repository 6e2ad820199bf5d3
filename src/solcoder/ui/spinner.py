"""A status line while the model has not answered yet, so a slow first token is not silence.

`WaitingSpinner` draws `⠹ waiting for the model… 1.4s` on one terminal line, only after a
short delay (a quick answer shows nothing), and erases it before anything else is written.
`SpinnerSink` puts it around any `EventSink`: it starts at each model step (`StepStarted`)
and stops at the first event of the reply, an error or the end of the turn.

It is only for terminals: the REPL draws it on its console, `-p` on stderr (stdout carries only
the reply); never in a pipe or with `--json`. Everything runs on the event loop's thread, so
the line is erased before the renderer writes, never interleaved with it.
"""

from __future__ import annotations

import asyncio
import time
from typing import IO

from solcoder.agent.events import AgentEvent, StepStarted
from solcoder.errors import SolcoderError
from solcoder.ui.render import EventSink

DELAY_S = 0.3
"""Nothing is drawn for answers faster than this."""
INTERVAL_S = 0.1
FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
ASCII_FRAMES = "-\\|/"
ERASE = "\r\x1b[2K"


class WaitingSpinner:
    """Draws the waiting line on `stream` after `delay` seconds until `stop()`."""

    def __init__(
        self,
        stream: IO[str],
        *,
        label: str = "waiting for the model",
        delay: float = DELAY_S,
        interval: float = INTERVAL_S,
        unicode: bool = True,
    ) -> None:
        self.stream = stream
        self.label = label
        self.delay = delay
        self.interval = interval
        self.frames = FRAMES if unicode else ASCII_FRAMES
        self.dots = "…" if unicode else "..."
        self._task: asyncio.Task[None] | None = None
        self._drawn = False
        self._broken = False

    def start(self) -> None:
        """Begin waiting (from the event loop); a spinner already waiting starts over."""
        self.stop()
        if self._broken:
            return
        self._task = asyncio.get_running_loop().create_task(self._spin())

    def stop(self) -> None:
        """Erase the line, if drawn; safe to call at any time, any number of times."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
        if self._drawn:
            self._drawn = False
            self._write(ERASE)

    async def _spin(self) -> None:
        started = time.monotonic()
        await asyncio.sleep(self.delay)
        frame = 0
        while not self._broken:
            elapsed = time.monotonic() - started
            glyph = self.frames[frame % len(self.frames)]
            self._drawn = True
            self._write(f"{ERASE}{glyph} {self.label}{self.dots} {elapsed:.1f}s")
            frame += 1
            await asyncio.sleep(self.interval)

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # the terminal went away: stay quiet from now on
            self._broken = True
            self._drawn = False


class SpinnerSink:
    """An `EventSink` that shows `spinner` while each model step has produced nothing yet."""

    def __init__(self, inner: EventSink, spinner: WaitingSpinner) -> None:
        self.inner = inner
        self.spinner = spinner

    def begin(self) -> None:
        """The turn is sent: wait for its first event."""
        self.spinner.start()

    def handle(self, event: AgentEvent) -> None:
        if isinstance(event, StepStarted):
            self.inner.handle(event)
            self.spinner.start()  # the next request is on its way
            return
        self.spinner.stop()
        self.inner.handle(event)

    def error(self, error: SolcoderError) -> None:
        self.spinner.stop()
        self.inner.error(error)

    def close(self) -> None:
        self.spinner.stop()
        self.inner.close()
