"""The public model client: an async core (`astream`, `acomplete`) and a thin sync bridge.

`LLMClient` only wires things together: the provider's wire adapter (chosen by `spec.api`),
the URL and headers, and a `StreamingCall` (`streaming.py`, over `http.py`) that owns deadlines,
retries and error mapping (`finished.py` finishes its events for the caller). The sync methods
run that same async code on a private event loop (one `SyncLoop` per client, created on first
use): `stream()` reads `StreamingCall.next_batch()` in one task that the loop runs only while
the caller waits (`SyncLoop.batches`), and yields its events, so there is no second copy of
any logic, and Ctrl-C cancels whatever is in flight.

A client's connection pool belongs to the event loop that first used it: use one client per
loop (the sync methods count as one loop of their own).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from types import TracebackType
from typing import Self

import httpx2

from solcoder.errors import ConfigError, ProtocolError, UsageError
from solcoder.llm.catalog.providers import ProviderSpec
from solcoder.llm.events import Completed, Event
from solcoder.llm.messages import Request
from solcoder.llm.providers.base import ProviderBase
from solcoder.llm.providers.finished import FinishedCall
from solcoder.llm.transport.deadline import Timeouts
from solcoder.llm.transport.http_errors import url_refused
from solcoder.llm.transport.notices import TransportNotice
from solcoder.llm.transport.pacing import Pacer
from solcoder.llm.transport.retry import RetryPolicy, RetryRecord
from solcoder.llm.transport.stats import CallStats
from solcoder.llm.transport.streamer import (
    DEFAULT_MAX_EVENT_BYTES,
    DEFAULT_MAX_RESPONSE_BYTES,
    HttpStreamer,
    build_http_client,
)
from solcoder.llm.transport.streaming import StreamingCall
from solcoder.llm.transport.sync_loop import SyncLoop
from solcoder.llm.wire.assemble import DEFAULT_MAX_ARGUMENT_BYTES
from solcoder.llm.wire.base import WireAdapter
from solcoder.llm.wire.forced_tool import rewrite
from solcoder.llm.wire.registry import adapter_for
from solcoder.secret import Secret
from solcoder.urls import base_url_problem

__all__ = ["CallStats", "LLMClient", "RetryRecord", "make_adapter"]


def make_adapter(
    spec: ProviderSpec, *, max_argument_bytes: int = DEFAULT_MAX_ARGUMENT_BYTES
) -> WireAdapter:
    """The wire adapter for `spec.api` (`wire/registry.py`), with the provider's reasoning data."""
    return adapter_for(
        spec.api,
        provider=spec.name,
        max_argument_bytes=max_argument_bytes,
        reasoning_style=spec.reasoning_style(),
        reasoning_roundtrip=spec.sends_reasoning_back(),
    )


class LLMClient(ProviderBase):
    """Streams model calls to one provider over HTTP; implements the `Provider` protocol."""

    def __init__(
        self,
        spec: ProviderSpec,
        *,
        model: str,
        api_key: Secret | str | None,
        timeouts: Timeouts | None = None,
        max_retries: int = 2,
        transport: httpx2.AsyncBaseTransport | None = None,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_tool_argument_bytes: int = DEFAULT_MAX_ARGUMENT_BYTES,
        retry_policy: RetryPolicy | None = None,
        on_stats: Callable[[CallStats], None] | None = None,
        on_status: Callable[[TransportNotice], None] | None = None,
        context_window: int | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        base_url = spec.base_url.rstrip("/")
        problem = base_url_problem(base_url)
        if problem is None:
            problem = url_refused(base_url)  # what the HTTP stack refuses, before a request
        if problem is not None:
            raise ConfigError(
                f"The base URL {base_url!r} of provider {spec.name!r} cannot be used: {problem}.",
                hint="Set --llm-base-url, for example http://127.0.0.1:8080/v1.",
            )
        api_key = _as_secret(api_key)
        _check_header_safe(spec.name, api_key)
        self._spec = spec
        self._model = model
        self._base_url = base_url
        self._adapter = make_adapter(spec, max_argument_bytes=max_tool_argument_bytes)
        self._api_key = api_key
        """Kept a `Secret`; the adapter reveals it into the header of each request."""
        self._timeouts = (timeouts or Timeouts()).clamped()
        self._transport = transport
        self._http = build_http_client(self._timeouts, transport=transport)
        self._http_loop: asyncio.AbstractEventLoop | None = None
        self._streamer = HttpStreamer(
            self._http,
            provider=spec.name,
            models=spec.models,
            timeouts=self._timeouts,
            policy=retry_policy or RetryPolicy(max_retries=max_retries),
            max_event_bytes=max_event_bytes,
            max_response_bytes=max_response_bytes,
            secrets=(api_key,) if api_key else (),
            on_status=on_status,
            pacer=pacer if pacer is not None else Pacer(spec.name, base_url),
        )
        self._on_stats = on_stats
        self.context_window = context_window
        """The server's own window when it says so (llama.cpp's `/props`); the history is
        fitted to it. None: SolCoder's model table decides."""
        self._sync: SyncLoop | None = None
        self.last_stats: CallStats | None = None
        """Measurements of the latest call (set when it starts, complete when it ends)."""

    def set_api_key(self, api_key: Secret | str | None) -> None:
        """Use a new key from the next request on (key rotation in a running REPL)."""
        api_key = _as_secret(api_key)
        _check_header_safe(self._spec.name, api_key)
        self._api_key = api_key
        # The old key stays on the scrub list: an error about an old request may still quote it.
        old = self._streamer.secrets
        self._streamer.secrets = (*old, api_key) if api_key else old

    def __repr__(self) -> str:
        return (
            f"LLMClient(provider={self._spec.name!r}, model={self._model!r}, "
            f"url={self._base_url!r})"
        )

    @property
    def name(self) -> str:
        return self._spec.name

    @property
    def model(self) -> str:
        return self._model

    @property
    def spec(self) -> ProviderSpec:
        return self._spec

    @property
    def timeouts(self) -> Timeouts:
        return self._timeouts

    # --- async core -------------------------------------------------------------------------

    async def astream(self, request: Request) -> AsyncIterator[Event]:
        """Stream one model call; the last event is `Completed`, failures raise `LLMError`.
        Leaving the iteration early (or `aclose()` on the iterator) aborts the request."""
        call = self._start(request)
        streaming = call.call  # one coroutine layer less per network read
        finish = call.finish
        try:
            while (batch := await streaming.next_batch()) is not None:
                for event in finish(batch):
                    yield event
        finally:
            await call.aclose()

    async def acomplete(self, request: Request) -> Completed:
        """One model call, waiting for the whole answer."""
        call = self._start(request)
        try:
            while (batch := await call.next_batch()) is not None:
                if batch and isinstance(batch[-1], Completed):
                    return batch[-1]
        finally:
            await call.aclose()
        raise ProtocolError(f"The {self.name} response ended without a result.", provider=self.name)

    async def aclose(self) -> None:
        """Close the connection pool."""
        owner = self._http_loop
        if owner is not None and owner.is_closed():
            # The loop that owned the pool is gone, and its sockets cannot be awaited any
            # more; they are closed when the pool is garbage collected.
            self._rebuild_pool()
            self._http_loop = None
            return
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    def _start(self, request: Request) -> FinishedCall:
        self._check_loop()
        if not request.model:
            request = replace(request, model=self._model)
        cache = request.cache
        if cache is not None and cache.key and not self._spec.prompt_cache_key:
            request = replace(request, cache=replace(cache, key=""))  # it would refuse the field
        request, fold = rewrite(request, self._spec.forced_tool.get(self._spec.api, "native"))
        call = self._adapter.encode(request, stream=True)
        auth = self._adapter.auth_headers(self._api_key) if self._api_key else {}
        headers = {**self._spec.headers, **call.headers, **auth}
        stats = CallStats(provider=self.name, model=request.model)
        self.last_stats = stats
        streaming = StreamingCall(
            self._streamer,
            self._adapter,
            call,
            url=join_url(self._base_url, call.path),
            headers=headers,
            stats=stats,
            on_done=self._on_stats,
            need=lambda: _need(request, self.name),
        )
        return FinishedCall(streaming, request, fold, provider=self.name)

    def _check_loop(self) -> None:
        loop = asyncio.get_running_loop()
        if self._http_loop is None or self._http_loop.is_closed():
            if self._http_loop is not None and self._http_loop is not loop:
                self._rebuild_pool()
            self._http_loop = loop
        elif self._http_loop is not loop:
            raise UsageError(
                "This LLMClient's connections belong to another event loop.",
                hint="Create one LLMClient per event loop; do not mix the sync and async "
                "methods of one client.",
            )

    def _rebuild_pool(self) -> None:
        """The old loop is closed and its sockets with it: start a fresh pool."""
        self._http = build_http_client(self._timeouts, transport=self._transport)
        self._streamer.http = self._http

    # --- sync bridge ------------------------------------------------------------------------

    def stream(self, request: Request) -> Iterator[Event]:
        """`astream` for synchronous code; closing the iterator aborts the request."""
        sync = self._sync_loop()
        with sync.interruptible():
            call = sync.run(_start(self, request))
            for batch in sync.batches(call):
                yield from batch

    def complete(self, request: Request) -> Completed:
        """`acomplete` for synchronous code."""
        sync = self._sync_loop()
        with sync.interruptible():
            return sync.run(self.acomplete(request))

    def close(self) -> None:
        """Close the connection pool and the private event loop of the sync methods."""
        sync = self._sync
        if sync is not None:
            self._sync = None
            try:
                sync.run(self.aclose())
            finally:
                sync.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _sync_loop(self) -> SyncLoop:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise UsageError(
                "The synchronous LLMClient methods cannot run inside an event loop.",
                hint="Use astream() / acomplete() from async code.",
            )
        if self._sync is None:
            self._sync = SyncLoop()
        return self._sync


def _need(request: Request, provider: str) -> tuple[int, int]:
    """What a request takes from a token rate limit: its estimated input and its output
    allowance (`pacing.Need`)."""
    from solcoder.llm.tokens import estimate_request

    return estimate_request(request, provider=provider), request.max_tokens or 0


def join_url(base_url: str, path: str) -> str:
    """`base_url + path`, where a base that already ends in the path's version prefix does
    not repeat it: every wire of an OpenAI-style server shares one base
    (`http://127.0.0.1:8080/v1`), while Anthropic's path carries its own `/v1/messages`."""
    version, _, _ = path.lstrip("/").partition("/")
    if version.startswith("v") and version[1:].isdigit() and base_url.endswith("/" + version):
        return base_url + path[len(version) + 1 :]
    return base_url + path


async def _start(client: LLMClient, request: Request) -> FinishedCall:
    return client._start(request)  # in the sync loop, which then owns the pool


def _as_secret(api_key: Secret | str | None) -> Secret | None:
    """Callers may hand a plain string (tests, scripts); it is wrapped at the door."""
    if isinstance(api_key, str):
        return Secret(api_key) if api_key else None
    return api_key or None


def _check_header_safe(provider: str, api_key: Secret | None) -> None:
    """A key goes into an HTTP header: only visible ASCII is possible there. A pasted key
    with a typographic character ("…") or a line break fails here, clearly, not mid-request."""
    if api_key is None or all(33 <= ord(character) < 127 for character in api_key.reveal()):
        return
    raise ConfigError(
        f"The API key for {provider!r} contains characters an API key never has "
        "(spaces, line breaks or non-ASCII such as '…').",
        hint=f"Paste the key again in full, e.g. with `solcoder auth rotate {provider}`.",
    )
