"""The rate-limit header reader (`llm/wire/rate_limits.py`) and the pacing decision
(`llm/transport/pacing.pause_for`): pure, so every rule is checked with plain values."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from solcoder.llm.transport.pacing import RateLimitBook, pause_for
from solcoder.llm.wire.rate_limits import (
    LimitWindow,
    RateLimitSnapshot,
    parse_duration,
    parse_rate_limits,
    parse_reset,
)

NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1s", 1.0),
        ("6m0s", 360.0),
        ("20ms", 0.02),
        ("2m59.56s", 179.56),
        ("1h2m3.5s", 3723.5),
        ("0s", 0.0),
        ("500us", 0.0005),
    ],
)
def test_go_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "s", "1", "1x", "-1s", "1s2", "ms", "1.s.s", "∞s"])
def test_not_durations(text: str) -> None:
    assert parse_duration(text) is None


def test_openai_headers() -> None:
    snapshot = parse_rate_limits(
        {
            "x-ratelimit-limit-requests": "60",
            "x-ratelimit-limit-tokens": "150000",
            "x-ratelimit-remaining-requests": "59",
            "x-ratelimit-remaining-tokens": "149984",
            "x-ratelimit-reset-requests": "1s",
            "x-ratelimit-reset-tokens": "6m0s",
        },
        now=NOW,
    )
    assert snapshot is not None
    assert snapshot.requests == LimitWindow(60, 59, NOW + 1)
    assert snapshot.tokens == LimitWindow(150000, 149984, NOW + 360)
    assert snapshot.input_tokens is None
    assert snapshot.reset_in(NOW) == 360


def test_anthropic_headers_any_case() -> None:
    reset = datetime.fromtimestamp(NOW + 30, UTC).isoformat().replace("+00:00", "Z")
    snapshot = parse_rate_limits(
        {
            "Anthropic-RateLimit-Requests-Limit": "50",
            "anthropic-ratelimit-requests-remaining": "0",
            "anthropic-ratelimit-requests-reset": reset,
            "anthropic-ratelimit-input-tokens-limit": "30000",
            "anthropic-ratelimit-input-tokens-remaining": "1200",
            "anthropic-ratelimit-input-tokens-reset": reset,
            "anthropic-ratelimit-output-tokens-limit": "8000",
            "anthropic-ratelimit-output-tokens-remaining": "8000",
            "anthropic-ratelimit-tokens-limit": "38000",
            "anthropic-ratelimit-tokens-remaining": "9200",
        },
        now=NOW,
    )
    assert snapshot is not None
    assert snapshot.requests == LimitWindow(50, 0, pytest.approx(NOW + 30))
    assert snapshot.input_tokens == LimitWindow(30000, 1200, pytest.approx(NOW + 30))
    assert snapshot.output_tokens == LimitWindow(8000, 8000, None)
    assert snapshot.tokens == LimitWindow(38000, 9200, None)
    assert [name for name, _ in snapshot.windows()] == [
        "requests",
        "tokens",
        "input_tokens",
        "output_tokens",
    ]


def test_openrouter_bare_headers_reset_in_epoch_milliseconds() -> None:
    snapshot = parse_rate_limits(
        {
            "x-ratelimit-limit": "20",
            "x-ratelimit-remaining": "3",
            "x-ratelimit-reset": str(int((NOW + 12) * 1000)),
        },
        now=NOW,
    )
    assert snapshot is not None
    assert snapshot.requests == LimitWindow(20, 3, pytest.approx(NOW + 12))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2", NOW + 2),
        ("1.5s", NOW + 1.5),
        (str(NOW + 5), NOW + 5),
        ("2027-01-15T08:00:00Z", datetime(2027, 1, 15, 8, tzinfo=UTC).timestamp()),
        ("2027-01-15T08:00:00", None),  # no zone: could be any time
        ("soon", None),
        ("-3", None),
        ("nan", None),
        ("inf", None),
    ],
)
def test_reset_forms(value: str, expected: float | None) -> None:
    assert parse_reset(value, now=NOW) == (
        pytest.approx(expected) if expected is not None else None
    )


def test_no_rate_limit_headers_is_none() -> None:
    assert parse_rate_limits({"content-type": "text/event-stream"}, now=NOW) is None
    assert parse_rate_limits({"x-ratelimit-reset-requests": "1s"}, now=NOW) is None


def test_garbled_values_are_dropped_not_fatal() -> None:
    snapshot = parse_rate_limits(
        {
            "x-ratelimit-limit-requests": "lots",
            "x-ratelimit-remaining-requests": "4",
            "x-ratelimit-reset-requests": "whenever",
        },
        now=NOW,
    )
    assert snapshot is not None
    assert snapshot.requests == LimitWindow(None, 4, None)


_NAMES = st.sampled_from(
    [
        "x-ratelimit-limit-requests",
        "x-ratelimit-remaining-requests",
        "x-ratelimit-reset-requests",
        "x-ratelimit-remaining-tokens",
        "x-ratelimit-reset-tokens",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "anthropic-ratelimit-tokens-remaining",
        "anthropic-ratelimit-input-tokens-reset",
        "anthropic-ratelimit-output-tokens-limit",
    ]
)


@given(
    st.dictionaries(_NAMES | st.text(max_size=40), st.text(max_size=80), max_size=12),
    st.floats(min_value=0, max_value=4e9),
)
def test_never_raises_on_garbage(headers: dict[str, str], now: float) -> None:
    snapshot = parse_rate_limits(headers, now=now)
    if snapshot is not None:
        for _, window in snapshot.windows():
            assert window.remaining is None or window.remaining >= 0
            assert window.limit is None or window.limit >= 0
            wait = window.reset_in(now)
            assert wait is None or wait >= 0
        pause_for(snapshot, input_tokens=10, output_tokens=10, now=now)


def snapshot_of(**windows: LimitWindow) -> RateLimitSnapshot:
    return RateLimitSnapshot(seen_at=NOW, **windows)  # type: ignore[arg-type]


def test_no_requests_left_waits_for_the_reset() -> None:
    pause = pause_for(
        snapshot_of(requests=LimitWindow(3, 0, NOW + 2)),
        input_tokens=10,
        output_tokens=10,
        now=NOW,
    )
    assert pause is not None
    assert (pause.dimension, pause.wait_s, pause.remaining, pause.limit) == ("requests", 2, 0, 3)


def test_a_request_that_fits_goes_now() -> None:
    snapshot = snapshot_of(
        requests=LimitWindow(3, 1, NOW + 2), tokens=LimitWindow(1000, 500, NOW + 5)
    )
    assert pause_for(snapshot, input_tokens=300, output_tokens=200, now=NOW) is None


def test_too_few_tokens_left_waits_for_the_token_reset() -> None:
    snapshot = snapshot_of(
        requests=LimitWindow(3, 2, NOW + 1), tokens=LimitWindow(1000, 400, NOW + 5)
    )
    pause = pause_for(snapshot, input_tokens=300, output_tokens=200, now=NOW)
    assert pause is not None
    assert (pause.dimension, pause.wait_s, pause.needed) == ("tokens", 5, 500)


def test_anthropic_input_and_output_budgets_count_their_own_side() -> None:
    snapshot = snapshot_of(
        input_tokens=LimitWindow(30000, 100, NOW + 3),
        output_tokens=LimitWindow(8000, 50, NOW + 7),
    )
    assert pause_for(snapshot, input_tokens=90, output_tokens=40, now=NOW) is None
    pause = pause_for(snapshot, input_tokens=90, output_tokens=60, now=NOW)
    assert pause is not None
    assert (pause.dimension, pause.wait_s) == ("output_tokens", 7)


def test_the_longest_short_budget_decides() -> None:
    snapshot = snapshot_of(
        requests=LimitWindow(3, 0, NOW + 2), tokens=LimitWindow(1000, 0, NOW + 9)
    )
    pause = pause_for(snapshot, input_tokens=1, output_tokens=1, now=NOW)
    assert pause is not None
    assert pause.wait_s == 9


def test_a_passed_reset_means_the_budget_is_whole_again() -> None:
    snapshot = snapshot_of(requests=LimitWindow(3, 0, NOW - 1))
    assert pause_for(snapshot, input_tokens=1, output_tokens=1, now=NOW) is None


def test_unknown_reset_never_waits() -> None:
    snapshot = snapshot_of(requests=LimitWindow(3, 0, None))
    assert pause_for(snapshot, input_tokens=1, output_tokens=1, now=NOW) is None


def test_larger_than_the_whole_budget_is_sent_anyway() -> None:
    snapshot = snapshot_of(tokens=LimitWindow(1000, 10, NOW + 4))
    assert pause_for(snapshot, input_tokens=900, output_tokens=200, now=NOW) is None


def test_book_keeps_the_latest_per_provider_and_url() -> None:
    book = RateLimitBook()
    first = snapshot_of(requests=LimitWindow(3, 2, NOW + 1))
    later = RateLimitSnapshot(seen_at=NOW + 5, requests=LimitWindow(3, 1, NOW + 6))
    book.update("openai", "https://a/v1", first)
    book.update("openai", "https://b/v1", later)
    assert book.get("openai", "https://a/v1") is first
    assert book.latest("openai") is later
    assert book.latest("anthropic") is None
