"""The public client over a real socket: wiring, early close, connection reuse, cancellation,
statistics and secrecy of the key."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import signal
import threading
import time
import types
import warnings
from collections import deque

import httpx2
import pytest

from solcoder.errors import AuthenticationError, ConfigError, UsageError
from solcoder.llm.catalog.providers import ProviderSpec
from solcoder.llm.events import Completed, TextDelta
from solcoder.llm.messages import Message, Request
from solcoder.llm.providers.client import CallStats, LLMClient
from solcoder.llm.transport.deadline import Timeouts
from solcoder.secret import Secret, mask
from tests.support.fake_llm_server import FakeLLMServer, Reply
from tests.transport.harness import (
    FAKE_KEY,
    MODES,
    REQUEST,
    call,
    in_flight,
    make_client,
    wait_until,
)

SLOW = Reply(text="tick " * 40, chunk_size=5, event_delay=0.02)
PATIENT = Timeouts(connect=1.0, first_event=1.0, idle=1.0, total=60.0)


@pytest.mark.parametrize(
    ("api", "path", "auth_header", "auth_value"),
    [
        ("chat", "/v1/chat/completions", "authorization", f"Bearer {FAKE_KEY}"),
        ("responses", "/v1/responses", "authorization", f"Bearer {FAKE_KEY}"),
        ("messages", "/v1/messages", "x-api-key", FAKE_KEY),
    ],
)
def test_request_goes_to_the_api_path_with_spec_call_and_auth_headers(
    server: FakeLLMServer, api: str, path: str, auth_header: str, auth_value: str
) -> None:
    server.enqueue(Reply(text="hi"))
    spec = ProviderSpec(
        name="fake",
        api=api,  # type: ignore[arg-type]
        base_url=server.base_url(api) + "/",
        headers={"X-Title": "SolCoder"},
    )
    request = Request(model="", messages=(Message.user("hello"),))

    async def main() -> Completed:
        async with LLMClient(spec, model="fake-model", api_key=FAKE_KEY) as client:
            return await client.acomplete(request)

    assert asyncio.run(main()).message.text == "hi"
    (seen,) = server.requests
    assert seen.path == path
    assert seen.headers[auth_header] == auth_value
    assert seen.headers["x-title"] == "SolCoder"
    assert seen.json["model"] == "fake-model"  # an empty Request.model takes the client's
    if api == "messages":
        assert seen.headers["anthropic-version"]


def test_no_auth_header_without_a_key(server: FakeLLMServer) -> None:
    server.enqueue(Reply(text="hi"))
    outcome = call("sync", lambda: make_client(server, "chat", api_key=None))
    assert outcome.error is None
    assert "authorization" not in server.requests[0].headers


@pytest.mark.parametrize("mode", MODES)
def test_leaving_a_stream_early_aborts_the_request_and_frees_the_pool(
    server: FakeLLMServer, mode: str
) -> None:
    server.enqueue(SLOW)
    outcome = call(mode, lambda: make_client(server, "chat"), stop_after=3)
    assert len(outcome.events) == 3
    assert outcome.pool_requests_in_flight == 0
    assert outcome.stats is not None
    assert outcome.stats.outcome == "closed"
    # The server sees the client hang up long before the reply's 0.8 s of events end.
    assert wait_until(lambda: server.active_responses == 0, timeout=0.5)


def test_breaking_out_of_async_for_releases_the_connection_for_the_next_call(
    server: FakeLLMServer,
) -> None:
    server.enqueue(SLOW, Reply(text="second"))

    async def main() -> str:
        async with make_client(server, "chat") as client:
            async for event in client.astream(REQUEST):
                if isinstance(event, TextDelta):
                    break
            await asyncio.sleep(0.05)  # the generator is closed by the event loop's finalizer
            assert in_flight(client) == 0
            return (await client.acomplete(REQUEST)).message.text

    assert asyncio.run(main()) == "second"


@pytest.mark.parametrize("mode", MODES)
def test_a_warm_connection_is_reused(server: FakeLLMServer, mode: str) -> None:
    server.enqueue(Reply(text="one"), Reply(text="two"))
    client = make_client(server, "messages")
    if mode == "sync":
        with client:
            texts = [client.complete(REQUEST).message.text for _ in range(2)]
    else:

        async def main() -> list[str]:
            async with client:
                return [(await client.acomplete(REQUEST)).message.text for _ in range(2)]

        texts = asyncio.run(main())
    assert texts == ["one", "two"]
    assert server.connections_seen == 1


def test_concurrent_streams_share_one_pool(server: FakeLLMServer) -> None:
    server.default = Reply(text="same answer", chunk_size=3)

    async def main() -> list[str]:
        async with make_client(server, "responses") as client:
            results = await asyncio.gather(*(client.acomplete(REQUEST) for _ in range(20)))
            assert in_flight(client) == 0
            return [result.message.text for result in results]

    assert asyncio.run(main()) == ["same answer"] * 20
    assert len(server.requests) == 20


def test_a_second_wave_of_concurrent_streams_reuses_the_pool(server: FakeLLMServer) -> None:
    server.default = Reply(text="same answer", chunk_size=3)

    async def main() -> tuple[int, int]:
        async with make_client(server, "responses") as client:
            await asyncio.gather(*(client.acomplete(REQUEST) for _ in range(10)))
            opened = server.connections_seen
            await asyncio.gather(*(client.acomplete(REQUEST) for _ in range(10)))
            return opened, server.connections_seen

    opened, after = asyncio.run(main())
    assert 1 <= opened <= 10
    assert after == opened  # no new connection: the warm ones were shared


def test_the_key_never_appears_in_errors_or_repr(server: FakeLLMServer) -> None:
    server.enqueue(Reply(status=401, error_message=f"Incorrect API key provided: {FAKE_KEY}."))
    client = make_client(server, "chat")
    assert FAKE_KEY not in repr(client)
    assert FAKE_KEY not in repr(vars(client))
    with client, pytest.raises(AuthenticationError) as caught:
        client.complete(REQUEST)
    assert FAKE_KEY not in str(caught.value)
    assert FAKE_KEY not in repr(caught.value.args)
    assert mask(FAKE_KEY) in str(caught.value)  # the one mask style: sk-…abcd


def _plain_copies(root: object, needle: str, limit: int = 20_000) -> list[str]:
    """Strings holding `needle` reachable from `root`, not counting the inside of a `Secret`."""
    seen: set[int] = set()
    queue: deque[object] = deque([root])
    found: list[str] = []
    skip = (Secret, type, types.ModuleType, types.FunctionType, types.CodeType, types.FrameType)
    while queue and len(seen) < limit:
        item = queue.popleft()
        if id(item) in seen or isinstance(item, skip):
            continue
        seen.add(id(item))
        if isinstance(item, str):
            if needle in item:
                found.append(item)
            continue
        queue.extend(gc.get_referents(item))
    return found


def test_the_client_keeps_the_key_a_secret_until_it_builds_a_header(
    server: FakeLLMServer,
) -> None:
    server.enqueue(Reply(text="hi"))
    client = make_client(server, "chat")
    with client:
        client.complete(REQUEST)
        assert _plain_copies(client, FAKE_KEY) == []
    assert server.requests[-1].headers["authorization"] == f"Bearer {FAKE_KEY}"


def test_stats_record_timing_attempts_and_rate_limit_headers(server: FakeLLMServer) -> None:
    limits = {
        "x-ratelimit-remaining-requests": "99",
        "x-ratelimit-reset-tokens": "6ms",
        "anthropic-ratelimit-tokens-remaining": "12000",
        "request-id": "req_fake_1",
    }
    server.enqueue(Reply(status=503), Reply(text="ok", headers=limits))
    published: list[CallStats] = []
    client = make_client(server, "messages", on_stats=published.append)
    with client:
        client.complete(REQUEST)
    stats = client.last_stats
    assert published == [stats]
    assert stats is not None
    assert stats.outcome == "ok"
    assert stats.attempts == 2
    assert stats.status == 200
    assert [(r.attempt, r.reason, r.status) for r in stats.retries] == [(1, "server_error", 503)]
    assert stats.time_to_first_token is not None
    assert stats.latency is not None
    assert 0 < stats.time_to_first_token <= stats.latency
    assert stats.rate_limits == {
        "x-ratelimit-remaining-requests": "99",
        "x-ratelimit-reset-tokens": "6ms",
        "anthropic-ratelimit-tokens-remaining": "12000",
    }
    assert stats.request_id == "req_fake_1"


def test_cancelling_the_task_interrupts_a_retry_sleep(server: FakeLLMServer) -> None:
    server.enqueue(Reply(status=429, headers={"retry-after": "30"}))

    async def main() -> CallStats | None:
        async with make_client(server, "chat", timeouts=PATIENT) as client:
            task = asyncio.create_task(client.acomplete(REQUEST))
            await asyncio.sleep(0.3)
            task.cancel()
            started = time.monotonic()
            with pytest.raises(asyncio.CancelledError):
                await task
            # Well under the 30 s Retry-After: the sleep was cut short, not served.
            assert time.monotonic() - started < 15
            return client.last_stats

    stats = asyncio.run(main())
    assert stats is not None
    assert stats.outcome == "cancelled"


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(), reason="signals")
def test_ctrl_c_interrupts_a_sync_call_waiting_to_retry(server: FakeLLMServer) -> None:
    server.enqueue(Reply(status=429, headers={"retry-after": "30"}))
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    with make_client(server, "chat", timeouts=PATIENT) as client:
        started = time.monotonic()
        timer.start()
        try:
            with pytest.raises(KeyboardInterrupt):
                client.complete(REQUEST)
        finally:
            timer.cancel()
        # Well under the 30 s Retry-After: the sleep was cut short, not served.
        assert time.monotonic() - started < 15
        assert client.last_stats is not None
        assert client.last_stats.outcome == "cancelled"


def test_a_json_answer_to_a_streamed_request_is_decoded(server: FakeLLMServer) -> None:
    body = {
        "id": "chatcmpl-json",
        "object": "chat.completion",
        "model": "fake-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "whole"},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
    server.enqueue(Reply(raw_body=json.dumps(body), content_type="application/json"))
    outcome = call("async", lambda: make_client(server, "chat"))
    assert outcome.error is None
    assert outcome.completed.message.text == "whole"


def test_sync_methods_refuse_to_run_inside_an_event_loop(server: FakeLLMServer) -> None:
    async def main() -> None:
        client = make_client(server, "chat")
        with pytest.raises(UsageError, match="inside an event loop"):
            client.complete(REQUEST)
        await client.aclose()

    asyncio.run(main())


def test_one_client_cannot_serve_two_live_event_loops(server: FakeLLMServer) -> None:
    server.enqueue(Reply(text="one"))
    with make_client(server, "chat") as client:
        client.complete(REQUEST)

        async def main() -> None:
            with pytest.raises(UsageError, match="another event loop"):
                await client.acomplete(REQUEST)

        asyncio.run(main())


def test_a_new_event_loop_gets_a_new_pool_once_the_old_one_is_closed(
    server: FakeLLMServer,
) -> None:
    server.enqueue(Reply(text="one"), Reply(text="two"))
    client = make_client(server, "chat")

    async def once() -> str:
        return (await client.acomplete(REQUEST)).message.text

    assert asyncio.run(once()) == "one"
    assert asyncio.run(once()) == "two"
    asyncio.run(client.aclose())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()  # the first loops' sockets close when their pools are collected


def test_a_base_url_without_http_scheme_is_a_config_error() -> None:
    spec = ProviderSpec(name="fake", api="chat", base_url="localhost:8080/v1")
    with pytest.raises(ConfigError, match="http:// or https://"):
        LLMClient(spec, model="m", api_key=None)


def test_mock_transport_can_replace_the_network() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        assert request.url.path == "/v1/chat/completions"
        return httpx2.Response(
            401, json={"error": {"message": "no", "type": "invalid_request_error"}}
        )

    spec = ProviderSpec(name="fake", api="chat", base_url="http://mock.invalid/v1")
    with (
        LLMClient(
            spec, model="m", api_key=FAKE_KEY, transport=httpx2.MockTransport(handler)
        ) as client,
        pytest.raises(AuthenticationError),
    ):
        client.complete(REQUEST)


def test_proxy_settings_come_from_the_environment(
    server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", server.url)  # the fake server plays the proxy
    server.enqueue(Reply(text="via proxy"))
    outcome = call("async", lambda: make_client("http://llm.example.invalid/v1", "chat"))
    assert outcome.error is None, outcome.error
    assert outcome.completed.message.text == "via proxy"
    assert server.requests[0].headers["host"] == "llm.example.invalid"


def test_cancelling_during_a_stalled_read_is_a_cancellation_not_a_timeout(
    server: FakeLLMServer,
) -> None:
    server.enqueue(Reply(text="tick " * 20, chunk_size=5, stall_after=3))

    async def main() -> CallStats | None:
        async with make_client(server, "chat", timeouts=PATIENT) as client:
            first = asyncio.Event()

            async def consume() -> None:
                async for _event in client.astream(REQUEST):
                    first.set()

            task = asyncio.create_task(consume())
            await first.wait()
            await asyncio.sleep(0.1)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert in_flight(client) == 0
            return client.last_stats

    stats = asyncio.run(main())
    assert stats is not None
    assert stats.outcome == "cancelled"
