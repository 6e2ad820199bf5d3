"""The one place where network failures become our error tree (used only by `http.py`).

Foreign exceptions (httpx2, OSError and its ssl / socket children, anyio stream errors) and our
own deadlines are turned into the `LLMError` subclasses of `solcoder.errors`, each with a
message saying what happened, which deadline or setting was involved, and what to do. Pure
functions: no I/O, so every branch is easy to reach in a test.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping, Sequence
from typing import Literal

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
    RateLimitError,
    StreamInterruptedError,
    TotalTimeoutError,
)
from solcoder.llm.adapters.base import Decoder
from solcoder.llm.messages import Message
from solcoder.llm.provider import Timeouts
from solcoder.llm.retry import retry_after_seconds

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
) -> LLMError:
    """Our error for a foreign network exception. `partial` is the answer streamed so far
    (None before content): with it, a broken connection is a `StreamInterruptedError`."""
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
    if stage == "connect" and isinstance(exc, httpx2.ConnectError | httpx2.ProxyError):
        return ConnectError(
            f"Could not connect to {provider}: {detail}.",
            hint="Check your network, proxy settings (HTTPS_PROXY, NO_PROXY) and the "
            "provider's base URL.",
            provider=provider,
            status=status,
        )
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
    secrets: Sequence[str],
) -> None:
    """Last touches on an error about to be raised: the wait the server asked for, the partial
    answer, and no secret anywhere in its text (a provider may echo the key back)."""
    if isinstance(error, RateLimitError) and error.retry_after is None and headers is not None:
        error.retry_after = retry_after_seconds(headers)
    if partial is not None and error.partial is None:
        error.partial = partial
    for secret in secrets:
        if secret in error.message or (error.hint and secret in error.hint):
            error.message = error.message.replace(secret, "***")
            error.hint = error.hint.replace(secret, "***") if error.hint else None
            error.args = (error.message,)


def partial_message(decoder: Decoder) -> Message | None:
    """The message streamed so far, or None when nothing was."""
    return decoder.partial() if decoder.content_started else None
