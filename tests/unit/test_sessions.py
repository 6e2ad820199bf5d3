"""Sessions: create, append, resume, list, pin, prune; torn lines and interrupted replies."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from solcoder.errors import StorageError, UsageError
from solcoder.llm.messages import Message, Text, Thinking, ToolCall, ToolResult
from solcoder.redact import Redactor
from solcoder.sessions import SESSION_ID, Session, SessionStore, rebuild_messages


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "home", redactor=Redactor())


def one_turn(session: Session, prompt: str, reply: str) -> None:
    session.append_message(Message.user(prompt))
    session.append_message(Message.assistant(reply))
    session.end_turn(stop_reason="end_turn", usage={"input": 3, "output": 5})


def records(session: Session) -> list[dict[str, object]]:
    return [json.loads(line) for line in session.path.read_text().splitlines()]


def test_create_writes_meta_and_readable_id(store: SessionStore) -> None:
    session = store.create("openai", "gpt-4.1-mini")
    assert SESSION_ID.fullmatch(session.id)
    assert session.path == store.root / session.id / "transcript.jsonl"
    first = records(session)[0]
    assert first["v"] == 1 and first["type"] == "meta"
    assert (first["provider"], first["model"]) == ("openai", "gpt-4.1-mini")
    assert isinstance(first["ts"], str) and first["ts"].endswith("Z")
    session.close()


def test_every_record_is_one_complete_line(store: SessionStore) -> None:
    with store.create("openai", "m") as session:
        one_turn(session, "multi\nline\nprompt", 'reply with "quotes" and \n newlines')
        session.record_event("tool_started", name="x")
        session.record_fallback("openai", "offline", "rate limited")
        session.record_error(RuntimeError("boom"))
    lines = session.path.read_bytes().split(b"\n")
    assert lines[-1] == b""
    kinds = [json.loads(line)["type"] for line in lines[:-1]]
    assert kinds == ["meta", "message", "message", "turn_end", "event", "fallback", "error"]
    with pytest.raises(ValueError, match="unknown transcript record type"):
        store.open(session.id).append({"type": "nonsense"})


def test_resume_restores_history_provider_and_model(store: SessionStore) -> None:
    session = store.create("anthropic", "claude-sonnet-4-5")
    one_turn(session, "hello", "hi")
    session.set_model("openrouter", "openai/gpt-4.1-mini")
    one_turn(session, "again", "sure")
    session.close()
    resumed = store.open(session.id)
    assert (resumed.provider, resumed.model) == ("openrouter", "openai/gpt-4.1-mini")
    assert resumed.turn_count == 2
    assert [message.text for message in resumed.messages()] == ["hello", "hi", "again", "sure"]
    one_turn(resumed, "third", "ok")
    assert resumed.turn_count == 3
    resumed.close()


def test_a_session_is_written_by_one_process_at_a_time(store: SessionStore) -> None:
    session = store.create("openai", "m")
    with pytest.raises(StorageError, match="another SolCoder process"):
        store.open(session.id)
    store.read(session.id)  # reading is always allowed
    session.close()
    store.open(session.id).close()


def test_unknown_or_malicious_ids_are_usage_errors(store: SessionStore) -> None:
    store.create("openai", "m").close()
    for bad in ("20990101-000000-abcd", "../home", "..", "", "x/../../etc"):
        with pytest.raises(UsageError):
            store.open(bad)
        with pytest.raises(UsageError):
            store.delete(bad)


def test_list_summarises_sessions(store: SessionStore) -> None:
    first = store.create("openai", "gpt-4.1-mini")
    one_turn(first, "  Write an Anchor program\nthat counts   votes " + "x" * 100, "ok")
    one_turn(first, "second", "ok")
    first.close()
    second = store.create("groq", "llama")
    second.close()
    os.utime(first.path, (2_000_000_000, 2_000_000_000))  # first is the most recent
    infos = store.list()
    assert [info.id for info in infos] == [first.id, second.id]
    info = infos[0]
    assert (info.provider, info.model, info.turns, info.pinned) == (
        "openai",
        "gpt-4.1-mini",
        2,
        False,
    )
    assert info.title.startswith("Write an Anchor program that counts votes x")
    assert len(info.title) == 60 and info.title.endswith("…")
    assert infos[1].title == "" and infos[1].turns == 0
    assert info.created <= info.updated


def test_pin_unpin_and_prune(store: SessionStore) -> None:
    ids = []
    for index in range(6):
        session = store.create("openai", "m")
        one_turn(session, f"prompt {index}", "reply")  # only answered sessions count
        session.close()
        os.utime(session.path, (1_700_000_000 + index, 1_700_000_000 + index))
        ids.append(session.id)
    store.pin(ids[0])  # the oldest, pinned: survives
    assert store.info(ids[0]).pinned
    removed = store.prune(keep=2, exclude={ids[1]})
    assert sorted(removed) == sorted(ids[2:4])
    remaining = {info.id for info in store.list()}
    assert remaining == {ids[0], ids[1], ids[4], ids[5]}
    store.unpin(ids[0])
    assert not store.info(ids[0]).pinned
    assert ids[0] in store.prune(keep=2)
    assert store.prune(keep=0) == []  # 0 keeps everything


def test_prune_never_removes_a_session_in_use(store: SessionStore) -> None:
    busy = store.create("openai", "m")
    one_turn(busy, "prompt", "reply")
    os.utime(busy.path, (1_600_000_000, 1_600_000_000))
    for _ in range(3):
        with store.create("openai", "m") as other:
            one_turn(other, "prompt", "reply")
    assert busy.id not in store.prune(keep=1)
    assert busy.directory.exists()
    with pytest.raises(StorageError):
        store.delete(busy.id)
    busy.close()
    store.delete(busy.id)
    assert not busy.directory.exists()


def test_torn_last_line_is_set_aside_and_reported(store: SessionStore) -> None:
    session = store.create("openai", "m")
    one_turn(session, "kept", "kept reply")
    session.close()
    with session.path.open("ab") as handle:
        handle.write(b'{"v":1,"type":"message","turn":2,"message":{"role":"us')
    reader = store.read(session.id)
    assert any("cut off" in warning for warning in reader.warnings)
    assert [message.text for message in reader.messages()] == ["kept", "kept reply"]
    resumed = store.open(session.id)
    assert any("cut off" in warning for warning in resumed.warnings)
    aside = list(session.directory.glob("transcript.jsonl.torn-*"))
    assert len(aside) == 1 and aside[0].read_bytes().endswith(b'"role":"us')
    assert stat.S_IMODE(aside[0].stat().st_mode) == 0o600
    one_turn(resumed, "next", "fine")  # appends after the repaired end, not onto the torn line
    resumed.close()
    assert all(json.loads(line) for line in session.path.read_text().splitlines())
    assert store.open(session.id).warnings == []


def test_damaged_middle_line_is_skipped(store: SessionStore) -> None:
    session = store.create("openai", "m")
    session.close()
    with session.path.open("ab") as handle:
        handle.write(b"garbage\n")
    resumed = store.open(session.id)
    one_turn(resumed, "a", "b")
    resumed.close()
    reader = store.read(session.id)
    assert any("damaged line" in warning for warning in reader.warnings)
    assert [message.text for message in reader.messages()] == ["a", "b"]


def test_partial_reply_written_at_most_once_per_second_and_recovered(tmp_path: Path) -> None:
    clock = FakeClock()
    directory = tmp_path / "s"
    directory.mkdir()
    session = Session(
        "20260101-000000-abcd", directory, redactor=Redactor(), writable=True, clock=clock
    )
    session.append_message(Message.user("explain PDAs"))
    session.partial("A PDA")
    session.partial("A PDA is")
    clock.now += 0.5
    session.partial("A PDA is an address")
    partials = [record for record in records(session) if record["type"] == "partial"]
    assert [record["text"] for record in partials] == ["A PDA"]
    clock.now += 0.6
    session.partial("A PDA is an address derived")
    partials = [record for record in records(session) if record["type"] == "partial"]
    assert [record["text"] for record in partials] == ["A PDA", "A PDA is an address derived"]
    session.close()  # "crash": no final message, no turn end
    messages = Session(
        "20260101-000000-abcd", directory, redactor=Redactor(), writable=False
    ).messages()
    assert messages == [
        Message.user("explain PDAs"),
        Message.assistant("A PDA is an address derived"),
    ]


def test_partials_are_superseded_by_the_complete_reply(store: SessionStore) -> None:
    session = store.create("openai", "m")
    session.append_message(Message.user("q"))
    session.partial("half")
    session.append_message(Message.assistant("whole answer"))
    session.end_turn()
    assert [message.text for message in session.messages()] == ["q", "whole answer"]
    session.close()


def test_interrupted_turn_then_next_turn(store: SessionStore) -> None:
    session = store.create("openai", "m")
    session.append_message(Message.user("first"))
    session.partial("cut off here")
    session.record_error(RuntimeError("stream dropped"))
    session.end_turn(stop_reason="interrupted")
    one_turn(session, "second", "fine")
    warnings: list[str] = []
    loaded = [json.loads(line) for line in session.path.read_text().splitlines()]
    messages = rebuild_messages(loaded, warnings)
    assert [(m.role, m.text) for m in messages] == [
        ("user", "first"),
        ("assistant", "cut off here"),
        ("user", "second"),
        ("assistant", "fine"),
    ]
    assert any("interrupted" in warning for warning in warnings)
    session.close()


def test_tool_calls_without_results_are_answered_on_load(store: SessionStore) -> None:
    session = store.create("openai", "m")
    session.append_message(Message.user("deploy"))
    call = ToolCall("call_1", "deploy_program", '{"cluster":"devnet"}')
    other = ToolCall("call_2", "read_file", '{"path":"a"}')
    session.append_message(Message("assistant", (Text("running"), call, other)))
    session.append_message(Message("tool", (ToolResult("call_2", "contents", name="read_file"),)))
    session.close()  # crash before deploy_program answered
    messages = store.read(session.id).messages()
    assert messages[-1].role == "tool"
    result = messages[-1].tool_results[0]
    assert (result.call_id, result.is_error, result.name) == ("call_1", True, "deploy_program")


def test_every_record_is_redacted(store: SessionStore) -> None:
    key = "sk-test-CANARY-SESSION-0123456789abcdef"
    session = store.create("openai", "m")
    session.append_message(Message.user(f"my key is {key}"))
    session.append_message(
        Message(
            "assistant",
            (
                Thinking(f"they said {key}", meta={"signature": "abc"}),
                ToolCall("c1", "shell", json.dumps({"cmd": f"echo {key}"})),
            ),
        )
    )
    session.partial(f"echo {key}")
    session.record_error(RuntimeError(f"401 for key {key}"))
    session.record_event("debug", detail={"nested": [key]})
    session.end_turn(note=key)
    session.close()
    assert "CANARY" not in session.path.read_text()


def test_umask_000_still_gives_0600_files_and_0700_directories(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        store = SessionStore(tmp_path / "fresh" / "home")
        session = store.create("openai", "m")
        one_turn(session, "a", "b")
        store.pin(session.id)
        session.close()
    finally:
        os.umask(previous)
    for directory in (tmp_path / "fresh" / "home", store.root, session.directory):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory
    for path in (session.path, session.directory / "pinned"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_ids_are_unique_under_fast_creation(store: SessionStore) -> None:
    sessions = [store.create("openai", "m") for _ in range(40)]
    assert len({session.id for session in sessions}) == 40
    for session in sessions:
        session.close()


def test_read_only_session_refuses_writes(store: SessionStore) -> None:
    session = store.create("openai", "m")
    session.close()
    with pytest.raises(StorageError, match="read-only"):
        store.read(session.id).append_message(Message.user("x"))


def test_disk_full_mid_line_leaves_no_torn_line(
    store: SessionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    session = store.create("openai", "m")
    one_turn(session, "saved", "ok")
    real_write = os.write
    calls = {"n": 0}

    def failing_write(descriptor: int, data: bytes) -> int:
        calls["n"] += 1
        if calls["n"] == 1:
            return real_write(descriptor, bytes(data[:10]))  # a short write...
        raise OSError(errno.ENOSPC, "No space left on device")  # ...then the disk is full

    monkeypatch.setattr(os, "write", failing_write)
    with pytest.raises(StorageError, match="No space left"):
        session.append_message(Message.user("lost " * 100))
    monkeypatch.setattr(os, "write", real_write)
    one_turn(session, "after", "fine")
    session.close()
    reader = store.read(session.id)
    assert reader.warnings == []
    assert [m.text for m in reader.messages()] == ["saved", "ok", "after", "fine"]


def test_damaged_lines_still_rebuild_a_valid_history() -> None:
    """A lost tool-call line or a lost first user line must not make the session unusable."""
    from solcoder.agent.invariants import check_tool_pairing
    from solcoder.llm.messages import ToolCall, ToolResult
    from solcoder.llm.serialize import message_to_dict
    from solcoder.sessions.rebuild import rebuild_messages

    def record(message: Message) -> dict[str, object]:
        return {"type": "message", "message": message_to_dict(message)}

    answer = Message("tool", (ToolResult("c1", "3", False, "add"),))
    # the assistant line holding call c1 was damaged and skipped
    warnings: list[str] = []
    rebuilt = rebuild_messages(
        [record(Message.user("add")), record(answer), record(Message.assistant("3"))], warnings
    )
    check_tool_pairing(rebuilt)
    assert [m.role for m in rebuilt] == ["user", "assistant"]
    assert warnings
    # the first user line was damaged: the history must still start with the user
    asked = Message("assistant", (ToolCall("c1", "add", "{}"),))
    rebuilt = rebuild_messages(
        [record(asked), record(answer), record(Message.user("next"))], warnings
    )
    assert rebuilt[0].role == "user"
    check_tool_pairing(rebuilt)
