"""A private event loop on a daemon thread, where every MCP connection lives.

MCP sessions are anyio task groups bound to the loop and task that opened them, while
SolCoder runs turns on more than one loop (each `-p` run and the REPL have their own, and a
REPL rebuild keeps the same servers). So the servers live here, on one loop for the life of
the process, and callers on any loop await them through `asyncio.wrap_future`: cancelling
the awaiting task cancels the request here too, which is what sends MCP's cancellation.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
STOP_WAIT = 5.0
"""Seconds the tasks left on the loop have to finish once cancelled, at stop."""
_log = logging.getLogger(__name__)


def _quiet(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Errors nobody awaited (a server's task) go to the debug log, never to the terminal."""
    error = context.get("exception")
    _log.debug("MCP loop: %s", context.get("message"), exc_info=error)


class Runtime:
    """Started on first use; `stop()` ends the loop (after the caller closed what runs on it)."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, coroutine: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        return asyncio.run_coroutine_threadsafe(coroutine, self._ensure())

    async def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Await `coroutine` on the runtime from another loop; cancellation crosses over."""
        return await asyncio.wrap_future(self.submit(coroutine))

    def _ensure(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                ready = threading.Event()

                def serve() -> None:
                    asyncio.set_event_loop(loop)
                    loop.set_exception_handler(_quiet)
                    loop.call_soon(ready.set)
                    loop.run_forever()
                    loop.close()

                self._thread = threading.Thread(target=serve, name="solcoder-mcp", daemon=True)
                self._thread.start()
                ready.wait()
                self._loop = loop
            return self._loop

    def stop(self, timeout: float = 5.0) -> None:
        """In order: cancel what is still running on the loop and wait for it (bounded),
        then stop the loop and join its thread. Nothing iterates the loop's tasks while they
        change: the snapshot is taken on the loop itself."""
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None:
            return

        async def wind_down() -> None:
            me = asyncio.current_task()
            left = [task for task in list(asyncio.all_tasks()) if task is not me]
            for task in left:
                task.cancel()
            if left:
                await asyncio.wait(left, timeout=STOP_WAIT)

        with contextlib.suppress(concurrent.futures.TimeoutError, RuntimeError):
            asyncio.run_coroutine_threadsafe(wind_down(), loop).result(timeout + STOP_WAIT)
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
