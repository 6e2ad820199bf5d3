"""Pure readers of provider response headers, shared by the wire layer (error messages) and the
transport layer (the retry policy), so both read a header the same way.

Before: `Retry-After` had two parsers; `retry-after: inf` gave the hint "Wait about inf s"
while the policy ignored it, and negative values and dates without a zone disagreed too.

Every number a server gives is clamped where it is read, so nothing downstream overflows or
reports an absurd wait: a wait (Retry-After, a rate-limit reset) to `MAX_WAIT_S`, a count (a
budget, what is left of it) to `MAX_COUNT`. Before: `retry-after: 1e300` was advised as a
wait of 1e300 s, a reset of `1e300` raised OverflowError in the pacer, and a `remaining` of
1e30 lost the telemetry rows of its batch (SQLite's integers are 64-bit).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping

MAX_WAIT_S = 86_400.0
"""The longest wait a server is believed: a day. Longer ones are read as a day; no wait is
ever started past the request's deadline (`llm.timeout`) anyway, so this only bounds what is
reported and computed."""
MAX_COUNT = 2**53
"""The largest count a server is believed (exact in a float, within SQLite's integers)."""


def retry_after_seconds(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """The wait a server asked for: `retry-after-ms` (OpenAI, Anthropic), then `retry-after` in
    seconds or as an HTTP date (RFC 9110 section 10.2.3). None when absent or unreadable: not a
    finite number of seconds of 0 or more, or a date without a zone (RFC 9110 dates are GMT;
    a zoneless one could be any time). Header names are matched in any case."""
    lowered = {str(key).lower(): str(value) for key, value in headers.items()}
    milliseconds = non_negative_number(lowered.get("retry-after-ms"))
    if milliseconds is not None:
        return bounded_wait(milliseconds / 1000.0)
    value = lowered.get("retry-after")
    if value is None:
        return None
    seconds = non_negative_number(value)
    if seconds is not None:
        return bounded_wait(seconds)
    try:
        from email.utils import parsedate_to_datetime  # only for dates: a slow import

        moment = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        return None
    current = time.time() if now is None else now
    return bounded_wait(max(0.0, moment.timestamp() - current))


def bounded_wait(seconds: float) -> float:
    """A wait a server asked for, at most `MAX_WAIT_S`."""
    return min(seconds, MAX_WAIT_S)


def bounded_count(number: float) -> int:
    """A count a server gave (finite, 0 or more), as an int of at most `MAX_COUNT`."""
    return MAX_COUNT if number >= MAX_COUNT else int(number)


def non_negative_number(value: str | None) -> float | None:
    """A header value as a finite number of 0 or more (`12`, `1.5`); None otherwise. The one
    number reader of provider headers (Retry-After here, rate-limit budgets and resets in
    `rate_limits.py`)."""
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    if not math.isfinite(number) or number < 0:
        return None
    return number


__all__ = [
    "MAX_COUNT",
    "MAX_WAIT_S",
    "bounded_count",
    "bounded_wait",
    "non_negative_number",
    "retry_after_seconds",
]
