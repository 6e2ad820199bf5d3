"""The last step of every call: events finished for the caller (`FinishedCall`).

Split from `client` (which wires adapter, URL, headers and transport together) because this
is what happens to each batch once it arrived: a forced-tool fold undone, the reply's
reasoning tagged with its provider, and the usage of a server that reports none estimated.
"""

from __future__ import annotations

from dataclasses import replace

from solcoder.llm.events import Completed, Event
from solcoder.llm.messages import Request, Usage
from solcoder.llm.transport.streaming import StreamingCall
from solcoder.llm.wire.forced_tool import ForcedToolFold
from solcoder.llm.wire.reasoning import tag_message


class FinishedCall:
    """A `StreamingCall` whose events are finished for the caller: a forced-tool fold applied
    (`forced_tool.py`), the usage of a server that reports none estimated and marked so
    (`extra["usage_estimated"]`), so every output that shows usage shows the same figures, and
    the reply's reasoning tagged with this provider (`wire/reasoning.py`: it goes back to this
    provider only)."""

    def __init__(
        self,
        call: StreamingCall,
        request: Request,
        fold: ForcedToolFold | None = None,
        *,
        provider: str = "",
    ) -> None:
        self.call = call
        self._request = request
        self._fold = fold
        self._provider = provider

    async def next_batch(self) -> list[Event] | None:
        batch = await self.call.next_batch()
        return None if batch is None else self.finish(batch)

    def finish(self, batch: list[Event]) -> list[Event]:
        """One batch of the `StreamingCall`, finished for the caller."""
        if self._fold is not None:
            batch = [folded for event in batch for folded in self._fold.feed(event)]
        if batch and isinstance(batch[-1], Completed):
            done = batch[-1]
            message = tag_message(done.message, self._provider)
            if message is not done.message:
                done = replace(done, message=message)
            if not done.usage.total:
                done = estimated_usage(done, self._request, provider=self._provider)
            batch[-1] = done
        return batch

    async def aclose(self) -> None:
        await self.call.aclose()

    def hold(self) -> None:
        self.call.hold()

    def release(self) -> None:
        self.call.release()

    def closing(self) -> None:
        self.call.closing()


def estimated_usage(completed: Completed, request: Request, *, provider: str = "") -> Completed:
    """`completed` with offline estimates in place of a usage the server never sent."""
    from solcoder.llm.tokens import count_text, estimate_request

    message = completed.message
    written = message.text + "".join(call.arguments for call in message.tool_calls)
    usage = Usage(input=estimate_request(request, provider=provider), output=count_text(written))
    return replace(completed, usage=usage, extra={**completed.extra, "usage_estimated": True})
