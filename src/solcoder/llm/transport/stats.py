"""What one model request measured: kept by the HTTP client, read by telemetry and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field

from solcoder.llm.transport.retry import RetryRecord


@dataclass(slots=True)
class CallStats:
    """Measurements of one model request, for telemetry and `--dry-run-llm`; times in seconds."""

    provider: str
    model: str
    attempts: int = 0
    status: int | None = None
    """HTTP status of the last response seen (None if no response arrived)."""
    time_to_first_token: float | None = None
    """From the start of the request (first attempt) to the first content event."""
    latency: float | None = None
    """From the start of the request to its end, success or failure."""
    retries: list[RetryRecord] = field(default_factory=list)
    rate_limits: dict[str, str] = field(default_factory=dict)
    """Rate-limit headers of the last response (x-ratelimit-*, anthropic-ratelimit-*,
    retry-after*), as sent."""
    request_id: str | None = None
    outcome: str = "pending"
    """`ok`, the error's `kind`, `cancelled`, or `closed` (the consumer stopped early)."""
