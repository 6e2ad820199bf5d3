"""unified(): git's format (hunks compared with `git diff --no-index` itself), created and
deleted files, "\\ No newline at end of file", exact counts, the size cap, and a one-line
edit of a 1 MB file costing only its middle. A property test applies every diff back."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solcoder.workspace.diffs import MAX_DIFF_CHARS, Diff, unified

HAS_GIT = shutil.which("git") is not None

NUMBERS = "".join(f"line {n}\n" for n in range(1, 101))


def git_hunks(tmp_path: Path, before: str | None, after: str | None) -> str:
    """git's own diff of the two versions, from the first hunk on, without the function name
    git writes after a hunk's range (ours has none)."""
    paths = []
    for name, content in (("before", before), ("after", after)):
        if content is None:
            paths.append("/dev/null")
            continue
        path = tmp_path / name
        path.write_bytes(content.encode())
        paths.append(str(path))
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "GIT_CONFIG_NOSYSTEM": "1",
        "LC_ALL": "C",
    }
    completed = subprocess.run(
        ["git", "diff", "--no-index", "--no-color", "--no-indent-heuristic", "-U3", *paths],
        capture_output=True,
        env=environment,
        check=False,
    )
    assert completed.returncode in (0, 1), completed.stderr
    output = completed.stdout.decode()
    hunks = output[output.find("@@") :] if "@@" in output else ""
    return re.sub(r"^(@@ [^@]* @@).*$", r"\1", hunks, flags=re.MULTILINE)


def our_hunks(diff: Diff) -> str:
    return diff.text[diff.text.find("@@") :] if "@@" in diff.text else ""


CASES = {
    "one line changed": (NUMBERS, NUMBERS.replace("line 50\n", "line fifty\n")),
    "lines added at the start": (NUMBERS, "new 1\nnew 2\n" + NUMBERS),
    "lines removed at the end": (NUMBERS, NUMBERS.replace("line 99\nline 100\n", "")),
    "two far hunks": (
        NUMBERS,
        NUMBERS.replace("line 10\n", "ten\n").replace("line 80\n", "eighty\n"),
    ),
    "two near changes merge": (
        NUMBERS,
        NUMBERS.replace("line 10\n", "ten\n").replace("line 15\n", "fifteen\n"),
    ),
    "final newline removed": (NUMBERS, NUMBERS[:-1]),
    "final newline added": (NUMBERS[:-1], NUMBERS),
    "last line changed without newline": (NUMBERS[:-1], NUMBERS[:-4] + "X"),
    "one line without newline": ("a", "b"),
    "from empty": ("", "a\nb\n"),
    "to empty": ("a\nb\n", ""),
    "crlf line changed": (
        NUMBERS.replace("\n", "\r\n"),
        NUMBERS.replace("\n", "\r\n").replace("line 7\r\n", "seven\r\n"),
    ),
    "line endings changed": ("a\nb\nc\n", "a\r\nb\nc\n"),
    "unicode": ("é\n日本\n🦀\n", "é\n日本語\n🦀\n"),
    "insertion at the top of a short file": ("b\n", "a\nb\n"),
}


@pytest.mark.skipif(not HAS_GIT, reason="git is not installed")
@pytest.mark.parametrize("case", sorted(CASES))
def test_hunks_match_git(tmp_path: Path, case: str) -> None:
    before, after = CASES[case]
    diff = unified("src/lib.rs", before, after)
    assert diff.text.startswith("--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ ")
    assert our_hunks(diff) == git_hunks(tmp_path, before, after)


@pytest.mark.skipif(not HAS_GIT, reason="git is not installed")
def test_created_and_deleted_match_git(tmp_path: Path) -> None:
    created = unified("new.rs", None, "fn a() {}\nfn b() {}")
    assert created.text.startswith("--- /dev/null\n+++ b/new.rs\n@@ -0,0 +1,2 @@\n")
    assert our_hunks(created) == git_hunks(tmp_path, None, "fn a() {}\nfn b() {}")
    assert (created.added, created.removed) == (2, 0)
    deleted = unified("old.rs", "x\ny\n", None)
    assert deleted.text == "--- a/old.rs\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-x\n-y\n"
    assert our_hunks(deleted) == git_hunks(tmp_path, "x\ny\n", None)
    assert (deleted.added, deleted.removed) == (0, 2)


def test_exact_text_of_a_small_edit() -> None:
    diff = unified("a.txt", "one\ntwo\nthree", "one\n2\nthree")
    assert diff == Diff(
        text=(
            "--- a/a.txt\n+++ b/a.txt\n@@ -1,3 +1,3 @@\n one\n-two\n+2\n three\n"
            "\\ No newline at end of file\n"
        ),
        added=1,
        removed=1,
    )


def test_no_newline_marker_on_both_sides() -> None:
    diff = unified("a", "x\ny", "x\nz")
    assert diff.text.endswith(
        "-y\n\\ No newline at end of file\n+z\n\\ No newline at end of file\n"
    )


def test_unchanged_is_empty() -> None:
    assert unified("a", "same\n", "same\n") == Diff("", 0, 0)
    assert unified("a", None, None) == Diff("", 0, 0)


def test_created_empty_file_has_headers_only() -> None:
    assert unified("empty", None, "") == Diff("--- /dev/null\n+++ b/empty\n", 0, 0)


def test_context_option() -> None:
    diff = unified("n", NUMBERS, NUMBERS.replace("line 50\n", "L\n"), context=1)
    assert "@@ -49,3 +49,3 @@\n line 49\n-line 50\n+L\n line 51\n" in diff.text
    assert unified("n", NUMBERS, NUMBERS.replace("line 50\n", "L\n"), context=0).text.endswith(
        "@@ -50 +50 @@\n-line 50\n+L\n"
    )


def test_huge_diff_is_cut_with_exact_counts() -> None:
    before = "".join(f"old line {n:06d} {'x' * 60}\n" for n in range(10_000))
    after = "".join(f"new line {n:06d} {'y' * 60}\n" for n in range(10_000))
    diff = unified("big", before, after)
    assert (diff.added, diff.removed) == (10_000, 10_000)
    assert len(diff.text) <= MAX_DIFF_CHARS + 200
    assert diff.text.endswith(
        "… (diff cut at 200 KB; 10000 lines added and 10000 removed in all)\n"
    )
    body = diff.text.splitlines()[:-1]
    assert all(line[0] in "-+@ " for line in body)  # cut between whole lines


def test_one_line_edit_of_a_1_mb_file() -> None:
    before = "".join(f"    let a_{n} = vault_{n % 97}.load()?; // {n}\n" for n in range(30_000))
    assert len(before) > 1_000_000
    after = before.replace("let a_15000 =", "let b_15000 =")
    diff = unified("big.rs", before, after)
    assert (diff.added, diff.removed) == (1, 1)
    assert "@@ -14998,7 +14998,7 @@\n" in diff.text


# property: the diff applies back --------------------------------------------------------------

HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$")


def apply(before: str, diff: Diff) -> str:
    """A minimal `patch` for our own output (checks every context and removed line)."""
    old = before.splitlines(keepends=True) if before else []
    rows = diff.text.split("\n")[2:]
    result: list[str] = []
    position = 0
    index = 0
    while index < len(rows) and rows[index]:
        match = HUNK.match(rows[index])
        assert match, rows[index]
        start = int(match[1]) - (0 if match[2] == "0" else 1)
        result.extend(old[position:start])
        position = start
        index += 1
        while index < len(rows) and rows[index][:1] in (" ", "-", "+"):
            sign, content = rows[index][0], rows[index][1:] + "\n"
            index += 1
            if index < len(rows) and rows[index] == "\\ No newline at end of file":
                content = content[:-1]
                index += 1
            if sign in " -":
                assert old[position] == content
                position += 1
            if sign in " +":
                result.append(content)
    result.extend(old[position:])
    return "".join(result)


LINES = st.lists(st.sampled_from(["a", "b", "c", "fn x() {", "}", "", "  é", "\r"]), max_size=20)


@settings(max_examples=200)
@given(LINES, LINES, st.booleans(), st.booleans(), st.integers(0, 4))
def test_diff_applies_back(
    old_lines: list[str], new_lines: list[str], old_final: bool, new_final: bool, context: int
) -> None:
    before = "\n".join(old_lines) + ("\n" if old_final and old_lines else "")
    after = "\n".join(new_lines) + ("\n" if new_final and new_lines else "")
    diff = unified("f", before, after, context=context)
    if before == after:
        assert diff == Diff("", 0, 0)
        return
    assert apply(before, diff) == after
    body = diff.text.split("\n")[2:]
    assert diff.added == sum(1 for row in body if row.startswith("+"))
    assert diff.removed == sum(1 for row in body if row.startswith("-"))
