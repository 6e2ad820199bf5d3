"""apply_edit: an edit changes only the replaced region (byte for byte through decode and
encode, BOM and line endings kept), CRLF files stay CRLF whatever endings the model sent, and
refusals say exactly what to do: the closest lines when the text is not there, the lines of
every occurrence when it is there more than once. Large files stay fast."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from solcoder.workspace.edits import EditRefused, EditResult, apply_edit
from solcoder.workspace.text import decode, encode, line_number, split_lines
from tests.support.texts import PIECES, documents

BOM = b"\xef\xbb\xbf"


def refused(text: str, old: str, new: str = "NEW", **options: object) -> str:
    with pytest.raises(EditRefused) as caught:
        apply_edit(text, old, new, **options)  # type: ignore[arg-type]
    return str(caught.value)


def occurrences(text: str, old: str) -> int:
    count, position = 0, text.find(old)
    while position != -1:
        count += 1
        position = text.find(old, position + 1)
    return count


# properties ---------------------------------------------------------------------------------


@given(st.data(), st.booleans())
def test_edit_changes_only_the_replaced_region(data: st.DataObject, bom: bool) -> None:
    text = data.draw(documents())
    if not text:
        return
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    old = text[start:end]
    new = data.draw(documents(max_lines=3))
    original = (BOM if bom else b"") + text.encode()
    file = decode(original)
    if new == old:
        with pytest.raises(EditRefused, match="are the same"):
            apply_edit(file.text, old, new, newline=file.newline)
        return
    if occurrences(text, old) > 1:
        message = refused(file.text, old, new, newline=file.newline)
        assert f"`old_text` occurs {occurrences(text, old)} times in `file`" in message
        return
    result = apply_edit(file.text, old, new, newline=file.newline)
    assert result.replacements == 1
    assert result.first_line == line_number(text, start)
    written = encode(file, result.text)
    prefix = (BOM if bom else b"") + text[:start].encode()
    if "\n" not in old and "\r" not in old and "\r" not in new:
        new = new.replace("\n", file.newline)  # breaks inside one line take the file's ending
    assert written == prefix + new.encode() + text[end:].encode()


@given(st.data())
def test_crlf_file_stays_crlf_when_the_model_sends_lf(data: st.DataObject) -> None:
    text = data.draw(documents(style="\r\n"))
    if not text.endswith("\r\n"):
        text += "\r\n"
    lines = split_lines(text)
    first = data.draw(st.integers(0, len(lines) - 1))
    stop = data.draw(st.integers(first + 1, len(lines)))
    region = "".join(line + "\r\n" for line in lines[first:stop])
    old = region.replace("\r\n", "\n")
    new_lines = data.draw(st.lists(st.lists(PIECES, max_size=5).map("".join), max_size=3))
    new = "".join(line + "\n" for line in new_lines)
    if not old.strip("\n") or occurrences(text, region) > 1 or new == old:
        return  # only line breaks: found as written; or ambiguous; or no change
    file = decode(BOM + text.encode())
    result = apply_edit(file.text, old, new, newline=file.newline)
    start = text.find(region)
    expected = text[:start] + new.replace("\n", "\r\n") + text[start + len(region) :]
    assert result.text == expected
    assert result.first_line == first + 1
    assert encode(file, result.text) == BOM + expected.encode()
    assert "\n" not in result.text.replace("\r\n", "")


# exact refusals -------------------------------------------------------------------------------


def test_empty_old_text_is_refused() -> None:
    assert refused("abc", "", name="src/lib.rs") == (
        "`old_text` is empty. Give the exact text to replace in `src/lib.rs`, or use write_file "
        "to create a file or replace its whole content."
    )


def test_same_old_and_new_is_refused() -> None:
    assert refused("abc", "b", "b", name="x.rs") == (
        "`old_text` and `new_text` are the same, so the edit would not change `x.rs`; put the "
        "text as it should become in `new_text`."
    )


def test_non_unique_lists_the_lines() -> None:
    text = "".join(f"line {n}\n" if n not in (4, 19, 33) else "dup();\n" for n in range(1, 40))
    assert refused(text, "dup();", name="x") == (
        "`old_text` occurs 3 times in `x` (lines 4, 19, 33); include more surrounding lines to "
        "make it unique, or set replace_all to replace every one."
    )


def test_non_unique_lists_at_most_ten_lines() -> None:
    text = "x\n" * 25
    message = refused(text, "x")
    assert "occurs 25 times in `file` (lines 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, …);" in message


def test_occurrences_on_one_line_are_listed_once() -> None:
    assert "occurs 2 times in `file` (line 2);" in refused("a\nb b\n", "b")


def test_overlapping_occurrences_are_not_unique() -> None:
    assert "occurs 2 times" in refused("ababa", "aba")


def test_replace_all() -> None:
    result = apply_edit("a\nfoo\nb\nfoo\n", "foo", "bar", replace_all=True)
    assert result == EditResult(text="a\nbar\nb\nbar\n", replacements=2, first_line=2)


def test_replace_all_with_one_occurrence() -> None:
    assert apply_edit("a b", "b", "c", replace_all=True) == EditResult("a c", 1, 1)


def test_unique_edit_reports_its_first_line() -> None:
    assert apply_edit("a\r\nb\r\nc", "c", "d") == EditResult("a\r\nb\r\nd", 1, 3)
    assert apply_edit("a\rb\rc", "b\rc", "X", newline="\r") == EditResult("a\rX", 1, 2)


def test_lines_inserted_inside_a_crlf_line_are_crlf() -> None:
    result = apply_edit("fn a() {}\r\n", "{}", "{\n    b();\n}", newline="\r\n")
    assert result.text == "fn a() {\r\n    b();\r\n}\r\n"
    # In an LF file, and when the model chose "\r" itself, the text is written as sent.
    assert apply_edit("a b\n", "b", "b\nc", newline="\n").text == "a b\nc\n"
    assert apply_edit("a b\r\n", "b", "b\r\nc\n", newline="\r\n").text == "a b\r\nc\n\r\n"


def test_crlf_conversion_of_new_text_is_skipped_when_it_has_cr() -> None:
    result = apply_edit("a\r\nb\r\n", "a\nb\n", "x\r\ny\n", newline="\r\n")
    assert result.text == "x\r\ny\n"


def test_mixed_file_exact_match_comes_first() -> None:
    text = "one\ntwo\r\nthree\nfour\r\n"
    assert apply_edit(text, "one\ntwo", "1\n2", newline="\n").text == "1\n2\r\nthree\nfour\r\n"
    # Not there with "\n": the CRLF form is found even though "\n" dominates.
    converted = apply_edit(text, "two\nthree", "2\n3", newline="\n")
    assert converted.text == "one\n2\r\n3\nfour\r\n"


def test_cr_file_conversion() -> None:
    assert apply_edit("a\rb\rc\r", "a\nb", "x\ny", newline="\r").text == "x\ry\rc\r"


def test_conversion_to_the_same_text_is_refused() -> None:
    assert "are the same" in refused("a\r\nb\r\n", "a\nb", "a\r\nb", newline="\r\n")


# not found ----------------------------------------------------------------------------------

PROGRAM = """use anchor_lang::prelude::*;

#[program]
pub mod counter {
    use super::*;

    pub fn initialize(ctx: Context<Initialize>) -> Result<()> {
        ctx.accounts.counter.count = 0;
        Ok(())
    }

    pub fn increment(ctx: Context<Increment>) -> Result<()> {
        ctx.accounts.counter.count += 1;
        Ok(())
    }
}
"""


def test_not_found_shows_the_closest_lines() -> None:
    old = (
        "    pub fn increment(ctx: Context<Increment>) -> Result<()> {\n"
        "        ctx.accounts.counter.count += 2;\n"
        "        Ok(())\n"
    )
    assert refused(PROGRAM, old, name="programs/counter/src/lib.rs") == (
        "`old_text` was not found in `programs/counter/src/lib.rs`. The closest lines are 12-14:\n"
        "  12 |     pub fn increment(ctx: Context<Increment>) -> Result<()> {\n"
        "  13 |         ctx.accounts.counter.count += 1;\n"
        "  14 |         Ok(())\n"
        "Read the file again and copy the exact text (whitespace included)."
    )


def test_not_found_says_when_only_whitespace_differs() -> None:
    old = (
        "pub fn initialize(ctx: Context<Initialize>) -> Result<()> {\n"
        "    ctx.accounts.counter.count = 0;"
    )
    message = refused(PROGRAM, old, name="lib.rs")
    assert message.startswith(
        "`old_text` was not found in `lib.rs`. The closest lines are 7-8, which differ from it "
        "only in whitespace (indentation, spaces, tabs):\n"
        "  7 |     pub fn initialize(ctx: Context<Initialize>) -> Result<()> {\n"
        "  8 |         ctx.accounts.counter.count = 0;\n"
    )


def test_not_found_with_tabs_for_spaces_on_one_line() -> None:
    message = refused(PROGRAM, "\tuse super::*;")
    assert "The closest line is 5, which differs" in message
    assert "  5 |     use super::*;" in message


def test_not_found_single_line_without_shared_words() -> None:
    message = refused("a = 1;\nb = 2;\nxy = 33;\n", "xy = 34;")
    assert "The closest line is 3:\n  3 | xy = 33;\n" in message


def test_not_found_with_nothing_close() -> None:
    assert refused(PROGRAM, "completely unrelated words here", name="lib.rs") == (
        "`old_text` was not found in `lib.rs`, and no lines in it are close. Read the file "
        "again and copy the exact text (whitespace included)."
    )


def test_not_found_in_an_empty_file() -> None:
    assert "no lines in it are close" in refused("", "x")


def test_not_found_notices_line_numbers_from_read_file() -> None:
    old = "    12\t    pub fn increment(ctx: Context<Increment>) -> Result<()> {\n"
    message = refused(PROGRAM, old)
    assert "It seems to include the line numbers read_file shows; leave them out." in message
    assert "The closest line is 12, which differs from it only in whitespace" in message


def test_not_found_cuts_long_windows_and_lines() -> None:
    lines = [f"let value_{n} = compute_{n}({'x' * 300});" for n in range(40)]
    text = "\n".join(lines) + "\n"
    old = "\n".join(lines[5:30]).replace("compute_20", "compute_twenty")
    message = refused(text, old)
    assert "The closest lines are 6-30:" in message
    assert "  … (5 more lines)" in message
    assert max(len(line) for line in message.splitlines()) < 220


# a 1 MB file (its speed is measured in benchmarks/workspace_edit.py, never asserted here) ----


def big_file() -> str:
    body = []
    for n in range(30_000):
        body.append(f"    let account_{n} = ctx.accounts.vault_{n % 97}.load()?; // step {n}\n")
    return "".join(body)


def test_edit_of_a_1_mb_file() -> None:
    text = big_file()
    assert len(text) > 1_000_000
    old = "    let account_15000 = ctx.accounts.vault_62.load()?; // step 15000\n"
    result = apply_edit(text, old, "    changed();\n")
    assert result.first_line == 15_001
    assert result.text == text.replace(old, "    changed();\n")


def test_not_found_in_a_1_mb_file_names_the_closest_line() -> None:
    text = big_file()
    cases = [
        "    let account_15000 = ctx.accounts.vault_62.load()?; // step 15001\n",  # a typo
        "  let account_15000 =  ctx.accounts.vault_62.load()?; // step 15000",  # whitespace
        "zzz qqq",  # nothing alike, short
    ]
    for old in cases:
        assert "was not found" in refused(text, old)
    assert "The closest line is 15001:" in refused(text, cases[0])
