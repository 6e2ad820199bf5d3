"""The private event loop behind the sync client methods, run one step at a time.

The sync bridge runs one coroutine per network read (`StreamingCall.next_batch()`).
`asyncio.Runner.run` would do, but it re-installs its SIGINT handler on every call, and on
Python 3.11 checking that handler (`signal.getsignal`) formats the running task's repr: about
40 µs per step, five times the cost of decoding a chunk. Here the handler is installed once
per sync call (`interruptible()`), and a step is a plain `run_until_complete`. Ctrl-C behaves
as under `asyncio.run`: the first one cancels the running step (its cleanup runs, then
KeyboardInterrupt is raised); a second one, or one while no step runs, raises at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Coroutine, Iterator
from types import FrameType
from typing import Any, TypeVar

_T = TypeVar("_T")


class SyncLoop:
    """An `asyncio.Runner` (for its setup and teardown) driven step by step."""

    def __init__(self) -> None:
        self._runner = asyncio.Runner()
        self.loop = self._runner.get_loop()
        self._task: asyncio.Task[Any] | None = None
        self._interrupted = False

    def run(self, coroutine: Coroutine[Any, Any, _T]) -> _T:
        """Run one step to completion; Ctrl-C during it becomes KeyboardInterrupt after the
        step's own cleanup ran."""
        task: asyncio.Task[_T] = self.loop.create_task(coroutine)
        self._task = task
        self._interrupted = False
        try:
            return self.loop.run_until_complete(task)
        except asyncio.CancelledError:
            if self._interrupted and task.uncancel() == 0:
                raise KeyboardInterrupt from None
            raise
        finally:
            self._task = None

    @contextlib.contextmanager
    def interruptible(self) -> Iterator[None]:
        """Route Ctrl-C to the running step for the duration of one sync call (only in the
        main thread, and only over Python's default handler, like `asyncio.Runner`)."""
        if (
            threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
        ):
            yield
            return
        signal.signal(signal.SIGINT, self._on_sigint)
        try:
            yield
        finally:
            if signal.getsignal(signal.SIGINT) == self._on_sigint:
                signal.signal(signal.SIGINT, signal.default_int_handler)

    def close(self) -> None:
        self._runner.close()

    def _on_sigint(self, signum: int, frame: FrameType | None) -> None:
        task = self._task
        if task is not None and not task.done() and not self._interrupted:
            self._interrupted = True
            task.cancel()
            self.loop.call_soon_threadsafe(lambda: None)  # wake the selector
            return
        raise KeyboardInterrupt
