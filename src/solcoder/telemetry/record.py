"""One row of telemetry: what a single model call did, with no prompt or reply unless opted in.

Kept separate from the store and the recorder so the field list, the failure-class lookup and the
rate-limit header reading are defined once and read by every view (SQLite, `logs`, `stats`,
OpenTelemetry).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from solcoder.errors import failure_classes
from solcoder.records import shared_methods

if TYPE_CHECKING:
    from solcoder.llm.transport.retry import RetryRecord


def failure_class(outcome: str) -> str | None:
    """The class of a failed outcome (None for `ok`); unknown kinds are `other`."""
    if outcome == "ok":
        return None
    # Read off the error tree each time: errors defined in other modules join it on import.
    return failure_classes().get(outcome, "other")


@shared_methods
@dataclass(slots=True, eq=False, repr=False)
class CallRecord:
    """One model call. Times are seconds (wall clock for `started_at`); None means unknown."""

    started_at: float
    provider: str
    model: str
    outcome: str
    """`ok`, the error's `kind` (`rate_limited`, `idle_timeout`, ...) or `cancelled`."""
    session_id: str = ""
    turn: int | None = None
    wire_api: str | None = None
    endpoint_host: str | None = None
    response_id: str | None = None
    response_model: str | None = None
    """The model the provider says answered (often a dated snapshot of `model`)."""
    request_id: str | None = None
    """The provider's request id header (x-request-id / request-id), for support tickets."""
    http_status: int | None = None
    attempts: int = 1
    retries: list[RetryRecord] = field(default_factory=list)
    time_to_first_token: float | None = None
    latency: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None
    reasoning_tokens: int | None = None
    usage_estimated: bool = False
    cost_usd: float | None = None
    cost_uncached_usd: float | None = None
    """What the call would have cost without prompt caching (cached tokens at the full input
    price): `stats` reports the difference as money saved."""
    rate_limit_headers: dict[str, str] = field(default_factory=dict)
    fallback: bool = False
    """Served by the offline provider after the configured provider failed."""
    purpose: str = "turn"
    """"turn" (the conversation) or "compaction" (a summary of older history)."""
    stop_reason: str | None = None
    prompt_text: str | None = None
    reply_text: str | None = None

    @property
    def failure_class(self) -> str | None:
        return failure_class(self.outcome)

    def retries_json(self) -> str:
        return json.dumps([asdict(retry) for retry in self.retries], separators=(",", ":"))


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class RateLimits:
    """The remaining budget a provider announced, read from its response headers."""

    remaining_requests: int | None = None
    remaining_tokens: int | None = None
    reset: str | None = None
    """When the tighter of the two budgets refills, as the provider wrote it."""


def read_rate_limits(headers: Mapping[str, str]) -> RateLimits:
    """Read the vendors' rate-limit headers.

    OpenAI, Groq, DeepSeek and most OpenAI-compatible hosts send `x-ratelimit-remaining-requests`,
    `x-ratelimit-remaining-tokens` and `x-ratelimit-reset-{requests,tokens}` (durations such as
    `6m0s`; https://platform.openai.com/docs/guides/rate-limits#rate-limits-in-headers);
    Anthropic sends `anthropic-ratelimit-{requests,tokens}-{remaining,reset}` (RFC 3339 times;
    https://docs.anthropic.com/en/api/rate-limits#response-headers); OpenRouter and others
    send a bare `x-ratelimit-remaining` / `x-ratelimit-reset`; Mistral sends token budgets as
    `x-ratelimitbysize-remaining-minute` and `ratelimitbysize-reset` (seconds). Values that are
    not numbers (placeholders in recordings) are ignored.
    """
    lowered = {key.lower(): value for key, value in headers.items()}

    def first(*names: str) -> str | None:
        for name in names:
            value = lowered.get(name)
            if value:
                return value
        return None

    requests = _integer(
        first(
            "x-ratelimit-remaining-requests",
            "anthropic-ratelimit-requests-remaining",
            "x-ratelimit-remaining",
        )
    )
    tokens = _integer(
        first(
            "x-ratelimit-remaining-tokens",
            "anthropic-ratelimit-tokens-remaining",
            "x-ratelimitbysize-remaining-minute",  # Mistral: tokens left this minute
            "ratelimitbysize-remaining",
        )
    )
    request_reset = first(
        "x-ratelimit-reset-requests", "anthropic-ratelimit-requests-reset", "x-ratelimit-reset"
    )
    token_reset = first(
        "x-ratelimit-reset-tokens", "anthropic-ratelimit-tokens-reset", "ratelimitbysize-reset"
    )
    retry_after = first("retry-after")
    # When calls flow again: the exhausted budget's reset; else the server's wait when a
    # budget is spent or none is announced (Anthropic also sends retry-after on a 200, which
    # then means nothing); else the requests budget's reset.
    reset: str | None
    if tokens == 0 and token_reset:
        reset = token_reset
    elif requests == 0 and request_reset:
        reset = request_reset
    elif retry_after and (0 in (requests, tokens) or (requests is None and tokens is None)):
        reset = retry_after
    else:
        reset = request_reset or token_reset
    return RateLimits(requests, tokens, reset)


def endpoint_host(base_url: str | None) -> str | None:
    """`host[:port]` of a base URL: never its path, query, or user information."""
    if not base_url:
        return None
    try:
        parts = urlsplit(base_url)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    if not host:
        return None
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"{host}:{port}" if port else host


def _integer(value: str | None) -> int | None:
    """A count as the transport reads it (`parse_count`): 0 or more, at most 2**53, so a
    hostile `remaining` (`1e30`, `inf`) never overflows SQLite's integers and loses the row."""
    from solcoder.llm.wire.rate_limits import parse_count  # the record stays cheap to import

    return parse_count(value)
