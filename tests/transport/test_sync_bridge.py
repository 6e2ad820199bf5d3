"""The sync bridge (`SyncLoop.batches`) over a real socket: it reads ahead only what has
arrived, yet the caller's time never counts against the read deadlines, nested calls work, and
Ctrl-C or an early close end the call as before."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from solcoder.errors import LLMTimeoutError
from solcoder.llm.events import Completed, Event, TextDelta
from solcoder.llm.transport.deadline import Timeouts
from solcoder.llm.transport.streaming import StreamingCall
from solcoder.llm.transport.sync_loop import READ_AHEAD
from tests.support.fake_llm_server import FakeLLMServer, Reply
from tests.transport.harness import REQUEST, in_flight, make_client

SHORT_IDLE = Timeouts(connect=1.0, first_event=1.0, idle=0.3, total=20.0)


def test_a_slow_sync_caller_is_never_timed_out_by_the_read_it_holds(
    server: FakeLLMServer,
) -> None:
    # Each event arrives 50 ms after the last: after the first, the bridge hands over with
    # the next read in flight. The caller then holds the event twice the idle timeout.
    server.enqueue(Reply(text="one two three", chunk_size=4, event_delay=0.05))
    texts: list[str] = []
    with make_client(server, "chat", timeouts=SHORT_IDLE) as client:
        for event in client.stream(REQUEST):
            if isinstance(event, TextDelta):
                if not texts:
                    time.sleep(0.6)
                texts.append(event.text)
        assert client.last_stats is not None
        assert client.last_stats.outcome == "ok"
    assert "".join(texts) == "one two three"


def test_the_idle_deadline_still_holds_while_the_caller_waits_for_the_server(
    server: FakeLLMServer,
) -> None:
    server.enqueue(Reply(text="tick " * 20, chunk_size=5, stall_after=3, stall_seconds=3))
    with make_client(server, "chat", timeouts=SHORT_IDLE) as client:
        # The stall ends at 3 s and the stream would complete: only the idle deadline raises.
        with pytest.raises(LLMTimeoutError):
            for _ in client.stream(REQUEST):
                pass
        assert in_flight(client) == 0


def test_a_burst_is_handed_over_in_few_loop_entries(server: FakeLLMServer) -> None:
    assert READ_AHEAD == 64
    # A plain reply is written in one go: 2,000 HTTP chunks (one SSE event each) at once.
    server.enqueue(Reply(text="abcd" * 2000, chunk_size=4))
    with make_client(server, "chat") as client:
        entries = 0
        sync = client._sync_loop()
        run_forever = sync.loop.run_forever

        def counted() -> None:
            nonlocal entries
            entries += 1
            run_forever()

        sync.loop.run_forever = counted  # type: ignore[method-assign]
        deltas = sum(isinstance(event, TextDelta) for event in client.stream(REQUEST))
    assert deltas == 2000
    # One entry per READ_AHEAD batches, plus a few waits for the socket; never one per batch.
    assert entries <= 2000 // 64 + 40, entries


def test_the_caller_may_use_the_client_while_it_holds_a_stream(server: FakeLLMServer) -> None:
    server.enqueue(Reply(text="outer " * 10, chunk_size=6, event_delay=0.02), Reply(text="inner"))
    with make_client(server, "chat") as client:
        outer: list[str] = []
        inner = ""
        for event in client.stream(REQUEST):
            if isinstance(event, TextDelta):
                outer.append(event.text)
                if len(outer) == 2:
                    inner = client.complete(REQUEST).message.text
            elif isinstance(event, Completed):
                assert event.message.text == "outer " * 10
        assert in_flight(client) == 0
    assert inner == "inner"
    assert "".join(outer) == "outer " * 10


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(), reason="signals")
def test_ctrl_c_interrupts_a_sync_stream_waiting_for_the_server(server: FakeLLMServer) -> None:
    server.enqueue(Reply(text="tick " * 20, chunk_size=5, stall_after=3, stall_seconds=60))
    patient = Timeouts(connect=1.0, first_event=90.0, idle=90.0, total=120.0)
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    seen: list[object] = []
    with make_client(server, "chat", timeouts=patient) as client:
        started = time.monotonic()
        timer.start()
        try:
            with pytest.raises(KeyboardInterrupt):
                seen.extend(client.stream(REQUEST))
        finally:
            timer.cancel()
        assert time.monotonic() - started < 30  # the 60 s stall was cut short, not served
        assert client.last_stats is not None
        assert client.last_stats.outcome == "cancelled"
        assert in_flight(client) == 0


def test_closing_a_sync_stream_with_a_read_in_flight_ends_it_as_closed(
    server: FakeLLMServer,
) -> None:
    server.enqueue(Reply(text="tick " * 20, chunk_size=5, stall_after=3, stall_seconds=5))
    with make_client(server, "chat") as client:
        stream = client.stream(REQUEST)
        first = next(event for event in stream if isinstance(event, TextDelta))
        assert first.text
        time.sleep(0.1)  # the bridge has handed over with the stalled read in flight
        stream.close()  # type: ignore[attr-defined]
        assert client.last_stats is not None
        assert client.last_stats.outcome == "closed"
        assert in_flight(client) == 0


def test_the_first_events_are_handed_over_before_the_rest_is_read(
    server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The whole reply is written at once, so the socket holds far more than the first event
    # when it arrives: the caller gets that event after one batch, not after the pump read
    # and decoded everything buffered (time to first token).
    server.enqueue(Reply(text="abcd" * 2000, chunk_size=4))
    batches = 0
    next_batch = StreamingCall.next_batch

    async def counted(self: StreamingCall) -> list[Event] | None:
        nonlocal batches
        batch = await next_batch(self)
        batches += 1
        return batch

    monkeypatch.setattr(StreamingCall, "next_batch", counted)
    with make_client(server, "chat") as client:
        stream = client.stream(REQUEST)
        first = next(stream)
        assert isinstance(first, TextDelta)
        assert batches == 1
        rest = [event for event in stream if isinstance(event, TextDelta)]
        assert len(rest) == 1999
        assert in_flight(client) == 0
