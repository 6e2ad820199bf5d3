"""Pseudo-terminal flows against the local server: the first-run key prompt, and a REPL turn
that drops mid-stream and succeeds on /retry in the same session."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from tests.e2e.conftest import SOLCODER, clean_environment
from tests.support.fake_llm_server import FakeLLMServer, Reply

pytestmark = pytest.mark.e2e

KEY = "sk-test-first-run-CANARY-4242"


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(lifetime=60) as running:
        yield running


def spawn(home: Path, args: list[str]) -> pexpect.spawn:
    env = clean_environment(
        home,
        {
            "PROMPT_TOOLKIT_NO_CPR": "1",
            "TERM": "xterm",
            "SOLCODER_PASSPHRASE": "correct horse battery",
        },
    )
    return pexpect.spawn(
        SOLCODER, args, env=env, encoding="utf-8", timeout=60, dimensions=(40, 120)
    )


def test_first_run_prompts_hidden_saves_and_reuses(
    solcoder_home: Path, server: FakeLLMServer
) -> None:
    server.enqueue(Reply(text="first answer"), Reply(text="second answer"))
    args = ["-p", "hello", "--llm-provider", "openai", "--llm-base-url", server.base_url("chat")]
    child = spawn(solcoder_home, args)
    try:
        child.expect("No API key found for openai")
        child.expect("API key: ")
        child.sendline(KEY)
        child.expect(r"Save it to .* for next time\? \[Y/n\]")
        transcript_so_far = child.before
        child.sendline("y")
        child.expect("Saved the openai key")
        child.expect("first answer")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    assert KEY not in transcript_so_far  # the typed key was not echoed
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"

    # Next launch: no prompt, the stored key is used.
    child = spawn(solcoder_home, args)
    try:
        index = child.expect(["second answer", "API key: "])
        assert index == 0, "prompted again for a saved key"
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    assert server.requests[1].headers["authorization"] == f"Bearer {KEY}"
    for path in solcoder_home.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path


def test_repl_drop_then_retry(solcoder_home: Path, server: FakeLLMServer) -> None:
    stream = "alpha beta gamma delta epsilon zeta"
    server.enqueue(
        Reply(text=stream, chunk_size=3, drop_after=4),
        Reply(text="complete answer after retry", chunk_size=4),
    )
    child = spawn(
        solcoder_home,
        [
            "--llm-provider",
            "openai",
            "--llm-base-url",
            server.base_url("chat"),
            "--llm-api-key",
            KEY,
            "--max-retries",
            "0",
        ],
    )
    try:
        child.expect("session")
        child.expect("you ›")
        child.sendline("tell me a story")
        child.expect("broke")
        child.expect("you ›")
        child.sendline("/retry")
        child.expect("complete answer after retry")
        child.expect("you ›")
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    assert len(server.requests) == 2
    retried = server.requests[1].json
    users = [m for m in retried["messages"] if m["role"] == "user"]
    assert [m["content"] for m in users] == ["tell me a story"]
    [session_dir] = (solcoder_home / "sessions").iterdir()
    records = [
        json.loads(line) for line in (session_dir / "transcript.jsonl").read_text().splitlines()
    ]
    text = json.dumps(records)
    assert "tell me a story" in text
    assert "alpha" in text  # the partial reply was kept
    assert "complete answer after retry" in text
