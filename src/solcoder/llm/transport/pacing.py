"""Rate limits seen before they bite: the budgets each provider announced, and the wait for a
refill before a request that would not fit, instead of collecting a 429.

`RateLimitBook` keeps the latest `RateLimitSnapshot` per provider and base URL for the life of
the process (`RATE_LIMITS`), so a provider rebuilt by `/config set` still knows what its
server said, and `/status` can show it. A `Pacer` belongs to one `HttpStreamer`: the exchange
hands it every response's headers (`observe`), and `StreamingCall` asks it before each attempt
(`pace`). The decision itself (`pause_for`) is a pure function of the snapshot, the request's
estimated tokens and the time.

The rules:
- a budget counts only until its reset: once that passed it is whole again;
- requests need 1; `tokens` (input plus output, as OpenAI and Anthropic count it) needs the
  estimated input plus the output allowance (`max_tokens`), `input_tokens` the input,
  `output_tokens` the allowance (Anthropic estimates output from `max_tokens` up front);
- a request larger than a whole budget is sent anyway: no wait could make it fit, and the
  server, whose count is exact where ours is an estimate, decides;
- the wait is bounded by the request's deadline (`--timeout`): a longer one fails at once
  with `RateLimitError` (exit 4), saying when the budget refills and what to change.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from solcoder.errors import RateLimitError
from solcoder.llm.transport.notices import RateLimitNotice, TransportNotice
from solcoder.llm.wire.rate_limits import Dimension, RateLimitSnapshot, parse_rate_limits

TICK_S = 1.0
"""How often a wait reports its countdown."""


@dataclass(frozen=True, slots=True)
class Pause:
    """Why and how long a request waits before it is sent."""

    dimension: Dimension
    wait_s: float
    needed: int
    remaining: int
    limit: int | None


def pause_for(
    snapshot: RateLimitSnapshot | None, *, input_tokens: int, output_tokens: int, now: float
) -> Pause | None:
    """The wait before a request of the given size, or None when it may go now."""
    if snapshot is None:
        return None
    needs: dict[Dimension, int] = {
        "requests": 1,
        "tokens": input_tokens + output_tokens,
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
    }
    longest: Pause | None = None
    for dimension, window in snapshot.windows():
        wait = window.reset_in(now)
        remaining = window.remaining
        needed = needs[dimension]
        if wait is None or wait <= 0 or remaining is None or needed <= remaining:
            continue
        if window.limit is not None and needed > window.limit:
            continue  # larger than the whole budget: waiting cannot make it fit
        if longest is None or wait > longest.wait_s:
            longest = Pause(dimension, wait, needed, remaining, window.limit)
    return longest


class RateLimitBook:
    """The latest budgets per (provider, base URL); safe to use from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._snapshots: dict[tuple[str, str], RateLimitSnapshot] = {}

    def update(self, provider: str, base_url: str, snapshot: RateLimitSnapshot) -> None:
        with self._lock:
            self._snapshots[(provider, base_url)] = snapshot

    def get(self, provider: str, base_url: str) -> RateLimitSnapshot | None:
        with self._lock:
            return self._snapshots.get((provider, base_url))

    def latest(self, provider: str) -> RateLimitSnapshot | None:
        """The newest snapshot of `provider` at any base URL."""
        with self._lock:
            found = [s for (name, _), s in self._snapshots.items() if name == provider]
        return max(found, key=lambda snapshot: snapshot.seen_at) if found else None

    def clear(self) -> None:
        with self._lock:
            self._snapshots.clear()


RATE_LIMITS = RateLimitBook()
"""The process's book: what every provider's server announced (kept across rebuilds)."""


Need = Callable[[], tuple[int, int]]
"""(estimated input tokens, output allowance) of the request about to be sent; called only
when a token budget is known, so an unlimited provider never pays for the estimate."""


class Pacer:
    """Observes one provider's rate-limit headers and paces its requests by them."""

    def __init__(
        self,
        provider: str,
        base_url: str,
        *,
        book: RateLimitBook = RATE_LIMITS,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], object] = asyncio.sleep,
    ) -> None:
        self.provider = provider
        self.base_url = base_url
        self.book = book
        self._clock = clock
        self._sleep = sleep

    @property
    def snapshot(self) -> RateLimitSnapshot | None:
        return self.book.get(self.provider, self.base_url)

    def observe(
        self, headers: Mapping[str, str], notify: Callable[[TransportNotice], None] | None
    ) -> None:
        """Keep what a response announced; tell `notify` (the `rate_limit` event)."""
        now = self._clock()
        snapshot = parse_rate_limits(headers, now=now)
        if snapshot is None:
            return
        self.book.update(self.provider, self.base_url, snapshot)
        if notify is not None:
            notify(RateLimitNotice(self.provider, snapshot, now=now))

    async def pace(
        self,
        need: Need,
        *,
        bound_s: float,
        notify: Callable[[TransportNotice], None] | None,
    ) -> float:
        """Wait until the request fits the announced budgets; the seconds waited. Raises
        `RateLimitError` at once when the wait would exceed `bound_s` (the deadline)."""
        snapshot = self.snapshot
        if snapshot is None:
            return 0.0
        tokens_known = any(name != "requests" for name, _ in snapshot.windows())
        input_tokens, output_tokens = need() if tokens_known else (0, 0)
        now = self._clock()
        pause = pause_for(snapshot, input_tokens=input_tokens, output_tokens=output_tokens, now=now)
        if pause is None:
            return 0.0
        if pause.wait_s > bound_s:
            raise self._too_long(pause, bound_s, now)
        deadline = now + pause.wait_s
        first = True
        try:
            while True:
                left = deadline - self._clock()
                if left <= 0:
                    break
                if notify is not None:
                    notify(self._notice(snapshot, pause, "waiting", left, first=first))
                first = False
                step = min(TICK_S, left)
                await self._sleep(step)  # type: ignore[misc]
        finally:
            if notify is not None:
                notify(self._notice(snapshot, pause, "done", 0.0, first=False))
        return pause.wait_s

    def _notice(
        self,
        snapshot: RateLimitSnapshot,
        pause: Pause,
        state: Literal["waiting", "done"],
        left: float,
        *,
        first: bool,
    ) -> RateLimitNotice:
        return RateLimitNotice(
            self.provider,
            snapshot,
            state=state,
            wait_s=left,
            first=first,
            dimension=pause.dimension,
            now=self._clock(),
        )

    def _too_long(self, pause: Pause, bound_s: float, now: float) -> RateLimitError:
        what = pause.dimension.replace("_", " ")
        size = f" of {pause.limit}" if pause.limit is not None else ""
        at = time.strftime("%H:%M:%S", time.localtime(now + pause.wait_s))
        error = RateLimitError(
            f"The {self.provider} rate limit has {pause.remaining}{size} {what} left and this "
            f"request needs {pause.needed}; it refills in {pause.wait_s:.0f} s (at {at}), "
            f"longer than the request deadline of {bound_s:.0f} s, so it was not sent.",
            hint=f"Try again after {at}, raise the deadline (--timeout "
            f"{int(pause.wait_s) + 30}), raise the limit in the provider's console (a higher "
            "usage tier), or choose another model with --llm-model.",
            provider=self.provider,
            retry_after=pause.wait_s,
            attempts=0,  # nothing was sent, so nothing can have been billed
        )
        error.retryable = False
        return error


__all__ = ["RATE_LIMITS", "Need", "Pacer", "Pause", "RateLimitBook", "pause_for"]
