"""The REPL loop with a fake conversation: line mode (pipes) and prompt_toolkit (pipe input)."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import stat
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from prompt_toolkit.input import PipeInput, create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console

from solcoder.agent.events import AgentEvent, ToolRunFinished, ToolRunStarted, TurnFinished
from solcoder.errors import RateLimitError, SolcoderError
from solcoder.llm.events import Completed, TextDelta, ThinkingDelta
from solcoder.llm.messages import Message, ToolCall, Usage
from solcoder.ui.commands import ReplHost
from solcoder.ui.repl import PROMPT, Repl, StreamLineReader, run_repl, run_repl_async
from solcoder.ui.toolbar import looks_secret, toolbar_text

Step = Callable[[str], AsyncIterator[AgentEvent]]


def reply(*chunks: str) -> Step:
    async def turn(_prompt: str) -> AsyncIterator[AgentEvent]:
        for chunk in chunks:
            yield TextDelta(chunk)
        text = "".join(chunks)
        yield Completed(Message.assistant(text), Usage(5, len(chunks)), "end_turn")
        yield TurnFinished((Message.assistant(text),), Usage(5, len(chunks)), "done")

    return turn


def failure(error: Exception) -> Step:
    async def turn(_prompt: str) -> AsyncIterator[AgentEvent]:
        yield TextDelta("partial ")
        raise error

    return turn


class FakeConversation:
    """Plays one scripted step per turn; `started` is set when a turn begins streaming."""

    session_id = "sess-test-7"
    provider_name = "offline"
    model = "scripted-1"

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.prompts: list[str] = []
        self.retries = 0
        self.cleared = 0
        self.started = asyncio.Event()
        self.closed_turns = 0

    async def run_turn(self, text: str) -> AsyncIterator[AgentEvent]:
        self.prompts.append(text)
        async for event in self._play(text):
            yield event

    async def retry_last(self) -> AsyncIterator[AgentEvent]:
        self.retries += 1
        async for event in self._play(self.prompts[-1]):
            yield event

    async def _play(self, text: str) -> AsyncIterator[AgentEvent]:
        step = self.steps.pop(0)
        self.started.set()
        try:
            async for event in step(text):
                yield event
        finally:
            self.closed_turns += 1

    def clear(self) -> None:
        self.cleared += 1

    def usage_summary(self) -> str:
        return "1.2k tok · $0.003"

    def describe_session(self) -> str:
        return f"session {self.session_id}"


async def slow(_prompt: str) -> AsyncIterator[AgentEvent]:
    yield TextDelta("thinking about it")
    await asyncio.sleep(30)
    yield TextDelta("never shown")


def console_and_stream() -> tuple[Console, io.StringIO]:
    stream = io.StringIO()
    return Console(file=stream, force_terminal=False, width=120), stream


async def run_lines(
    conversation: FakeConversation,
    text: str,
    host: ReplHost | None = None,
    tmp_path: Path | None = None,
) -> tuple[int, str]:
    console, stream = console_and_stream()
    code = await run_repl_async(
        conversation,
        host,
        console=console,
        history_path=(tmp_path or Path("/nonexistent")) / "history",
        stdin=io.StringIO(text),
    )
    return code, stream.getvalue()


# -- line mode (stdin is not a terminal) -------------------------------------------------------


async def test_prompt_streams_the_reply_and_ctrl_d_exits_zero() -> None:
    conversation = FakeConversation(reply("Hello", ", ", "world!"))
    code, shown = await run_lines(conversation, "hi there\n")
    assert code == 0
    assert conversation.prompts == ["hi there"]
    assert "session sess-test-7" in shown.splitlines()[0]
    assert "offline · scripted-1" in shown.splitlines()[0]
    assert f"{PROMPT}\nHello, world!\n" in shown
    assert shown.count(PROMPT) == 2  # asked again, then end of input


def thought_then(text: str) -> Step:
    async def turn(prompt: str) -> AsyncIterator[AgentEvent]:
        yield ThinkingDelta("pondering deeply")
        async for event in reply(text)(prompt):
            yield event

    return turn


async def test_thinking_off_collapses_the_next_turns_reasoning() -> None:
    conversation = FakeConversation(thought_then("One."), thought_then("Two."))
    _, shown = await run_lines(conversation, "first\n/thinking off\nsecond\n")
    first, second = shown.split("collapsed to one line")
    assert "pondering deeply" in first
    assert "pondering deeply" not in second
    assert "thinking… 16 chars · /thinking to show\nTwo." in second


async def test_help_never_reaches_the_model() -> None:
    conversation = FakeConversation()
    code, shown = await run_lines(conversation, "/help\n/hlep\n\n/quit\nnot read\n")
    assert code == 0
    assert conversation.prompts == []
    assert "/config get KEY" in shown
    assert "Did you mean /help?" in shown
    assert shown.count(PROMPT) == 4  # /help, /hlep, empty line, /quit


async def test_failed_turn_prints_one_error_and_the_next_turn_works() -> None:
    conversation = FakeConversation(
        failure(RateLimitError("Rate limited by openai.", hint="Wait 20 s, then /retry.")),
        reply("Recovered."),
    )
    code, shown = await run_lines(conversation, "first\nsecond\n")
    assert code == 0
    assert conversation.prompts == ["first", "second"]
    assert "partial \n✗ Rate limited by openai.\n  Wait 20 s, then /retry.\n" in shown
    assert "Recovered.\n" in shown
    assert "Traceback" not in shown


async def test_a_bug_in_a_turn_is_one_line_and_the_session_goes_on() -> None:
    conversation = FakeConversation(failure(KeyError("boom")), reply("fine"))
    code, shown = await run_lines(conversation, "a\nb\n")
    assert code == 0
    assert "✗ Unexpected error: KeyError: 'boom'" in shown
    assert "fine\n" in shown
    assert "Traceback" not in shown


async def test_retry_streams_the_last_prompt_again() -> None:
    conversation = FakeConversation(failure(SolcoderError("Down.")), reply("Second try."))
    _, shown = await run_lines(conversation, "deploy it\n/retry\n")
    assert conversation.retries == 1
    assert conversation.prompts == ["deploy it"]
    assert "Second try.\n" in shown


async def test_trailing_backslash_continues_and_double_slash_escapes() -> None:
    conversation = FakeConversation(reply("ok"), reply("ok"))
    await run_lines(conversation, "first line\\\nsecond line\n//etc/hosts?\n")
    assert conversation.prompts == ["first line\nsecond line", "/etc/hosts?"]


async def test_plan_command_awaits_the_host_and_prints_the_result() -> None:
    async def run_plan(goal: str) -> str:
        return f"Plan for {goal}: [1] write [2] test"

    conversation = FakeConversation()
    _, shown = await run_lines(conversation, "/plan a vault\n", ReplHost(run_plan=run_plan))
    assert "Plan for a vault: [1] write [2] test\n" in shown
    assert conversation.prompts == []


async def test_interrupt_cancels_the_turn_and_keeps_the_session() -> None:
    conversation = FakeConversation(slow, reply("still here"))
    console, stream = console_and_stream()
    repl = Repl(conversation, ReplHost(), console=console)
    running = asyncio.ensure_future(
        repl.run(StreamLineReader(io.StringIO("slow\nnext\n"), console))
    )
    await asyncio.wait_for(conversation.started.wait(), 5)
    assert repl.interrupt()
    assert await asyncio.wait_for(running, 5) == 0
    shown = stream.getvalue()
    assert "thinking about it\ncancelled\n" in shown
    assert "never shown" not in shown
    assert "still here" in shown
    assert conversation.prompts == ["slow", "next"]
    assert conversation.closed_turns == 2  # the cancelled generator was closed
    assert not repl.interrupt()  # nothing running now


async def test_sigint_while_streaming_cancels_only_the_turn() -> None:
    conversation = FakeConversation(slow, reply("after"))
    console, stream = console_and_stream()
    repl = Repl(conversation, ReplHost(), console=console)
    previous = signal.getsignal(signal.SIGINT)
    running = asyncio.ensure_future(repl.run(StreamLineReader(io.StringIO("slow\nx\n"), console)))
    await asyncio.wait_for(conversation.started.wait(), 5)
    os.kill(os.getpid(), signal.SIGINT)
    assert await asyncio.wait_for(running, 5) == 0
    assert "cancelled\n" in stream.getvalue()
    assert "after" in stream.getvalue()
    assert signal.getsignal(signal.SIGINT) is previous  # handler restored after the turn


async def test_slow_command_work_is_cancellable() -> None:
    started = asyncio.Event()

    async def run_review(_path: str | None) -> str:
        started.set()
        await asyncio.sleep(30)
        return "never"

    console, stream = console_and_stream()
    conversation = FakeConversation()
    repl = Repl(conversation, ReplHost(run_review=run_review), console=console)
    running = asyncio.ensure_future(repl.run(StreamLineReader(io.StringIO("/review\n"), console)))
    await asyncio.wait_for(started.wait(), 5)
    repl.interrupt()
    assert await asyncio.wait_for(running, 5) == 0
    assert "cancelled" in stream.getvalue()


def test_run_repl_is_a_complete_program(tmp_path: Path) -> None:
    conversation = FakeConversation(reply("Hi!"))
    console, stream = console_and_stream()
    code = run_repl(
        conversation,
        console=console,
        history_path=tmp_path / "history",
        stdin=io.StringIO("hello\n"),
    )
    assert code == 0
    assert "Hi!\n" in stream.getvalue()


# -- prompt_toolkit (pipe input, dummy output) -------------------------------------------------


@pytest.fixture
def pipe() -> Iterator[PipeInput]:
    with create_pipe_input() as pipe_input:
        yield pipe_input


async def run_terminal(
    conversation: FakeConversation, pipe: PipeInput, history: Path, host: ReplHost | None = None
) -> tuple[asyncio.Future[int], io.StringIO]:
    console, stream = console_and_stream()
    running = asyncio.ensure_future(
        run_repl_async(
            conversation,
            host,
            console=console,
            history_path=history,
            prompt_input=pipe,
            prompt_output=DummyOutput(),
        )
    )
    return running, stream


async def test_terminal_prompt_streams_edits_and_exits_on_ctrl_d(
    pipe: PipeInput, tmp_path: Path
) -> None:
    conversation = FakeConversation(reply("Hello ", "there"), reply("two lines"), reply("alt"))
    history = tmp_path / "home" / "history"
    running, stream = await run_terminal(conversation, pipe, history)
    pipe.send_text("hello\r")
    pipe.send_text("/help\r")
    pipe.send_text("typo that gets cleared\x03")  # Ctrl-C at the prompt clears the line
    pipe.send_text("one\\\rtwo\r")  # a trailing backslash continues the input
    pipe.send_text("three\x1b\rfour\r")  # Alt-Enter (Esc, Enter) inserts a newline
    pipe.send_text("\x04")  # Ctrl-D on an empty line
    assert await asyncio.wait_for(running, 10) == 0
    assert conversation.prompts == ["hello", "one\ntwo", "three\nfour"]
    shown = stream.getvalue()
    assert "Hello there\n" in shown
    assert "/config get KEY" in shown
    assert "Traceback" not in shown
    # History persists, privately.
    assert stat.S_IMODE(history.stat().st_mode) == 0o600
    saved = history.read_text()
    assert "+hello" in saved
    assert "+/help" in saved
    assert "typo" not in saved


async def test_terminal_cancel_while_streaming_returns_to_the_prompt(
    pipe: PipeInput, tmp_path: Path
) -> None:
    conversation = FakeConversation(slow, reply("next answer"))
    running, stream = await run_terminal(conversation, pipe, tmp_path / "history")
    pipe.send_text("take your time\r")
    await asyncio.wait_for(conversation.started.wait(), 5)
    os.kill(os.getpid(), signal.SIGINT)  # what Ctrl-C does in cooked mode during a reply
    pipe.send_text("again\r\x04")
    assert await asyncio.wait_for(running, 10) == 0
    shown = stream.getvalue()
    assert "thinking about it\ncancelled\n" in shown
    assert "next answer" in shown
    assert conversation.prompts == ["take your time", "again"]


async def test_terminal_history_skips_lines_with_secrets(pipe: PipeInput, tmp_path: Path) -> None:
    conversation = FakeConversation()
    history = tmp_path / "history"
    set_calls: list[tuple[str, str]] = []

    def set_setting(key: str, value: str) -> str:
        set_calls.append((key, value))
        return "saved"

    host = ReplHost(set_setting=set_setting)
    running, _ = await run_terminal(conversation, pipe, history, host)
    pipe.send_text("/config set llm.api_key sk-test-abcdefghijklmnopqrstuvwxyz\r")
    pipe.send_text("/config set llm.model gpt-4o\r\x04")
    assert await asyncio.wait_for(running, 10) == 0
    assert len(set_calls) == 2
    saved = history.read_text()
    assert "sk-test" not in saved
    assert "llm.model gpt-4o" in saved


async def test_unwritable_history_falls_back_to_memory(pipe: PipeInput, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    conversation = FakeConversation(reply("ok"))
    running, stream = await run_terminal(conversation, pipe, blocker / "history")
    pipe.send_text("hi\r\x04")
    assert await asyncio.wait_for(running, 10) == 0
    assert "History is not saved" in stream.getvalue()
    assert "ok\n" in stream.getvalue()


def test_toolbar_shows_provider_model_session_and_usage() -> None:
    text = toolbar_text(FakeConversation())
    assert "offline" in text
    assert "scripted-1" in text
    assert "sess-test-7" in text
    assert "1.2k tok · $0.003" in text


def test_toolbar_survives_a_failing_usage_summary() -> None:
    conversation = FakeConversation()
    conversation.usage_summary = lambda: 1 / 0  # type: ignore[method-assign,assignment,return-value]
    assert "sess-test-7" in toolbar_text(conversation)


@pytest.mark.parametrize(
    "line",
    [
        "my key is sk-test-abcdefghijklmnop1234",
        "sk-ant-api03-" + "x" * 40,
        "/config set llm.api_key abc",
        "api_key=abcdefgh12345678",
        "[" + ",".join(["12"] * 64) + "]",
        "4" * 30 + "Z" * 58,
    ],
)
def test_secret_lines_are_recognised(line: str) -> None:
    assert looks_secret(line)


@pytest.mark.parametrize(
    "line",
    ["hello", "/config set llm.model gpt-4o", "explain max_tokens: 4096", "/review src/lib.rs"],
)
def test_ordinary_lines_are_kept(line: str) -> None:
    assert not looks_secret(line)


async def test_tool_lines_show_in_the_repl() -> None:
    call = ToolCall("c1", "plan", '{"goal": "vault"}')

    async def with_tool(_prompt: str) -> AsyncIterator[AgentEvent]:
        yield ToolRunStarted(call, {"goal": "vault"})
        yield ToolRunFinished(call, True, "steps", 0.004)
        yield TextDelta("Planned.")

    _, shown = await run_lines(FakeConversation(with_tool), "plan\n")
    assert '⚙ plan(goal="vault") … ok 4 ms\nPlanned.\n' in shown
