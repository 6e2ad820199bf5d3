"""`Middleware`: a provider around a provider, forwarding the declared interface explicitly.

Every member of `llm.providers.base.Provider` is passed on to `inner` here, by name, so a
wrapper overrides only what it changes (the budget its `max_output`, telemetry its `astream`)
and nothing is found by `__getattr__` reach-through: a member missing from the interface is a
type error, not a surprise at run time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from solcoder.llm.events import Event
from solcoder.llm.messages import Request
from solcoder.llm.providers.base import Provider

if TYPE_CHECKING:
    from solcoder.llm.catalog.providers import ProviderSpec
    from solcoder.llm.transport.stats import CallStats
    from solcoder.secret import Secret


class Middleware:
    """Forwards everything to `inner`; subclasses override `astream` and what they change."""

    def __init__(self, inner: Provider) -> None:
        self.inner = inner

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def model(self) -> str:
        return self.inner.model

    @property
    def spec(self) -> ProviderSpec:
        return self.inner.spec

    @property
    def last_stats(self) -> CallStats | None:
        return self.inner.last_stats

    @property
    def context_window(self) -> int | None:
        return self.inner.context_window

    @property
    def max_output(self) -> int | None:
        return self.inner.max_output

    def astream(self, request: Request) -> AsyncIterator[Event]:
        return self.inner.astream(request)

    async def discover(self) -> None:
        await self.inner.discover()

    def set_api_key(self, api_key: Secret) -> None:
        self.inner.set_api_key(api_key)

    async def aclose(self) -> None:
        await self.inner.aclose()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.inner!r})"
