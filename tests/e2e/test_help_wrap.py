"""`/help` wraps between words at the terminal's width (issue 23 item 6).

At 120 columns the keys line (213 characters) was printed whole and the terminal cut it
mid-word ("attach the f|ile").
"""

from __future__ import annotations

import re
from pathlib import Path

import pexpect
import pytest

from tests.e2e.conftest import SOLCODER, clean_environment

pytestmark = pytest.mark.e2e

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")


@pytest.mark.parametrize("columns", [120, 70])
def test_help_lines_fit_the_terminal_and_break_between_words(
    solcoder_home: Path, columns: int
) -> None:
    env = clean_environment(solcoder_home, {"PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm"})
    env.pop("COLUMNS")
    child = pexpect.spawn(
        SOLCODER,
        ["--offline-mode"],
        env=env,
        encoding="utf-8",
        timeout=60,
        dimensions=(60, columns),
    )
    try:
        child.expect("you ›")
        child.sendline("/help")
        child.expect("literal /")
        shown = ANSI.sub("", child.before or "")
        child.expect("you ›")
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close()
    start = shown.index("Enter sends")
    keys = shown[start:].split("\n")
    assert all(len(line) <= columns for line in keys), keys
    joined = " ".join(line.strip() for line in keys)
    assert "(which attach the file)" in joined, keys  # no word cut in two
