"""What `solcoder logs` shows of a session (`234208-0e4f#1`) is accepted wherever a session is
asked for; turns go on counting after a resume; filters reject values nothing can have."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import Run

pytestmark = pytest.mark.e2e


def _session_of(result_stderr: str) -> str:
    [line] = [line for line in result_stderr.splitlines() if line.startswith("session ")]
    return line.split()[1]


def test_shown_ids_resume_and_filter_and_turns_continue(run_cli: Run) -> None:
    first = run_cli("--offline-mode", "-p", "hello")
    assert first.returncode == 0, first.stderr
    session = _session_of(first.stderr)
    shown = f"{session[-11:]}#1"  # what the session#turn column of `solcoder logs` shows
    table = run_cli("logs", env={"COLUMNS": "160"})
    assert shown in table.stdout

    resumed = run_cli("--offline-mode", "-p", "again", "--session", shown)
    assert resumed.returncode == 0, resumed.stderr
    assert _session_of(resumed.stderr) == session

    other = run_cli("--offline-mode", "-p", "unrelated")
    assert other.returncode == 0, other.stderr

    logs = run_cli("logs", "--json", "--session", shown)
    assert logs.returncode == 0, logs.stderr
    calls = json.loads(logs.stdout)
    assert {call["session_id"] for call in calls} == {session}
    # The resumed prompt is turn 2 of the session, not turn 1 again.
    assert sorted(call["turn"] for call in calls) == [1, 2]

    shown_by_sessions = run_cli("sessions", "show", shown)
    assert shown_by_sessions.returncode == 0, shown_by_sessions.stderr
    assert "again" in shown_by_sessions.stdout


def test_turns_go_on_counting_after_a_resume(run_cli: Run) -> None:
    first = run_cli("--offline-mode", "-p", "hello")
    session = _session_of(first.stderr)
    for prompt in ("two", "three"):
        resumed = run_cli("--offline-mode", "-p", prompt, "--session", session)
        assert resumed.returncode == 0, resumed.stderr
    calls = json.loads(run_cli("logs", "--json").stdout)
    assert sorted(call["turn"] for call in calls) == [1, 2, 3]


def test_an_ambiguous_or_unknown_session_is_a_usage_error(run_cli: Run) -> None:
    for prompt in ("one", "two"):
        assert run_cli("--offline-mode", "-p", prompt).returncode == 0
    ambiguous = run_cli("--offline-mode", "-p", "hi", "--session", "20")
    assert ambiguous.returncode == 2
    assert "ambiguous" in ambiguous.stderr
    missing = run_cli("--offline-mode", "-p", "hi", "--session", "000000-ffff#3")
    assert missing.returncode == 2
    assert "No session" in missing.stderr


def test_an_unknown_outcome_is_rejected_with_the_choices(run_cli: Run) -> None:
    result = run_cli("logs", "--outcome", "rate_limitd")
    assert result.returncode == 2
    assert "rate_limited" in result.stderr  # did you mean
    assert "idle_timeout" in result.stderr  # the valid choices
    assert run_cli("logs", "--outcome", "timeout").returncode == 0


def test_an_unknown_provider_for_models_is_rejected(run_cli: Run) -> None:
    result = run_cli("models", "--provider", "opnai")
    assert result.returncode == 2
    assert "openai" in result.stderr
    assert run_cli("models", "--provider", "offline").returncode == 0
