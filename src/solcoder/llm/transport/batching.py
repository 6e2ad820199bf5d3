"""How the SSE events of one network read become one batch of events, when a read holds many.

The bulk read path (`raw_body.py`) hands the decoders whole network reads, so one read can
bring hundreds of events, a fault in the middle of them, or the answer's first token followed by
much more. `ReadBatcher` keeps the behaviour of a read per event: a fault after good events (a
malformed event, one the SSE decoder refused) is raised by the next batch, after the events
before it were handed out; and the answer's first events are decoded and handed out alone, the
rest of their read following as the next batch (time to first token). A read of one event, the
streaming norm, never comes here (`http.Exchange.next_batch` decodes it inline).
"""

from __future__ import annotations

from solcoder.errors import ProtocolError
from solcoder.llm.events import Event
from solcoder.llm.wire.base import Decoder
from solcoder.llm.wire.sse import ServerSentEvent, SSEDecoder


class ReadBatcher:
    """The events of reads that brought several SSE events (or a fault), for one attempt."""

    __slots__ = ("_backlog", "_decoder", "_failure", "_sse")

    def __init__(self, sse: SSEDecoder, decoder: Decoder) -> None:
        self._sse = sse
        self._decoder = decoder
        self._failure: ProtocolError | None = None
        self._backlog: list[ServerSentEvent] | None = None

    @property
    def carrying(self) -> bool:
        """Whether the last read left something for the next batch (`carried_over`)."""
        return self._failure is not None or self._backlog is not None

    def carried_over(self) -> list[Event]:
        """What the last read left: its fault, raised now, or the events after the first."""
        failure = self._failure
        if failure is not None:
            self._failure = None
            raise failure
        backlog, self._backlog = self._backlog, None
        return self.events(backlog or [])

    def of_read(self, sse_events: list[ServerSentEvent], *, delivered: bool) -> list[Event]:
        """The events of a read that brought several SSE events (or one and a fault): the
        answer's first events alone until something was `delivered`, then all of them. The one
        dispatch both `http.Exchange.next_batch` and its property test go through."""
        return self.events(sse_events) if delivered else self.first_events(sse_events)

    def first_events(self, sse_events: list[ServerSentEvent]) -> list[Event]:
        """The answer's first events, decoded alone; the rest of the read is carried over."""
        feed = self._decoder.feed
        for index, sse_event in enumerate(sse_events):
            batch = feed(sse_event)
            if batch:
                self._backlog = sse_events[index + 1 :]
                return batch
        return self.events([])  # nothing came of them; a fault the SSE decoder found, if any

    def events(self, sse_events: list[ServerSentEvent]) -> list[Event]:
        """The events of `sse_events`; a fault after some of them is carried over."""
        batch: list[Event] = []
        feed = self._decoder.feed
        try:
            for sse_event in sse_events:
                batch += feed(sse_event)
        except ProtocolError as error:
            if not batch:
                raise
            self._failure = error
            return batch
        failure = self._sse.failure
        if failure is not None:
            if not batch:
                raise failure
            self._failure = failure
        return batch
