"""Pure readers of provider response headers, shared by the wire layer (error messages) and the
transport layer (the retry policy), so both read a header the same way.

Before: `Retry-After` had two parsers; `retry-after: inf` gave the hint "Wait about inf s"
while the policy ignored it, and negative values and dates without a zone disagreed too.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping


def retry_after_seconds(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """The wait a server asked for: `retry-after-ms` (OpenAI, Anthropic), then `retry-after` in
    seconds or as an HTTP date (RFC 9110 section 10.2.3). None when absent or unreadable: not a
    finite number of seconds of 0 or more, or a date without a zone (RFC 9110 dates are GMT;
    a zoneless one could be any time). Header names are matched in any case."""
    lowered = {str(key).lower(): str(value) for key, value in headers.items()}
    milliseconds = non_negative_number(lowered.get("retry-after-ms"))
    if milliseconds is not None:
        return milliseconds / 1000.0
    value = lowered.get("retry-after")
    if value is None:
        return None
    seconds = non_negative_number(value)
    if seconds is not None:
        return seconds
    try:
        from email.utils import parsedate_to_datetime  # only for dates: a slow import

        moment = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, moment.timestamp() - current)


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


__all__ = ["non_negative_number", "retry_after_seconds"]
