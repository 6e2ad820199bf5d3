"""Pure reader of the rate-limit headers providers send on every response, beside `headers.py`
(the one Retry-After reader): the transport keeps what this returns and paces requests by it.

What the providers document:
- OpenAI (and Groq, DeepSeek, most OpenAI-compatible hosts): `x-ratelimit-limit-requests`,
  `x-ratelimit-limit-tokens`, `x-ratelimit-remaining-requests`, `x-ratelimit-remaining-tokens`,
  `x-ratelimit-reset-requests`, `x-ratelimit-reset-tokens`; resets are Go-style durations
  until the budget refills (`1s`, `6m0s`, `20ms`, `2m59.56s`)
  (https://platform.openai.com/docs/guides/rate-limits#rate-limits-in-headers).
- Anthropic: `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,
  reset}`; resets are RFC 3339 times (https://docs.anthropic.com/en/api/rate-limits).
- OpenRouter and others: a bare `x-ratelimit-limit` / `-remaining` / `-reset` for requests,
  the reset as epoch milliseconds (or seconds).

A reset is read as a duration, a plain number of seconds, an epoch time (seconds or
milliseconds) or an RFC 3339 time, whichever it looks like; anything else is None. The parser
never raises: headers come from outside, and a garbled one must not fail a good response.
Hostile numbers are clamped here (`headers.py`): a reset at most `MAX_WAIT_S` (a day) from
now, a count at most `MAX_COUNT` (2**53).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from solcoder.llm.wire.headers import MAX_WAIT_S, bounded_count, non_negative_number
from solcoder.patterns import lazy_pattern

Dimension = Literal["requests", "tokens", "input_tokens", "output_tokens"]
DIMENSIONS: tuple[Dimension, ...] = ("requests", "tokens", "input_tokens", "output_tokens")

_MAX_VALUE_CHARS = 64
"""Longer values are not rate-limit values; skipping them bounds the parser's work."""
_DURATION = lazy_pattern(r"(?:\d+(?:\.\d*)?(?:ns|us|µs|ms|h|m|s))+")
_DURATION_PART = lazy_pattern(r"(\d+(?:\.\d*)?)(ns|us|µs|ms|h|m|s)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_EPOCH_SECONDS = 1e9
"""A plain number above this (2001-09-09) is a moment, not a number of seconds to wait."""
_EPOCH_MILLISECONDS = 1e12


@dataclass(frozen=True, slots=True)
class LimitWindow:
    """One budget a provider announced: how big it is, what is left, when it refills."""

    limit: int | None
    remaining: int | None
    reset_at: float | None
    """Wall-clock time (seconds since the epoch) of the refill; None when not said."""

    def reset_in(self, now: float) -> float | None:
        """Seconds from `now` to the refill (0 once it passed); None when unknown."""
        if self.reset_at is None:
            return None
        return max(0.0, self.reset_at - now)


@dataclass(frozen=True, slots=True)
class RateLimitSnapshot:
    """Every budget one response announced, and when it was seen."""

    seen_at: float
    requests: LimitWindow | None = None
    tokens: LimitWindow | None = None
    """Input plus output (OpenAI's TPM; Anthropic's combined tokens budget)."""
    input_tokens: LimitWindow | None = None
    output_tokens: LimitWindow | None = None

    def windows(self) -> list[tuple[Dimension, LimitWindow]]:
        """The announced budgets, in a fixed order."""
        found = [(name, getattr(self, name)) for name in DIMENSIONS]
        return [(name, window) for name, window in found if window is not None]

    def reset_in(self, now: float) -> float | None:
        """Seconds until the latest announced refill: when every budget is whole again."""
        waits = [w.reset_in(now) for _, w in self.windows()]
        known = [wait for wait in waits if wait is not None]
        return max(known) if known else None


_OPENAI_NAMES: dict[Dimension, tuple[str, str, str]] = {
    "requests": (
        "x-ratelimit-limit-requests",
        "x-ratelimit-remaining-requests",
        "x-ratelimit-reset-requests",
    ),
    "tokens": (
        "x-ratelimit-limit-tokens",
        "x-ratelimit-remaining-tokens",
        "x-ratelimit-reset-tokens",
    ),
}
_BARE_NAMES = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")
"""OpenRouter's request budget (its reset in epoch milliseconds)."""


def parse_rate_limits(headers: Mapping[str, str], *, now: float) -> RateLimitSnapshot | None:
    """The budgets `headers` announce (names in any case), read at wall-clock time `now`;
    None when they announce none."""
    lowered: dict[str, str] = {}
    try:
        for key, value in headers.items():
            name = str(key).lower()
            if "ratelimit" in name:
                lowered[name] = str(value)
    except Exception:  # a foreign mapping that fails while iterated: nothing announced
        return None
    found: dict[Dimension, LimitWindow] = {}
    for dimension in DIMENSIONS:
        header = dimension.replace("_", "-")
        prefix = f"anthropic-ratelimit-{header}-"
        anthropic = (prefix + "limit", prefix + "remaining", prefix + "reset")
        window = _window(lowered, anthropic, now)
        if window is None and dimension in _OPENAI_NAMES:
            window = _window(lowered, _OPENAI_NAMES[dimension], now)
        if window is None and dimension == "requests":
            window = _window(lowered, _BARE_NAMES, now)
        if window is not None:
            found[dimension] = window
    if not found:
        return None
    return RateLimitSnapshot(seen_at=now, **found)


def _window(
    lowered: Mapping[str, str], names: tuple[str, str, str], now: float
) -> LimitWindow | None:
    limit_name, remaining_name, reset_name = names
    limit = parse_count(lowered.get(limit_name))
    remaining = parse_count(lowered.get(remaining_name))
    reset_at = parse_reset(lowered.get(reset_name), now=now)
    if limit is None and remaining is None:
        return None  # a reset alone says nothing about what is left
    return LimitWindow(limit, remaining, reset_at)


def parse_count(value: str | None) -> int | None:
    """A budget size or what is left of it: a whole number of 0 or more (`12`, `12.0`), at
    most `MAX_COUNT`."""
    if value is None or len(value) > _MAX_VALUE_CHARS:
        return None
    number = non_negative_number(value)
    return None if number is None else bounded_count(number)


def parse_duration(value: str) -> float | None:
    """Seconds in a Go-style duration (`1s`, `6m0s`, `20ms`, `1h2m3.5s`); None otherwise."""
    text = value.strip()
    if len(text) > _MAX_VALUE_CHARS or not _DURATION().fullmatch(text):
        return None
    total = sum(
        float(amount) * _UNIT_SECONDS[unit] for amount, unit in _DURATION_PART().findall(text)
    )
    return total if math.isfinite(total) else None


def parse_reset(value: str | None, *, now: float) -> float | None:
    """The wall-clock time a budget refills, from a duration, seconds, an epoch time (seconds
    or milliseconds) or an RFC 3339 time, at most `MAX_WAIT_S` after `now`; None when it is
    none of these."""
    reset_at = _reset_at(value, now)
    return None if reset_at is None else min(reset_at, now + MAX_WAIT_S)


def _reset_at(value: str | None, now: float) -> float | None:
    if value is None or len(value) > _MAX_VALUE_CHARS:
        return None
    text = value.strip()
    if not text:
        return None
    duration = parse_duration(text)
    if duration is not None:
        return now + duration
    number = non_negative_number(text)
    if number is None:
        return _rfc3339(text)
    if number >= _EPOCH_MILLISECONDS:
        return number / 1000.0
    if number >= _EPOCH_SECONDS:
        return number
    return now + number


def _rfc3339(text: str) -> float | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None  # RFC 3339 times carry a zone; a zoneless one could be any time
    try:
        return moment.timestamp()
    except (OverflowError, OSError, ValueError):
        return None


__all__ = [
    "DIMENSIONS",
    "Dimension",
    "LimitWindow",
    "RateLimitSnapshot",
    "parse_count",
    "parse_duration",
    "parse_rate_limits",
    "parse_reset",
]
