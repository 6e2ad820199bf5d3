"""numbered(): `cat -n` lines without their endings, bounded by lines, bytes and line width,
with notes that say how to read on, when an offset is past the end, and when a file is empty."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from solcoder.workspace.reading import MAX_BYTES, MAX_LINE_CHARS, MAX_LINES, numbered
from solcoder.workspace.text import split_lines
from tests.support.texts import documents


def lines_of(count: int) -> str:
    return "".join(f"line {n}\n" for n in range(1, count + 1))


def test_cat_n_format() -> None:
    assert numbered("fn main() {\n}\n", name="a") == "     1\tfn main() {\n     2\t}"


def test_line_endings_are_not_shown() -> None:
    assert numbered("a\r\nb\rc\nd", name="a") == "     1\ta\n     2\tb\n     3\tc\n     4\td"


def test_empty_file() -> None:
    assert numbered("", name="a") == "(empty file)"


def test_file_of_one_empty_line() -> None:
    assert numbered("\n", name="a") == "     1\t"


def test_offset_and_limit() -> None:
    assert numbered(lines_of(10), offset=3, limit=2, name="a") == (
        "     3\tline 3\n     4\tline 4\n"
        "(showing lines 3-4 of 10; call read_file with offset=5 to read on)"
    )


def test_reading_to_the_end_has_no_note() -> None:
    assert numbered(lines_of(10), offset=9, name="a") == "     9\tline 9\n    10\tline 10"


def test_offset_below_one_reads_from_the_start() -> None:
    assert numbered(lines_of(2), offset=0, name="a") == numbered(lines_of(2), name="a")
    assert numbered(lines_of(2), offset=-5, name="a").startswith("     1\t")


def test_offset_past_the_end() -> None:
    assert numbered(lines_of(12), offset=40, name="src/lib.rs") == (
        "(the file `src/lib.rs` has 12 lines; offset 40 is past the end)"
    )
    assert (
        numbered("x", offset=2, name="a") == "(the file `a` has 1 line; offset 2 is past the end)"
    )


def test_default_limit_is_max_lines() -> None:
    output = numbered(lines_of(5230), name="a")
    rows = output.split("\n")
    assert len(rows) == MAX_LINES + 1
    assert rows[-2] == f"  {MAX_LINES}\tline {MAX_LINES}"
    assert rows[-1] == "(showing lines 1-2000 of 5230; call read_file with offset=2001 to read on)"


def test_limit_is_capped_at_max_lines() -> None:
    rows = numbered(lines_of(3000), limit=5000, name="a").split("\n")
    assert len(rows) == MAX_LINES + 1


def test_long_lines_are_cut() -> None:
    output = numbered("x" * (MAX_LINE_CHARS + 123) + "\nshort\n", name="a")
    first, second = output.split("\n")
    assert first == f"     1\t{'x' * MAX_LINE_CHARS}… (123 more characters)"
    assert second == "     2\tshort"


def test_output_is_bounded_in_bytes() -> None:
    text = "".join("é" * 1500 + "\n" for _ in range(1000))  # 3000 bytes a line
    output = numbered(text, name="a")
    rows = output.split("\n")
    shown = len(rows) - 1
    assert len("\n".join(rows[:-1]).encode()) <= MAX_BYTES
    assert shown == MAX_BYTES // (3000 + 8)
    assert rows[-1] == (
        f"(showing lines 1-{shown} of 1000; call read_file with offset={shown + 1} to read on)"
    )


@pytest.mark.parametrize("offset", [1, 2, 7])
@given(text=documents(max_lines=10))
def test_every_line_is_shown_once_in_order(offset: int, text: str) -> None:
    lines = split_lines(text)
    output = numbered(text, offset=offset, name="f")
    if not lines:
        assert output == "(empty file)"
    elif offset > len(lines):
        assert output.startswith("(the file `f` has ")
    else:
        expected = [f"{n:>6}\t{lines[n - 1]}" for n in range(offset, len(lines) + 1)]
        assert output.split("\n") == expected


@given(st.integers(1, 50), st.integers(1, 60))
def test_pages_cover_the_file(limit: int, count: int) -> None:
    text = lines_of(count)
    seen: list[str] = []
    offset = 1
    while offset <= count:
        rows = numbered(text, offset=offset, limit=limit, name="f").split("\n")
        body = [row for row in rows if not row.startswith("(")]
        seen.extend(body)
        offset += len(body)
    assert seen == [f"{n:>6}\tline {n}" for n in range(1, count + 1)]
