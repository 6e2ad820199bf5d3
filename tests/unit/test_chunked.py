"""The bulk read path's de-chunker (`transport/chunked.py`) against h11, the parser of the httpx2
path: the same bytes in any split give the same SSE events, and the same faults."""

from __future__ import annotations

import itertools

import h11
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solcoder.errors import ProtocolError
from solcoder.llm.transport.chunked import ChunkedBodyError, ChunkedDecoder
from solcoder.llm.wire.sse import ServerSentEvent, SSEDecoder

HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"


def reference(blocks: list[bytes]) -> tuple[list[ServerSentEvent], str | None, bool]:
    """What the httpx2 path sees: h11 parses the blocks, each `Data` goes to the SSE decoder.
    Returns the events, the failure (its class and, for framing, h11's message) and whether
    the body ended."""
    connection = h11.Connection(our_role=h11.CLIENT)
    connection.send(h11.Request(method="POST", target="/", headers=[("host", "x")]))
    connection.send(h11.EndOfMessage())
    sse = SSEDecoder()
    events: list[ServerSentEvent] = []
    try:
        for block in [HEAD, *blocks, b""]:
            connection.receive_data(block)
            while True:
                event = connection.next_event()
                if event is h11.NEED_DATA or isinstance(event, h11.Response):
                    if event is h11.NEED_DATA:
                        break
                    continue
                if isinstance(event, h11.Data):
                    events += sse.feed(bytes(event.data))
                    continue
                assert isinstance(event, h11.EndOfMessage), event
                return events + sse.close(), None, True
    except h11.RemoteProtocolError as error:
        return events, f"framing: {error}", False
    except ProtocolError as error:
        return events, f"sse: {error.message}", False
    return events, "framing: cut", False


def bulk(blocks: list[bytes]) -> tuple[list[ServerSentEvent], str | None, bool]:
    """The bulk path: each block de-chunked whole, its payload fed to the SSE decoder whole."""
    chunked = ChunkedDecoder()
    sse = SSEDecoder()
    events: list[ServerSentEvent] = []
    try:
        for block in blocks:
            payload = chunked.feed(block)
            events += sse.feed(payload)
            if chunked.done:
                break
        if chunked.error is not None:
            raise chunked.error
        if sse.failure is not None:
            raise sse.failure
        if not chunked.done:
            return events, "framing: cut", False
        return events + sse.close(), None, True
    except ChunkedBodyError as error:
        return events, f"framing: {error}", False
    except ProtocolError as error:
        return events, f"sse: {error.message}", False


def chunked_body(payloads: list[bytes], extension: bool = False) -> bytes:
    extra = b";name=value" if extension else b""
    body = b"".join(b"%x%s\r\n%s\r\n" % (len(part), extra, part) for part in payloads if part)
    return body + b"0\r\n\r\n"


def split(body: bytes, cuts: list[int]) -> list[bytes]:
    bounds = [0, *sorted(cut % (len(body) + 1) for cut in cuts), len(body)]
    return [body[start:end] for start, end in itertools.pairwise(bounds) if end > start]


texts = st.text(
    alphabet=st.sampled_from(["a", "é", "中", "🦀", " ", ":", "\r", "\n", "\\", '"']), max_size=12
)
sse_events = st.builds(
    lambda name, data: (
        (b"event: %s\n" % name.encode() if name else b"") + b"data: " + data.encode() + b"\n\n"
    ),
    st.sampled_from(["", "content_block_delta", "ping"]),
    texts.map(lambda text: text.replace("\r", "").replace("\n", "")),
)


@settings(max_examples=300, deadline=None)
@given(
    events=st.lists(sse_events, min_size=1, max_size=12),
    regroup=st.lists(st.integers(min_value=0, max_value=400), max_size=6),
    cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=10),
    extension=st.booleans(),
)
def test_any_split_of_a_chunked_event_stream_gives_the_events_h11_gives(
    events: list[bytes], regroup: list[int], cuts: list[int], extension: bool
) -> None:
    stream = b"".join(events)
    payloads = split(stream, regroup)  # chunk bounds anywhere: mid-event, mid-character
    body = chunked_body(payloads, extension)
    blocks = split(body, cuts)  # read bounds anywhere: mid size line, mid CRLF
    expected = reference(blocks)
    assert expected[1] is None
    assert bulk(blocks) == expected


@settings(max_examples=200, deadline=None)
@given(
    body=st.binary(max_size=80).map(lambda noise: b"5\r\ndata:\r\n" + noise),
    cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=6),
)
def test_arbitrary_bodies_fail_or_end_as_under_h11(body: bytes, cuts: list[int]) -> None:
    blocks = split(body, cuts)
    events, failure, ended = bulk(blocks)
    expected_events, expected_failure, expected_ended = reference(blocks)
    assert ended == expected_ended
    assert events == expected_events
    assert (failure is None) == (expected_failure is None)
    if failure is not None and expected_failure is not None:
        assert failure.split(":")[0] == expected_failure.split(":")[0]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"zz\r\ndata\r\n", "illegal chunk header: bytearray(b'zz\\r\\n')"),
        (b"0x5\r\ndata:\r\n", "illegal chunk header"),
        (b"+5\r\ndata:\r\n", "illegal chunk header"),
        (b"5\r\nhelloXY", "malformed chunk footer"),
        (b"1" * 21 + b"\r\n", "illegal chunk header"),
    ],
)
def test_malformed_framing_is_refused_with_h11s_words(body: bytes, message: str) -> None:
    _events, failure, _ended = reference([body])
    assert failure is not None and message in failure
    _events, failure, _ended = bulk([body])
    assert failure is not None and message in failure


def test_events_before_a_framing_fault_are_handed_out_first() -> None:
    body = chunked_body([b"data: one\n\n"])[:-5] + b"zz\r\n"
    decoder = ChunkedDecoder()
    assert decoder.feed(body) == b"data: one\n\n"
    with pytest.raises(ChunkedBodyError, match="illegal chunk header"):
        decoder.feed(b"more")


def test_sizes_extensions_and_trailers() -> None:
    decoder = ChunkedDecoder()
    body = b"A;x=1 \r\n0123456789\r\n0\r\nx-trailer: yes\r\n\r\n"
    assert decoder.feed(body) == b"0123456789"
    assert decoder.done
    assert decoder.extra == b""


def test_bytes_after_the_end_are_kept_as_extra() -> None:
    decoder = ChunkedDecoder()
    assert decoder.feed(b"3\r\nabc\r\n0\r\n\r\njunk") == b"abc"
    assert decoder.done
    assert decoder.extra == b"junk"


def test_a_long_chunk_read_in_pieces_is_passed_through() -> None:
    decoder = ChunkedDecoder()
    assert decoder.feed(b"10\r\n0123") == b"0123"
    assert decoder.feed(b"456789abcdef") == b"456789abcdef"
    assert decoder.feed(b"\r") == b""
    assert decoder.feed(b"\n0\r\n\r\n") == b""
    assert decoder.done


def test_an_endless_size_line_is_refused() -> None:
    decoder = ChunkedDecoder()
    for _ in range(100):  # 100 KiB: still a line h11 would wait for
        assert decoder.feed(b"1" * 1024) == b""
    with pytest.raises(ChunkedBodyError, match="Receive buffer too long"):
        decoder.feed(b"1")
