"""The one place where network failures become our error tree, and where httpx2's exceptions
are named at all: `http.py` maps an exchange's failures here, and the side requests (a
llama.cpp server's `/props` and `/health`) and the base URL check use `REQUEST_FAILURES`
and `url_refused` rather than catching httpx2 themselves.

Foreign exceptions (httpx2, OSError and its ssl / socket children, anyio stream errors) and our
own deadlines are turned into the `LLMError` subclasses of `solcoder.errors`, each with a
message saying what happened, which deadline or setting was involved, and what to do. Pure
functions: no I/O, so every branch is easy to reach in a test.

A message names the URL it was about only through `public_url`, which drops what may hold a
secret (`user:password@`, the query string); `finalize_error` masks credentials in any URL a
foreign message quoted (a proxy's, say), as well as the API key.
"""

from __future__ import annotations

import ipaddress
import re
import ssl
from collections.abc import Mapping, Sequence
from typing import Literal
from urllib.parse import urlsplit

import anyio
import httpx2

from solcoder.errors import (
    BadRequestError,
    ConnectError,
    ConnectTimeoutError,
    FirstEventTimeoutError,
    IdleTimeoutError,
    LLMError,
    LLMTimeoutError,
    ProtocolError,
    RateLimitError,
    StreamInterruptedError,
    TotalTimeoutError,
)
from solcoder.llm.messages import Message
from solcoder.llm.transport.chunked import ChunkedBodyError
from solcoder.llm.transport.deadline import Timeouts
from solcoder.llm.wire.base import Decoder
from solcoder.llm.wire.headers import retry_after_seconds
from solcoder.secret import Secret

Stage = Literal["connect", "first_event", "idle"]
"""Where the attempt was: sending and waiting for headers, waiting for the first SSE event, or
streaming (after the first event)."""

NETWORK_ERRORS: tuple[type[BaseException], ...] = (
    httpx2.TransportError,
    OSError,
    anyio.BrokenResourceError,
    anyio.ClosedResourceError,
    anyio.EndOfStream,
    anyio.IncompleteRead,
)
"""Everything a connect, write or read can raise that is the network's fault (ssl.SSLError
and socket errors are OSErrors)."""

REQUEST_FAILURES: tuple[type[BaseException], ...] = (httpx2.HTTPError, *NETWORK_ERRORS)
"""What a small side request (a server's `/props`, `/health`) raises when it got no usable
answer: its callers treat them all as "not answered"."""


def url_refused(url: str) -> str | None:
    """Why the HTTP client refuses `url` before any request, or None when it takes it."""
    try:
        httpx2.URL(url)
    except (httpx2.InvalidURL, ValueError) as error:
        return f"the HTTP client refuses it ({error})"
    return None


def decoding_error(exc: BaseException, provider: str) -> ProtocolError | None:
    """A body the client could not decompress, as a protocol error; None for anything else."""
    if isinstance(exc, httpx2.DecodingError):
        return ProtocolError(
            f"{provider} sent a body that could not be decompressed ({exc}).", provider=provider
        )
    return None


_URL_CREDENTIALS = re.compile(r"(?<=//)[^/\s@]+@")
"""The `user:password@` of a URL quoted anywhere in a message."""
_DEFAULT_PORTS = {"http": 80, "https": 443}


def deadline_error(
    *, provider: str, stage: Stage, total: bool, timeouts: Timeouts, status: int | None
) -> LLMTimeoutError:
    """The error for one of our own timers that fired; `total` when it was the total one."""
    if total:
        return TotalTimeoutError(
            f"The request to {provider} did not finish within {timeouts.total:g} s, the "
            "deadline for one whole model request (set by --timeout / llm.timeout).",
            hint="Raise --timeout, or ask for a shorter answer.",
            provider=provider,
            status=status,
        )
    if stage == "idle":
        return IdleTimeoutError(
            f"{provider} sent nothing for {timeouts.idle:g} s in the middle of its answer "
            f"(the idle timeout, set by {IdleTimeoutError.setting}).",
            hint=f"Raise {IdleTimeoutError.setting} if the model pauses for long; the provider "
            "may be overloaded.",
            provider=provider,
            status=status,
        )
    return FirstEventTimeoutError(
        f"{provider} sent no answer within {timeouts.first_event:g} s of the request "
        f"(the first-event timeout, set by {FirstEventTimeoutError.setting}).",
        hint=f"Raise {FirstEventTimeoutError.setting} for slow reasoning models; the provider "
        "may be overloaded.",
        provider=provider,
        status=status,
    )


def transport_error(
    exc: BaseException,
    *,
    provider: str,
    stage: Stage,
    timeouts: Timeouts,
    status: int | None,
    partial: Message | None,
    url: str | None = None,
) -> LLMError:
    """Our error for a foreign network exception. `partial` is the answer streamed so far
    (None before content): with it, a broken connection is a `StreamInterruptedError`. `url`
    is the request's URL, named (without credentials) when the connection failed."""
    detail = describe(exc)
    if isinstance(exc, httpx2.ConnectTimeout):
        return ConnectTimeoutError(
            f"Could not connect to {provider} within {timeouts.connect:g} s (the connect "
            f"timeout, set by {ConnectTimeoutError.setting}).",
            hint="Check your network, proxy (HTTPS_PROXY) and the provider's base URL.",
            provider=provider,
            status=status,
        )
    if isinstance(exc, httpx2.LocalProtocolError):
        return BadRequestError(
            f"The request to {provider} could not be sent: {detail}.",
            hint="Check the provider's extra headers in config.toml.",
            provider=provider,
            status=status,
        )
    if isinstance(exc, ssl.SSLError) or "CERTIFICATE_VERIFY_FAILED" in detail:
        return ConnectError(
            f"The TLS connection to {provider} failed: {detail}.",
            hint="Behind a corporate proxy, point SSL_CERT_FILE (or REQUESTS_CA_BUNDLE) at its "
            "CA bundle.",
            provider=provider,
            status=status,
        )
    if isinstance(exc, httpx2.UnsupportedProtocol):
        return ConnectError(
            f"The base URL for {provider} is not usable: {detail}.",
            hint="Set --llm-base-url to an http:// or https:// URL.",
            provider=provider,
            status=status,
        )
    if stage == "connect" and _unreadable_head(exc):
        return ProtocolError(
            f"{provider} sent a response head SolCoder cannot read ({detail}): its headers "
            "are malformed or too large.",
            hint="Check --llm-base-url: the server there does not answer like an LLM API "
            "(a proxy or another service may be listening).",
            provider=provider,
            status=status,
        )
    if stage == "connect" and isinstance(exc, httpx2.ConnectError | httpx2.ProxyError):
        return _connect_error(exc, detail, provider=provider, status=status, url=url)
    if partial is not None:
        return StreamInterruptedError(
            f"The connection to {provider} broke in the middle of the answer: {detail}.",
            hint="The partial answer is kept; ask again to get the rest.",
            partial=partial,
            provider=provider,
            status=status,
        )
    return ConnectError(
        f"The connection to {provider} was lost before the answer began: {detail}.",
        hint="Check your network and proxy; the provider may be restarting.",
        provider=provider,
        status=status,
    )


def _unreadable_head(exc: BaseException) -> bool:
    """Whether the server answered, but with a status line or headers the HTTP parser refused
    (`Receive buffer too long` for 50 MB of headers, an illegal header line): the server's
    fault, not the connection's. A server that hung up before answering is a lost connection."""
    if not isinstance(exc, httpx2.RemoteProtocolError):
        return False
    text = str(exc).lower()
    return not any(word in text for word in ("disconnect", "closed", "incomplete"))


def redirect_error(
    status: int, location: str | None, *, provider: str, url: str | None
) -> ProtocolError:
    """A 3xx answer: SolCoder does not follow redirects (the key would travel to wherever the
    server points), so name the status and where it pointed, and say what to set instead."""
    shown = public_url(location)[:200] if location else ""
    where = f" to {shown}" if location else " without a Location header"
    asked = f" at {url}" if url else ""
    hint = (
        "If that is the real API, set --llm-base-url to it without the endpoint path "
        "(or fix the scheme or path of the base URL)."
        if location
        else "Check --llm-base-url: the server there does not answer like an LLM API."
    )
    return ProtocolError(
        f"{provider}{asked} answered HTTP {status} (a redirect){where}; SolCoder does not "
        "follow redirects, so that the API key is sent only where you configured it.",
        hint=hint,
        provider=provider,
        status=status,
    )


def _connect_error(
    exc: BaseException, detail: str, *, provider: str, status: int | None, url: str | None
) -> ConnectError:
    """A connection that could not be opened. On loopback the server is the user's own
    (llama.cpp, Ollama, ...) and the likely cause is that it is not running, so say that and
    not "check your proxy"; elsewhere the network and proxy advice stays."""
    if url is None:
        return ConnectError(
            f"Could not connect to {provider}: {detail}.",
            hint="Check your network, proxy settings (HTTPS_PROXY, NO_PROXY) and the "
            "provider's base URL.",
            provider=provider,
            status=status,
        )
    shown = public_url(url, with_port=True)
    parts = urlsplit(shown)
    if not _is_loopback(parts.hostname or ""):
        return ConnectError(
            f"Could not connect to {provider} at {shown}: {detail}.",
            hint="Check your network, proxy settings (HTTPS_PROXY, NO_PROXY) and the base URL "
            "(--llm-base-url).",
            provider=provider,
            status=status,
        )
    netloc = parts.netloc
    why = f"nothing is listening on {netloc}" if _refused(exc) else detail
    port = parts.port or 8080
    return ConnectError(
        f"Could not connect to {provider} at {shown}: {why}.",
        hint=f"Is the server running? Start it (for llama.cpp: `llama-server -m MODEL.gguf "
        f"--port {port}`), or point --llm-base-url at the port it listens on.",
        provider=provider,
        status=status,
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _refused(exc: BaseException) -> bool:
    """Whether the connection was refused (httpx2 wraps the socket error a few levels deep,
    as "All connection attempts failed")."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, ConnectionRefusedError) or "refused" in str(seen).lower():
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def public_url(url: str, *, with_port: bool = False) -> str:
    """`url` fit to show: no `user:password@`, query or fragment (a key may sit in either),
    and with `with_port` the port even when it is the scheme's default. Text that does not
    parse as an http(s) URL comes back as it was."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return _URL_CREDENTIALS.sub("", url)
    host = parts.hostname
    if not host or parts.scheme not in _DEFAULT_PORTS:
        return _URL_CREDENTIALS.sub("", url)
    if ":" in host:
        host = f"[{host}]"
    if port is None and with_port:
        port = _DEFAULT_PORTS[parts.scheme]
    netloc = host if port is None else f"{host}:{port}"
    return f"{parts.scheme}://{netloc}{parts.path}"


def describe(exc: BaseException) -> str:
    """`Type: first line of the message`, short enough for one sentence."""
    text = str(exc).strip()
    first_line = text.splitlines()[0][:200] if text else ""
    name = type(exc).__name__
    return f"{name}: {first_line}" if first_line else name


def finalize_error(
    error: LLMError,
    *,
    headers: Mapping[str, str] | None,
    partial: Message | None,
    secrets: Sequence[Secret],
) -> None:
    """Last touches on an error about to be raised: the wait the server asked for, the partial
    answer, and no secret anywhere in its text (a provider may echo the key back; a foreign
    message may quote a URL with its credentials)."""
    if isinstance(error, RateLimitError) and error.retry_after is None and headers is not None:
        error.retry_after = retry_after_seconds(headers)
    if partial is not None and error.partial is None:
        error.partial = partial
    message, hint = error.message, error.hint
    for secret in secrets:
        value = secret.reveal()
        message = message.replace(value, secret.masked)
        hint = hint.replace(value, secret.masked) if hint else hint
    message = _URL_CREDENTIALS.sub("", message)
    hint = _URL_CREDENTIALS.sub("", hint) if hint else hint
    if (message, hint) != (error.message, error.hint):
        error.message, error.hint = message, hint
        error.args = (message,)


def partial_message(decoder: Decoder) -> Message | None:
    """The message streamed so far, or None when nothing was."""
    return decoder.partial() if decoder.content_started else None


def raw_read_error(exc: BaseException) -> httpx2.TransportError:
    """What the httpx2 path raises for the failure `exc` of the bulk read path (`raw_body.py`),
    so both map to the same error above: a broken body's framing (`ChunkedBodyError`, worded
    as h11 words it) is a `RemoteProtocolError`, a failed socket read a `ReadError`."""
    if isinstance(exc, ChunkedBodyError):
        return httpx2.RemoteProtocolError(str(exc))
    return httpx2.ReadError(str(exc))
