"""Running a coroutine without an event loop until it needs one.

Importing asyncio costs about a quarter of an offline `solcoder -p` turn (it loads ssl,
sockets, subprocess, concurrent.futures and some twenty modules of its own), and that turn
awaits nothing but its own async generators: the offline provider's reply is in memory.
`run` drives such a coroutine by hand. Code that needs the loop (a thread, a timer, a task, a
subprocess, a socket) awaits `need_loop()` first: under `run`, that hands the suspended
coroutine to `asyncio.run`, which resumes it right there with a running loop; under a loop
already running it returns at once. The turn is the same coroutine either way, so what it
does (and the order it does it in) does not depend on which driver runs it.

`checkpoint()` is `asyncio.sleep(0)` (a bare yield: asyncio runs other tasks; `run` goes on),
and `cancelled()` is asyncio's CancelledError for `except` clauses, or a class nothing raises
while asyncio is not loaded (nothing can raise asyncio's before it is).
"""

from __future__ import annotations

import sys
import types
from collections.abc import Coroutine, Generator
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

_NEED_LOOP = object()
"""What `need_loop` yields to `run`: "give me a loop" (a running loop never sees it)."""

_driving: ContextVar[bool] = ContextVar("solcoder_loopless", default=False)


@types.coroutine
def checkpoint() -> Generator[None, None, None]:
    """Let others run, as `await asyncio.sleep(0)` does (and stay cancellable there)."""
    yield


@types.coroutine
def need_loop() -> Generator[object, None, None]:
    """Await before anything that needs a running event loop: a no-op under one."""
    if _driving.get():
        yield _NEED_LOOP


class _NeverRaised(BaseException):
    """Stands for asyncio.CancelledError while asyncio is not loaded."""


def cancelled() -> type[BaseException]:
    """asyncio.CancelledError, without importing asyncio for it."""
    module = sys.modules.get("asyncio")
    if module is None:
        return _NeverRaised
    error: type[BaseException] = module.CancelledError
    return error


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run `main` to its end, on this thread: by hand while it needs no loop, then (from its
    first `need_loop`) under `asyncio.run`."""
    token = _driving.set(True)
    try:
        while True:
            try:
                signal = main.send(None)
            except StopIteration as done:
                result: T = done.value
                return result
            if signal is _NEED_LOOP:
                break
            if signal is not None:  # an asyncio future: someone forgot `await need_loop()`
                main.close()
                raise RuntimeError(
                    f"{main!r} awaited {signal!r} without an event loop: await "
                    "solcoder.loopless.need_loop() before using asyncio."
                )
    finally:
        _driving.reset(token)
    import asyncio

    # A Task resumes a suspended coroutine where it stopped (asyncio.run makes one of it).
    return asyncio.run(main)
