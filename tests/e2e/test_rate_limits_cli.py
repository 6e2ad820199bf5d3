"""Rate limits, retries and budgets through the real CLI against a local server that enforces
a rate limit (`RateLimitRule`): SolCoder paces instead of collecting 429s, every wait and
retry shows in `--json` (and as one stderr line otherwise), a wait past `--timeout` fails with
exit 4, and session budgets count over `--session` resumes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.conftest import Run
from tests.support.fake_llm_server import FakeLLMServer, RateLimitRule
from tests.support.fake_wire import Reply, ToolCallReply

pytestmark = pytest.mark.e2e

KEY = "sk-test-e2e-ratelimit-0123456789"
ENV = {"OPENAI_API_KEY": KEY}


def args(server: FakeLLMServer) -> list[str]:
    return [
        "--llm-provider",
        "openai",
        "--llm-base-url",
        server.base_url("chat"),
        "--llm-model",
        "fake-model",
    ]


def plan_call(call_id: str) -> Reply:
    return Reply(tool_calls=(ToolCallReply("plan", '{"goal": "a counter"}', call_id),))


def events_of(stdout: str) -> dict[str, list[dict[str, Any]]]:
    by_type: dict[str, list[dict[str, Any]]] = {}
    for line in stdout.splitlines():
        event = json.loads(line)
        by_type.setdefault(event["type"], []).append(event)
    return by_type


def test_json_run_paces_by_the_headers_and_shows_waits_and_retries(run_cli: Run) -> None:
    rule = RateLimitRule(requests=2, window_s=1.5)
    with FakeLLMServer(lifetime=60, rate_limit=rule) as server:
        server.enqueue(
            Reply(status=503),  # one retry, before the limiter sees the request
            plan_call("c1"),
            plan_call("c2"),
            Reply(text="Done."),
        )
        result = run_cli("-p", "plan twice", "--json", *args(server), env=ENV)
        assert result.returncode == 0, result.stderr
        assert server.rate_limited == 0
        assert len(server.requests) == 4
    events = events_of(result.stdout)
    retry = events["retry"][0]
    assert (retry["attempt"], retry["status"]) == (1, 503)
    assert retry["reason"] and retry["delay_s"] > 0
    limits = events["rate_limit"]
    waits = [event for event in limits if event["wait_s"] > 0]
    assert len(waits) == 1
    wait = waits[0]
    assert wait["remaining_requests"] == 0
    assert wait["limit_requests"] == 2
    assert wait["limited_by"] == "requests"
    assert 0 < wait["reset_s"] <= 1.5
    seen = [event for event in limits if event["wait_s"] == 0]
    assert len(seen) == 3  # one per answered response
    assert seen[0]["provider"] == "openai"
    assert "".join(e["text"] for e in events["text_delta"]) == "Done."


def test_text_run_shows_one_stderr_line_per_wait_and_retry(run_cli: Run) -> None:
    rule = RateLimitRule(requests=1, window_s=1.2)
    with FakeLLMServer(lifetime=60, rate_limit=rule) as server:
        server.enqueue(Reply(status=503), plan_call("c1"), Reply(text="Done."))
        result = run_cli("-p", "plan once", *args(server), env=ENV)
        assert result.returncode == 0, result.stderr
        assert server.rate_limited == 0
    lines = result.stderr.splitlines()
    waiting = [line for line in lines if "rate limit" in line and "waiting" in line]
    assert len(waiting) == 1, result.stderr
    assert "0 of 1 requests left" in waiting[0]
    assert len([line for line in lines if "retry 1 of" in line]) == 1, result.stderr
    assert "Done." in result.stdout


def test_a_wait_past_the_timeout_fails_at_once_with_exit_4(run_cli: Run) -> None:
    rule = RateLimitRule(requests=1, window_s=120)
    with FakeLLMServer(lifetime=60, rate_limit=rule) as server:
        server.enqueue(plan_call("c1"), Reply(text="never sent"))
        result = run_cli("-p", "plan", "--json", "--timeout", "5", *args(server), env=ENV)
        assert len(server.requests) == 1
        assert server.rate_limited == 0
    assert result.returncode == 4, result.stderr
    # At once: no wait was started (a wait announces itself on stderr first).
    assert not [line for line in result.stderr.splitlines() if "waiting" in line], result.stderr
    error = events_of(result.stdout)["error"][0]
    assert error["class"] == "rate_limited"
    assert error["exit_code"] == 4
    assert "0 of 1 requests left" in error["message"]
    assert "--timeout" in error["hint"] and "--llm-model" in error["hint"]
    assert "Traceback" not in result.stderr


def test_session_budget_counts_over_three_processes(run_cli: Run) -> None:
    """Each reply reports 10,000 input tokens against a 20,000-token session budget: the
    first two processes fit, the third (a second resume) is refused before sending."""
    env = {
        **ENV,
        "SOLCODER_LLM_MAX_SESSION_TOKENS": "20000",
        "SOLCODER_LLM_MAX_OUTPUT_TOKENS": "10",
    }
    with FakeLLMServer(
        lifetime=60, default=Reply(text="ok", input_tokens=10_000, output_tokens=7)
    ) as server:
        first = run_cli("-p", "one", "--json", *args(server), env=env)
        assert first.returncode == 0, first.stderr
        session = events_of(first.stdout)["session"][0]["id"]
        second = run_cli("-p", "two", "--json", "--session", session, *args(server), env=env)
        assert second.returncode == 0, second.stderr
        third = run_cli("-p", "three", "--json", "--session", session, *args(server), env=env)
        assert len(server.requests) == 2
    assert third.returncode == 2, third.stderr
    error = events_of(third.stdout)["error"][0]
    assert error["class"] == "budget"
    assert "20,014 of its 20,000-token budget" in error["message"]


def test_max_turns_counts_the_session_across_resumes(run_cli: Run) -> None:
    first = run_cli("-p", "one", "--json", "--offline-mode", "--max-turns", "2")
    assert first.returncode == 0, first.stderr
    session = events_of(first.stdout)["session"][0]["id"]
    common = ("--offline-mode", "--max-turns", "2", "--session", session)
    second = run_cli("-p", "two", *common)
    assert second.returncode == 0, second.stderr
    third = run_cli("-p", "three", *common)
    assert third.returncode == 2
    assert "has had 2 turns" in third.stderr and "--max-turns" in third.stderr


def test_max_steps_bounds_a_headless_turn(run_cli: Run) -> None:
    with FakeLLMServer(lifetime=60, default=plan_call("c1")) as server:
        result = run_cli("-p", "plan", "--json", "--max-steps", "2", *args(server), env=ENV)
        assert len(server.requests) == 2
    assert result.returncode == 0, result.stderr
    finished = events_of(result.stdout)["turn_finished"][0]
    assert finished["reason"] == "step_limit"
