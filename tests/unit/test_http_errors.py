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
from solcoder.llm.messages import Message
from solcoder.llm.transport import tls
from solcoder.llm.transport.deadline import Timeouts
from solcoder.llm.transport.http_errors import (
    Stage,
    deadline_error,
    describe,
    finalize_error,
    public_url,
    transport_error,
)
from solcoder.secret import Secret

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
    finalize_error(
        error, headers={"retry-after": "12"}, partial=PARTIAL, secrets=(Secret("sk-test-123"),)
    )
    assert "sk-test-123" not in str(error)
    assert error.message == "key **** is limited"  # mask()'s style: too short to show a tail
    assert "sk-test-123" not in repr(error.args)
    assert error.retry_after == 12.0
    assert error.partial == PARTIAL


def self_signed_ca(path: Path) -> Path:
    """A one-certificate CA bundle made here (with `cryptography`, a declared dependency)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "SolCoder test CA")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return path


def test_ca_bundle_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (*tls.CA_BUNDLE_VARIABLES, "SSL_CERT_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(self_signed_ca(tmp_path / "ca.pem")))
    context = tls.ssl_context_from_environment()
    assert isinstance(context, ssl.SSLContext)
    assert context.cert_store_stats()["x509_ca"] > 0
    assert tls.ssl_context_from_environment() is context  # built once
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    with pytest.raises(ConfigError, match="SSL_CERT_FILE"):
        tls.ssl_context_from_environment()


# --- where the request went: named, never with credentials ----------------------------------

REFUSED = httpx2.ConnectError("All connection attempts failed")
REFUSED.__cause__ = ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 8080)")


def connect_failure(url: str, exc: BaseException = REFUSED) -> LLMError:
    return transport_error(
        exc,
        provider="llamacpp",
        stage="connect",
        timeouts=TIMEOUTS,
        status=None,
        partial=None,
        url=url,
    )


@pytest.mark.parametrize(
    ("url", "shown", "where"),
    [
        ("http://127.0.0.1:8080/v1/chat/completions", None, "127.0.0.1:8080"),
        ("http://localhost:8080/v1/chat/completions", None, "localhost:8080"),
        ("http://[::1]:8080/v1/chat/completions", None, "[::1]:8080"),
        ("http://127.0.0.2/v1/chat/completions", "http://127.0.0.2:80/v1/chat/completions", None),
    ],
)
def test_refused_on_loopback_asks_whether_the_server_is_running(
    url: str, shown: str | None, where: str | None
) -> None:
    error = connect_failure(url)
    assert isinstance(error, ConnectError)
    assert f"Could not connect to llamacpp at {shown or url}" in error.message
    if where is not None:
        assert f"nothing is listening on {where}" in error.message
    assert error.hint is not None
    assert "Is the server running?" in error.hint
    assert "llama-server" in error.hint and "--port" in error.hint
    assert "proxy" not in error.hint.lower()


def test_refused_elsewhere_names_host_and_port_and_keeps_the_network_advice() -> None:
    url = "https://bob:sk-test-canary-url-77aa@llm.example.com/v1/chat/completions?key=sk-q"
    error = connect_failure(url, httpx2.ConnectError("[Errno -2] Name or service not known"))
    assert isinstance(error, ConnectError)
    assert "https://llm.example.com:443/v1/chat/completions" in error.message
    assert error.hint is not None and "HTTPS_PROXY" in error.hint
    text = f"{error} {error.hint}"
    assert "sk-test-canary" not in text and "bob" not in text and "sk-q" not in text


def test_public_url_drops_credentials_query_and_fragment() -> None:
    url = "http://user:pa%40ss@Host.example:8443/v1/chat?api-key=sk-x#frag"
    assert public_url(url) == "http://host.example:8443/v1/chat"
    assert public_url("https://[::1]/v1", with_port=True) == "https://[::1]:443/v1"
    assert public_url("not a url") == "not a url"


def test_finalize_masks_credentials_in_any_url() -> None:
    error = ConnectError(
        "proxy http://me:sk-test-canary-proxy@proxy.corp:3128 refused",
        hint="see https://u:p@x.example/",
    )
    finalize_error(error, headers=None, partial=None, secrets=())
    assert "sk-test-canary-proxy" not in str(error)
    assert "http://proxy.corp:3128" in error.message
    assert error.hint == "see https://x.example/"
    assert "u:p@" not in repr(error.args)
