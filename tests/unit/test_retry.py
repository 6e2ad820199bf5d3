"""The retry policy as pure values: which failures are retried, and how long we wait."""

from __future__ import annotations

import pytest

from solcoder.errors import (
    AuthenticationError,
    BadRequestError,
    ConnectError,
    ConnectTimeoutError,
    ContextTooLongError,
    FirstEventTimeoutError,
    IdleTimeoutError,
    LLMError,
    ModelNotFoundError,
    OverloadedError,
    PermissionDeniedError,
    ProtocolError,
    RateLimitError,
    ServerError,
    StreamInterruptedError,
    TotalTimeoutError,
    UsageError,
)
from solcoder.llm.transport.retry import RetryPolicy, is_retryable
from solcoder.llm.wire.headers import retry_after_seconds

NOW = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC


def status_error(status: int) -> LLMError:
    classes: dict[int, type[LLMError]] = {
        400: BadRequestError,
        401: AuthenticationError,
        403: PermissionDeniedError,
        404: ModelNotFoundError,
        413: ContextTooLongError,
        422: BadRequestError,
        429: RateLimitError,
        529: OverloadedError,
    }
    return classes.get(status, ServerError)("failed", status=status)


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504, 529])
def test_transient_statuses_are_retried(status: int) -> None:
    assert is_retryable(status_error(status))


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413, 422])
def test_client_errors_are_never_retried(status: int) -> None:
    assert not is_retryable(status_error(status))


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (ConnectError("refused"), True),
        (ConnectTimeoutError("slow"), True),
        (FirstEventTimeoutError("slow"), True),
        (IdleTimeoutError("stalled"), False),
        (TotalTimeoutError("spent"), False),
        (ProtocolError("garbled"), False),
        (StreamInterruptedError("cut"), False),
        (OverloadedError("in-stream overloaded_error"), True),
        (RateLimitError("in-stream rate limit"), True),
        (BadRequestError("in-stream invalid request"), False),
    ],
)
def test_failures_without_status_are_judged_by_class(error: LLMError, retryable: bool) -> None:
    assert is_retryable(error) is retryable


def test_x_should_retry_header_wins_both_ways() -> None:
    assert is_retryable(status_error(400), {"x-should-retry": "true"})
    assert not is_retryable(status_error(503), {"x-should-retry": "false"})
    assert is_retryable(status_error(503), {"x-should-retry": "maybe"})


def test_backoff_doubles_from_half_a_second_and_is_capped_at_eight() -> None:
    policy = RetryPolicy(max_retries=10)
    assert [policy.backoff(n) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert policy.backoff(1, jitter=0.75) == 0.75


def test_wait_uses_jittered_backoff_without_server_hint() -> None:
    policy = RetryPolicy(max_retries=2)
    assert policy.wait_before_retry(status_error(503), {}, 0, jitter=0.8) == pytest.approx(0.4)
    assert policy.wait_before_retry(status_error(503), None, 1, jitter=1.0) == 1.0


def test_retries_are_bounded_by_max_retries() -> None:
    policy = RetryPolicy(max_retries=2)
    assert policy.wait_before_retry(status_error(500), {}, 1) is not None
    assert policy.wait_before_retry(status_error(500), {}, 2) is None
    assert RetryPolicy(max_retries=0).wait_before_retry(status_error(500), {}, 0) is None


def test_non_retryable_error_gets_no_wait() -> None:
    assert RetryPolicy().wait_before_retry(status_error(401), {"retry-after": "1"}, 0) is None


def test_server_wait_is_honoured_up_to_sixty_seconds() -> None:
    policy = RetryPolicy()
    error = status_error(429)
    assert policy.wait_before_retry(error, {"retry-after": "7"}, 0) == 7.0
    assert policy.wait_before_retry(error, {"retry-after-ms": "250"}, 0) == 0.25
    assert policy.wait_before_retry(error, {"retry-after": "60"}, 0) == 60.0
    assert policy.wait_before_retry(error, {"retry-after": "61"}, 0) is None
    assert policy.wait_before_retry(error, {"retry-after": "120"}, 0) is None


def test_retry_after_ms_wins_over_retry_after() -> None:
    headers = {"retry-after-ms": "1500", "retry-after": "30"}
    assert retry_after_seconds(headers) == 1.5


def test_retry_after_as_http_date() -> None:
    headers = {"retry-after": "Tue, 14 Nov 2023 22:13:50 GMT"}
    assert retry_after_seconds(headers, now=NOW) == pytest.approx(30.0)
    past = {"retry-after": "Tue, 14 Nov 2023 22:00:00 GMT"}
    assert retry_after_seconds(past, now=NOW) == 0.0


@pytest.mark.parametrize("value", ["soon", "-3", "nan", "inf", ""])
def test_unreadable_retry_after_is_ignored(value: str) -> None:
    assert retry_after_seconds({"retry-after": value}) is None
    policy = RetryPolicy()
    assert policy.wait_before_retry(status_error(429), {"retry-after": value}, 0) == 0.5


@pytest.mark.parametrize("count", [-1, 11])
def test_max_retries_outside_zero_to_ten_is_a_usage_error(count: int) -> None:
    with pytest.raises(UsageError, match="between 0 and 10"):
        RetryPolicy(max_retries=count)
