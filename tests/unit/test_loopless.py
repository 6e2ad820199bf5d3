"""`solcoder.loopless`: a coroutine runs without an event loop (and without importing
asyncio) until it awaits `need_loop()`, then goes on under asyncio from exactly there."""

from __future__ import annotations

import contextvars
import os
import subprocess
import sys
import types
from collections.abc import AsyncIterator, Generator
from pathlib import Path

import pytest

from solcoder import loopless

SOURCE = str(Path(__file__).resolve().parents[2] / "src")


async def _numbers() -> AsyncIterator[int]:
    for number in range(3):
        await loopless.checkpoint()
        yield number


async def _sum_without_a_loop() -> int:
    return sum([number async for number in _numbers()])


def test_a_coroutine_that_needs_no_loop_runs_without_importing_asyncio() -> None:
    script = (
        "import sys\n"
        "from solcoder import loopless\n"
        "async def main():\n"
        "    await loopless.checkpoint()\n"
        "    return 'done', loopless.cancelled().__name__\n"
        "print(loopless.run(main()), 'asyncio' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": SOURCE},
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "('done', '_NeverRaised') False"


def test_the_result_of_a_loopless_run() -> None:
    assert loopless.run(_sum_without_a_loop()) == 3


SEEN: contextvars.ContextVar[str] = contextvars.ContextVar("seen", default="")


async def _needs_a_loop_halfway(trail: list[str]) -> str:
    import asyncio

    SEEN.set("set before the loop")
    async for number in _numbers():
        trail.append(f"before {number}")
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        trail.append("no loop yet")
    await loopless.need_loop()
    loop = asyncio.get_running_loop()
    await asyncio.sleep(0.01)
    thread_value = await asyncio.to_thread(lambda: "from a thread")
    task = asyncio.current_task()
    assert task is not None and loop.is_running()
    trail.append(thread_value)
    return SEEN.get()


def test_need_loop_hands_the_same_coroutine_to_asyncio() -> None:
    trail: list[str] = []
    assert loopless.run(_needs_a_loop_halfway(trail)) == "set before the loop"
    assert trail == ["before 0", "before 1", "before 2", "no loop yet", "from a thread"]


def test_under_a_running_loop_need_loop_and_checkpoint_behave_as_asyncio() -> None:
    import asyncio

    trail: list[str] = []
    assert asyncio.run(_needs_a_loop_halfway(trail)) == "set before the loop"
    assert trail[-1] == "from a thread" and "no loop yet" not in trail
    assert loopless.cancelled() is asyncio.CancelledError


def test_awaiting_something_that_needs_a_loop_without_asking_is_a_clear_error() -> None:
    closed: list[bool] = []

    @types.coroutine
    def foreign() -> Generator[str, None, None]:
        yield "an asyncio future"

    async def careless() -> None:
        try:
            await foreign()
        finally:
            closed.append(True)

    with pytest.raises(RuntimeError, match="need_loop"):
        loopless.run(careless())
    assert closed == [True]


def test_an_interrupt_without_a_loop_unwinds_the_coroutine() -> None:
    unwound: list[str] = []

    async def interrupted() -> None:
        try:
            await loopless.checkpoint()
            raise KeyboardInterrupt
        finally:
            unwound.append("finally ran")

    with pytest.raises(KeyboardInterrupt):
        loopless.run(interrupted())
    assert unwound == ["finally ran"]
