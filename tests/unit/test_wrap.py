"""Streamed replies and slash-command output wrap between words, keeping indentation."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from solcoder.cli.interactive import _format_plan
from solcoder.llm.events import TextDelta
from solcoder.ui.commands import ReplHost
from solcoder.ui.render import StreamRenderer
from solcoder.ui.repl import Repl
from solcoder.ui.wrap import WordWrapper, wrap_block

SENTENCE = (
    "Anchor programs validate every account with constraints such as has_one and seeds, "
    "so a missing signer check is easy to spot in review."
)


def test_words_are_never_split_and_lines_fit() -> None:
    wrapped = wrap_block(SENTENCE, 30)
    lines = wrapped.split("\n")
    assert len(lines) > 3
    assert all(len(line) <= 30 for line in lines)
    assert " ".join(line.strip() for line in lines).split() == SENTENCE.split()


@given(
    st.lists(st.text(alphabet="abcdefghij", min_size=1, max_size=12), min_size=1, max_size=40),
    st.integers(min_value=1, max_value=7),
    st.integers(min_value=12, max_value=60),
)
@settings(max_examples=150, deadline=None)
def test_chunking_does_not_change_the_result(words: list[str], chunk: int, width: int) -> None:
    text = " ".join(words)
    wrapper = WordWrapper(width)
    streamed = "".join(wrapper.feed(text[i : i + chunk]) for i in range(0, len(text), chunk))
    streamed += wrapper.flush()
    assert streamed == wrap_block(text, width)
    assert streamed.split() == words
    assert all(len(line) <= width for line in streamed.split("\n"))


def test_list_items_continue_under_their_text() -> None:
    numbered = wrap_block("  1. " + SENTENCE, 40).split("\n")
    assert numbered[0].startswith("  1. Anchor")
    assert len(numbered) > 2
    assert all(line.startswith("     ") and line[5] != " " for line in numbered[1:])
    bullet = wrap_block("- " + SENTENCE, 40).split("\n")
    assert all(line.startswith("  ") and line[2] != " " for line in bullet[1:])


def test_a_terminal_reply_is_wrapped_between_words() -> None:
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=True, width=32, color_system=None)
    renderer = StreamRenderer(console, wrap_width=32)
    for index in range(0, len(SENTENCE), 5):  # arbitrary chunks, as a model streams them
        renderer.handle(TextDelta(SENTENCE[index : index + 5]))
    renderer.close()
    lines = stream.getvalue().rstrip("\n").split("\n")
    assert all(len(line) <= 32 for line in lines)
    assert " ".join(lines).split() == SENTENCE.split()


class _Conversation:
    session_id = "s"
    provider_name = "offline"
    model = "m"


async def test_plan_continuation_lines_keep_their_indent() -> None:
    plan = (
        '{"goal": "a vault", "steps": [{"number": 1, "title": "'
        + SENTENCE
        + '", "detail": "'
        + SENTENCE
        + '"}]}'
    )
    shown = _format_plan(plan)

    async def work() -> str:
        return shown

    stream = io.StringIO()
    console = Console(file=stream, force_terminal=False, width=48)
    repl = Repl(_Conversation(), ReplHost(), console=console)  # type: ignore[arg-type]
    await repl.run_cancellable(repl._show(work))
    lines = stream.getvalue().rstrip("\n").split("\n")
    assert lines[0] == "Plan: a vault"
    assert lines[1].startswith("  1. Anchor")
    assert len(lines) > 4
    # The step's title and its detail continue under the title's text, not at column 0.
    assert all(line.startswith("     ") for line in lines[2:])
    assert all(len(line) <= 48 for line in lines)
