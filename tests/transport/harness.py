"""Runs one model call through the real client, sync or async, and reports what happened.

The transport tests state each case once and run it through both public APIs; this module is
the only place that knows how to drive each of them, and it checks for leaked connections on
the client side (the pool has no request in flight) after every call.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from solcoder.errors import LLMError
from solcoder.llm.catalog.providers import ProviderSpec
from solcoder.llm.events import Completed, Event
from solcoder.llm.messages import Message, Request
from solcoder.llm.providers.client import CallStats, LLMClient
from solcoder.llm.transport.deadline import Timeouts
from solcoder.llm.transport.retry import RetryPolicy
from tests.support.fake_llm_server import FakeLLMServer

FAKE_KEY = "sk-test-transport-0000"
FAST = Timeouts(connect=1.0, first_event=0.5, idle=0.5, total=5.0)
REQUEST = Request(model="fake-model", messages=(Message.user("hello"),))
MODES = ("async", "sync")


@dataclass
class Outcome:
    events: list[Event]
    error: LLMError | None
    elapsed: float
    stats: CallStats | None
    pool_requests_in_flight: int

    @property
    def completed(self) -> Completed:
        last = self.events[-1]
        assert isinstance(last, Completed), self.events
        return last


def make_client(
    server_or_url: FakeLLMServer | str,
    api: str,
    *,
    timeouts: Timeouts = FAST,
    max_retries: int = 2,
    base_delay: float = 0.01,
    api_key: str | None = FAKE_KEY,
    **options: object,
) -> LLMClient:
    """A client for the fake server; backoff is shortened (waiting adds nothing to a test)."""
    if isinstance(server_or_url, FakeLLMServer):
        base_url = server_or_url.base_url(api)
    else:
        base_url = server_or_url
    spec = ProviderSpec(name="fake", api=api, base_url=base_url, models=("fake-model",))  # type: ignore[arg-type]
    policy = RetryPolicy(max_retries=max_retries, base_delay=base_delay)
    return LLMClient(
        spec,
        model="fake-model",
        api_key=api_key,
        timeouts=timeouts,
        retry_policy=policy,
        **options,  # type: ignore[arg-type]
    )


def in_flight(client: LLMClient) -> int:
    """Requests the client's connection pool still holds (0 when nothing leaked)."""
    pool = getattr(getattr(client._http, "_transport", None), "_pool", None)
    return len(getattr(pool, "_requests", ()))


def call(
    mode: str,
    make: Callable[[], LLMClient],
    request: Request = REQUEST,
    *,
    stop_after: int | None = None,
) -> Outcome:
    """One streamed call through the `mode` API; `stop_after` leaves the stream early."""
    if mode == "sync":
        return _call_sync(make, request, stop_after)
    return asyncio.run(_call_async(make, request, stop_after))


def _call_sync(make: Callable[[], LLMClient], request: Request, stop_after: int | None) -> Outcome:
    events: list[Event] = []
    error: LLMError | None = None
    with make() as client:
        started = time.monotonic()
        stream = client.stream(request)
        try:
            for event in stream:
                events.append(event)
                if stop_after is not None and len(events) >= stop_after:
                    break
        except LLMError as exc:
            error = exc
        finally:
            stream.close()  # type: ignore[attr-defined]
        elapsed = time.monotonic() - started
        leaked = in_flight(client)
        stats = client.last_stats
    return Outcome(events, error, elapsed, stats, leaked)


async def _call_async(
    make: Callable[[], LLMClient], request: Request, stop_after: int | None
) -> Outcome:
    events: list[Event] = []
    error: LLMError | None = None
    async with make() as client:
        started = time.monotonic()
        stream = client.astream(request)
        try:
            async for event in stream:
                events.append(event)
                if stop_after is not None and len(events) >= stop_after:
                    break
        except LLMError as exc:
            error = exc
        finally:
            await stream.aclose()  # type: ignore[attr-defined]
        elapsed = time.monotonic() - started
        leaked = in_flight(client)
        stats = client.last_stats
    return Outcome(events, error, elapsed, stats, leaked)


def wait_until(condition: Callable[[], bool], timeout: float = 2.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()
