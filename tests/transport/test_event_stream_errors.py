"""An HTTP error whose body is an event stream (`data: {"error": {...}}` sent as
text/event-stream with a 4xx or 5xx status, as some proxies and OpenAI-compatible servers do)
is reported by the message inside it, through the real client, on every wire.

Before: the error quoted the raw SSE text (`data: {"error": ...`).
"""

from __future__ import annotations

import json

import pytest

from solcoder.errors import BadRequestError, LLMError, RateLimitError, ServerError
from tests.support.fake_llm_server import FakeLLMServer, Reply
from tests.transport.harness import MODES, call, make_client


def _stream(*payloads: object, event: str = "") -> str:
    head = f"event: {event}\n" if event else ""
    return "".join(f"{head}data: {json.dumps(payload)}\n\n" for payload in payloads)


CASES = [
    pytest.param(
        400,
        _stream({"error": {"message": "Unsupported parameter: 'foo'", "type": "invalid"}}),
        BadRequestError,
        "Unsupported parameter: 'foo'",
        id="openai-400",
    ),
    pytest.param(
        500,
        _stream({"error": {"message": "upstream exploded", "type": "server_error"}}),
        ServerError,
        "upstream exploded",
        id="openai-500",
    ),
    pytest.param(
        429,
        _stream(
            {"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}},
            event="error",
        ),
        RateLimitError,
        "slow down",
        id="anthropic-style-429",
    ),
    pytest.param(
        400,
        ": keep-alive\n\n" + _stream({"error": {"message": "bad tools"}}) + "data: [DONE]\n\n",
        BadRequestError,
        "bad tools",
        id="comment-first-and-done",
    ),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("api", ["chat", "responses", "messages"])
@pytest.mark.parametrize(("status", "body", "expected", "message"), CASES)
def test_an_error_body_sent_as_an_event_stream_is_read(
    server: FakeLLMServer,
    mode: str,
    api: str,
    status: int,
    body: str,
    expected: type[LLMError],
    message: str,
) -> None:
    server.enqueue(Reply(status=status, raw_body=body, content_type="text/event-stream", repeat=3))
    outcome = call(mode, lambda: make_client(server, api, max_retries=0))
    assert isinstance(outcome.error, expected), outcome.error
    assert message in outcome.error.message
    assert "data:" not in outcome.error.message
    assert '{"error"' not in outcome.error.message
