"""One reading of `Retry-After`: the error's advice and the retry policy always agree."""

from __future__ import annotations

import pytest

from solcoder.errors import RateLimitError
from solcoder.llm.transport.retry import RetryPolicy
from solcoder.llm.wire.error_bodies import error_from_response
from solcoder.llm.wire.headers import retry_after_seconds

NOW = 1_800_000_000.0
BODY = b'{"error": {"message": "Rate limit reached", "type": "rate_limit_error"}}'


def rate_limited(headers: dict[str, str]) -> RateLimitError:
    error = error_from_response(429, BODY, headers, provider="openai", now=NOW)
    assert isinstance(error, RateLimitError)
    return error


@pytest.mark.parametrize(
    "value",
    ["inf", "-inf", "nan", "-5", "soon", "Wed, 21 Oct 2026 07:28:00", "1e400"],
)
def test_unreadable_waits_are_ignored_by_both(value: str) -> None:
    error = rate_limited({"Retry-After": value})
    assert error.retry_after is None  # before: inf, 0.0 or a zoneless date's guess
    assert "inf" not in str(error) and "nan" not in str(error)
    policy = RetryPolicy(max_retries=2)
    asked = policy.wait_before_retry(error, {"retry-after": value}, 0, now=NOW)
    assert asked == policy.wait_before_retry(error, {}, 0, now=NOW)  # plain backoff


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after": "7"}, 7.0),
        ({"Retry-After-Ms": "1500"}, 1.5),
        ({"retry-after": "Fri, 15 Jan 2027 08:00:30 GMT"}, None),  # a date: relative to NOW
    ],
)
def test_readable_waits_are_read_the_same(headers: dict[str, str], seconds: float | None) -> None:
    error = rate_limited(headers)
    expected = retry_after_seconds(headers, now=NOW)
    assert error.retry_after == expected
    assert RetryPolicy(max_retries=2, max_server_wait=1e9).wait_before_retry(
        error, headers, 0, now=NOW
    ) == pytest.approx(expected)
    if seconds is not None:
        assert expected == seconds
