"""The bounded buffers behind the runners: head and tail kept, offsets, UTF-8 at every seam."""

from __future__ import annotations

from solcoder.shell.capture import HeadTail, complete_end, skip_partial_start
from solcoder.shell.retained import RetainedOutput


def test_head_tail_keeps_everything_that_fits_in_any_chunking() -> None:
    data = bytes(range(256)) * 3
    for size in (1, 7, 64, 1000):
        capture = HeadTail(len(data))
        for index in range(0, len(data), size):
            capture.add(data[index : index + size])
        assert capture.cut == 0
        assert capture.total == len(data)


def test_head_tail_cut_edges_never_split_a_character() -> None:
    text = "é" * 1000  # two bytes each: a cut at an odd offset lands inside one
    capture = HeadTail(101)
    for index in range(0, len(text), 3):
        capture.add(text[index : index + 3].encode())
    kept = capture.text()
    assert "\ufffd" not in kept
    head, _, rest = kept.partition("\n[… ")
    cut = int(rest.split(" bytes cut")[0].replace(",", ""))
    tail = rest.split("…]\n", 1)[1]
    assert set(head) == {"é"}
    assert set(tail) == {"é"}
    assert len(head.encode()) + cut + len(tail.encode()) == 2000


def test_boundary_helpers() -> None:
    euro = "€".encode()  # e2 82 ac
    assert complete_end(b"a" + euro) == 4
    assert complete_end(b"a" + euro[:2]) == 1
    assert complete_end(b"a" + euro[:1]) == 1
    assert skip_partial_start(euro[1:] + b"x") == 2
    assert skip_partial_start(b"x") == 0


def test_retained_output_reads_by_offset() -> None:
    buffer = RetainedOutput(1000)
    buffer.add(b"one\n")
    text, offset = buffer.read(None, limit=100, final=False)
    assert (text, offset) == ("one\n", 4)
    buffer.add(b"two\n")
    assert buffer.read(offset, limit=100, final=False) == ("two\n", 8)
    assert buffer.read(8, limit=100, final=False) == ("", 8)
    assert buffer.read(10_000, limit=100, final=False) == ("", 8)


def test_retained_output_holds_back_a_partial_character_until_final() -> None:
    buffer = RetainedOutput(1000)
    euro = "€".encode()
    buffer.add(b"a" + euro[:2])
    assert buffer.read(0, limit=100, final=False) == ("a", 1)
    buffer.add(euro[2:])
    assert buffer.read(1, limit=100, final=False) == ("€", 4)
    buffer.add(euro[:1])
    assert buffer.read(4, limit=100, final=True) == ("\ufffd", 5)


def test_retained_output_says_what_was_dropped() -> None:
    buffer = RetainedOutput(100)
    for index in range(100):
        buffer.add(f"{index:04}\n".encode())
    text, offset = buffer.read(0, limit=1000, final=False)
    assert offset == 500
    assert text.startswith("[… 400 earlier bytes dropped (only the last 100 are kept) …]\n0080\n")
    assert text.endswith("0099\n")


def test_retained_output_bounds_one_answer() -> None:
    buffer = RetainedOutput(100_000)
    buffer.add(b"".join(f"{index:05}\n".encode() for index in range(10_000)))
    text, offset = buffer.read(0, limit=60, final=False)
    assert offset == 60_000
    assert text.startswith("00000\n")
    assert text.endswith("09999\n")
    assert "bytes cut" in text
    assert len(text) < 120
