"""Numbers a server sends are clamped where they are read: a wait to at most a day
(`MAX_WAIT_S`), a count to 2**53 (`MAX_COUNT`), so nothing downstream overflows or prints an
absurd wait.

Before: a rate-limit reset of `1e300` raised OverflowError in the pacer (exit 1), a huge
`remaining` lost the telemetry rows of its batch (SQLite's integers are 64-bit), and a
year-9999 reset or `Retry-After: 1e300` was reported as a wait of thousands of years.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from solcoder.errors import RateLimitError
from solcoder.llm.transport.pacing import Pacer, RateLimitBook, pause_for
from solcoder.llm.transport.retry import RetryPolicy
from solcoder.llm.wire import headers as header_reader
from solcoder.llm.wire.error_bodies import error_from_response
from solcoder.llm.wire.headers import retry_after_seconds
from solcoder.llm.wire.rate_limits import parse_count, parse_rate_limits, parse_reset
from solcoder.telemetry.record import CallRecord, read_rate_limits
from solcoder.telemetry.store import TelemetryStore

NOW = 1_800_000_000.0
DAY = 86_400.0
MAX_COUNT = 2**53
HOSTILE_RESETS = [
    "1e300",  # an epoch time in milliseconds, as far as a parser can tell
    "1e15",
    "99999999999999999999h",  # a Go duration
    "9999-12-31T23:59:59Z",  # RFC 3339, year 9999
    str(10**60),
]


def test_the_bounds() -> None:
    assert header_reader.MAX_WAIT_S == DAY  # type: ignore[attr-defined,unused-ignore]
    assert header_reader.MAX_COUNT == MAX_COUNT  # type: ignore[attr-defined,unused-ignore]


@pytest.mark.parametrize("value", HOSTILE_RESETS)
def test_a_reset_is_at_most_a_day_away(value: str) -> None:
    reset_at = parse_reset(value, now=NOW)
    assert reset_at is not None
    assert NOW < reset_at <= NOW + DAY


@pytest.mark.parametrize("value", ["1e300", str(10**40), "9007199254740993", "1e16"])
def test_a_count_is_at_most_two_to_the_53(value: str) -> None:
    assert parse_count(value) == MAX_COUNT


@pytest.mark.parametrize(
    "headers",
    [
        {"retry-after": "1e300"},
        {"retry-after": str(10**80)},
        {"retry-after-ms": "1e300"},
        {"retry-after": "Fri, 31 Dec 9999 23:59:59 GMT"},
    ],
)
def test_retry_after_is_at_most_a_day(headers: dict[str, str]) -> None:
    assert retry_after_seconds(headers, now=NOW) == DAY
    body = b'{"error": {"message": "slow down", "type": "rate_limit_error"}}'
    error = error_from_response(429, body, headers, provider="openai", now=NOW)
    assert isinstance(error, RateLimitError)
    assert error.retry_after == DAY
    assert error.hint is not None and "86400 s" in error.hint
    assert "e+" not in error.hint and "e+" not in error.message
    policy = RetryPolicy(max_retries=2, max_server_wait=1e12)
    assert policy.wait_before_retry(error, headers, 0, now=NOW) <= DAY


@pytest.mark.parametrize("value", HOSTILE_RESETS)
def test_the_pacer_reports_a_hostile_reset_as_a_bounded_wait(value: str) -> None:
    book = RateLimitBook()
    pacer = Pacer("fake", "http://x", book=book, clock=lambda: NOW)
    pacer.observe(
        {
            "x-ratelimit-limit-requests": "10",
            "x-ratelimit-remaining-requests": "0",
            "x-ratelimit-reset-requests": value,
        },
        None,
    )
    snapshot = book.get("fake", "http://x")
    assert snapshot is not None
    pause = pause_for(snapshot, input_tokens=1, output_tokens=1, now=NOW)
    assert pause is not None and pause.wait_s <= DAY

    async def pace() -> float:
        return await pacer.pace(lambda: (1, 1), bound_s=900.0, notify=None)

    with pytest.raises(RateLimitError) as caught:  # before: OverflowError
        asyncio.run(pace())
    error = caught.value
    assert error.retry_after is not None and error.retry_after <= DAY
    assert "86400 s" in error.message
    assert error.hint is not None and "--timeout 86430" in error.hint


def test_huge_budgets_are_kept_in_range_when_read() -> None:
    snapshot = parse_rate_limits(
        {
            "x-ratelimit-limit-tokens": "1e300",
            "x-ratelimit-remaining-tokens": str(10**30),
            "x-ratelimit-reset-tokens": "1s",
        },
        now=NOW,
    )
    assert snapshot is not None and snapshot.tokens is not None
    assert snapshot.tokens.limit == MAX_COUNT
    assert snapshot.tokens.remaining == MAX_COUNT


@pytest.mark.parametrize("value", ["1e300", str(10**30), "inf", "1e400"])
def test_telemetry_keeps_the_row_of_a_huge_remaining(tmp_path: Path, value: str) -> None:
    headers = {
        "x-ratelimit-remaining-requests": value,
        "x-ratelimit-remaining-tokens": value,
        "x-ratelimit-reset-requests": "1s",
    }
    limits = read_rate_limits(headers)
    for remaining in (limits.remaining_requests, limits.remaining_tokens):
        assert remaining is None or 0 <= remaining <= MAX_COUNT
    record = CallRecord(
        started_at=NOW,
        provider="openai",
        model="gpt-4.1-mini",
        outcome="ok",
        session_id="s1",
        turn=1,
        rate_limit_headers=headers,
    )
    ok = CallRecord(started_at=NOW, provider="openai", model="m", outcome="ok")
    with TelemetryStore.open(tmp_path / "telemetry.db") as store:
        store.insert([ok, record])  # before: OverflowError, and the batch was lost
        assert store.count() == 2
        stored = store.connection.execute(
            "SELECT ratelimit_remaining_requests FROM calls ORDER BY id DESC LIMIT 1"
        ).fetchone()[0]
    assert stored is None or stored <= MAX_COUNT
