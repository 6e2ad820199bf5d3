"""A user's own llama.cpp server (the `llamacpp` provider) failing the ways it really does.

Each case runs the real client against `LlamaCppFake`, a loopback server replaying the real
server's recorded bodies (see its docstring), or an httpx2 transport for a remote host: a prompt
over the server's context, a server still loading its model, a wire path it does not serve,
nothing listening, and a key the server echoes back. Nothing here needs llama.cpp or a model.
"""

from __future__ import annotations

import asyncio
import itertools
import socket
from collections.abc import Callable

import httpx2
import pytest

from solcoder.errors import (
    ConnectError,
    ContextTooLongError,
    LLMError,
    ModelNotFoundError,
    ProviderUnavailableError,
)
from solcoder.llm.catalog.providers import ProviderSpec
from solcoder.llm.events import Event
from solcoder.llm.messages import Message, Request
from solcoder.llm.providers.client import LLMClient
from solcoder.llm.transport.deadline import Timeouts
from solcoder.llm.transport.retry import RetryPolicy, WaitStatus
from solcoder.llm.transport.stats import CallStats
from solcoder.llm.transport.streamer import HttpStreamer, build_http_client
from solcoder.llm.transport.streaming import StreamingCall
from solcoder.llm.wire.openai_chat import OpenAIChatAdapter
from tests.transport.harness import MODES, Outcome, call
from tests.transport.llamacpp_fake import CHAT_PATHS, JSON, LlamaCppFake

KEY = "sk-test-canary-llamacpp-0005"
TIMEOUTS = Timeouts(connect=1.0, first_event=2.0, idle=2.0, total=10.0)
REQUEST = Request(model="default", messages=(Message.user("hello"),))
FAST_POLL = RetryPolicy(base_delay=0.01, loading_poll=0.05)


def client_for(
    base_url: str,
    *,
    api: str = "chat",
    timeouts: Timeouts = TIMEOUTS,
    policy: RetryPolicy | None = None,
    api_key: str | None = None,
    transport: httpx2.AsyncBaseTransport | None = None,
) -> LLMClient:
    """A `llamacpp` client as the CLI builds it (no key by default, backoff shortened)."""
    spec = ProviderSpec(
        name="llamacpp",
        api=api,  # type: ignore[arg-type]
        base_url=base_url,
        requires_key=False,
        default_model="default",
        models=("default",),
    )
    return LLMClient(
        spec,
        model="default",
        api_key=api_key,
        timeouts=timeouts,
        retry_policy=policy or RetryPolicy(base_delay=0.01),
        transport=transport,
    )


def run(mode: str, base_url: str, **options: object) -> Outcome:
    return call(mode, lambda: client_for(base_url, **options), REQUEST)  # type: ignore[arg-type]


def texts_of(error: LLMError) -> str:
    return " | ".join((str(error), error.message, error.hint or "", error.display_message))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


# --- 1. a prompt over the server's context --------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_context_overflow_says_both_sizes_and_what_to_do(mode: str) -> None:
    with LlamaCppFake(overflow=True) as fake:
        outcome = run(mode, fake.base_url)
    error = outcome.error
    assert isinstance(error, ContextTooLongError), error
    assert error.attempts == 1
    assert error.hint is not None
    assert "11460" in error.hint and "4096" in error.hint
    assert "context window" in error.hint
    assert "new session" in error.hint and "/clear" in error.hint
    assert "--ctx-size" in error.hint
    assert "--llm-model" not in error.hint
    assert outcome.pool_requests_in_flight == 0


# --- 2. a server still loading its model ----------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_a_loading_server_is_waited_for_then_answers(mode: str) -> None:
    with LlamaCppFake(load_seconds=0.8) as fake:
        outcome = run(mode, fake.base_url)
        paths = fake.paths_seen()
    assert outcome.error is None, outcome.error
    assert outcome.completed.message.text == "Hello there!"
    assert outcome.elapsed >= 0.8  # it waited for the load (the test's timeout guards a hang)
    assert paths[0] == "/v1/chat/completions"
    assert "/health" in paths, "the wait polls the server root's /health"
    assert paths[-1] == "/v1/chat/completions"
    assert paths.count("/v1/chat/completions") == 2, "one request while loading, one after"
    assert outcome.stats is not None
    assert [record.reason for record in outcome.stats.retries] == ["loading_model"]
    assert outcome.stats.retries[0].status == 503
    assert outcome.pool_requests_in_flight == 0


def test_the_wait_reports_a_status_line_the_ui_can_show() -> None:
    statuses: list[WaitStatus] = []
    with LlamaCppFake(load_seconds=1.3) as fake:
        events = asyncio.run(_stream_directly(fake.base_url, FAST_POLL, statuses.append))
    assert events, "the request was answered after the wait"
    assert statuses, "no status was reported while waiting"
    first, last = statuses[0], statuses[-1]
    assert first.text.startswith(f"llama.cpp server at {fake.root} is loading its model")
    assert first.provider == "llamacpp"
    assert not first.done
    assert any(status.waited >= 1.0 and "1 s" in status.text for status in statuses)
    assert last.done, "the UI is told when the wait is over (to clear its status line)"
    assert [status.waited for status in statuses] == sorted(status.waited for status in statuses)
    assert len(statuses) < 10, "one status per second, not one per poll"


async def _stream_directly(
    base_url: str, policy: RetryPolicy, on_status: Callable[[WaitStatus], None]
) -> list[Event]:
    """One chat call through `StreamingCall` with a status hook: `LLMClient` does not pass
    one to its `HttpStreamer` yet, and reaching into the client would test its privates."""
    streamer = HttpStreamer(
        build_http_client(TIMEOUTS),
        provider="llamacpp",
        timeouts=TIMEOUTS,
        policy=policy,
        on_status=on_status,
    )
    adapter = OpenAIChatAdapter(provider="llamacpp")
    request = adapter.encode(REQUEST, stream=True)
    streaming = StreamingCall(
        streamer,
        adapter,
        request,
        url=base_url + request.path,
        headers=dict(request.headers),
        stats=CallStats(provider="llamacpp", model="default"),
        on_done=None,
    )
    events: list[Event] = []
    try:
        while (batch := await streaming.next_batch()) is not None:
            events += batch
    finally:
        await streaming.aclose()
        await streamer.http.aclose()
    return events


@pytest.mark.parametrize("mode", MODES)
def test_a_model_still_loading_after_the_bound_is_unavailable(mode: str) -> None:
    policy = RetryPolicy(base_delay=0.01, max_loading_wait=0.6, loading_poll=0.05)
    with LlamaCppFake(load_seconds=float("inf")) as fake:
        outcome = run(mode, fake.base_url, policy=policy)
    error = outcome.error
    assert type(error) is ProviderUnavailableError, error
    assert error.exit_code == 5
    assert "still loading its model after 0.6 s" in error.message
    assert fake.root in error.message
    assert outcome.elapsed >= 0.6  # it waited out the bound (the test's timeout guards a hang)
    assert outcome.pool_requests_in_flight == 0


def test_the_loading_wait_never_passes_the_total_deadline() -> None:
    timeouts = Timeouts(connect=1.0, first_event=1.0, idle=1.0, total=1.0)
    with LlamaCppFake(load_seconds=float("inf")) as fake:
        outcome = run("async", fake.base_url, timeouts=timeouts, policy=FAST_POLL)
    error = outcome.error
    assert type(error) is ProviderUnavailableError, error
    assert "still loading its model" in error.message
    assert error.hint is not None and "--timeout" in error.hint


# --- 3. a wire path the server does not serve -----------------------------------------------


@pytest.mark.parametrize("api", ["responses", "messages"])
@pytest.mark.parametrize("mode", MODES)
def test_a_missing_wire_endpoint_points_at_the_wire_not_the_model(api: str, mode: str) -> None:
    with LlamaCppFake(paths=CHAT_PATHS) as fake:
        outcome = run(mode, fake.base_url, api=api)
        tried = fake.root + fake.paths_seen()[0]
    error = outcome.error
    assert isinstance(error, ModelNotFoundError), error
    assert f"no endpoint at {tried}" in error.message
    assert error.hint is not None
    assert "--llm-api chat" in error.hint
    assert "--llm-base-url" in error.hint
    assert "--llm-model" not in error.hint
    assert error.attempts == 1


@pytest.mark.parametrize(
    "page",
    [
        (b"<html><head><title>404 Not Found</title></head><body>nginx</body></html>", "text/html"),
        (b"Not Found", "text/plain"),
        (b"", "text/plain"),
    ],
    ids=["html", "plain", "empty"],
)
def test_a_404_page_without_a_model_points_at_the_url(page: tuple[bytes, str]) -> None:
    with LlamaCppFake(paths=(), not_found=page) as fake:
        outcome = run("async", fake.base_url)
    error = outcome.error
    assert isinstance(error, ModelNotFoundError), error
    assert f"no endpoint at {fake.base_url}/chat/completions" in error.message
    assert error.hint is not None
    assert "--llm-base-url" in error.hint
    assert "--llm-model" not in error.hint


def test_a_404_that_names_the_model_keeps_the_model_advice() -> None:
    body = b'{"error":{"message":"model \'qwen-9b\' not found","type":"not_found_error"}}'
    with LlamaCppFake(paths=(), not_found=(body, JSON)) as fake:
        outcome = run("async", fake.base_url)
    error = outcome.error
    assert isinstance(error, ModelNotFoundError), error
    assert error.hint is not None
    assert "--llm-model" in error.hint


# --- 4. nothing listening ---------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
@pytest.mark.parametrize("mode", MODES)
def test_nothing_listening_on_loopback_asks_whether_the_server_runs(host: str, mode: str) -> None:
    port = free_port()
    outcome = run(mode, f"http://{host}:{port}/v1")
    error = outcome.error
    assert isinstance(error, ConnectError), error
    assert f"http://{host}:{port}/v1/chat/completions" in error.message
    assert error.hint is not None
    assert "running" in error.hint
    assert "llama-server" in error.hint
    assert "PROXY" not in error.hint and "proxy" not in error.hint


def test_a_remote_host_that_refuses_is_named_without_its_credentials() -> None:
    def refuse(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("[Errno 111] Connection refused", request=request)

    base_url = f"http://admin:{KEY}@llm.internal.example:8443/v1"
    outcome = run("async", base_url, transport=httpx2.MockTransport(refuse), policy=RetryPolicy(0))
    error = outcome.error
    assert isinstance(error, ConnectError), error
    assert "http://llm.internal.example:8443/v1/chat/completions" in error.message
    assert error.hint is not None and "HTTPS_PROXY" in error.hint
    text = texts_of(error)
    assert KEY not in text and "admin" not in text


# --- 5. no secret in any of these messages ----------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [{"overflow": True}, {"paths": ()}, {"load_seconds": float("inf")}],
    ids=["overflow", "not-found", "loading"],
)
def test_a_key_the_server_echoes_never_reaches_the_message(options: dict[str, object]) -> None:
    policy = RetryPolicy(base_delay=0.01, max_loading_wait=0.3, loading_poll=0.05)
    with LlamaCppFake(echo_authorization=True, **options) as fake:  # type: ignore[arg-type]
        outcome = run("async", fake.base_url, api_key=KEY, policy=policy)
    assert outcome.error is not None
    assert KEY not in texts_of(outcome.error)


def test_credentials_in_the_base_url_never_reach_a_message_or_status() -> None:
    statuses: list[WaitStatus] = []
    policy = RetryPolicy(base_delay=0.01, max_loading_wait=0.3, loading_poll=0.05)
    with LlamaCppFake(load_seconds=float("inf")) as fake:
        base_url = fake.base_url.replace("http://", f"http://admin:{KEY}@")
        with pytest.raises(ProviderUnavailableError) as caught:
            asyncio.run(_stream_directly(base_url, policy, statuses.append))
    assert statuses
    for text in [texts_of(caught.value), *(status.text for status in statuses)]:
        assert KEY not in text and "admin" not in text
    assert fake.root in caught.value.message


def test_a_loading_server_without_health_is_asked_again_at_the_poll_interval() -> None:
    """Not every server that says `Loading model` serves `/health` (a proxy in front may not):
    then the request itself is the probe, sent once per poll interval."""
    policy = RetryPolicy(base_delay=0.01, loading_poll=0.1)
    with LlamaCppFake(load_seconds=0.25, health=False) as fake:
        outcome = run("async", fake.base_url, policy=policy)
        seen = list(fake.seen)
    assert outcome.error is None, outcome.error
    assert outcome.completed.message.text == "Hello there!"
    requests = [item for item in seen if item.path == "/v1/chat/completions"]
    probes = [item for item in seen if item.path == "/health"]
    assert len(requests) >= 3 and len(probes) == len(requests) - 1, [i.path for i in seen]
    gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(requests)]
    assert min(gaps) >= 0.09, f"requests sent faster than the poll interval: {gaps}"
    assert outcome.stats is not None
    reasons = [record.reason for record in outcome.stats.retries]
    assert reasons == ["loading_model"] * len(probes)
