"""Turns killed before any reply, and damaged lines: the rebuilt history is one a provider
accepts (roles alternate), every prompt counts as a turn, and every skipped line is reported."""

from __future__ import annotations

import itertools
import json
import os
import signal
from collections.abc import Sequence
from pathlib import Path

import pytest

from solcoder.agent.invariants import check_tool_pairing
from solcoder.llm.messages import Message, ToolCall, ToolResult
from solcoder.llm.serialize import message_to_dict
from solcoder.redact import Redactor
from solcoder.sessions import SessionStore, rebuild_messages

KILLED_TURNS = 50


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "home", redactor=Redactor())


def _assert_alternates(messages: Sequence[Message]) -> None:
    """What every provider accepts: user first, no two user (or two plain assistant) turns in
    a row, every call answered, and a history a new prompt can follow."""
    check_tool_pairing(messages)
    assert messages[0].role == "user"
    for before, after in itertools.pairwise(messages):
        assert not (before.role == after.role == "user"), (before, after)
        if before.role == after.role == "assistant":
            assert before.tool_calls, (before, after)
    assert messages[-1].role != "user"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_fifty_turns_killed_before_a_reply_resume_into_a_valid_history(
    store: SessionStore,
) -> None:
    session = store.create("openai", "gpt-4.1-mini")
    session.append_message(Message.user("first"))
    session.append_message(Message.assistant("first reply"))
    session.end_turn(stop_reason="end_turn")
    session_id = session.id
    session.close()
    for number in range(KILLED_TURNS):
        pid = os.fork()
        if pid == 0:  # the CLI of one `-p`: the prompt is saved, then SIGKILL before a reply
            try:
                child = store.open(session_id)
                child.append_message(Message.user(f"killed prompt {number}"))
            finally:
                os.kill(os.getpid(), signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status)
    resumed = store.open(session_id)
    messages = resumed.messages()
    _assert_alternates(messages)
    texts = [message.text for message in messages if message.role == "user"]
    assert texts == ["first", *(f"killed prompt {n}" for n in range(KILLED_TURNS))]
    assert resumed.turn_count == KILLED_TURNS + 1
    assert store.info(session_id).turns == KILLED_TURNS + 1
    assert any(f"{KILLED_TURNS} prompt(s) had no reply" in note for note in resumed.notes)
    assert resumed.warnings == []  # nothing was skipped: no warning at every resume
    resumed.append_message(Message.user("the next prompt"))  # turn numbers go on, not repeat
    resumed.close()
    last = json.loads(resumed.path.read_text().splitlines()[-1])
    assert last["turn"] == KILLED_TURNS + 2


def test_every_damaged_line_is_reported_with_its_number(store: SessionStore) -> None:
    session = store.create("openai", "m")
    for prompt in ("one", "two", "three", "four"):
        session.append_message(Message.user(prompt))
        session.append_message(Message.assistant(f"{prompt} reply"))
        session.end_turn()
    session.close()
    lines = session.path.read_text().splitlines()
    numbered = {index + 1: json.loads(line) for index, line in enumerate(lines)}
    messages = [n for n, record in numbered.items() if record["type"] == "message"]
    not_json, bad_role, not_a_record = messages[1], messages[3], messages[5]
    lines[not_json - 1] = lines[not_json - 1][:30]
    broken = json.loads(lines[bad_role - 1])
    broken["message"]["role"] = "narrator"
    lines[bad_role - 1] = json.dumps(broken)
    lines[not_a_record - 1] = "[1, 2, 3]"
    session.path.write_text("\n".join(lines) + "\n")

    reader = store.read(session.id)
    rebuilt = reader.messages()
    for number in (not_json, bad_role, not_a_record):
        assert any(f"transcript.jsonl:{number}:" in w for w in reader.warnings), (
            number,
            reader.warnings,
        )
    _assert_alternates(rebuilt)


def _record(message: Message) -> dict[str, object]:
    return {"type": "message", "message": message_to_dict(message)}


def test_a_lost_prompt_line_keeps_two_replies_apart() -> None:
    warnings: list[str] = []
    rebuilt = rebuild_messages(
        [
            _record(Message.user("a")),
            _record(Message.assistant("reply a")),
            # the user line of the next turn was damaged and skipped
            _record(Message.assistant("reply b")),
        ],
        warnings,
    )
    _assert_alternates(rebuilt)
    assert [m.text for m in rebuilt if m.role == "assistant"] == ["reply a", "reply b"]
    assert warnings


def test_a_call_answered_then_followed_by_a_reply_is_left_alone() -> None:
    call = ToolCall("c1", "read_file", "{}")
    history = [
        Message.user("read it"),
        Message("assistant", (call,)),
        Message("tool", (ToolResult("c1", "text", name="read_file"),)),
        Message.assistant("done"),
    ]
    warnings: list[str] = []
    assert rebuild_messages([_record(m) for m in history], warnings) == history
    assert warnings == []


def test_a_retry_after_resuming_a_killed_turn_cuts_where_the_user_saw_it(
    store: SessionStore,
) -> None:
    """`/retry` counts messages of the resumed history, stand-in included; reading the
    transcript again must cut at the same place."""
    from solcoder.sessions.rebuild import NO_REPLY

    session = store.create("openai", "m")
    session.append_message(Message.user("killed"))
    session.close()
    resumed = store.open(session.id)
    history = resumed.messages()
    assert [m.text for m in history] == ["killed", NO_REPLY]
    resumed.append_message(Message.user("again"))
    resumed.append_message(Message.assistant("first try"))
    resumed.end_turn()
    resumed.record_event("history_truncated", keep=len(history) + 1)  # /retry of "again"
    resumed.append_message(Message.assistant("second try"))
    resumed.end_turn()
    resumed.close()
    assert [m.text for m in store.read(session.id).messages()] == [
        "killed",
        NO_REPLY,
        "again",
        "second try",
    ]
