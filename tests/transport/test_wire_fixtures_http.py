"""The hand-written wire fixtures served by the fake server and read by the real client (socket,
chunked transfer, SSE decoder, adapter), sync and async: the plain-clone twin of
test_corpus_http.py, which needs ../shared/corpus.

A stream must give over HTTP, cut into 7-byte pieces, the same final message the pure decoder
gives; an error body must reach the caller as the class its mapping says.
"""

from __future__ import annotations

import pytest

from solcoder.errors import (
    AuthenticationError,
    ContextTooLongError,
    LLMError,
    ModelNotFoundError,
    OverloadedError,
    RateLimitError,
    ServerError,
)
from solcoder.llm.events import Completed
from solcoder.llm.wire.reasoning import tag_message
from tests.support.fake_llm_server import FakeLLMServer, Reply
from tests.support.wire_fixtures import Replay, fixture
from tests.transport.harness import MODES, call, make_client

STREAMS = [
    "chat/openrouter_tool_names_resent.sse",
    "chat/mistral_content_parts.sse",
    "messages/cache_read_thinking_tool_use.sse",
    "responses/completed_usage.sse",
]
ERRORS = [
    ("chat", "errors/openai_invalid_key.json", 401, "application/json", AuthenticationError),
    ("chat", "errors/llamacpp_context.json", 400, "application/json", ContextTooLongError),
    ("messages", "errors/anthropic_not_found.json", 404, "application/json", ModelNotFoundError),
    ("messages", "errors/anthropic_overloaded.json", 529, "application/json", OverloadedError),
    ("chat", "errors/openrouter_upstream_rate_limit.json", 429, "application/json", RateLimitError),
    ("responses", "errors/gateway_502.html", 502, "text/html", ServerError),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", STREAMS)
def test_fixture_stream_over_http_gives_the_decoded_message(
    server: FakeLLMServer, name: str, mode: str
) -> None:
    wire = name.split("/", 1)[0]
    body = fixture(name)
    expected = Replay(wire, "fake").run([body])[-1]
    assert isinstance(expected, Completed)
    server.enqueue(Reply(raw_body=body.decode("utf-8"), raw_chunk_bytes=7))
    outcome = call(mode, lambda: make_client(server, wire))
    assert outcome.error is None, outcome.error
    # The client tags reasoning with the provider it came from (it goes back there only).
    assert outcome.completed.message == tag_message(expected.message, "fake")
    assert outcome.completed.usage == expected.usage
    assert outcome.completed.stop_reason == expected.stop_reason
    assert outcome.pool_requests_in_flight == 0


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("wire", "name", "status", "content_type", "error_class"),
    ERRORS,
    ids=[name for _, name, *_ in ERRORS],
)
def test_fixture_error_body_over_http_raises_its_class(
    server: FakeLLMServer,
    wire: str,
    name: str,
    status: int,
    content_type: str,
    error_class: type[LLMError],
    mode: str,
) -> None:
    body = fixture(name).decode("utf-8")
    server.enqueue(Reply(status=status, raw_body=body, content_type=content_type))
    outcome = call(mode, lambda: make_client(server, wire, max_retries=0))
    assert type(outcome.error) is error_class
    assert outcome.error.status == status
    assert outcome.events == []
    assert len(server.requests) == 1
