"""Budgets that survive a resume and a model switch, the `retry` / `rate_limit` notices as
people and scripts see them, and the limits in `/status` and `solcoder stats`."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from solcoder.cli import notices
from solcoder.cli.build import build, session_budget
from solcoder.cli.status import describe_rate_limits, limit_rows
from solcoder.config import load_settings
from solcoder.errors import RateLimitError
from solcoder.llm.messages import Message
from solcoder.llm.transport.notices import RateLimitNotice, RetryNotice
from solcoder.llm.transport.pacing import RATE_LIMITS
from solcoder.llm.wire.rate_limits import LimitWindow, RateLimitSnapshot
from solcoder.middleware.budget import (
    BudgetedProvider,
    SessionBudget,
    _billed_nothing,
    seed_from_session,
)
from solcoder.redact import Redactor
from solcoder.sessions import SessionStore
from solcoder.telemetry.rate_limits import describe, last_rate_limits
from solcoder.telemetry.record import CallRecord
from solcoder.telemetry.store import TelemetryStore, database_path

NOW = 1_800_000_000.0


def settings_for(tmp_path: Path, **llm: object) -> object:
    loaded = load_settings(environ={}, cwd=tmp_path, home=tmp_path / "home")
    return dataclasses.replace(
        loaded, llm=dataclasses.replace(loaded.llm, offline_mode=True, **llm)
    )


def test_a_resumed_session_counts_what_its_transcript_recorded(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "home", redactor=Redactor())
    session = store.create("openai", "gpt-4o")
    for number in (1, 2):
        session.append_message(Message.user(f"prompt {number}"))
        session.append_message(Message.assistant("reply"))
        session.end_turn(outcome="done", usage={"input": 1000, "output": 200, "cache_read": 0})
    session.close()
    reopened = store.open(session.id)
    assert [provider for provider, _, _ in reopened.spent] == ["openai", "openai"]
    budget = seed_from_session(SessionBudget(max_tokens=5000), reopened.spent)
    assert budget.tokens == 2400
    assert budget.calls == 2
    assert budget.cost_usd > 0  # priced as gpt-4o
    reopened.close()


def test_damaged_usage_in_a_transcript_is_ignored_not_fatal() -> None:
    spent = [("openai", "gpt-4o", {"input": -5, "output": True}), ("x", "y", {})]  # type: ignore[dict-item]
    assert seed_from_session(SessionBudget(), spent).tokens == 0


def test_launch_budget_seeds_from_the_session_under_the_configured_limits(
    tmp_path: Path,
) -> None:
    settings = settings_for(tmp_path, max_session_tokens=10_000)
    session = SimpleNamespace(spent=[("offline", "scripted", {"input": 300, "output": 50})])
    budget = session_budget(settings, session)  # type: ignore[arg-type]
    assert (budget.tokens, budget.max_tokens) == (350, 10_000)


def test_a_rebuild_keeps_the_count_and_takes_the_new_limits(tmp_path: Path) -> None:
    first = build(settings_for(tmp_path, max_session_tokens=10_000), api_key_flag=None)
    assert first.budget is not None
    first.budget.record(1234, 0.5)
    switched = settings_for(tmp_path, max_session_tokens=20_000)
    rebuilt = build(switched, api_key_flag=None, budget=first.budget)  # type: ignore[arg-type]
    assert rebuilt.budget is first.budget
    provider = rebuilt.conversation.orchestrator.provider
    assert isinstance(provider, BudgetedProvider)
    assert provider.budget.tokens == 1234
    assert provider.budget.max_tokens == 20_000


async def test_a_request_never_sent_is_never_charged() -> None:
    """The pacer's "the wait is longer than the deadline" refusal leaves the budget as it was;
    a failure after sending is charged the estimate (the provider may bill what it read)."""
    from solcoder.llm.messages import Request
    from solcoder.llm.providers.scripted import ScriptedProvider, ScriptedResponse
    from solcoder.llm.transport.pacing import Pacer, Pause

    unsent = Pacer("openai", "http://127.0.0.1:9/v1")._too_long(
        Pause("requests", 30.0, 1, 0, 3), bound_s=5.0, now=NOW
    )
    sent = RateLimitError("cut", provider="openai")
    charged = []
    for error in (unsent, sent):
        inner = ScriptedProvider([ScriptedResponse(error=error)], name="openai", model="gpt-4o")
        budget = SessionBudget(max_tokens=1_000_000)
        provider = BudgetedProvider(inner, budget, "openai", "gpt-4o", reserve_output=100)
        request = Request(model="gpt-4o", messages=(Message.user("hello " * 50),))
        with pytest.raises(RateLimitError):
            async for _event in provider.astream(request):
                pass
        charged.append(budget.tokens)
    assert charged[0] == 0
    assert charged[1] > 0
    assert _billed_nothing(unsent)
    assert not _billed_nothing(sent)


def snapshot() -> RateLimitSnapshot:
    return RateLimitSnapshot(
        seen_at=NOW,
        requests=LimitWindow(3, 0, NOW + 2),
        tokens=LimitWindow(1000, 900, NOW + 5),
    )


def waiting(first: bool, left: float) -> RateLimitNotice:
    return RateLimitNotice(
        "openai", snapshot(), "waiting", wait_s=left, first=first, dimension="requests", now=NOW
    )


def test_text_notices_one_line_per_wait_and_retry_off_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stderr = io.StringIO()
    monkeypatch.setattr("sys.stderr", stderr)
    notices.text_notice(RateLimitNotice("openai", snapshot(), now=NOW))  # seen: silent
    notices.text_notice(waiting(True, 1.6))
    notices.text_notice(waiting(False, 0.6))
    notices.text_notice(RateLimitNotice("openai", snapshot(), "done", now=NOW))
    notices.text_notice(RetryNotice("openai", 1, 2, "server_error", 503, 0.5))
    assert stderr.getvalue().splitlines() == [
        "openai rate limit: 0 of 3 requests left; waiting 2 s for the reset (Ctrl-C cancels)",
        "openai: server error (HTTP 503); retry 1 of 2 in 0.5 s.",
    ]


def test_json_notices_are_retry_and_rate_limit_events() -> None:
    records: list[dict[str, object]] = []
    for notice in (
        RateLimitNotice("openai", snapshot(), now=NOW),
        waiting(True, 1.6),
        waiting(False, 0.6),
        RateLimitNotice("openai", snapshot(), "done", now=NOW),
        RetryNotice("openai", 1, 2, "rate_limited", 429, 1.25),
    ):
        notices.json_notice(notice, records.append)
    assert [record["type"] for record in records] == ["rate_limit", "rate_limit", "retry"]
    seen, wait, retry = records
    assert seen == {
        "type": "rate_limit",
        "provider": "openai",
        "remaining_requests": 0,
        "remaining_tokens": 900,
        "limit_requests": 3,
        "limit_tokens": 1000,
        "reset_s": 5.0,
        "wait_s": 0.0,
        "limited_by": None,
    }
    assert (wait["wait_s"], wait["limited_by"]) == (1.6, "requests")
    assert retry == {
        "type": "retry",
        "provider": "openai",
        "attempt": 1,
        "max_retries": 2,
        "reason": "rate_limited",
        "status": 429,
        "delay_s": 1.25,
    }


def test_status_shows_rate_limits_and_the_budget(tmp_path: Path) -> None:
    assert describe_rate_limits(snapshot(), NOW) == (
        "requests 0/3 left · tokens 900/1,000 left · refills in 5 s"
    )
    assert describe_rate_limits(snapshot(), NOW + 10).startswith("requests refilled")
    settings = settings_for(tmp_path, max_session_tokens=10_000, max_steps=5)
    built = build(settings, api_key_flag=None)  # type: ignore[arg-type]
    assert built.budget is not None
    built.budget.record(1200, 0.01)
    RATE_LIMITS.update("offline", "test://status", snapshot())
    try:
        rows = dict(limit_rows(settings, built.conversation))
    finally:
        RATE_LIMITS.clear()
    assert rows["rate limits"].startswith("requests 0/3 left")
    assert rows["budget"] == ("1,200 of 10,000 tokens · $0.0100 (no limit) · up to 5 steps a turn")


def test_stats_show_the_last_announced_limits_per_provider(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    older = {"x-ratelimit-remaining-requests": "9", "x-ratelimit-limit-requests": "10"}
    newer = {
        "x-ratelimit-remaining-requests": "7",
        "x-ratelimit-limit-requests": "10",
        "x-ratelimit-remaining-tokens": "900",
        "x-ratelimit-reset-tokens": "6m0s",
    }
    with TelemetryStore.open(database_path(home)) as store:
        store.insert(
            [
                CallRecord(
                    started_at=NOW + offset,
                    provider="openai",
                    model="gpt-4o",
                    outcome="ok",
                    endpoint_host="api.openai.com",
                    rate_limit_headers=headers,
                )
                for offset, headers in ((0, older), (1, newer))
            ]
            + [CallRecord(started_at=NOW, provider="offline", model="scripted", outcome="ok")]
        )
        found = last_rate_limits(store.connection)
    assert len(found) == 1
    entry = found[0]
    assert (entry["provider"], entry["endpoint_host"]) == ("openai", "api.openai.com")
    assert entry["requests"] == {"limit": 10, "remaining": 7, "reset_at": None}
    assert entry["tokens"]["reset_at"] == NOW + 1 + 360
    assert describe(entry) == "requests 7/10 left · tokens 900 left"

    from solcoder.cli.main import cli

    runner = CliRunner()
    env = {"SOLCODER_HOME": str(home)}
    text = runner.invoke(cli, ["stats"], env=env)
    assert text.exit_code == 0, text.output
    assert "Rate limits last announced:" in text.output
    assert "openai (api.openai.com): requests 7/10 left" in text.output
    as_json = runner.invoke(cli, ["stats", "--json"], env=env)
    assert json.loads(as_json.output)["rate_limits"][0]["requests"]["remaining"] == 7
