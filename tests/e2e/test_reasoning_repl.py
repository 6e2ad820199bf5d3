"""`/reasoning` in the REPL under a real pseudo-terminal: shown, changed, refused."""

from __future__ import annotations

from pathlib import Path

import pexpect
import pytest

from tests.e2e.test_repl_pty import PROMPT, spawn

pytestmark = pytest.mark.e2e


def test_reasoning_command_shows_and_changes_the_level(solcoder_home: Path) -> None:
    child = spawn(solcoder_home, "--reasoning", "low")
    try:
        child.expect(PROMPT)
        child.sendline("/reasoning")
        child.expect("Reasoning: low")
        child.expect(PROMPT)
        child.sendline("/reasoning high")
        child.expect("Reasoning: high")
        child.expect("does not take reasoning control")  # the offline script does not reason
        child.expect(PROMPT)
        child.sendline("/reasoning")
        child.expect("Reasoning: high")
        child.expect(PROMPT)
        child.sendline("/reasoning max")
        child.expect("Unknown reasoning level")
        child.expect(PROMPT)
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
