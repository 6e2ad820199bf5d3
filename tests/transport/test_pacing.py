"""Rate limits seen in advance, under the real client against a loopback server that enforces
them (`RateLimitRule`): the client paces by the headers instead of collecting 429s, a wait
longer than the deadline fails at once, a cancelled wait sends nothing, and every retry and
wait is reported on `on_status`."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import pytest

from solcoder.errors import RateLimitError
from solcoder.llm.events import Completed
from solcoder.llm.messages import Request
from solcoder.llm.providers.client import LLMClient
from solcoder.llm.transport.deadline import Timeouts
from solcoder.llm.transport.notices import RateLimitNotice, RetryNotice, TransportNotice
from solcoder.llm.transport.pacing import Pacer, RateLimitBook
from solcoder.llm.wire.rate_limits import RateLimitSnapshot
from tests.support.fake_llm_server import FakeLLMServer, RateLimitRule, Reply
from tests.transport.harness import FAST, REQUEST, make_client

API_OF_STYLE = {"openai": "chat", "anthropic": "messages"}


class ForgetfulBook(RateLimitBook):
    """Sees nothing: the client as it was before pacing (the control case)."""

    def update(self, provider: str, base_url: str, snapshot: RateLimitSnapshot) -> None:
        return None


def client_for(
    server: FakeLLMServer,
    api: str,
    notices: list[TransportNotice],
    *,
    book: RateLimitBook | None = None,
    timeouts: Timeouts = FAST,
    max_retries: int = 2,
) -> LLMClient:
    base_url = server.base_url(api).rstrip("/")
    pacer = Pacer("fake", base_url, book=book if book is not None else RateLimitBook())
    return make_client(
        server,
        api,
        timeouts=timeouts,
        max_retries=max_retries,
        on_status=notices.append,
        pacer=pacer,
    )


async def calls(client: LLMClient, count: int, request: Request = REQUEST) -> list[Completed]:
    async with client:
        return [await client.acomplete(request) for _ in range(count)]


@pytest.mark.parametrize("style", ["openai", "anthropic"])
def test_paces_instead_of_collecting_429s(style: str) -> None:
    rule = RateLimitRule(requests=2, window_s=1.2, style=style)
    notices: list[TransportNotice] = []
    with FakeLLMServer(default=Reply(text="ok"), rate_limit=rule, lifetime=30) as server:
        started = time.monotonic()
        done = asyncio.run(calls(client_for(server, API_OF_STYLE[style], notices), 4))
        elapsed = time.monotonic() - started
        assert server.rate_limited == 0
        assert len(server.requests) == 4
    assert [c.message.text for c in done] == ["ok"] * 4
    assert elapsed >= 1.0  # the third request waited for the window's reset
    waits = [n for n in notices if isinstance(n, RateLimitNotice) and n.state == "waiting"]
    assert waits and waits[0].first and waits[0].dimension == "requests"
    assert 0 < waits[0].wait_s <= 1.2
    assert "waiting" in waits[0].text and "0 of 2 requests left" in waits[0].text
    assert any(isinstance(n, RateLimitNotice) and n.state == "done" for n in notices)
    seen = [n for n in notices if isinstance(n, RateLimitNotice) and n.state == "seen"]
    assert len(seen) == 4
    record = seen[0].record()
    assert record["remaining_requests"] == 1
    assert record["limit_requests"] == 2
    assert not any(isinstance(n, RetryNotice) for n in notices)


def test_control_without_pacing_the_server_refuses() -> None:
    """The same run with a client that forgets the headers: the server sends 429s, so the
    zero above is pacing's doing (and the retries show as notices)."""
    rule = RateLimitRule(requests=2, window_s=1.2)
    notices: list[TransportNotice] = []
    with FakeLLMServer(default=Reply(text="ok"), rate_limit=rule, lifetime=30) as server:
        client = client_for(server, "chat", notices, book=ForgetfulBook())
        asyncio.run(calls(client, 3))
        assert server.rate_limited >= 1
    retries = [n for n in notices if isinstance(n, RetryNotice)]
    assert retries and retries[0].reason == "rate_limited" and retries[0].status == 429


def test_token_budget_paces_by_the_estimated_request() -> None:
    rule = RateLimitRule(requests=100, window_s=1.2, tokens=1000, tokens_per_request=600)
    notices: list[TransportNotice] = []
    request = replace(REQUEST, max_tokens=600)
    with FakeLLMServer(default=Reply(text="ok"), rate_limit=rule, lifetime=30) as server:
        asyncio.run(calls(client_for(server, "chat", notices), 2, request))
        assert server.rate_limited == 0
    waits = [n for n in notices if isinstance(n, RateLimitNotice) and n.state == "waiting"]
    assert waits and waits[0].dimension == "tokens"


def test_a_wait_past_the_deadline_fails_at_once_with_exit_4() -> None:
    rule = RateLimitRule(requests=1, window_s=30)
    notices: list[TransportNotice] = []
    timeouts = replace(FAST, total=3.0)
    with FakeLLMServer(default=Reply(text="ok"), rate_limit=rule, lifetime=30) as server:
        client = client_for(server, "chat", notices, timeouts=timeouts)

        async def run() -> RateLimitError:
            async with client:
                await client.acomplete(REQUEST)
                with pytest.raises(RateLimitError) as caught:
                    await client.acomplete(REQUEST)
                return caught.value

        error = asyncio.run(run())
        # At once: no wait was started (a wait announces itself first).
        assert not [n for n in notices if isinstance(n, RateLimitNotice) and n.state == "waiting"]
        assert len(server.requests) == 1  # the second was never sent
        assert server.rate_limited == 0
    assert error.exit_code == 4
    assert "0 of 1 requests left" in error.message
    assert "deadline of 3 s" in error.message
    assert error.hint is not None
    assert "--timeout" in error.hint and "--llm-model" in error.hint
    assert error.retry_after is not None and 25 < error.retry_after <= 30
    assert error.attempts == 0
    assert client.last_stats is not None and client.last_stats.outcome == "rate_limited"


def test_cancelling_a_wait_sends_nothing_and_ends_the_countdown() -> None:
    rule = RateLimitRule(requests=1, window_s=60)
    notices: list[TransportNotice] = []
    with FakeLLMServer(default=Reply(text="ok"), rate_limit=rule, lifetime=30) as server:
        client = client_for(server, "chat", notices, timeouts=replace(FAST, total=90.0))

        async def run() -> None:
            async with client:
                await client.acomplete(REQUEST)
                task = asyncio.create_task(client.acomplete(REQUEST))
                for _ in range(200):
                    if any(
                        isinstance(n, RateLimitNotice) and n.state == "waiting" for n in notices
                    ):
                        break
                    await asyncio.sleep(0.01)
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task

        started = time.monotonic()
        asyncio.run(run())
        assert time.monotonic() - started < 30  # the 60 s wait was cut short, not served
        assert len(server.requests) == 1
    assert isinstance(notices[-1], RateLimitNotice) and notices[-1].state == "done"
    assert client.last_stats is not None and client.last_stats.outcome == "cancelled"


def test_every_retry_is_reported_with_attempt_reason_and_delay(server: FakeLLMServer) -> None:
    server.enqueue(Reply(status=503), Reply(status=503), Reply(text="ok"))
    notices: list[TransportNotice] = []
    done = asyncio.run(calls(client_for(server, "chat", notices), 1))
    assert done[0].message.text == "ok"
    retries = [n for n in notices if isinstance(n, RetryNotice)]
    assert [(n.attempt, n.status, n.max_retries) for n in retries] == [(1, 503, 2), (2, 503, 2)]
    assert all(n.delay_s > 0 and n.reason for n in retries)
    assert "retry 1 of 2" in retries[0].text
