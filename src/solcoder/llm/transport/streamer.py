"""What every request to one provider shares: its connection pool and `HttpStreamer`.

Split from `http` (one HTTP exchange, the only network I/O) because this is configuration,
set up once per provider: the httpx2 client (proxies from the environment, TLS, no
redirects), the deadlines, size limits, retry policy, secrets to redact, pacing and the
`on_status` listener that each `Exchange` reads.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

import httpx2

from solcoder.llm.transport.deadline import Timeouts
from solcoder.llm.transport.notices import TransportNotice
from solcoder.llm.transport.pacing import Pacer
from solcoder.llm.transport.retry import RetryPolicy
from solcoder.llm.transport.tls import ssl_context_from_environment
from solcoder.secret import Secret

DEFAULT_MAX_EVENT_BYTES = 8 * 2**20
DEFAULT_MAX_RESPONSE_BYTES = 64 * 2**20


def build_http_client(
    timeouts: Timeouts, *, transport: httpx2.AsyncBaseTransport | None = None
) -> httpx2.AsyncClient:
    """One connection pool for one provider. Proxies (HTTPS_PROXY, NO_PROXY, ...) come from
    the environment; only the connect timeout is httpx2's, the others are ours."""
    return httpx2.AsyncClient(
        timeout=httpx2.Timeout(connect=timeouts.connect, read=None, write=None, pool=None),
        limits=httpx2.Limits(
            max_connections=256, max_keepalive_connections=32, keepalive_expiry=60.0
        ),
        verify=ssl_context_from_environment() if transport is None else True,
        trust_env=True,
        transport=transport,
        follow_redirects=False,
    )


class HttpStreamer:
    """What every request to one provider shares: the pool, deadlines, limits, retry policy."""

    def __init__(
        self,
        http: httpx2.AsyncClient,
        *,
        provider: str,
        models: Sequence[str] = (),
        timeouts: Timeouts,
        policy: RetryPolicy,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        secrets: Sequence[Secret] = (),
        jitter: Callable[[], float] = lambda: random.uniform(0.75, 1.0),
        on_status: Callable[[TransportNotice], None] | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        self.http = http
        self.provider = provider
        self.models = tuple(models)
        self.timeouts = timeouts.clamped()
        self.policy = policy
        self.max_event_bytes = max_event_bytes
        self.max_response_bytes = max_response_bytes
        self.secrets: tuple[Secret, ...] = tuple(secret for secret in secrets if secret)
        self.jitter = jitter
        self.on_status = on_status
        """Told about waits the user should see (a server loading its model), on the event
        loop's thread; None: nobody is shown them. Settable after construction."""
        self.pacer = pacer
        """Reads every response's rate-limit headers and paces requests by them (`pacing.py`);
        None: no pacing."""

    def tell(self, notice: TransportNotice) -> None:
        """Hand `notice` to `on_status`, if anyone listens."""
        if self.on_status is not None:
            self.on_status(notice)
