"""Sessions that hold nobody's conversation do not push real ones out: a launch that recorded
no turn leaves no session, and pruning counts only sessions a model answered in."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from solcoder.llm.messages import Message
from solcoder.redact import Redactor
from solcoder.sessions import Session, SessionStore


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "home", redactor=Redactor())


def _age(session: Session, seconds_ago: float) -> None:
    moment = time.time() - seconds_ago
    os.utime(session.path, (moment, moment))


def _answered(store: SessionStore, seconds_ago: float) -> str:
    session = store.create("openai", "m")
    session.append_message(Message.user("build a vault"))
    session.append_message(Message.assistant("Here is the vault."))
    session.end_turn(outcome="done")
    session.close()
    _age(session, seconds_ago)
    return session.id


def _failed(store: SessionStore, seconds_ago: float) -> str:
    """A `-p` whose request was refused (401): the prompt is kept, no model ever answered."""
    session = store.create("openai", "m")
    session.append_message(Message.user("hello"))
    session.record_error(RuntimeError("401 Unauthorized"))
    session.end_turn(outcome="error")
    session.close()
    _age(session, seconds_ago)
    return session.id


def _empty(store: SessionStore, seconds_ago: float) -> str:
    """A launch that failed before its turn (unknown provider, missing key) and was killed
    before it could clean up."""
    session = store.create("openai", "m")
    session.close()
    _age(session, seconds_ago)
    return session.id


def test_failed_runs_do_not_count_against_the_sessions_kept(store: SessionStore) -> None:
    demo = _answered(store, seconds_ago=10_000)
    failed = [_failed(store, seconds_ago=5_000 - n) for n in range(25)]
    removed = store.prune(keep=20)
    remaining = {info.id for info in store.list()}
    assert demo in remaining
    assert set(removed) == set(failed[:5])  # the unanswered ones are kept apart, 20 of them
    assert store.info(demo).replies == 1


def test_sessions_without_a_turn_are_removed_and_never_counted(store: SessionStore) -> None:
    answered = [_answered(store, seconds_ago=10_000 - n) for n in range(3)]
    stale = [_empty(store, seconds_ago=5_000 - n) for n in range(30)]
    just_created = _empty(store, seconds_ago=0)  # perhaps another process about to write
    removed = store.prune(keep=3)
    assert set(removed) == set(stale)
    assert {info.id for info in store.list()} == {*answered, just_created}


def test_discard_if_empty_removes_only_a_session_without_a_turn(store: SessionStore) -> None:
    empty = store.create("openai", "m")
    assert store.discard_if_empty(empty)
    assert not empty.directory.exists()
    kept = store.create("openai", "m")
    kept.append_message(Message.user("hello"))
    assert not store.discard_if_empty(kept)
    assert kept.directory.exists()
    assert store.open(kept.id).turn_count == 1  # closed, and its lock released


def test_a_resumed_empty_session_is_left_alone(store: SessionStore) -> None:
    created = store.create("openai", "m")
    created.close()
    resumed = store.open(created.id)
    assert not store.discard_if_empty(resumed)
    assert created.directory.exists()
