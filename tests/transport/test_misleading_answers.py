"""Answers that used to be reported as something else (issue 13, item 8), under the real client
against the loopback fake server.

A 302/307 redirect was "stream ended without [DONE]" (SolCoder does not follow redirects, so
the redirect's empty body was read as a cut stream); a response head too large for the HTTP
parser was exit 5 "connection lost". The first now names the status and the Location, the
second is a protocol error (exit 6).
"""

from __future__ import annotations

import pytest

from solcoder.errors import ProtocolError
from tests.support.fake_llm_server import FakeLLMServer, Reply
from tests.transport.harness import call, make_client

LOCATION = "https://api.example.net/v1/chat/completions?token=sk-test-hidden-0000"


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_names_its_status_and_location(status: int) -> None:
    reply = Reply(status=status, text="ignored", headers={"location": LOCATION})
    with FakeLLMServer(reply) as server:
        outcome = call("async", lambda: make_client(server, "chat"))
        assert len(server.requests) == 1  # not retried, not followed
    error = outcome.error
    assert isinstance(error, ProtocolError)
    assert error.exit_code == 6
    assert f"HTTP {status}" in error.message
    assert "https://api.example.net/v1/chat/completions" in error.message
    assert "[DONE]" not in error.message
    assert "sk-test-hidden" not in str(error) + (error.hint or "")  # the query is dropped
    assert error.hint and "--llm-base-url" in error.hint


def test_a_redirect_without_a_location_says_so() -> None:
    with FakeLLMServer(Reply(status=302, text="ignored")) as server:
        outcome = call("async", lambda: make_client(server, "chat"))
    assert isinstance(outcome.error, ProtocolError)
    assert "HTTP 302" in outcome.error.message
    assert "without a Location header" in outcome.error.message


def test_an_oversized_response_head_is_a_protocol_error() -> None:
    reply = Reply(text="never read", headers={"x-padding": "a" * (4 * 2**20)})
    with FakeLLMServer(reply) as server:
        outcome = call("async", lambda: make_client(server, "chat", max_retries=0))
    error = outcome.error
    assert isinstance(error, ProtocolError), error
    assert error.exit_code == 6
    assert "response head" in error.message
    assert "malformed or too large" in error.message
