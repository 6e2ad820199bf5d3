"""`/compact [FOCUS]` in the REPL under a pseudo-terminal: the summary replaces the older
history now, the transcript records it (trigger "manual"), and a resumed session starts from it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pexpect
import pytest

from tests.e2e.conftest import SOLCODER, clean_environment
from tests.e2e.test_repl_pty import PROMPT, spawn

pytestmark = pytest.mark.e2e


def _compactions(home: Path) -> list[dict[str, object]]:
    found = []
    for transcript in home.glob("sessions/*/transcript.jsonl"):
        for line in transcript.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record.get("type") == "event" and record.get("name") == "compaction":
                found.append(record["data"])
    return found


def test_compact_summarises_on_demand_and_is_in_the_transcript(solcoder_home: Path) -> None:
    child = spawn(solcoder_home)
    try:
        child.expect(PROMPT)
        for text in ("hello", "my program id is Cnt1111", "hello again"):
            child.sendline(text)
            child.expect(PROMPT)
        child.sendline("/compact the program id")
        child.expect("Compacting the conversation")
        child.expect("Compacted the conversation")
        child.expect(PROMPT)
        child.sendline("/quit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    [record] = _compactions(solcoder_home)
    assert record["trigger"] == "manual"
    assert record["replaced"]
    # `solcoder replay` runs the session's turns again over a transcript with a compaction.
    [directory] = (solcoder_home / "sessions").iterdir()
    replay = subprocess.run(
        [SOLCODER, "replay", directory.name],
        env=clean_environment(solcoder_home),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert replay.returncode == 0, replay.stdout + replay.stderr
    assert "replay matches the recording" in replay.stdout
