"""The streaming renderer and the JSON Lines writer, fed scripted event sequences."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from rich.console import Console

from solcoder.agent.events import (
    AgentEvent,
    Notice,
    StepStarted,
    ToolRunFinished,
    ToolRunStarted,
    TurnFinished,
)
from solcoder.errors import Cancelled, IdleTimeoutError, RateLimitError, SolcoderError
from solcoder.llm.events import Completed, TextDelta, ThinkingDelta, ToolCallDelta, ToolCallStart
from solcoder.llm.messages import Message, ToolCall, Usage
from solcoder.ui.render import (
    JsonLinesWriter,
    StreamRenderer,
    format_arguments,
    render_error,
    shorten,
)

PLAN_CALL = ToolCall("call_1", "plan", '{"goal": "counter"}')


def plain_console(*, width: int = 100) -> Console:
    return Console(file=io.StringIO(), force_terminal=False, width=width)


def output(console: Console) -> str:
    file = console.file
    assert isinstance(file, io.StringIO)
    return file.getvalue()


def test_scripted_turn_renders_text_tool_lines_and_notices() -> None:
    console = plain_console()
    renderer = StreamRenderer(console)
    events: list[AgentEvent] = [
        StepStarted(1),
        TextDelta("Let me "),
        TextDelta("plan that."),
        ToolCallStart(0, "call_1", "plan"),
        ToolCallDelta(0, '{"goal": "counter"}'),
        Completed(Message.assistant("Let me plan that."), Usage(10, 5), "tool_use"),
        ToolRunStarted(PLAN_CALL, {"goal": "counter"}),
        ToolRunFinished(PLAN_CALL, True, "1. write 2. test", 0.012),
        StepStarted(2),
        TextDelta("Here is "),
        TextDelta("the plan."),
        Completed(Message.assistant("Here is the plan."), Usage(20, 6), "end_turn"),
        Notice("Step limit close."),
        TurnFinished((), Usage(30, 11), "done"),
    ]
    for event in events:
        renderer.handle(event)
    renderer.close()
    assert output(console) == (
        "Let me plan that.\n"
        '⚙ plan(goal="counter") … ok 12 ms\n'
        "Here is the plan.\n"
        "Step limit close.\n"
    )


def test_text_is_written_as_it_arrives() -> None:
    console = plain_console()
    renderer = StreamRenderer(console)
    renderer.handle(TextDelta("Hel"))
    assert output(console) == "Hel"
    renderer.handle(TextDelta("lo"))
    assert output(console) == "Hello"
    renderer.close()
    assert output(console) == "Hello\n"


def test_thinking_is_labelled_and_separated_from_text() -> None:
    console = plain_console()
    renderer = StreamRenderer(console)
    for event in (ThinkingDelta("weigh "), ThinkingDelta("options"), TextDelta("Answer")):
        renderer.handle(event)
    renderer.close()
    assert output(console) == "thinking… weigh options\nAnswer\n"


def test_hidden_thinking_shows_one_indicator_per_block() -> None:
    console = plain_console()
    renderer = StreamRenderer(console, show_thinking=False)
    for event in (ThinkingDelta("secret "), ThinkingDelta("plans"), TextDelta("Answer")):
        renderer.handle(event)
    renderer.close()
    assert output(console) == "thinking… 12 chars\nAnswer\n"
    assert "secret" not in output(console)


def test_collapsed_thinking_tells_its_size_and_how_to_expand_it() -> None:
    console = plain_console()
    renderer = StreamRenderer(console, show_thinking=False, collapsed_hint="/thinking to show")
    for event in (ThinkingDelta("a" * 500), ThinkingDelta("b" * 312), TextDelta("Answer")):
        renderer.handle(event)
    renderer.handle(ThinkingDelta("again"))
    renderer.close()
    assert output(console) == (
        "thinking… 812 chars · /thinking to show\nAnswer\nthinking… 5 chars · /thinking to show\n"
    )


def test_thinking_is_dimmed_on_a_colour_terminal() -> None:
    console = Console(file=io.StringIO(), force_terminal=True, color_system="standard")
    renderer = StreamRenderer(console)
    renderer.handle(ThinkingDelta("hmm"))
    renderer.close()
    assert "\x1b[2mhmm\x1b[22m" in output(console)


def test_long_arguments_are_cut_to_one_short_line() -> None:
    goal = "Build an escrow program with " + "many " * 40 + "\nfeatures"
    call = ToolCall("c", "plan", json.dumps({"goal": goal}))
    shown = format_arguments(call, {"goal": goal})
    assert len(shown) == 60
    assert shown.endswith("…")
    assert "\n" not in shown
    assert shown.startswith('goal="Build an escrow')


def test_invalid_arguments_show_the_raw_text() -> None:
    call = ToolCall("c", "plan", '{"goal": "cut')
    assert format_arguments(call, None) == '{"goal": "cut'


def test_failed_tool_shows_the_error_on_its_line() -> None:
    console = plain_console()
    renderer = StreamRenderer(console)
    call = ToolCall("c9", "deploy", "{}")
    renderer.handle(ToolRunStarted(call, {}))
    renderer.handle(ToolRunFinished(call, False, "Deploying is not available yet.\nmore", 1.5))
    renderer.close()
    assert output(console) == "⚙ deploy() … error: Deploying is not available yet. more 1.5 s\n"


def test_parallel_tools_each_get_a_complete_line() -> None:
    console = plain_console()
    renderer = StreamRenderer(console)
    first = ToolCall("a", "plan", '{"goal": "x"}')
    second = ToolCall("b", "diagnostics", "{}")
    renderer.handle(ToolRunStarted(first, {"goal": "x"}))
    renderer.handle(ToolRunStarted(second, {}))
    renderer.handle(ToolRunFinished(second, True, "ok", 0.001))
    renderer.handle(ToolRunFinished(first, True, "ok", 0.002))
    renderer.close()
    assert output(console).splitlines() == [
        '⚙ plan(goal="x")',
        "⚙ diagnostics() … ok 1 ms",
        '⚙ plan(goal="x") … ok 2 ms',
    ]


def test_control_characters_from_the_model_are_removed() -> None:
    console = plain_console()
    renderer = StreamRenderer(console)
    renderer.handle(TextDelta("safe\x1b]0;pwned\x07 text\r\n\tend\x9b"))
    renderer.close()
    assert output(console) == "safe]0;pwned text\n\tend\n"


def test_diagnostics_go_to_their_own_console() -> None:
    stdout, stderr = plain_console(), plain_console()
    renderer = StreamRenderer(stdout, diagnostics=stderr)
    renderer.handle(ThinkingDelta("hmm"))
    renderer.handle(TextDelta("The answer"))
    renderer.handle(Completed(Message.assistant("The answer"), Usage(), "tool_use"))
    renderer.handle(ToolRunStarted(PLAN_CALL, {"goal": "counter"}))
    renderer.handle(ToolRunFinished(PLAN_CALL, True, "", 0.003))
    renderer.handle(TextDelta("is 42."))
    renderer.error(RateLimitError("Rate limited by openai."))
    renderer.close()
    assert output(stdout) == "The answer\nis 42.\n"
    assert "thinking… hmm" in output(stderr)
    assert '⚙ plan(goal="counter") … ok 3 ms' in output(stderr)
    assert "✗ Rate limited by openai." in output(stderr)


def test_render_error_prints_message_and_hint_without_traceback() -> None:
    console = plain_console()
    error = IdleTimeoutError(
        "No data from anthropic for 30 s.", hint="Raise llm.idle_timeout or retry."
    )
    render_error(console, error)
    assert (
        output(console)
        == "✗ No data from anthropic for 30 s.\n  Raise llm.idle_timeout or retry.\n"
    )
    assert "Traceback" not in output(console)


def test_error_mid_reply_starts_on_a_new_line() -> None:
    console = plain_console()
    renderer = StreamRenderer(console)
    renderer.handle(TextDelta("half a sent"))
    renderer.error(SolcoderError("The stream broke."))
    assert output(console) == "half a sent\n✗ The stream broke.\n"


def test_legacy_encoding_gets_ascii_symbols_and_no_encode_error() -> None:
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii", write_through=True)
    console = Console(file=stream, force_terminal=False, width=100)
    renderer = StreamRenderer(console)
    renderer.handle(TextDelta("naïve ✓ "))
    renderer.handle(ToolRunStarted(PLAN_CALL, {"goal": "café"}))
    renderer.handle(ToolRunFinished(PLAN_CALL, False, "échec", 0.01))
    renderer.error(SolcoderError("Modèle introuvable."))
    renderer.close()
    assert raw.getvalue().decode("ascii").splitlines() == [
        "na?ve ? ",
        '* plan(goal="caf?") ... error: ?chec 10 ms',
        "x Mod?le introuvable.",
    ]


# A hang guard: a re-render of the whole reply per token (rich Live + Markdown) takes minutes
# here; the speed itself is measured in benchmarks/render.py.
@pytest.mark.timeout(60)
def test_many_tokens_render_in_linear_time() -> None:
    console = plain_console()
    renderer = StreamRenderer(console)
    for index in range(20_000):
        renderer.handle(TextDelta(f"tok{index} "))
    renderer.close()
    assert output(console).startswith("tok0 tok1 ")


def test_shorten_collapses_whitespace() -> None:
    assert shorten("a\n  b\tc", 10) == "a b c"
    assert shorten("abcdefghij", 5) == "abcd…"


# -- JSON Lines --------------------------------------------------------------------------------


class CountingStream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.flushes = 0

    def flush(self) -> None:
        self.flushes += 1
        super().flush()


def json_lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_have_the_contract_shapes() -> None:
    stream = CountingStream()
    writer = JsonLinesWriter(stream)
    bad_call = ToolCall("call_2", "plan", '{"goal": ')
    events: list[AgentEvent] = [
        StepStarted(1),
        ThinkingDelta("hmm"),
        TextDelta("Hi"),
        ToolCallStart(0, "call_1", "plan"),
        ToolCallDelta(0, "{}"),
        Completed(
            Message.assistant("Hi"), Usage(12, 3), "tool_use", response_id="resp_1", model="m"
        ),
        ToolRunStarted(PLAN_CALL, {"goal": "counter"}),
        ToolRunFinished(PLAN_CALL, True, "1. write", 0.0125),
        ToolRunStarted(bad_call, None),
        ToolRunFinished(bad_call, False, "arguments are not valid JSON", 0.0),
        Notice("careful", "warning"),
        TurnFinished((), Usage(12, 3), "done"),
    ]
    for event in events:
        writer.handle(event)
    writer.error(RateLimitError("Rate limited.", hint="Wait.", retry_after=2.0))
    records = json_lines(stream)
    assert records == [
        {"type": "step_started", "step": 1},
        {"type": "thinking_delta", "text": "hmm"},
        {"type": "text_delta", "text": "Hi"},
        {
            "type": "completed",
            "stop_reason": "tool_use",
            "usage": {"input": 12, "output": 3, "cache_read": 0, "cache_write": 0, "reasoning": 0},
            "usage_estimated": False,
            "response_id": "resp_1",
            "model": "m",
        },
        {"type": "tool_call", "id": "call_1", "name": "plan", "arguments": {"goal": "counter"}},
        {
            "type": "tool_result",
            "id": "call_1",
            "name": "plan",
            "ok": True,
            "content": "1. write",
            "duration_ms": 12.5,
        },
        {
            "type": "tool_call",
            "id": "call_2",
            "name": "plan",
            "arguments": None,
            "arguments_raw": '{"goal": ',
        },
        {
            "type": "tool_result",
            "id": "call_2",
            "name": "plan",
            "ok": False,
            "content": "arguments are not valid JSON",
            "duration_ms": 0.0,
        },
        {"type": "notice", "text": "careful", "level": "warning"},
        {
            "type": "turn_finished",
            "reason": "done",
            "usage": {"input": 12, "output": 3, "cache_read": 0, "cache_write": 0, "reasoning": 0},
        },
        {
            "type": "error",
            "class": "rate_limited",
            "message": "Rate limited.",
            "exit_code": 4,
            "hint": "Wait.",
        },
    ]
    # One flush per written line: a consumer sees each event as it happens.
    assert stream.flushes == len(records)


def test_json_error_for_cancellation_has_exit_code_130() -> None:
    stream = io.StringIO()
    JsonLinesWriter(stream).error(Cancelled("Cancelled by the user."))
    assert json_lines(stream) == [
        {
            "type": "error",
            "class": "cancelled",
            "message": "Cancelled by the user.",
            "exit_code": 130,
            "hint": None,
        }
    ]


def test_json_text_keeps_unicode_and_newlines_on_one_line() -> None:
    stream = io.StringIO()
    JsonLinesWriter(stream).handle(TextDelta("line\nnext ✓"))
    assert stream.getvalue().count("\n") == 1
    assert json_lines(stream) == [{"type": "text_delta", "text": "line\nnext ✓"}]


def test_render_and_line_mode_repl_do_not_import_prompt_toolkit() -> None:
    # `solcoder -p` imports the renderer; prompt_toolkit would add to its startup time.
    code = (
        "import sys, solcoder.ui.render, solcoder.ui.repl;sys.exit('prompt_toolkit' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_json_tool_call_carries_parsed_arguments_for_an_unknown_tool() -> None:
    """Issue 13, item 9: a call the registry does not know (so nothing validated it) still
    gets `arguments` as the parsed object whenever the text parses; only text that does not
    parse is left to `arguments_raw`."""
    raw = '{"path": "src/lib.rs", "depth": [1, {"x": null}]}'
    unknown = ToolCall("call_9", "no_such_tool", raw)
    record = JsonLinesWriter.record(ToolRunStarted(unknown, None))
    assert record == {
        "type": "tool_call",
        "id": "call_9",
        "name": "no_such_tool",
        "arguments": {"path": "src/lib.rs", "depth": [1, {"x": None}]},
    }
    deep = "[" * 100_000 + "]" * 100_000
    for bad in ('{"path": ', deep):
        record = JsonLinesWriter.record(ToolRunStarted(ToolCall("c", "x", bad), None))
        assert record is not None
        assert (record["arguments"], record["arguments_raw"]) == (None, bad)
