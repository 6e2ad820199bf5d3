"""The mapping of network failures into our error tree, branch by branch, without a network."""

from __future__ import annotations

import ssl
from pathlib import Path

import anyio
import httpx2
import pytest

from solcoder.errors import (
    BadRequestError,
    ConfigError,
    ConnectError,
    ConnectTimeoutError,
    FirstEventTimeoutError,
    IdleTimeoutError,
    LLMError,
    RateLimitError,
    StreamInterruptedError,
    TotalTimeoutError,
)
from solcoder.llm import http
from solcoder.llm.http_errors import (
    Stage,
    deadline_error,
    describe,
    finalize_error,
    transport_error,
)
from solcoder.llm.messages import Message
from solcoder.llm.provider import Timeouts

TIMEOUTS = Timeouts(connect=3, first_event=7, idle=11, total=60)
PARTIAL = Message.assistant("half an ans")


def mapped(
    exc: BaseException, stage: Stage = "connect", partial: Message | None = None
) -> LLMError:
    return transport_error(
        exc, provider="acme", stage=stage, timeouts=TIMEOUTS, status=None, partial=partial
    )


def test_connect_timeout_names_its_value_and_setting() -> None:
    error = mapped(httpx2.ConnectTimeout("timed out"))
    assert isinstance(error, ConnectTimeoutError)
    assert "3 s" in error.message
    assert "llm.connect_timeout" in error.message


@pytest.mark.parametrize(
    "exc",
    [
        httpx2.ConnectError("[Errno 111] Connection refused"),
        httpx2.ConnectError("[Errno -2] Name or service not known"),
        httpx2.ProxyError("407 Proxy Authentication Required"),
    ],
)
def test_connect_failures_are_connect_errors(exc: Exception) -> None:
    error = mapped(exc)
    assert isinstance(error, ConnectError)
    assert "Could not connect to acme" in error.message


@pytest.mark.parametrize(
    "exc",
    [
        ssl.SSLCertVerificationError(1, "certificate verify failed"),
        httpx2.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"),
    ],
)
def test_tls_failures_point_at_the_ca_bundle_variables(exc: Exception) -> None:
    error = mapped(exc)
    assert isinstance(error, ConnectError)
    assert error.hint is not None
    assert "SSL_CERT_FILE" in error.hint


def test_unsupported_scheme_points_at_the_base_url() -> None:
    error = mapped(httpx2.UnsupportedProtocol("Request URL has an unsupported protocol 'ftp://'"))
    assert isinstance(error, ConnectError)
    assert error.hint is not None
    assert "--llm-base-url" in error.hint


def test_a_request_that_cannot_be_sent_is_a_bad_request() -> None:
    assert isinstance(mapped(httpx2.LocalProtocolError("Illegal header value")), BadRequestError)


@pytest.mark.parametrize(
    "exc",
    [
        httpx2.ReadError("connection reset"),
        httpx2.RemoteProtocolError("peer closed connection without sending complete message"),
        ConnectionResetError(104, "Connection reset by peer"),
        anyio.BrokenResourceError(),
        anyio.EndOfStream(),
    ],
)
def test_a_broken_connection_is_retryable_before_content_and_interrupted_after(
    exc: Exception,
) -> None:
    before = mapped(exc, stage="first_event")
    assert type(before) is ConnectError
    assert "before the answer began" in before.message
    after = mapped(exc, stage="idle", partial=PARTIAL)
    assert isinstance(after, StreamInterruptedError)
    assert after.partial == PARTIAL


@pytest.mark.parametrize(
    ("stage", "total", "expected", "words"),
    [
        ("first_event", False, FirstEventTimeoutError, ("7 s", "llm.first_event_timeout")),
        ("connect", False, FirstEventTimeoutError, ("7 s", "llm.first_event_timeout")),
        ("idle", False, IdleTimeoutError, ("11 s", "llm.idle_timeout")),
        ("idle", True, TotalTimeoutError, ("60 s", "--timeout", "llm.timeout")),
        ("first_event", True, TotalTimeoutError, ("60 s", "--timeout")),
    ],
)
def test_deadline_errors_say_which_deadline_its_value_and_setting(
    stage: Stage, total: bool, expected: type[LLMError], words: tuple[str, ...]
) -> None:
    error = deadline_error(provider="acme", stage=stage, total=total, timeouts=TIMEOUTS, status=200)
    assert type(error) is expected
    assert error.exit_code == 5
    for word in words:
        assert word in error.message


def test_describe_keeps_the_first_line_and_the_type() -> None:
    assert describe(OSError("first\nsecond")) == "OSError: first"
    assert describe(anyio.EndOfStream()) == "EndOfStream"


def test_finalize_masks_secrets_and_fills_the_server_wait() -> None:
    error = RateLimitError("key sk-test-123 is limited", hint="rotate sk-test-123", status=429)
    finalize_error(error, headers={"retry-after": "12"}, partial=PARTIAL, secrets=("sk-test-123",))
    assert "sk-test-123" not in str(error)
    assert "sk-test-123" not in repr(error.args)
    assert error.retry_after == 12.0
    assert error.partial == PARTIAL


def test_ca_bundle_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import certifi

    for name in (*http.CA_BUNDLE_VARIABLES, "SSL_CERT_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    context = http.ssl_context_from_environment()
    assert isinstance(context, ssl.SSLContext)
    assert context.cert_store_stats()["x509_ca"] > 0
    assert http.ssl_context_from_environment() is context  # built once
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    with pytest.raises(ConfigError, match="SSL_CERT_FILE"):
        http.ssl_context_from_environment()
