"""The `local` provider: llama.cpp's server, started by SolCoder, spoken to like any provider.

Requests go through the ordinary `LLMClient` over loopback HTTP, in whichever wire the user
chose (`--llm-api chat|responses|messages`), so there is one encoder and one decoder per wire in
the whole code base. This module only adds what owning the server means:

- the server starts on the first request (a "loading model…" status while it loads), is reused
  by every later one, and stops with the CLI;
- small-model guardrails: a cap on each reply (`llm.local_max_tokens`), llama.cpp's DRY sampler
  against loops (set in `child.py`), the context window read back from the server's `/props`;
- forced tool calls through the server's constraints (`forced_tool.py`);
- a crash of the model process (any signal) becomes `LocalModelCrashedError`, with the partial
  reply kept, and the next request starts a new server.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

from solcoder.errors import LLMError, LocalModelCrashedError
from solcoder.llm.catalog.providers import LOCAL, ProviderSpec
from solcoder.llm.events import Event
from solcoder.llm.messages import Request
from solcoder.llm.providers.base import ProviderBase, closing
from solcoder.llm.providers.client import LLMClient
from solcoder.llm.providers.local.server import LocalServer, ServerInfo, ServerOptions, Status
from solcoder.llm.transport.deadline import Timeouts
from solcoder.llm.transport.stats import CallStats
from solcoder.llm.wire.assemble import DEFAULT_MAX_ARGUMENT_BYTES

CRASH_SETTLE_S = 1.0
"""How long a broken stream waits to see whether the model process is exiting."""


def _quiet(line: str, *, done: bool = False) -> None:
    return None


class LocalProvider(ProviderBase):
    """A GGUF model behind a private llama.cpp server; implements the `Provider` protocol."""

    def __init__(
        self,
        options: ServerOptions,
        *,
        api: str = "chat",
        max_tokens: int = 256,
        timeouts: Timeouts | None = None,
        status: Status = _quiet,
        max_tool_argument_bytes: int = DEFAULT_MAX_ARGUMENT_BYTES,
    ) -> None:
        self._server = LocalServer(options)
        self._max_tool_argument_bytes = max_tool_argument_bytes
        self._api = api
        self._max_tokens = max_tokens
        self._timeouts = timeouts or Timeouts()
        self.status = status
        """Where progress lines go ("loading model…"); the CLI points it at stderr."""
        self._client: LLMClient | None = None
        self._info: ServerInfo | None = None
        self.context_window: int | None = options.context_window or None
        """The server's real window once it runs (`/props`), for fitting the history."""
        self.last_stats: CallStats | None = None

    @property
    def name(self) -> str:
        return LOCAL.name

    @property
    def model(self) -> str:
        return self._server.options.alias

    @property
    def max_output(self) -> int:
        """The cap on one reply (`llm.local_max_tokens`); the budget reserves this much."""
        return self._max_tokens

    @property
    def model_path(self) -> Path:
        return self._server.options.model_path

    @property
    def server(self) -> LocalServer:
        return self._server

    @property
    def spec(self) -> ProviderSpec:
        """The running server as a provider spec (its base URL is only known once started)."""
        base = self._info.base_url if self._info else "http://127.0.0.1:0/v1"
        return replace(
            LOCAL,
            api=self._api,  # type: ignore[arg-type]
            base_url=base,
            default_model=self.model,
            models=(self.model,),
        )

    async def discover(self) -> None:
        """Start the server (if needed) so its real context window is known."""
        await self._ensure_client()

    async def astream(self, request: Request) -> AsyncIterator[Event]:
        client = await self._ensure_client()
        cap = min(request.max_tokens or self._max_tokens, self._max_tokens)
        request = replace(request, max_tokens=cap)
        try:
            async with closing(client.astream(request)) as stream:  # closed in order
                async for event in stream:
                    yield event
        except LLMError as error:
            crash = await self._crash(error)
            if crash is None:
                raise
            raise crash from error
        finally:
            self.last_stats = client.last_stats

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()
        self._server.stop()

    def close(self) -> None:
        """Stop the server from synchronous code (exit handlers)."""
        self._server.stop()

    async def _ensure_client(self) -> LLMClient:
        if self._client is not None and self._server.running:
            return self._client
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        info = await self._server.start(self.status)
        self._info = info
        self.context_window = info.context_window
        client = LLMClient(
            self.spec,
            model=info.model,
            api_key=info.api_key,
            timeouts=self._timeouts,
            max_retries=0,  # a retry cannot help a process that answers on loopback
            max_tool_argument_bytes=self._max_tool_argument_bytes,
        )
        self._client = client
        return client

    async def _crash(self, error: LLMError) -> LocalModelCrashedError | None:
        """The error to raise instead of `error` when the model process has died. The kernel
        closes a killed process's sockets before its exit can be seen, so a broken stream
        waits a moment for the exit before calling it a network fault. An error status the
        server sent (400 and up) came from a live process: no wait."""
        if error.status is not None and error.status >= 400:
            return None
        how = self._server.exit_description()
        deadline = asyncio.get_running_loop().time() + CRASH_SETTLE_S
        while how is None and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.01)
            how = self._server.exit_description()
        if how is None:
            return None
        crashed = LocalModelCrashedError(
            f"The local model process {how} while answering.",
            hint="Your conversation is kept: send your message again (/retry in the REPL) and "
            "SolCoder starts the model again. If it keeps crashing, see "
            f"{self._server.options.log_path}.",
            provider=LOCAL.name,
        )
        crashed.partial = error.partial
        return crashed


__all__ = ["LocalProvider"]
