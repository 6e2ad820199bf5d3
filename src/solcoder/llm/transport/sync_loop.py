"""The private event loop behind the sync client methods, entered only when the caller waits.

`stream()` reads a call through `SyncLoop.batches()`: one task (the pump) calls the call's
`next_batch()` again and again and queues the batches, and the loop runs only while the caller
has nothing left to take. It stops as soon as it would wait for the network with batches queued
(its selector is asked to block: `_HandOverSelector`), so the caller gets every event that has
arrived, never later than before, and one loop entry serves every batch at hand (a network
read holds hundreds of small SSE events). Entering the loop once per batch cost about as much
as decoding the batch. The pump reads ahead at most `READ_AHEAD` batches, and after the batch
that ends the answer (`Completed`) it waits for the caller to ask again, so the call ends, and
its statistics are reported, when it did before. After the answer's first batch it waits too:
the first events reach the caller at once, not after everything the socket already holds has
been read and decoded (time to first token).

A read in flight while the caller holds events is put on hold (`StreamingCall.hold()`): the
idle and first-event deadlines never count the caller's time, as before; the total one does.

`run()` runs one coroutine to completion (`complete()`, closing). `asyncio.Runner.run` would
do, but it re-installs its SIGINT handler on every call, and on Python 3.11 checking that
handler (`signal.getsignal`) formats the running task's repr. Here the handler is installed once
per sync call (`interruptible()`). Ctrl-C behaves as under `asyncio.run`: the first one cancels
the running task (its cleanup runs, then KeyboardInterrupt is raised); a second one, or one
while the loop does not run (the caller holds events), raises at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import selectors
import signal
import threading
from collections import deque
from collections.abc import Callable, Coroutine, Iterator
from types import FrameType
from typing import Any, Protocol, TypeVar

from solcoder.llm.events import Completed, Event

_T = TypeVar("_T")
READ_AHEAD = 64
"""Batches the pump may queue before it waits for the caller (a server faster than the caller
must not fill memory)."""


class BatchCall(Protocol):
    """What the pump reads: a `StreamingCall` (or a wrapper of one)."""

    async def next_batch(self) -> list[Event] | None: ...

    async def aclose(self) -> None: ...

    def hold(self) -> None: ...

    def release(self) -> None: ...

    def closing(self) -> None: ...


class _HandOverSelector(selectors.DefaultSelector):
    """Asks `hand_over` before the loop blocks; when it says so, the loop only polls and stops."""

    hand_over: Callable[[], bool] | None = None

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        hand_over = self.hand_over
        if hand_over is not None and (timeout is None or timeout > 0) and hand_over():
            timeout = 0
        return super().select(timeout)


class SyncLoop:
    """An `asyncio.Runner` (for its setup and teardown) driven by the sync methods."""

    def __init__(self) -> None:
        self._selector = _HandOverSelector()
        self._runner = asyncio.Runner(loop_factory=self._new_loop)
        self.loop = self._runner.get_loop()
        self._task: asyncio.Task[Any] | None = None
        self._interrupted = False

    def _new_loop(self) -> asyncio.AbstractEventLoop:
        return asyncio.SelectorEventLoop(self._selector)

    def run(self, coroutine: Coroutine[Any, Any, _T]) -> _T:
        """Run one coroutine to completion; Ctrl-C during it becomes KeyboardInterrupt after
        the coroutine's own cleanup ran."""
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

    def batches(self, call: BatchCall) -> Iterator[list[Event]]:
        """The batches of `call`, read by one pump task; closing the iterator aborts the call
        (it ends as `closed`). Errors are raised after the batches that came before them."""
        loop = self.loop
        ready: deque[list[Event]] = deque()
        wanted: list[asyncio.Future[None]] = []
        task = loop.create_task(self._pump(call, ready, wanted))
        task.add_done_callback(lambda done: self._task is done and loop.stop())

        def hand_over() -> bool:
            if ready:
                loop.stop()
                return True
            return False

        try:
            while True:
                if ready:
                    yield ready.popleft()
                    continue
                if task.done():
                    task.result()  # the pump's error, if any
                    return
                if wanted:
                    wanted.pop().set_result(None)
                self._enter(task, call, hand_over)
        finally:
            self._close(task, call)

    async def _pump(
        self, call: BatchCall, ready: deque[list[Event]], wanted: list[asyncio.Future[None]]
    ) -> None:
        """Read batches while the caller waits in `_enter`; then wait until it asks again."""
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        first = True
        try:
            while (batch := await call.next_batch()) is not None:
                ready.append(batch)
                if (
                    first  # the answer's first events go to the caller at once (see above)
                    or self._task is not task  # the loop runs for someone else (a nested call)
                    or len(ready) >= READ_AHEAD  # the caller is far behind
                    or (batch and isinstance(batch[-1], Completed))
                ):
                    first = False
                    # After the answer's last batch the call ends when the caller asks
                    # again, as it did when the caller drove every read itself.
                    future: asyncio.Future[None] = loop.create_future()
                    wanted.append(future)
                    await future
        finally:
            await call.aclose()  # nothing to do once the call ended on its own

    def _enter(
        self, task: asyncio.Task[None], call: BatchCall, hand_over: Callable[[], bool]
    ) -> None:
        """Run the loop until batches are at hand, or the pump ended."""
        self._task = task
        self._interrupted = False
        self._selector.hand_over = hand_over
        call.release()
        try:
            self.loop.run_forever()
            if self._interrupted:
                self._selector.hand_over = None
                while not task.done():  # the cancelled pump's cleanup
                    self.loop.run_forever()
                if task.cancelled():
                    raise KeyboardInterrupt from None
        finally:
            self._selector.hand_over = None
            self._task = None
            call.hold()

    def _close(self, task: asyncio.Task[None], call: BatchCall) -> None:
        """End the pump (and with it the call) when the caller stops early."""
        if self.loop.is_closed():
            return  # the client was closed, and its tasks with it
        if not task.done():
            call.closing()
            task.cancel()
            if self.loop.is_running():  # collected while the loop runs another call of ours
                return
            call.release()
            self._task = task
            try:
                while not task.done():
                    self.loop.run_forever()
            finally:
                self._task = None
        if not task.cancelled():
            task.exception()  # retrieved: raised to the caller already, or not wanted

    @contextlib.contextmanager
    def interruptible(self) -> Iterator[None]:
        """Route Ctrl-C to the running task for the duration of one sync call (only in the
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
