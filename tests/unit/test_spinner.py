"""The waiting line: drawn only after its delay, erased before the reply, restarted per step."""

from __future__ import annotations

import asyncio
import io

from solcoder.agent.events import StepStarted
from solcoder.errors import SolcoderError
from solcoder.llm.events import TextDelta
from solcoder.ui.spinner import ERASE, SpinnerSink, WaitingSpinner


class Recorder:
    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    def handle(self, event: object) -> None:
        if isinstance(event, TextDelta):
            self.stream.write(event.text)

    def error(self, error: SolcoderError) -> None:
        self.stream.write(f"error: {error}")

    def close(self) -> None:
        self.stream.write("|closed")


def sink(delay: float) -> tuple[SpinnerSink, io.StringIO]:
    stream = io.StringIO()
    spinner = WaitingSpinner(stream, delay=delay, interval=0.01)
    return SpinnerSink(Recorder(stream), spinner), stream  # type: ignore[arg-type]


async def test_a_quick_answer_draws_nothing() -> None:
    waiting, stream = sink(delay=0.5)
    waiting.begin()
    await asyncio.sleep(0.05)
    waiting.handle(TextDelta("fast"))
    waiting.close()
    assert stream.getvalue() == "fast|closed"


async def test_a_slow_answer_shows_the_line_then_erases_it_before_the_text() -> None:
    waiting, stream = sink(delay=0.02)
    waiting.begin()
    await asyncio.sleep(0.1)
    waiting.handle(TextDelta("answer"))
    await asyncio.sleep(0.05)  # nothing is drawn once the reply streams
    waiting.close()
    shown = stream.getvalue()
    assert "waiting for the model" in shown
    assert shown.endswith(ERASE + "answer|closed")


async def test_each_step_waits_again_and_an_error_erases_the_line() -> None:
    waiting, stream = sink(delay=0.02)
    waiting.begin()
    waiting.handle(TextDelta("one"))
    waiting.handle(StepStarted(2))
    await asyncio.sleep(0.08)
    assert stream.getvalue().count("waiting for the model") >= 1
    waiting.error(SolcoderError("boom"))
    assert stream.getvalue().endswith(ERASE + "error: boom")
