"""`/review` through the real CLI, in the REPL under a pseudo-terminal, on the withdraw of
issue 13 item 21: the missing signer and the missing `has_one` reach the screen, not just the
arithmetic finding."""

from __future__ import annotations

import re
from pathlib import Path

import pexpect
import pytest

from tests.e2e.test_repl_pty import PROMPT, spawn
from tests.unit.test_review_classes import ISSUE_WITHDRAW

pytestmark = pytest.mark.e2e

ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])")


def test_review_command_reports_the_unsigned_withdraw(solcoder_home: Path, tmp_path: Path) -> None:
    program = tmp_path / "lib.rs"
    program.write_text(ISSUE_WITHDRAW)
    child = spawn(solcoder_home)
    try:
        child.expect(PROMPT)
        child.sendline(f"/review {program}")
        child.expect("has_one = owner")
        shown = ANSI.sub("", f"{child.before}{child.after}")
        screen = " ".join(shown.split())
        child.expect(PROMPT)
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    assert "1 critical" in screen
    assert "[critical] line 17: Nothing in `Withdraw` signs" in screen
    assert "[high] line 19: Writable `vault` stores `owner`" in screen
    assert "has_one = owner" in screen
