"""`Provider`: the one interface the orchestrator talks to, one streamed model call at a time.

The HTTP client, the scripted (offline) provider, the local model and the middleware that wraps
any of them (`solcoder/middleware/`) all implement it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol, TypeVar

from solcoder.llm.events import Event
from solcoder.llm.messages import Request


class Provider(Protocol):
    """What the orchestrator talks to: one streamed model call at a time."""

    @property
    def name(self) -> str: ...

    @property
    def model(self) -> str: ...

    def astream(self, request: Request) -> AsyncIterator[Event]:
        """Stream one model call. The last event is `Completed`; failures raise `LLMError`."""
        ...

    async def aclose(self) -> None: ...


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
