"""Acceptance: a 40-turn session of `solcoder -p` processes against a local server that enforces
an 8k window (learnt from its `/v1/models`) and refuses anything larger with llama.cpp's real
overflow error. Nothing is ever refused, compactions and their summaries are in the
transcript, every request keeps the tool-call pairing, and a fact from turn 2 is still in the
summary the model receives at turn 40; the process that resumes the session at turn 21
continues from the summary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Run
from tests.support.window_server import MODEL, WINDOW, WindowServer, unpaired_calls

pytestmark = pytest.mark.e2e

FACT = "FACT: the deploy wallet is W4LLet8cafe and the program is named vault_keeper."


def prompt(turn: int) -> str:
    if turn == 2:
        return f"Turn 2. Remember this. {FACT}"
    if turn % 5 == 0:
        return f"Turn {turn}: use the plan tool for the next step of the vault program."
    return f"Turn {turn}: tell me more about account layout, rent and PDAs. " + "context " * 60


def transcript_records(home: Path, session_id: str) -> list[dict[str, Any]]:
    path = home / "sessions" / session_id / "transcript.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def first_chat(bodies: list[dict[str, Any]], start: int) -> dict[str, Any]:
    """The first request of a turn that is not a summary request, from `start` on."""
    for body in bodies[start:]:
        if "write the memory" not in str(body["messages"][0].get("content")):
            return body
    raise AssertionError("no turn request")


def test_forty_turns_in_an_8k_window_keep_the_thread(
    run_cli: Run, solcoder_home: Path, tmp_path: Path
) -> None:
    fake = WindowServer()
    server = fake.start()
    env = {
        "SOLCODER_LLM_PROVIDER": "llamacpp",
        "SOLCODER_LLM_BASE_URL": f"{server.url}/v1",
        "SOLCODER_LLM_MAX_OUTPUT_TOKENS": "512",
        "SOLCODER_LLM_MAX_RETRIES": "0",
        "SOLCODER_TELEMETRY_ENABLED": "false",
    }
    session_id = ""
    stderr_lines: list[str] = []
    turn_starts: dict[int, int] = {}
    try:
        for turn in range(1, 41):
            args = ["-p", prompt(turn), "--json"]
            if session_id:
                args += ["--session", session_id]
            turn_starts[turn] = len(fake.bodies)
            result = run_cli(*args, env=env)
            assert result.returncode == 0, (turn, result.stdout[-2000:], result.stderr[-2000:])
            events = [json.loads(line) for line in result.stdout.splitlines() if line]
            session_id = session_id or next(e["id"] for e in events if e["type"] == "session")
            stderr_lines += result.stderr.splitlines()
            if turn == 20:
                records = transcript_records(solcoder_home, session_id)
                assert any(r.get("name") == "compaction" for r in records)
    finally:
        server.stop()

    assert fake.refused == [], f"requests refused for length: {fake.refused}"
    for body in fake.bodies:
        assert unpaired_calls(body["messages"]) == []
    assert fake.calls >= 7  # turns 5, 10, ... 40 called a tool
    assert len(fake.summaries) >= 3  # compacted again and again
    assert all(body["model"] == MODEL for body in fake.bodies)

    records = transcript_records(solcoder_home, session_id)
    compactions = [r["data"] for r in records if r.get("name") == "compaction"]
    assert len(compactions) >= 3
    assert all(FACT in data["summary"] for data in compactions)
    assert all(data["after_tokens"] < data["before_tokens"] <= WINDOW for data in compactions)

    # The model's view at turn 40: the summary message first, with turn 2's fact in it.
    last = first_chat(fake.bodies, turn_starts[40])
    summary = last["messages"][1]
    assert summary["role"] == "user"
    assert summary["content"].startswith("[Summary of the earlier conversation]")
    assert FACT in summary["content"]
    assert not any("Turn 2. Remember" in str(m.get("content")) for m in last["messages"][2:])

    # The second half started in a new process: it continued from a summary, not from turn 1.
    resumed = first_chat(fake.bodies, turn_starts[21])
    assert resumed["messages"][1]["content"].startswith("[Summary of the earlier conversation]")
    assert "Turn 1:" not in json.dumps(resumed["messages"])


def test_compaction_is_a_json_event_and_a_status_line(run_cli: Run, tmp_path: Path) -> None:
    fake = WindowServer(window=6000)
    server = fake.start()
    env = {
        "SOLCODER_LLM_PROVIDER": "llamacpp",
        "SOLCODER_LLM_BASE_URL": f"{server.url}/v1",
        "SOLCODER_LLM_MAX_OUTPUT_TOKENS": "256",
        "SOLCODER_TELEMETRY_ENABLED": "false",
    }
    try:
        first = run_cli("-p", prompt(1), "--json", env=env)
        session_id = next(
            json.loads(line)["id"] for line in first.stdout.splitlines() if '"session"' in line
        )
        seen_json = seen_text = False
        for turn in range(2, 20):
            if seen_json and seen_text:
                break
            as_json = not seen_json  # JSON until a compaction was seen there, then text
            args = ["-p", prompt(turn), "--session", session_id] + (["--json"] if as_json else [])
            result = run_cli(*args, env=env)
            assert result.returncode == 0, result.stderr
            if as_json:
                events = [json.loads(line) for line in result.stdout.splitlines() if line]
                types = [event["type"] for event in events]
                for position, event in enumerate(events):
                    if event["type"] == "compaction":
                        assert event["after_tokens"] < event["before_tokens"]
                        assert event["replaced_messages"] > 0
                        # announced first, then done, before the step that follows it
                        assert "compaction_started" in types[:position]
                        assert "step_started" in types[position:]
                        seen_json = True
            elif "Compacting the conversation…" in result.stderr:
                assert "Compacted the conversation" in result.stderr  # the result line too
                assert "Compacting" not in result.stdout  # stdout holds only the reply
                seen_text = True
    finally:
        server.stop()
    assert seen_json and seen_text
    assert fake.refused == []
