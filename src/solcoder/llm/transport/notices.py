"""What the transport tells the user about while a request has not begun to answer: a retry,
a rate limit seen or waited out, a server loading its model (`retry.WaitStatus`).

They travel on `HttpStreamer.on_status`, a hook the CLI points at the sink of the run (one
stderr line, a countdown on a terminal, a `retry` / `rate_limit` JSON event), not on the
provider's event stream: they happen before any reply exists, inside the retry loop, and as
stream events every consumer of a reply (budget, telemetry, replay, the orchestrator) would
have to step over them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from solcoder.llm.transport.retry import WaitStatus
from solcoder.llm.wire.rate_limits import Dimension, LimitWindow, RateLimitSnapshot


@dataclass(frozen=True, slots=True)
class RetryNotice:
    """A failed attempt is about to be retried after `delay_s` seconds."""

    provider: str
    attempt: int
    """The attempt that failed, counted from 1 (so also the number of this retry)."""
    max_retries: int
    reason: str
    """The failure's `kind` (`server_error`, `rate_limited`, `connect_timeout`, …)."""
    status: int | None
    delay_s: float

    @property
    def text(self) -> str:
        status = f" (HTTP {self.status})" if self.status is not None else ""
        return (
            f"{self.provider}: {self.reason.replace('_', ' ')}{status}; retry "
            f"{self.attempt} of {self.max_retries} in {self.delay_s:.1f} s."
        )

    def record(self) -> dict[str, object]:
        """The `retry` JSON event (DESIGN.md section 5, plus the limit and the HTTP status)."""
        return {
            "type": "retry",
            "provider": self.provider,
            "attempt": self.attempt,
            "max_retries": self.max_retries,
            "reason": self.reason,
            "status": self.status,
            "delay_s": round(self.delay_s, 3),
        }


@dataclass(frozen=True, slots=True)
class RateLimitNotice:
    """The provider's announced budgets: `seen` on a response, `waiting` while a request
    waits for a refill (reported when the wait starts and once a second), `done` at its end."""

    provider: str
    snapshot: RateLimitSnapshot
    state: Literal["seen", "waiting", "done"] = "seen"
    wait_s: float = 0.0
    """For `waiting`: the seconds still to wait; the first report holds the whole wait."""
    first: bool = True
    """For `waiting`: the report that starts the wait (later ones are the countdown)."""
    dimension: Dimension | None = None
    """For `waiting`: the budget that is short."""
    now: float = 0.0
    """Wall-clock time of the report, to turn reset times into seconds."""

    def window(self, dimension: Dimension) -> LimitWindow | None:
        value: LimitWindow | None = getattr(self.snapshot, dimension)
        return value

    @property
    def text(self) -> str:
        """One line for the user while waiting: `openai rate limit: 0 of 3 requests left;
        waiting 2 s for the reset (Ctrl-C cancels)`."""
        short = self.dimension or "requests"
        window = self.window(short)
        left = ""
        if window is not None and window.remaining is not None:
            size = f" of {window.limit}" if window.limit is not None else ""
            left = f": {window.remaining}{size} {short.replace('_', ' ')} left"
        return (
            f"{self.provider} rate limit{left}; waiting {_ceil(self.wait_s)} s for the reset "
            "(Ctrl-C cancels)"
        )

    def record(self) -> dict[str, object]:
        """The `rate_limit` JSON event (DESIGN.md section 5, plus limits and the wait)."""
        requests = self.snapshot.requests
        tokens = self.snapshot.tokens or self.snapshot.input_tokens
        reset = self.snapshot.reset_in(self.now)
        return {
            "type": "rate_limit",
            "provider": self.provider,
            "remaining_requests": requests.remaining if requests else None,
            "remaining_tokens": tokens.remaining if tokens else None,
            "limit_requests": requests.limit if requests else None,
            "limit_tokens": tokens.limit if tokens else None,
            "reset_s": round(reset, 3) if reset is not None else None,
            "wait_s": round(self.wait_s, 3),
            "limited_by": self.dimension,
        }


TransportNotice = WaitStatus | RetryNotice | RateLimitNotice


def _ceil(seconds: float) -> int:
    whole = int(seconds)
    return whole + 1 if seconds > whole else whole


__all__ = ["RateLimitNotice", "RetryNotice", "TransportNotice"]
