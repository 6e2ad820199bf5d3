"""Issue 23 item 20: a tampered transcript (an event whose data has the wrong shape, a line
nested 100,000 deep) is reported and skipped; it is never fatal, to itself or to others."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from solcoder.replay import replay_file
from solcoder.sessions import SessionStore
from solcoder.sessions.transcript import file_change_lines, read_transcript

GOOD = [
    {"v": 1, "type": "meta", "ts": "2026-12-01T00:00:00Z", "provider": "offline", "model": "m"},
    {
        "v": 1,
        "type": "message",
        "turn": 1,
        "message": {"role": "user", "parts": [{"type": "text", "text": "hi"}]},
    },
]


def write_session(home: Path, session_id: str, extra: list[str]) -> Path:
    directory = home / "sessions" / session_id
    directory.mkdir(parents=True)
    lines = [json.dumps(record) for record in GOOD] + extra
    (directory / "transcript.jsonl").write_text("\n".join(lines) + "\n")
    return directory


HOSTILE = [
    json.dumps({"v": 1, "type": "event", "name": "history_truncated", "data": ["keep", 0]}),
    json.dumps({"v": 1, "type": "event", "name": "history_truncated", "data": "keep=0"}),
    json.dumps({"v": 1, "type": "event", "name": "compaction", "data": [1, 2]}),
    json.dumps({"v": 1, "type": "event", "name": "file_change", "data": "x"}),
    json.dumps({"v": 1, "type": "event", "name": "undo", "data": {"files": "x"}}),
    json.dumps({"v": 1, "type": "message", "turn": 1, "message": ["not", "a", "message"]}),
    json.dumps({"v": 1, "type": "turn_end", "turn": [1]}),
    "[" * 100_000 + "]" * 100_000,
]


@pytest.mark.parametrize("line", HOSTILE, ids=range(len(HOSTILE)))
def test_a_tampered_record_is_skipped_everywhere(tmp_path: Path, line: str) -> None:
    home = tmp_path / "home"
    directory = write_session(home, "20261201-000000-aaaa", [line])
    write_session(home, "20261201-000001-bbbb", [])
    store = SessionStore(home)
    assert {info.id for info in store.list()} == {"20261201-000000-aaaa", "20261201-000001-bbbb"}
    session = store.read("20261201-000000-aaaa")
    assert [m.text for m in session.messages()][:1] == ["hi"]
    records = read_transcript(directory / "transcript.jsonl").records
    file_change_lines(records)
    report = replay_file(directory / "transcript.jsonl")
    assert report.turns >= 0
    opened = store.open("20261201-000000-aaaa")
    opened.close()
