"""When to retry a failed model request, and how long to wait first: pure policy, no I/O.

Kept apart from `http.py` so every rule is unit-tested with plain values and no clock. The
rules follow what the providers document (OpenAI: "retry 408, 409, 429 and >= 500 with
exponential backoff"; Anthropic: 429 and 529 `overloaded_error`, honour `retry-after`):

- only before the first content event (the caller checks that: a retry after text reached the
  user would show it twice);
- connection failures, connect and first-event timeouts, HTTP 408, 409, 429 and >= 500;
- never 400, 401, 403, 404, 413 or 422: sending the same request again cannot succeed;
- a server's `x-should-retry: true|false` header overrides all of the above (the official SDKs
  obey it; OpenAI sets it on some 4xx that are transient and some 5xx that are not);
- the wait is `min(0.5 * 2**n, 8)` seconds times a random factor in [0.75, 1] for retry n,
  unless the server asked for one with `retry-after-ms` or `retry-after` (seconds or an HTTP
  date); a server wait above 60 s is not waited out: the error is raised at once, carrying it;
- a llama.cpp server that answers 503 `Loading model` is not retried on this schedule: it is
  waited for (its `/health` polled every `loading_poll` s) for up to `max_loading_wait` s and
  never past the request's total deadline, because loading a model takes seconds to minutes
  and the server says when it is done. `WaitStatus` is what the UI is told meanwhile.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from solcoder.errors import (
    ConnectError,
    ConnectTimeoutError,
    FirstEventTimeoutError,
    LLMError,
    LLMTimeoutError,
    ProviderUnavailableError,
    RateLimitError,
    UsageError,
)
from solcoder.llm.wire.headers import retry_after_seconds

MAX_RETRIES_LIMIT = 10
MAX_LOADING_WAIT_S = 120.0
"""How long a request waits for a llama.cpp server to load its model (a big GGUF file read
from a slow disk takes a minute or two); the request's total deadline still applies."""
LOADING_POLL_S = 0.5
"""How often `/health` is asked while the server loads: loopback, so cheap, and short enough
that the request goes out soon after the model is ready."""
RETRYABLE_STATUSES = frozenset({408, 409, 429})
"""Plus every status >= 500 (Anthropic's 529 `overloaded_error` included)."""


@dataclass(frozen=True, slots=True)
class RetryRecord:
    """Why one attempt was retried; kept in `CallStats.retries` for telemetry."""

    attempt: int
    """The attempt that failed, counted from 1."""
    reason: str
    """The failure's `kind` (`rate_limited`, `connect_timeout`, `server_error`, ...)."""
    status: int | None
    wait: float
    """Seconds slept before the next attempt."""


@dataclass(frozen=True, slots=True)
class WaitStatus:
    """A wait the user should see while it lasts, for a status line: a llama.cpp server
    loading its model. Reported when the wait starts, about once a second, and once more when
    it ends (`done`: the model is ready, or we stopped waiting), so the UI can clear the line."""

    provider: str
    server: str
    """The server's root URL, without credentials."""
    waited: float
    """Seconds since the server first said it was loading."""
    limit: float
    """Seconds the request waits at most."""
    state: Literal["loading", "ready", "stopped"] = "loading"
    """`stopped`: the bound passed or the request was cancelled."""

    @property
    def done(self) -> bool:
        return self.state != "loading"

    @property
    def text(self) -> str:
        """One line for the user, e.g. `llama.cpp server at URL is loading its model… 12 s`."""
        seconds = f"{self.waited:.0f} s"
        if self.state == "ready":
            return f"llama.cpp server at {self.server} loaded its model in {seconds}."
        if self.state == "stopped":
            return f"Stopped waiting for the llama.cpp server at {self.server} after {seconds}."
        return f"llama.cpp server at {self.server} is loading its model… {seconds}"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Retry budget and backoff shape for one model request."""

    max_retries: int = 2
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_server_wait: float = 60.0
    """The longest `retry-after` we sleep through; beyond it the error is raised at once."""
    max_loading_wait: float = MAX_LOADING_WAIT_S
    """The longest wait for a server that says it is loading its model."""
    loading_poll: float = LOADING_POLL_S
    """Seconds between two `/health` probes while it loads."""

    def __post_init__(self) -> None:
        if not 0 <= self.max_retries <= MAX_RETRIES_LIMIT:
            raise UsageError(
                f"max_retries must be between 0 and {MAX_RETRIES_LIMIT}, not {self.max_retries}.",
                hint="Set --max-retries (llm.max_retries) to a value in that range.",
            )

    def backoff(self, retry_index: int, jitter: float = 1.0) -> float:
        """Our own wait before retry `retry_index` (0-based); `jitter` is in [0.75, 1]."""
        return min(self.base_delay * 2.0**retry_index, self.max_delay) * jitter

    def wait_before_retry(
        self,
        error: LLMError,
        headers: Mapping[str, str] | None,
        retry_index: int,
        *,
        jitter: float = 1.0,
        now: float | None = None,
    ) -> float | None:
        """Seconds to sleep before retry `retry_index` (0-based), or None when `error` is final:
        not retryable, retries used up, or the server asked for a wait above the cap.

        `headers` are the failed response's headers (None when there was no HTTP response);
        `now` is the wall-clock time used to read an HTTP-date `retry-after`.
        """
        if retry_index >= self.max_retries or not is_retryable(error, headers):
            return None
        server_wait = retry_after_seconds(headers, now=now) if headers is not None else None
        if server_wait is None:
            return self.backoff(retry_index, jitter)
        if server_wait > self.max_server_wait:
            return None
        return server_wait


def is_retryable(error: LLMError, headers: Mapping[str, str] | None = None) -> bool:
    """Whether sending the same request again may succeed (ignoring the retry budget)."""
    if error.retryable is False:
        return False
    if headers is not None:
        should_retry = headers.get("x-should-retry")
        if should_retry == "true":
            return True
        if should_retry == "false":
            return False
    if isinstance(error, LLMTimeoutError):
        # Idle and total timeouts are never retried: the first means the server stalled
        # mid-answer, the second that the request's whole budget is spent.
        return isinstance(error, ConnectTimeoutError | FirstEventTimeoutError)
    if isinstance(error, ConnectError):
        return True
    status = error.status
    if status is not None:
        return status in RETRYABLE_STATUSES or status >= 500
    # An error event inside a 200 stream (Anthropic's `overloaded_error`, an OpenAI
    # `server_error` chunk) has no status: its class says whether it is transient.
    return isinstance(error, RateLimitError | ProviderUnavailableError)
