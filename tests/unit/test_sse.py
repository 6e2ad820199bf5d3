"""The SSE decoder: syntax (WHATWG "Interpreting an event stream"), any re-chunking, limits."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solcoder.errors import ProtocolError
from solcoder.llm.wire.sse import ServerSentEvent, SSEDecoder


def decode(*chunks: bytes, **limits: int) -> list[ServerSentEvent]:
    decoder = SSEDecoder(**limits)
    events = [event for chunk in chunks for event in decoder.feed(chunk)]
    return events + decoder.close()


def decode_split(body: bytes, cuts: list[int]) -> list[ServerSentEvent]:
    bounds = [0, *sorted(cuts), len(body)]
    return decode(*(body[start:end] for start, end in itertools.pairwise(bounds)))


def bytewise(body: bytes) -> list[ServerSentEvent]:
    return decode(*(body[i : i + 1] for i in range(len(body))))


# --- syntax -------------------------------------------------------------------------------


def test_single_event() -> None:
    assert decode(b'data: {"a":1}\n\n') == [ServerSentEvent('{"a":1}')]


def test_events_are_returned_as_soon_as_their_blank_line_arrives() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: one\n") == []
    assert decoder.feed(b"\ndata: two\n\n") == [ServerSentEvent("one"), ServerSentEvent("two")]
    assert decoder.close() == []


def test_named_event_and_name_reset_after_dispatch() -> None:
    body = b"event: error\ndata: x\n\ndata: y\n\n"
    assert decode(body) == [ServerSentEvent("x", "error"), ServerSentEvent("y")]


def test_multi_line_data_is_joined_with_line_feed() -> None:
    assert decode(b"data: a\ndata:\ndata: c\n\n") == [ServerSentEvent("a\n\nc")]


def test_only_one_leading_space_is_stripped() -> None:
    assert decode(b"data:  two spaces\ndata:none\n\n") == [ServerSentEvent(" two spaces\nnone")]


def test_field_without_colon_is_a_field_with_empty_value() -> None:
    assert decode(b"data\n\n") == [ServerSentEvent("")]


def test_comments_retry_and_unknown_fields_are_ignored() -> None:
    body = b": OPENROUTER PROCESSING\n\nretry: 10\nfoo: bar\ndata: x\n:comment\n\n"
    assert decode(body) == [ServerSentEvent("x")]


def test_event_without_data_is_not_dispatched_and_its_name_is_dropped() -> None:
    assert decode(b"event: ping\n\ndata: x\n\n") == [ServerSentEvent("x")]


def test_id_persists_across_events_and_nul_ids_are_ignored() -> None:
    body = b"id: 7\ndata: a\n\ndata: b\n\nid: bad\0id\ndata: c\n\nid\ndata: d\n\n"
    assert decode(body) == [
        ServerSentEvent("a", "", "7"),
        ServerSentEvent("b", "", "7"),
        ServerSentEvent("c", "", "7"),
        ServerSentEvent("d", "", ""),
    ]


def test_missing_trailing_blank_line_is_flushed_by_close() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\n\ndata: last") == [ServerSentEvent("a")]
    assert decoder.close() == [ServerSentEvent("last")]
    assert decode(b"data: last\n") == [ServerSentEvent("last")]


def test_close_on_empty_body() -> None:
    assert decode() == []
    assert decode(b"\n\n: only a comment\n") == []


@pytest.mark.parametrize("newline", [b"\n", b"\r", b"\r\n"])
def test_line_endings(newline: bytes) -> None:
    body = b"event: e\ndata: a\ndata: b\n\ndata: c\n\n".replace(b"\n", newline)
    expected = [ServerSentEvent("a\nb", "e"), ServerSentEvent("c")]
    assert decode(body) == expected
    assert bytewise(body) == expected


def test_crlf_split_across_reads_is_one_line_break() -> None:
    # Two breaks here would make a blank line and dispatch "a" alone.
    assert decode(b"data: a\r", b"\ndata: b\r\n\r\n") == [ServerSentEvent("a\nb")]
    assert decode(b"data: a\r", b"", b"\ndata: b\r", b"\n\r", b"\n") == [ServerSentEvent("a\nb")]


def test_cr_then_other_bytes_is_a_line_break() -> None:
    assert decode(b"data: a\r", b"data: b\r\r") == [ServerSentEvent("a\nb")]


def test_byte_order_mark_at_start_is_skipped_even_split() -> None:
    body = b"\xef\xbb\xbfdata: x\n\n"
    assert decode(body) == [ServerSentEvent("x")]
    assert bytewise(body) == [ServerSentEvent("x")]
    assert decode(b"\xef\xbb\xbfdata: x") == [ServerSentEvent("x")]


def test_byte_order_mark_later_is_not_special() -> None:
    # Only the first bytes of the stream may be a BOM; later it makes an unknown field name.
    assert decode(b"data: a\n\n\xef\xbb\xbfdata: b\n\n") == [ServerSentEvent("a")]


def test_utf8_split_across_reads() -> None:
    text = "héllo → 世界 🎉 \U0001f9d1\u200d\U0001f4bb"
    body = f"data: {text}\n\n".encode()
    assert bytewise(body) == [ServerSentEvent(text)]


@pytest.mark.parametrize(
    "body",
    [b"data: \xff\n\n", b"data: \xe4\xb8\n\n", b"event: \xc3\x28\ndata: x\n\n", b"id: \x80\n"],
)
def test_invalid_utf8_is_a_protocol_error(body: bytes) -> None:
    with pytest.raises(ProtocolError, match="not valid UTF-8"):
        decode(body)


def test_truncated_utf8_at_end_of_body_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="UTF-8"):
        decode(b"data: \xe4\xb8")


# --- limits -------------------------------------------------------------------------------


def test_event_at_the_limit_is_accepted() -> None:
    assert decode(b"data: " + b"x" * 100 + b"\n\n", max_event_bytes=100) == [
        ServerSentEvent("x" * 100)
    ]


def test_event_over_the_limit_across_many_lines() -> None:
    body = b"data: 0123456789\n" * 11 + b"\n"
    with pytest.raises(ProtocolError, match="larger than 100 bytes"):
        decode(body, max_event_bytes=100)


def test_limit_applies_per_event_not_per_body() -> None:
    body = b"data: 0123456789\n\n" * 50
    assert len(decode(body, max_event_bytes=15)) == 50


def test_unterminated_line_over_the_limit_fails_before_its_end_arrives() -> None:
    decoder = SSEDecoder(max_event_bytes=1000)
    decoder.feed(b"data: ")
    for _ in range(15):  # 966 bytes, still under the limit
        decoder.feed(b"x" * 64)
    with pytest.raises(ProtocolError, match="larger than 1000 bytes"):
        decoder.feed(b"x" * 64)


def test_body_over_the_total_limit() -> None:
    decoder = SSEDecoder(max_total_bytes=1000)
    for _ in range(111):  # 999 bytes: still fine
        decoder.feed(b"data: x\n\n")
    with pytest.raises(ProtocolError, match="grew past 1000 bytes"):
        decoder.feed(b"\n\n")


def test_default_limits_are_reported_in_mebibytes() -> None:
    decoder = SSEDecoder(max_total_bytes=2 * 2**20)
    with pytest.raises(ProtocolError, match="2 MiB"):
        decoder.feed(b"x" * (2 * 2**20 + 1))


# --- properties ---------------------------------------------------------------------------

_line_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=20
)
_name = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\0"),
    min_size=1,
    max_size=10,
)
_event = st.tuples(
    st.lists(_line_text, min_size=1, max_size=4),  # data lines
    st.one_of(st.none(), _name),  # event name
    st.one_of(st.none(), _name),  # id
    st.one_of(st.none(), _line_text),  # a comment before the event
)


def _serialize(
    events: list[tuple[list[str], str | None, str | None, str | None]],
    newlines: list[str],
    final_blank_line: bool,
) -> tuple[bytes, list[ServerSentEvent]]:
    lines: list[str] = []
    expected: list[ServerSentEvent] = []
    last_id: str | None = None
    for data, name, event_id, comment in events:
        if comment is not None:
            lines.append(":" + comment)
        if event_id is not None:
            lines.append("id: " + event_id)
            last_id = event_id
        if name is not None:
            lines.append("event: " + name)
        lines.extend("data: " + line for line in data)
        lines.append("")
        expected.append(ServerSentEvent("\n".join(data), name or "", last_id))
    if not final_blank_line:
        lines.pop()
    out: list[str] = []
    previous = ""
    for number, line in enumerate(lines):
        newline = newlines[number % len(newlines)]
        if previous == "\r" and newline == "\n" and not line:
            newline = "\r"  # CR then an empty line ending in LF would read as one CRLF
        out.append(line + newline)
        previous = newline
    if not final_blank_line:
        out[-1] = lines[-1]  # and no line break after the last line either
    return "".join(out).encode(), expected


@settings(max_examples=150, deadline=None)
@given(
    events=st.lists(_event, min_size=1, max_size=6),
    newlines=st.lists(st.sampled_from(["\n", "\r", "\r\n"]), min_size=1, max_size=5),
    final_blank_line=st.booleans(),
    bom=st.booleans(),
    data=st.data(),
)
def test_any_chunking_of_any_stream_gives_the_same_events(
    events: list[tuple[list[str], str | None, str | None, str | None]],
    newlines: list[str],
    final_blank_line: bool,
    bom: bool,
    data: st.DataObject,
) -> None:
    body, expected = _serialize(events, newlines, final_blank_line)
    if bom:
        body = b"\xef\xbb\xbf" + body
    cuts = data.draw(st.lists(st.integers(0, len(body)), max_size=12), label="cuts")
    assert decode(body) == expected
    assert decode_split(body, cuts) == expected


@settings(max_examples=60, deadline=None)
@given(events=st.lists(_event, min_size=1, max_size=4))
def test_line_ending_style_does_not_matter_even_fed_byte_by_byte(
    events: list[tuple[list[str], str | None, str | None, str | None]],
) -> None:
    results = []
    for newline in ("\n", "\r", "\r\n"):
        body, expected = _serialize(events, [newline], final_blank_line=True)
        results.append(bytewise(body))
        assert results[-1] == expected
    assert results[0] == results[1] == results[2]


@settings(max_examples=60, deadline=None)
@given(body=st.binary(max_size=200), data=st.data())
def test_arbitrary_bytes_never_raise_anything_but_protocol_error(
    body: bytes, data: st.DataObject
) -> None:
    cuts = data.draw(st.lists(st.integers(0, len(body)), max_size=8))
    try:
        whole = decode(body)
    except ProtocolError:
        with pytest.raises(ProtocolError):
            decode_split(body, cuts)
        return
    assert decode_split(body, cuts) == whole


def test_a_fault_after_good_events_in_one_chunk_is_raised_by_the_next_call() -> None:
    # A bulk reader feeds whole network reads: the events before the fault are handed out
    # first, as if each had arrived in a read of its own.
    decoder = SSEDecoder()
    assert decoder.feed(b"data: one\n\ndata: two\n\ndata: \xff\n\n") == [
        ServerSentEvent("one"),
        ServerSentEvent("two"),
    ]
    assert decoder.failure is not None
    with pytest.raises(ProtocolError, match="not valid UTF-8"):
        decoder.feed(b"data: three\n\n")
    with pytest.raises(ProtocolError, match="not valid UTF-8"):
        decoder.close()


def test_the_total_limit_hands_out_the_events_under_it() -> None:
    decoder = SSEDecoder(max_total_bytes=20)
    assert decoder.feed(b"data: x\n\n" * 3) == [ServerSentEvent("x")] * 2
    with pytest.raises(ProtocolError, match="grew past 20 bytes"):
        decoder.feed(b"data: y\n\n")
