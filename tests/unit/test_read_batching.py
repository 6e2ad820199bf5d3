"""A network read that brings many SSE events (the bulk read path) hands out what a read per
event would: the same events in the same order, and the same fault after them
(`transport/batching.py`, `SSEDecoder.failure`)."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from solcoder.errors import ProtocolError
from solcoder.llm.events import Event
from solcoder.llm.transport.batching import ReadBatcher
from solcoder.llm.wire.registry import adapter_for
from solcoder.llm.wire.sse import SSEDecoder
from tests.support.fake_wire import Reply, render_events

API = ("chat", "messages")


def one_read_per_event(api: str, events: list[bytes]) -> tuple[list[Event], str | None]:
    """The reference: every SSE event arrives in a read of its own."""
    sse, decoder = SSEDecoder(max_event_bytes=4096), adapter_for(api, provider="x").decoder()
    out: list[Event] = []
    try:
        for raw in events:
            for sse_event in sse.feed(raw):
                out += decoder.feed(sse_event)
    except ProtocolError as error:
        return out, error.message
    return out, None


def bulk_reads(api: str, blocks: list[bytes]) -> tuple[list[Event], str | None]:
    """As `http.Exchange.next_batch` batches whole reads."""
    sse, decoder = SSEDecoder(max_event_bytes=4096), adapter_for(api, provider="x").decoder()
    batcher = ReadBatcher(sse, decoder)
    reads = iter(blocks)
    out: list[Event] = []
    delivered = False

    def next_batch() -> list[Event] | None:
        if batcher.carrying:
            carried = batcher.carried_over()
            if carried:
                return carried
        for block in reads:
            sse_events = sse.feed(block)
            if not sse_events:
                continue
            if len(sse_events) == 1 and sse.failure is None:
                batch = decoder.feed(sse_events[0])
            else:
                batch = batcher.of_read(sse_events, delivered=delivered)
            if batch:
                return batch
        return None

    try:
        while (batch := next_batch()) is not None:
            out += batch
            delivered = True
    except ProtocolError as error:
        return out, error.message
    return out, None


def split(body: bytes, cuts: list[int]) -> list[bytes]:
    bounds = [0, *sorted(cut % (len(body) + 1) for cut in cuts), len(body)]
    return [body[start:end] for start, end in itertools.pairwise(bounds) if end > start]


@settings(max_examples=200, deadline=None)
@given(
    api=st.sampled_from(API),
    text=st.text(alphabet="aé中🦀 ", min_size=1, max_size=40),
    chunk_size=st.integers(min_value=1, max_value=6),
    fault=st.sampled_from(["", "malformed", "utf8", "too-large"]),
    at=st.integers(min_value=0, max_value=50),
    cuts=st.lists(st.integers(min_value=0, max_value=5000), max_size=8),
)
def test_reads_of_many_events_hand_out_what_reads_of_one_would(
    api: str, text: str, chunk_size: int, fault: str, at: int, cuts: list[int]
) -> None:
    events, _ = render_events(api, Reply(text=text, chunk_size=chunk_size))
    events = list(events)
    index = at % len(events)
    original = events[index]
    if fault == "malformed":
        events[index] = events[index].replace(b"data: {", b'data: {"broken": ', 1)
    elif fault == "utf8":
        events[index] = events[index].replace(b"data: ", b"data: \xff\xfe", 1)
    elif fault == "too-large":
        events[index] = b"data: " + b"x" * 5000 + b"\n\n"
    expected = one_read_per_event(api, events)
    assert bulk_reads(api, split(b"".join(events), cuts)) == expected
    if events[index] != original and not original.startswith(b"data: [DONE]"):
        assert expected[1] is not None  # the fault was injected, and is reported
