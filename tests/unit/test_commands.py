"""The slash-command router: parsing, each command, host hooks, closest-match suggestions."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from types import SimpleNamespace

import pytest
from rich.console import Console

from solcoder.agent.events import AgentEvent
from solcoder.errors import UsageError
from solcoder.llm.messages import Message, Text, Thinking
from solcoder.tools.registry import ToolRegistry
from solcoder.ui.command_table import (
    COMMANDS,
    closest_command,
    command_names,
    is_command,
    last_turn_thinking,
    unescape,
)
from solcoder.ui.commands import CommandRouter, ReplHost


class Conversation:
    session_id = "sess-42"
    provider_name = "offline"
    model = "scripted"
    orchestrator = SimpleNamespace(provider=object(), registry=ToolRegistry())
    instructions = None

    def __init__(self) -> None:
        self.cleared = 0

    async def run_turn(self, text: str) -> AsyncIterator[AgentEvent]:
        raise AssertionError("commands never reach the model")
        yield  # pragma: no cover

    async def retry_last(self) -> AsyncIterator[AgentEvent]:
        raise AssertionError("the REPL runs /retry, not the router")
        yield  # pragma: no cover

    def clear(self) -> None:
        self.cleared += 1

    def usage_summary(self) -> str:
        return "0 tok"

    def describe_session(self) -> str:
        return "session sess-42 · /tmp/sessions/sess-42/transcript.jsonl · 3 turns"


def make(host: ReplHost | None = None) -> tuple[CommandRouter, Conversation, io.StringIO]:
    stream = io.StringIO()
    conversation = Conversation()
    console = Console(file=stream, force_terminal=False, width=120)
    return CommandRouter(conversation, host or ReplHost(), console), conversation, stream


SETTINGS = {"llm.model": "gpt-4o-mini", "llm.timeout": "120"}


def get_setting(key: str) -> str:
    if key not in SETTINGS:
        raise UsageError(f"Unknown setting {key!r}.", hint="Valid: " + ", ".join(SETTINGS))
    return SETTINGS[key]


def test_help_lists_every_command_with_its_help_line() -> None:
    router, _, stream = make()
    result = router.dispatch("/help")
    assert not result.exit
    assert not result.retry
    assert result.work is None
    shown = stream.getvalue()
    for info in COMMANDS:
        assert info.usage in shown
        assert info.help in shown
    assert "/exit" in shown
    assert "Ctrl-C cancels a reply" in shown


@pytest.mark.parametrize(
    ("typed", "suggestion"),
    [
        ("hlep", "help"),
        ("quti", "quit"),
        ("conf", "config"),
        ("sesion", "session"),
        ("retyr", "retry"),
        ("tool", "tools"),
    ],
)
def test_unknown_command_suggests_the_closest(typed: str, suggestion: str) -> None:
    router, _, stream = make()
    router.dispatch(f"/{typed}")
    assert stream.getvalue().strip() == f"Unknown command /{typed}. Did you mean /{suggestion}?"


def test_unknown_command_without_a_close_match_points_to_help() -> None:
    router, _, stream = make()
    router.dispatch("/xyzzy")
    assert stream.getvalue().strip() == "Unknown command /xyzzy. Type /help to see the commands."


def test_closest_command_is_none_for_nonsense() -> None:
    assert closest_command("qqqqqq") is None
    assert closest_command("ex") == "exit"


@pytest.mark.parametrize("line", ["/quit", "/exit", "  /QUIT  "])
def test_quit_and_exit_end_the_repl(line: str) -> None:
    router, _, _ = make()
    assert router.dispatch(line).exit


def test_retry_is_handed_to_the_repl() -> None:
    router, _, _ = make()
    result = router.dispatch("/retry")
    assert result.retry
    assert not result.exit


def test_is_command_and_escape() -> None:
    assert is_command("/help")
    assert is_command("  /help")
    assert not is_command("hello /help")
    assert not is_command("//etc/hosts is a file?")
    assert unescape("//etc/hosts is a file?") == "/etc/hosts is a file?"
    assert unescape("plain text") == "plain text"


def test_config_get_prints_the_value() -> None:
    router, _, stream = make(ReplHost(get_setting=get_setting))
    router.dispatch("/config get llm.model")
    assert stream.getvalue().strip() == "llm.model = gpt-4o-mini"


def test_config_get_unknown_key_prints_the_error_not_a_traceback() -> None:
    router, _, stream = make(ReplHost(get_setting=get_setting))
    result = router.dispatch("/config get llm.modle")
    assert not result.exit
    lines = stream.getvalue().splitlines()
    assert lines[0] == "✗ Unknown setting 'llm.modle'."
    assert lines[1].strip().startswith("Valid: llm.model")


def test_config_set_passes_the_rest_of_the_line_as_the_value() -> None:
    calls: list[tuple[str, str]] = []

    def set_setting(key: str, value: str) -> str | None:
        calls.append((key, value))
        return None

    router, _, stream = make(ReplHost(set_setting=set_setting))
    router.dispatch("/config set ui.greeting  hello there ")
    assert calls == [("ui.greeting", "hello there")]
    assert stream.getvalue().strip() == "ui.greeting = hello there (saved)"


def test_config_set_shows_the_hosts_confirmation() -> None:
    host = ReplHost(set_setting=lambda key, value: f"{key} saved to config.toml")
    router, _, stream = make(host)
    router.dispatch("/config set llm.timeout 30")
    assert stream.getvalue().strip() == "llm.timeout saved to config.toml"


@pytest.mark.parametrize(
    "line", ["/config", "/config get", "/config set llm.model", "/config frob x", "/config get a b"]
)
def test_config_misuse_prints_usage(line: str) -> None:
    router, _, stream = make(ReplHost(get_setting=get_setting, set_setting=lambda k, v: None))
    router.dispatch(line)
    assert stream.getvalue().startswith("✗ ")


def test_config_rotate_key_uses_the_hook_or_says_not_available() -> None:
    router, _, stream = make()
    router.dispatch("/config rotate-key")
    assert "not available" in stream.getvalue()

    router, _, stream = make(ReplHost(rotate_key=lambda: "Key for openai replaced."))
    router.dispatch("/config rotate-key")
    assert stream.getvalue().strip() == "Key for openai replaced."


def test_missing_config_hooks_say_not_available() -> None:
    router, _, stream = make()
    router.dispatch("/config get llm.model")
    router.dispatch("/config set llm.model x")
    assert stream.getvalue().count("not available") == 2


def test_clear_forgets_history_and_keeps_the_session() -> None:
    router, conversation, stream = make()
    router.dispatch("/clear")
    assert conversation.cleared == 1
    assert "sess-42" in stream.getvalue()


def test_session_describes_the_session() -> None:
    router, _, stream = make()
    router.dispatch("/session")
    assert stream.getvalue().strip() == (
        "session sess-42 · /tmp/sessions/sess-42/transcript.jsonl · 3 turns"
    )


def test_tools_lists_names_and_descriptions() -> None:
    host = ReplHost(list_tools=lambda: [("plan", "Turn a goal into steps"), ("review", "Review")])
    router, _, stream = make(host)
    router.dispatch("/tools")
    lines = [line.split() for line in stream.getvalue().splitlines()]
    assert lines == [["plan", "Turn", "a", "goal", "into", "steps"], ["review", "Review"]]


def test_tools_absent_or_empty() -> None:
    router, _, stream = make()
    router.dispatch("/tools")
    assert "not available" in stream.getvalue()
    router, _, stream = make(ReplHost(list_tools=list))
    router.dispatch("/tools")
    assert "No tools" in stream.getvalue()


async def test_plan_hands_async_work_to_the_repl() -> None:
    goals: list[str] = []

    async def run_plan(goal: str) -> str:
        goals.append(goal)
        return "1. write\n2. test"

    router, _, _ = make(ReplHost(run_plan=run_plan))
    result = router.dispatch("/plan an escrow program")
    assert result.work is not None
    assert goals == []  # nothing runs until the REPL awaits it (so Ctrl-C can cancel it)
    assert await result.work() == "1. write\n2. test"
    assert goals == ["an escrow program"]


async def test_review_accepts_a_sync_hook_and_an_optional_path() -> None:
    paths: list[str | None] = []

    def run_review(path: str | None) -> str:
        paths.append(path)
        return "no findings"

    router, _, _ = make(ReplHost(run_review=run_review))
    for line in ("/review", "/review programs/escrow/src/lib.rs"):
        result = router.dispatch(line)
        assert result.work is not None
        assert await result.work() == "no findings"
    assert paths == [None, "programs/escrow/src/lib.rs"]


def test_plan_needs_text_and_a_hook() -> None:
    router, _, stream = make(ReplHost(run_plan=lambda goal: goal))
    assert router.dispatch("/plan").work is None
    assert stream.getvalue().startswith("✗ /plan needs a goal.")
    router, _, stream = make()
    assert router.dispatch("/plan x").work is None
    assert router.dispatch("/review").work is None
    assert stream.getvalue().count("not available") == 2


def test_logs_uses_the_hook() -> None:
    router, _, stream = make()
    router.dispatch("/logs")
    assert "not available" in stream.getvalue()
    router, _, stream = make(ReplHost(show_logs=lambda: "[debug] /tmp/solcoder.log"))
    router.dispatch("/logs")
    # Shown as plain text: square brackets are not rich markup.
    assert stream.getvalue().strip() == "[debug] /tmp/solcoder.log"


def test_every_command_has_a_handler() -> None:
    router, _, stream = make()
    for name in command_names():
        router.dispatch(f"/{name} ")
    assert "Unknown command" not in stream.getvalue()


def test_thinking_on_and_off_set_live_streaming_for_the_session() -> None:
    router, _, stream = make()
    assert router.show_thinking is True
    router.dispatch("/thinking off")
    assert router.show_thinking is False
    router.dispatch("/thinking ON")
    assert router.show_thinking is True
    assert "collapsed" in stream.getvalue() and "streamed" in stream.getvalue()


def test_thinking_without_a_history_says_there_is_nothing_to_show() -> None:
    router, _, stream = make()
    router.dispatch("/thinking")
    assert "no reasoning" in stream.getvalue()
    router.dispatch("/thinking loud")
    assert "Usage: /thinking" in stream.getvalue()


def test_last_turn_thinking_skips_redacted_blocks_and_earlier_turns() -> None:
    history = [
        Message.user("one"),
        Message("assistant", (Thinking("old"), Text("a"))),
        Message.user("two"),
        Message("assistant", (Thinking("first"), Thinking("", redacted=True))),
        Message("tool", ()),
        Message("assistant", (Thinking("second"), Text("b"))),
    ]
    assert last_turn_thinking(history) == ["first", "second"]


def test_status_shows_each_row_and_neutralises_outside_text() -> None:
    rows = [("provider", "offline"), ("instructions", "AGENTS.md \x1b]0;pwned\x07(2 KB)")]
    router, _, stream = make(ReplHost(status=lambda: rows))
    router.dispatch("/status")
    out = stream.getvalue()
    assert "provider" in out
    assert "offline" in out
    assert "AGENTS.md" in out
    assert "\x1b" not in out
    assert "\x07" not in out


def test_status_absent() -> None:
    router, _, stream = make()
    router.dispatch("/status")
    assert "not available" in stream.getvalue()


def test_status_rows_come_from_every_source() -> None:
    from solcoder.cli.status import status_rows

    rows = dict(status_rows(None, Conversation()))
    assert rows["provider"] == "offline"
    assert rows["model"] == "scripted"
    assert rows["session"].startswith("session sess-42")
    assert rows["usage"] == "0 tok"
    assert rows["rate limits"] == "none announced yet"
    assert rows["budget"] == "no limits"


async def test_compact_streams_the_conversations_compaction_with_the_focus() -> None:
    focuses: list[str | None] = []

    class Compacting(Conversation):
        async def compact(self, focus: str | None = None) -> AsyncIterator[AgentEvent]:
            focuses.append(focus)
            return
            yield  # pragma: no cover

    stream = io.StringIO()
    router = CommandRouter(Compacting(), ReplHost(), Console(file=stream, width=120))
    result = router.dispatch("/compact the PDA seeds")
    assert result.stream is not None
    assert focuses == []  # nothing runs until the REPL streams it (so Ctrl-C can cancel it)
    assert [event async for event in result.stream()] == []
    bare = router.dispatch("/compact")
    assert bare.stream is not None
    _ = [event async for event in bare.stream()]
    assert focuses == ["the PDA seeds", None]
    assert "compact" in command_names()
