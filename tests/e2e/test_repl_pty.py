"""The REPL under a real pseudo-terminal: prompt, streamed reply, /help, Ctrl-C, Ctrl-D."""

from __future__ import annotations

import stat
from pathlib import Path

import pexpect
import pytest

from tests.e2e.conftest import SOLCODER, clean_environment

pytestmark = pytest.mark.e2e

PROMPT = "you ›"


def spawn(home: Path, *args: str, extra: dict[str, str] | None = None) -> pexpect.spawn:
    env = clean_environment(home, {"PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm", **(extra or {})})
    env.pop("NO_COLOR", None)
    return pexpect.spawn(
        SOLCODER,
        ["--offline-mode", *args],
        env=env,
        encoding="utf-8",
        timeout=60,
        dimensions=(40, 120),
    )


def test_repl_streams_helps_cancels_and_exits(solcoder_home: Path) -> None:
    # A per-token delay makes the offline reply slow enough to interrupt mid-stream.
    child = spawn(solcoder_home, extra={"SOLCODER_OFFLINE_TOKEN_DELAY": "0.02"})
    try:
        child.expect("session")
        child.expect(PROMPT)
        child.sendline("hello")
        child.expect("Hello, world!")
        child.expect("offline mode")
        child.expect(PROMPT)
        child.sendline("/help")
        child.expect("/quit")
        child.expect(PROMPT)
        child.sendline("/hlep")
        child.expect("Did you mean /help")
        child.expect(PROMPT)
        # Slow reply, then Ctrl-C while it streams: cancelled, session kept.
        child.sendline("hello again")
        child.expect("Hello")
        child.sendintr()
        child.expect("cancelled")
        child.expect(PROMPT)
        child.sendline("/session")
        child.expect("session")
        child.expect(PROMPT)
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    history = solcoder_home / "history"
    assert history.exists()
    assert stat.S_IMODE(history.stat().st_mode) == 0o600
    assert "hello again" in history.read_text()
