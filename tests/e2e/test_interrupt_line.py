"""Ctrl-C mid-stream ends the partial line cleanly (issue 23 item 6).

The terminal echoed `^C` in the middle of the streaming reply, the held-back end of the last
word followed it, and the notice came after (`stubs, ^Cso`). Now nothing is echoed into the
reply: the partial line is ended, then the notice starts a line of its own.
"""

from __future__ import annotations

import time
from pathlib import Path

import pexpect
import pytest

from tests.e2e.conftest import SOLCODER, clean_environment

pytestmark = pytest.mark.e2e

PROMPT = "you ›"


def spawn(home: Path, *args: str) -> pexpect.spawn:
    env = clean_environment(home, {"TERM": "xterm", "SOLCODER_OFFLINE_TOKEN_DELAY": "0.05"})
    env.pop("COLUMNS")
    return pexpect.spawn(
        SOLCODER, list(args), env=env, encoding="utf-8", timeout=60, dimensions=(40, 120)
    )


def test_ctrl_c_in_a_one_shot_reply_ends_the_line_before_the_notice(
    solcoder_home: Path,
) -> None:
    child = spawn(solcoder_home, "-p", "hello", "--offline-mode")
    try:
        child.expect("Hello")
        time.sleep(0.5)  # mid-reply: the whole reply takes seconds at this pace
        child.sendintr()
        child.expect(pexpect.EOF)
        output = child.before or ""
    finally:
        child.close()
    assert "Interrupted" in output, output
    assert "^C" not in output, output
    partial, _, _ = output.partition("Interrupted")
    assert partial.rstrip("\x1b[0123456789;m✗ ").endswith("\r\n"), output


def test_ctrl_c_in_a_repl_reply_ends_the_line_before_cancelled(solcoder_home: Path) -> None:
    child = spawn(solcoder_home, "--offline-mode")
    try:
        child.expect(PROMPT)
        child.sendline("hello")
        child.expect("Hello")
        time.sleep(0.5)
        child.sendintr()
        child.expect("cancelled")
        shown = child.before or ""
        child.expect(PROMPT)
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert "^C" not in shown, shown
    assert shown.rstrip("\x1b[0123456789;m").endswith("\r\n"), shown
