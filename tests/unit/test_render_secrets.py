"""The screen and `--json` mask a known key the model echoes: in streamed text (also split
across deltas), thinking, tool-call arguments, the stderr tool line and tool results; and show
bidi and invisible characters escaped."""

from __future__ import annotations

import base64
import io
import json

import pytest
from rich.console import Console

from solcoder.agent.events import ToolRunFinished, ToolRunStarted, TurnFinished
from solcoder.llm.events import Completed, TextDelta, ThinkingDelta
from solcoder.llm.messages import Message, ToolCall, Usage
from solcoder.redact import default_redactor
from solcoder.ui.render import JsonLinesWriter, StreamRenderer

KEY = "sk-test-render-canary-9f8e7d6c5b4a"
ENCODED = base64.b64encode(KEY.encode()).decode()
SECRET_PART = "render-canary"


@pytest.fixture(autouse=True)
def known_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """KEY registered with the process-wide redactor for this test only."""
    redactor = default_redactor()
    monkeypatch.setattr(redactor, "_known", redactor._known)
    monkeypatch.setattr(redactor, "_patterns", {})
    redactor.add_secret(KEY)


def split(text: str, size: int) -> list[str]:
    return [text[start : start + size] for start in range(0, len(text), size)]


def events_echoing_the_key() -> list[object]:
    reply = f"Your key is {KEY} and encoded {ENCODED}, done."
    call = ToolCall("c1", "search_notes", json.dumps({"query": f"use {KEY} please"}))
    return [
        *(ThinkingDelta(piece) for piece in split(f"I saw {KEY} in the file", 5)),
        *(TextDelta(piece) for piece in split(reply, 3)),
        Completed(Message.assistant(reply), Usage(1, 1), "tool_use"),
        ToolRunStarted(call, {"query": f"use {KEY} please"}),
        ToolRunFinished(call, False, f"no note for {KEY}", 0.001),
        ToolRunStarted(ToolCall("c2", "mystery", f'{{"k": "{KEY}"'), None),
        TextDelta(KEY[:10]),
        TextDelta(KEY[10:]),
        TurnFinished((), Usage(1, 1), "done"),
    ]


def test_the_screen_masks_a_key_the_model_echoes() -> None:
    stdout, stderr = (Console(file=io.StringIO(), width=200) for _ in range(2))
    renderer = StreamRenderer(stdout, diagnostics=stderr)
    for event in events_echoing_the_key():
        renderer.handle(event)  # type: ignore[arg-type]
    renderer.close()
    shown = stdout.file.getvalue() + stderr.file.getvalue()  # type: ignore[attr-defined]
    assert SECRET_PART not in shown and ENCODED[:-4] not in shown, shown
    assert "Your key is sk-…5b4a and" in stdout.file.getvalue()  # type: ignore[attr-defined]
    assert "search_notes(" in shown and "done." in shown


def test_json_masks_a_key_the_model_echoes() -> None:
    stream = io.StringIO()
    writer = JsonLinesWriter(stream)
    for event in events_echoing_the_key():
        writer.handle(event)  # type: ignore[arg-type]
    writer.close()
    assert SECRET_PART not in stream.getvalue() and ENCODED[:-4] not in stream.getvalue()
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    text = "".join(record["text"] for record in records if record["type"] == "text_delta")
    assert text.startswith("Your key is sk-…") and text.endswith(", done.sk-…5b4a")
    [call, unknown] = [record for record in records if record["type"] == "tool_call"]
    assert call["arguments"] == {"query": "use sk-…5b4a please"}
    assert "arguments_raw" in unknown and "sk-…5b4a" in unknown["arguments_raw"]
    # The held-back end of a delta comes out before whatever event follows it.
    kinds = [record["type"] for record in records]
    assert kinds.index("completed") > max(
        index
        for index, kind in enumerate(kinds[: kinds.index("completed")])
        if kind == "text_delta"
    )


def test_bidi_and_invisible_characters_are_shown_escaped() -> None:
    console = Console(file=io.StringIO(), width=200)
    renderer = StreamRenderer(console)
    renderer.handle(TextDelta("abc\u202edef\u2066g\u200bh\ufeffi\u2069"))
    renderer.close()
    assert console.file.getvalue() == "abc<U+202E>def<U+2066>g<U+200B>h<U+FEFF>i<U+2069>\n"  # type: ignore[attr-defined]


def test_json_emits_what_thinking_held_back_before_the_text_that_follows() -> None:
    stream = io.StringIO()
    writer = JsonLinesWriter(stream)
    writer.handle(ThinkingDelta("checking sk-te"))  # could begin KEY: held back
    writer.handle(TextDelta("Answer."))
    writer.close()
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert records == [
        {"type": "thinking_delta", "text": "checking "},
        {"type": "thinking_delta", "text": "sk-te"},
        {"type": "text_delta", "text": "Answer."},
    ]
