"""Text files decoded deliberately: the exact bytes come back (BOM, line endings, final newline),
the dominant line ending is found, binary / non-UTF-8 / UTF-16 / huge files are refused with
a sentence naming the file, and lines are counted the way editors count them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from solcoder.workspace.text import (
    MAX_TEXT_BYTES,
    NotText,
    TextFile,
    TooLarge,
    adopt_newlines,
    check_size,
    decode,
    dominant_newline,
    encode,
    line_number,
    split_lines,
)
from tests.support.texts import documents

BOM = b"\xef\xbb\xbf"


@given(documents(), st.booleans())
def test_decode_encode_round_trip_is_byte_exact(text: str, bom: bool) -> None:
    data = (BOM if bom else b"") + text.encode()
    file = decode(data)
    assert file.text == text
    assert file.bom is bom
    assert encode(file, file.text) == data
    assert file.final_newline is text.endswith(("\n", "\r"))


def test_decode_keeps_line_endings_and_strips_only_the_bom() -> None:
    file = decode(BOM + b"a\r\nb\r\nc")
    assert file == TextFile(text="a\r\nb\r\nc", bom=True, newline="\r\n")
    assert not file.final_newline
    assert encode(file, "x\r\n") == BOM + b"x\r\n"
    assert encode(decode(b"a\n"), "\ufeffy") == "\ufeffy".encode()  # text written as given


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "\n"),
        ("one line", "\n"),
        ("a\nb\n", "\n"),
        ("a\r\nb\r\n", "\r\n"),
        ("a\rb\r", "\r"),
        ("a\r\nb\r\nc\n", "\r\n"),
        ("a\nb\nc\r\n", "\n"),
        ("a\r\nb\n", "\n"),  # a tie goes to "\n"
        ("a\rb\rc\r\n", "\r"),
    ],
)
def test_dominant_newline(text: str, expected: str) -> None:
    assert dominant_newline(text) == expected
    assert decode(text.encode()).newline == expected


def test_binary_is_refused_with_its_size() -> None:
    data = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 100
    with pytest.raises(NotText) as caught:
        decode(data, name="target/deploy/prog.so")
    assert str(caught.value) == (
        "`target/deploy/prog.so` is a binary file (108 bytes); the file tools read and edit text "
        "only. Leave it alone, or inspect it with a command made for its format."
    )


def test_nul_beyond_the_first_8_kb_is_text() -> None:
    data = b"a" * 8192 + b"\x00"
    assert decode(data).text == "a" * 8192 + "\x00"
    with pytest.raises(NotText, match="binary"):
        decode(b"a" * 8191 + b"\x00")


def test_not_utf8_names_the_byte_offset_and_line() -> None:
    data = b"line one\nline two \xff here\n"
    with pytest.raises(NotText) as caught:
        decode(data, name="notes.txt")
    assert str(caught.value) == (
        "`notes.txt` is not UTF-8 text (invalid byte 0xff at offset 18, line 2); SolCoder reads "
        "and edits UTF-8 files only. Convert it to UTF-8 first (for example with iconv), or "
        "leave it alone."
    )


def test_not_utf8_offset_counts_the_bom() -> None:
    with pytest.raises(NotText, match=r"invalid byte 0xe9 at offset 4, line 1"):
        decode(BOM + b"a\xe9b")


@pytest.mark.parametrize(
    "data",
    [b"\xed\xa0\x80", b"\xc0\xaf", b"abc\xe6\x97"],  # surrogate, overlong, truncated
)
def test_invalid_utf8_forms_are_refused(data: bytes) -> None:
    with pytest.raises(NotText, match="is not UTF-8 text"):
        decode(data)


@pytest.mark.parametrize(
    ("data", "encoding", "mark"),
    [
        ("hi".encode("utf-16-le"), "UTF-16", "FF FE"),
        ("hi".encode("utf-16-be"), "UTF-16", "FE FF"),
        ("hi".encode("utf-32-le"), "UTF-32", "FF FE 00 00"),
    ],
)
def test_wide_encodings_are_named(data: bytes, encoding: str, mark: str) -> None:
    bom = {"FF FE": b"\xff\xfe", "FE FF": b"\xfe\xff", "FF FE 00 00": b"\xff\xfe\x00\x00"}[mark]
    with pytest.raises(NotText) as caught:
        decode(bom + data, name="w.txt")
    assert str(caught.value).startswith(
        f"`w.txt` is {encoding} text (byte order mark {mark}); SolCoder reads and edits UTF-8 "
        "files only."
    )


def test_too_large_is_refused_before_anything_else() -> None:
    with pytest.raises(TooLarge) as caught:
        decode(b"\x00" * (MAX_TEXT_BYTES + 1), name="big.log")
    assert str(caught.value).startswith("`big.log` is too large to edit (10.0 MB; the limit is 10")
    assert isinstance(caught.value, NotText)
    assert decode(b"a" * (MAX_TEXT_BYTES + 1), max_bytes=None).text == "a" * (MAX_TEXT_BYTES + 1)
    check_size(MAX_TEXT_BYTES)
    with pytest.raises(TooLarge):
        check_size(MAX_TEXT_BYTES + 1)


def test_encode_refuses_a_lone_surrogate() -> None:
    with pytest.raises(NotText) as caught:
        encode(decode(b""), "ok \ud800")
    assert "unpaired surrogate (U+D800) at character 3" in str(caught.value)


@pytest.mark.parametrize(
    ("newline", "text", "expected"),
    [
        ("\r\n", "a\nb\n", "a\r\nb\r\n"),
        ("\r", "a\nb", "a\rb"),
        ("\n", "a\nb\n", "a\nb\n"),
        ("\r\n", "a\r\nb\n", "a\r\nb\n"),  # already has "\r": chosen on purpose
        ("\r\n", "no break", "no break"),
    ],
)
def test_adopt_newlines(newline: str, text: str, expected: str) -> None:
    file = TextFile(text="", bom=False, newline=newline)
    assert adopt_newlines(file, text) == expected


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("", []),
        ("a", ["a"]),
        ("a\n", ["a"]),
        ("a\n\n", ["a", ""]),
        ("a\r\nb\rc\nd", ["a", "b", "c", "d"]),
        ("a\x0cb\u2028c\n", ["a\x0cb\u2028c"]),  # not line breaks for an editor
    ],
)
def test_split_lines(text: str, lines: list[str]) -> None:
    assert split_lines(text) == lines


@given(documents())
def test_line_number_agrees_with_split_lines(text: str) -> None:
    lines = split_lines(text)
    position = 0
    for index, line in enumerate(lines):
        assert line_number(text, position) == index + 1
        position += len(line)
        position += 2 if text.startswith("\r\n", position) else 1
