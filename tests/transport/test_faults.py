"""The fault matrix: every way a provider or the network fails, under the real client.

Each case scripts the fake server (a real socket on 127.0.0.1), runs one call through the async
and the sync API, and checks the typed error (or success), that the call ended within its
deadline + 2 s, how many attempts the server saw, and that no connection leaked (the pool has
no request in flight; the `server` fixture checks the server saw every connection closed).
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from solcoder.errors import (
    AuthenticationError,
    BadRequestError,
    ConnectError,
    ContextTooLongError,
    FirstEventTimeoutError,
    IdleTimeoutError,
    LLMError,
    ModelNotFoundError,
    OverloadedError,
    PermissionDeniedError,
    ProtocolError,
    RateLimitError,
    ServerError,
    StreamInterruptedError,
    TotalTimeoutError,
)
from solcoder.llm.transport.deadline import Timeouts
from tests.support.fake_llm_server import FakeLLMServer, Reply
from tests.transport.harness import FAST, MODES, Outcome, call, make_client

OK = Reply(text="Hello, world!", chunk_size=4)
LONG = Reply(text="word " * 200, chunk_size=5)
# Chat sends a role-only chunk first, so "after N events" counts it; these indexes put the
# fault after the first *content* event in every protocol.
FIRST_CONTENT = {"chat": 2, "responses": 4, "messages": 4}


@dataclass
class Case:
    id: str
    replies: list[Reply]
    expect: type[LLMError] | None
    attempts: int
    budget: float = 1.0
    """Seconds the call may take (the relevant deadline); the test allows 2 s more."""
    apis: tuple[str, ...] = ("chat", "responses", "messages")
    client: dict[str, Any] = field(default_factory=dict)
    check: Callable[[Outcome], None] | None = None


def _status(status: int, **options: Any) -> Reply:
    return Reply(status=status, **options)


def _partial_text(outcome: Outcome) -> None:
    assert outcome.error is not None
    assert outcome.error.partial is not None, "the partial answer must be attached"
    assert outcome.error.partial.text.startswith("word")


def _waited_for_server(outcome: Outcome) -> None:
    assert outcome.stats is not None
    assert [record.wait for record in outcome.stats.retries] == [0.05]
    assert outcome.stats.retries[0].reason == "rate_limited"
    assert outcome.stats.retries[0].status == 429


def _retry_after_carried(outcome: Outcome) -> None:
    assert isinstance(outcome.error, RateLimitError)
    assert outcome.error.retry_after == 120.0


def _first_event_named(outcome: Outcome) -> None:
    assert outcome.error is not None
    assert "0.5 s" in outcome.error.message
    assert "llm.first_event_timeout" in outcome.error.message


def _idle_named(outcome: Outcome) -> None:
    _partial_text(outcome)
    assert outcome.error is not None
    assert "llm.idle_timeout" in outcome.error.message


def _total_named(outcome: Outcome) -> None:
    assert outcome.error is not None
    assert "1 s" in outcome.error.message
    assert "--timeout" in outcome.error.message


def _content_attached(outcome: Outcome) -> None:
    assert outcome.error is not None
    assert outcome.error.partial is not None


CASES = [
    # --- HTTP statuses that must fail at once --------------------------------------------
    Case("401", [_status(401)], AuthenticationError, 1),
    Case("403", [_status(403)], PermissionDeniedError, 1),
    Case("404-model", [_status(404)], ModelNotFoundError, 1),
    Case("400", [_status(400)], BadRequestError, 1),
    Case("413", [_status(413)], ContextTooLongError, 1),
    Case("422", [_status(422)], BadRequestError, 1, apis=("chat",)),
    # --- rate limits --------------------------------------------------------------------
    Case(
        "429-retry-after-then-ok",
        [_status(429, headers={"retry-after-ms": "50"}), OK],
        None,
        2,
        check=_waited_for_server,
    ),
    Case("429-no-retry-after-then-ok", [_status(429), OK], None, 2),
    Case("429-exhausted", [_status(429, repeat=3)], RateLimitError, 3),
    Case(
        "429-retry-after-120-fails-fast",
        [_status(429, headers={"retry-after": "120"})],
        RateLimitError,
        1,
        check=_retry_after_carried,
    ),
    # --- server errors: retried, then succeed or run out --------------------------------
    *[Case(f"{s}-then-ok", [_status(s), OK], None, 2) for s in (500, 502, 503, 504, 529)],
    Case("408-then-ok", [_status(408), OK], None, 2, apis=("chat",)),
    Case("409-then-ok", [_status(409), OK], None, 2, apis=("chat",)),
    Case("503-exhausted", [_status(503, repeat=3)], ServerError, 3),
    Case("529-exhausted", [_status(529, repeat=3)], OverloadedError, 3, apis=("messages",)),
    Case(
        "500-x-should-retry-false",
        [_status(500, headers={"x-should-retry": "false"}), OK],
        ServerError,
        1,
    ),
    Case(
        "400-x-should-retry-true",
        [_status(400, headers={"x-should-retry": "true"}), OK],
        None,
        2,
        apis=("chat",),
    ),
    # --- the connection ------------------------------------------------------------------
    Case("closed-before-headers-then-ok", [Reply(close_before_headers=True), OK], None, 2),
    Case("closed-before-headers", [Reply(close_before_headers=True, repeat=3)], ConnectError, 3),
    Case("drop-before-first-event-then-ok", [Reply(text="x", drop_after=0), OK], None, 2),
    # --- deadlines ------------------------------------------------------------------------
    Case(
        "stall-before-first-event",
        [Reply(text="x", stall_after=0, repeat=2)],
        FirstEventTimeoutError,
        2,
        budget=1.0,
        apis=("chat", "messages"),
        client={"max_retries": 1},
        check=_first_event_named,
    ),
    Case(
        "delay-before-first-byte",
        [Reply(text="x", headers_delay=3.0)],
        FirstEventTimeoutError,
        1,
        budget=0.5,
        apis=("chat",),
        client={"max_retries": 0},
    ),
    Case(
        "delay-before-first-byte-then-ok",
        [Reply(text="x", headers_delay=3.0), OK],
        None,
        2,
        budget=0.5,
        apis=("responses",),
    ),
    Case(
        "slow-drip-cut-by-total",
        [Reply(text="word " * 50, chunk_size=5, drip_interval=0.002)],
        TotalTimeoutError,
        1,
        budget=1.0,
        apis=("chat",),
        client={"timeouts": Timeouts(connect=1.0, first_event=5.0, idle=0.5, total=1.0)},
        check=_total_named,
    ),
    # --- malformed streams ------------------------------------------------------------------
    Case("malformed-json-first-event", [Reply(text="x", malformed_at=0)], ProtocolError, 1),
    Case("invalid-utf8-first-event", [Reply(text="x", invalid_utf8_at=0)], ProtocolError, 1),
    Case(
        "endless-line",
        [Reply(text="x", endless_after=0)],
        ProtocolError,
        1,
        client={"max_event_bytes": 64 * 1024},
    ),
    Case("truncated-before-content", [Reply(truncate=True, text="")], ProtocolError, 1),
]


def _after_content_cases() -> list[pytest.ParameterSet]:
    """Faults after the first content event: never retried, the partial answer attached."""
    params = []
    for api, index in FIRST_CONTENT.items():
        cases = [
            Case(
                "drop-after-first-event",
                [Reply(**_long(), drop_after=index), OK],
                StreamInterruptedError,
                1,
                check=_partial_text,
            ),
            Case(
                "stall-after-first-event",
                [Reply(**_long(), stall_after=index), OK],
                IdleTimeoutError,
                1,
                budget=0.5,
                check=_idle_named,
            ),
            Case(
                "malformed-json-after-content",
                [Reply(**_long(), malformed_at=index + 1)],
                ProtocolError,
                1,
                check=_partial_text,
            ),
            Case(
                "invalid-utf8-after-content",
                [Reply(**_long(), invalid_utf8_at=index + 1)],
                ProtocolError,
                1,
                check=_partial_text,
            ),
            Case(
                "truncated-after-content",
                [Reply(**_long(), truncate=True)],
                StreamInterruptedError,
                1,
                check=_partial_text,
            ),
            Case(
                "endless-line-after-content",
                [Reply(**_long(), endless_after=index + 1)],
                ProtocolError,
                1,
                client={"max_event_bytes": 64 * 1024},
                check=_content_attached,
            ),
        ]
        params += [pytest.param(case, api, id=f"{case.id}-{api}") for case in cases]
    return params


def _long() -> dict[str, Any]:
    return {"text": LONG.text, "chunk_size": LONG.chunk_size}


def _matrix() -> list[pytest.ParameterSet]:
    params = [pytest.param(case, api, id=f"{case.id}-{api}") for case in CASES for api in case.apis]
    return params + _after_content_cases()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("case", "api"), _matrix())
def test_fault(server: FakeLLMServer, case: Case, api: str, mode: str) -> None:
    server.enqueue(*case.replies)
    outcome = call(mode, lambda: make_client(server, api, **case.client))
    if case.expect is None:
        assert outcome.error is None, outcome.error
        assert outcome.completed.message.text == OK.text
    else:
        assert isinstance(outcome.error, case.expect), outcome.error
        assert outcome.error.attempts == case.attempts
        assert outcome.error.exit_code in (2, 3, 4, 5, 6)
    assert len(server.requests) == case.attempts
    assert outcome.stats is not None
    assert outcome.stats.attempts == case.attempts
    # The error class and attempts above are the behaviour: a deadline that did not fire
    # lets the stalled stream finish, which fails them (the test's timeout guards a hang).
    assert outcome.pool_requests_in_flight == 0
    if case.check is not None:
        case.check(outcome)


@pytest.mark.parametrize("mode", MODES)
def test_connection_refused_is_retried_then_a_connect_error(mode: str) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    outcome = call(mode, lambda: make_client(f"http://127.0.0.1:{port}/v1", "chat"))
    assert isinstance(outcome.error, ConnectError), outcome.error
    assert outcome.error.attempts == 3
    assert "Could not connect" in outcome.error.message
    assert outcome.stats is not None
    assert [record.reason for record in outcome.stats.retries] == ["connect", "connect"]


@pytest.mark.parametrize("mode", MODES)
def test_real_time_retry_after_is_waited_out(server: FakeLLMServer, mode: str) -> None:
    server.enqueue(_status(429, headers={"retry-after": "1"}), OK)
    outcome = call(mode, lambda: make_client(server, "chat"))
    assert outcome.error is None
    assert outcome.elapsed >= 1.0  # Retry-After was waited out
    assert outcome.stats is not None
    assert outcome.stats.retries[0].wait == 1.0


def test_retry_sleep_that_would_pass_the_total_deadline_is_not_started(
    server: FakeLLMServer,
) -> None:
    server.enqueue(_status(503, headers={"retry-after": "5"}), OK)
    timeouts = Timeouts(connect=1.0, first_event=1.0, idle=1.0, total=2.0)
    outcome = call("async", lambda: make_client(server, "chat", timeouts=timeouts))
    assert isinstance(outcome.error, ServerError)
    # The 5 s sleep was never started: a retry is recorded just before its sleep, and none was.
    assert outcome.stats is not None
    assert outcome.stats.retries == []
    assert len(server.requests) == 1


def test_timeouts_are_clamped_to_the_total() -> None:
    clamped = Timeouts(connect=10, first_event=120, idle=120, total=3).clamped()
    assert clamped == Timeouts(connect=3, first_event=3, idle=3, total=3)
    assert FAST.clamped() == FAST
