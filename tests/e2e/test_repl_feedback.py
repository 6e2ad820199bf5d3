"""What a person sees at the REPL under a real pseudo-terminal: replies wrapped between
words at the terminal's width, and a status while the model has not answered yet."""

from __future__ import annotations

import re
from pathlib import Path

import pexpect
import pytest

from tests.e2e.conftest import SOLCODER, clean_environment

pytestmark = pytest.mark.e2e

PROMPT = "you ›"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")


def spawn(home: Path, *args: str, columns: int = 120, **extra: str) -> pexpect.spawn:
    env = clean_environment(home, {"PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm", **extra})
    env.pop("COLUMNS")
    return pexpect.spawn(
        SOLCODER, list(args), env=env, encoding="utf-8", timeout=20, dimensions=(40, columns)
    )


def test_repl_reply_wraps_between_words(solcoder_home: Path) -> None:
    child = spawn(solcoder_home, "--offline-mode", columns=50)
    try:
        child.expect(PROMPT)
        child.sendline("hello")
        child.expect("Hello, world!")
        child.expect(PROMPT)
        reply = ANSI.sub("", "Hello, world!" + (child.before or ""))
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close()
    lines = [line for line in reply.split("\n") if line.strip()]
    assert len(lines) > 3, reply
    assert all(len(line) <= 50 for line in lines), reply
    # Rejoined, the lines are the offline reply word for word: no word was cut in two.
    assert "offline mode:" in " ".join(line.strip() for line in lines)
    assert "deterministic stubs" in " ".join(line.strip() for line in lines)
