"""`Provider`: the one interface the orchestrator talks to, one streamed model call at a time.

The HTTP client, the scripted (offline) provider, the local model and the middleware that wraps
any of them (`solcoder/middleware/`) all implement it. Everything a wrapper or the CLI may ask
of a provider is declared here (its catalog entry, its last call's stats, the window its server
reports, key rotation), so nothing reaches through a wrapper with `getattr`. `ProviderBase`
gives the answers of a provider that has none of these (no server, no key).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Protocol, TypeVar

from solcoder.errors import UsageError
from solcoder.llm.events import Event
from solcoder.llm.messages import Request

if TYPE_CHECKING:
    from solcoder.llm.catalog.providers import ProviderSpec
    from solcoder.llm.transport.stats import CallStats
    from solcoder.secret import Secret


class Provider(Protocol):
    """What the orchestrator talks to: one streamed model call at a time."""

    @property
    def name(self) -> str: ...

    @property
    def model(self) -> str: ...

    @property
    def spec(self) -> ProviderSpec:
        """Its catalog entry, with what is known once it runs (a local server's URL, model)."""
        ...

    @property
    def last_stats(self) -> CallStats | None:
        """Measurements of the latest HTTP call (attempts, status, rate-limit headers)."""
        ...

    @property
    def context_window(self) -> int | None:
        """The window its server reports (llama.cpp's `/props`); None: the model table's."""
        ...

    @property
    def max_output(self) -> int | None:
        """A cap on one reply this provider imposes itself (`local`); None: the model's."""
        ...

    def astream(self, request: Request) -> AsyncIterator[Event]:
        """Stream one model call. The last event is `Completed`; failures raise `LLMError`."""
        ...

    async def discover(self) -> None:
        """Learn what the server says about itself (start it if SolCoder runs it)."""
        ...

    def set_api_key(self, api_key: Secret) -> None:
        """Use a new key from the next request on; `UsageError` if it takes no key."""
        ...

    async def aclose(self) -> None: ...


class ProviderBase:
    """The optional parts of `Provider` for a provider without them: no HTTP stats, no
    server to ask, no key. Subclasses define `name`, `model`, `spec`, `astream`, `aclose`."""

    last_stats: CallStats | None = None
    context_window: int | None = None

    @property
    def name(self) -> str:
        raise NotImplementedError

    @property
    def max_output(self) -> int | None:
        return None

    async def discover(self) -> None:
        return None

    def set_api_key(self, api_key: Secret) -> None:
        raise UsageError(f"The {self.name} provider uses no API key.")


_Item = TypeVar("_Item")


@asynccontextmanager
async def closing(stream: AsyncIterator[_Item]) -> AsyncIterator[AsyncIterator[_Item]]:
    """Close an event stream when the block exits, even if it was abandoned half-way.

    An async generator left unfinished only runs its cleanup (answering open tool calls,
    aborting the HTTP request) when garbage-collected; every consumer that may stop early
    iterates inside this block so cleanup happens at once, in order.
    """
    try:
        yield stream
    finally:
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            await aclose()
