"""A deadline for network awaits that costs almost nothing per read.

`asyncio.timeout` around every read of a stream creates a timer, schedules and cancels it: about
15 % of the client's CPU per streamed chunk. Streams read far more often than deadlines fire,
so `Watchdog` keeps one timer handle and re-arms it lazily. It only ever cancels while a read is
awaited, never while the consumer holds an event: the sync bridge, which stops its event loop
while its caller holds events with a read already started, puts that read on `hold()` and
`release()`s it when the loop runs for the stream again; the time in between does not count.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass


class Watchdog:
    """Cancels the reading task when a network await overruns its deadline.

    Arming it for the next read is a float store: the one timer handle is re-armed only when
    it fires early or must fire sooner. It cancels only while a read is awaited (between
    `arm` and `disarm`), and `claim_expiry` tells our cancellation from anyone else's, the way
    `asyncio.timeout` does.
    """

    __slots__ = (
        "_cancelling",
        "_deadline",
        "_expired",
        "_handle",
        "_held_since",
        "_limit",
        "_loop",
        "_task",
        "_when",
    )

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._deadline = 0.0
        self._handle: asyncio.TimerHandle | None = None
        self._when = float("inf")
        """When the scheduled handle fires (inf when none is scheduled)."""
        self._task: asyncio.Task[object] | None = None
        self._cancelling = 0
        self._expired = False
        self._limit = 0.0
        self._held_since: float | None = None

    def arm(self, deadline: float, limit: float | None = None) -> None:
        """A read starts in the current task and must end by `deadline` (loop time); time on
        hold may move the deadline, never past `limit` (default: `deadline` itself)."""
        task = self._task = asyncio.current_task(self._loop)
        self._cancelling = task.cancelling() if task is not None else 0
        self._deadline = deadline
        self._limit = deadline if limit is None else limit
        if deadline < self._when:
            if self._handle is not None:
                self._handle.cancel()
            self._handle = self._loop.call_at(deadline, self._fire)
            self._when = deadline

    def disarm(self) -> None:
        """The read ended."""
        self._task = None
        self._held_since = None

    def hold(self) -> None:
        """The read in flight stops counting: its loop is stopped while the consumer holds
        events (the sync bridge), so it waits for the consumer, not for the network."""
        if self._task is not None and self._held_since is None:
            self._held_since = self._loop.time()

    def release(self) -> None:
        """The consumer asks for more: the deadline moves by the time on hold (up to the
        limit given to `arm`), and the timer runs again."""
        since = self._held_since
        if since is None:
            return
        self._held_since = None
        if self._task is None:
            return
        moved = min(self._deadline + (self._loop.time() - since), self._limit)
        self._deadline = max(self._deadline, moved)
        if self._handle is None:
            self._handle = self._loop.call_at(self._deadline, self._fire)
            self._when = self._deadline

    def close(self) -> None:
        """No more reads: drop the timer (it would keep this attempt alive until it fires)."""
        self._task = None
        self._held_since = None
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
            self._when = float("inf")

    def claim_expiry(self) -> bool:
        """True if the cancellation being handled is ours (which undoes it)."""
        task = self._task
        self._task = None
        if not self._expired or task is None:
            return False
        self._expired = False
        return task.uncancel() <= self._cancelling

    def _fire(self) -> None:
        self._handle = None
        self._when = float("inf")
        task = self._task
        if task is None or self._held_since is not None:
            return  # nobody is reading (the next `arm` starts a timer), or on hold (`release`)
        if self._loop.time() < self._deadline:
            self._handle = self._loop.call_at(self._deadline, self._fire)
            self._when = self._deadline
            return
        self._expired = True
        task.cancel()


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Deadlines in seconds. `total` bounds one whole model request; the finer ones never
    exceed it (they are clamped when the client is built)."""

    connect: float = 10.0
    first_event: float = 120.0
    idle: float = 120.0
    total: float = 900.0

    def clamped(self) -> Timeouts:
        return Timeouts(
            min(self.connect, self.total),
            min(self.first_event, self.total),
            min(self.idle, self.total),
            self.total,
        )
