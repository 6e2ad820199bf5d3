"""The approval question in the REPL, under a real pseudo-terminal and the scripted model.

The model asks for `deploy_program` (declared "signs"): "no" declines it, "yes" runs it once,
"always" runs it and every later call of it unasked, Ctrl-C at the question declines and
cancels the turn. Each decision is checked in the transcript and in what the model was sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from tests.e2e.conftest import SOLCODER, clean_environment
from tests.support.fake_llm_server import FakeLLMServer, Reply
from tests.support.fake_wire import ToolCallReply

pytestmark = pytest.mark.e2e

KEY = "sk-test-approval-pty-0123456789"
PROMPT = "you ›"
QUESTION = r"Allow\? \[y\]es / \[n\]o / \[a\]lways"


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(lifetime=90) as running:
        yield running


def deploy(call_id: str, cluster: str = "devnet") -> Reply:
    arguments = json.dumps({"cluster": cluster})
    return Reply(tool_calls=(ToolCallReply("deploy_program", arguments, call_id),))


def spawn(home: Path, server: FakeLLMServer) -> pexpect.spawn:
    env = clean_environment(
        home, {"PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm", "OPENAI_API_KEY": KEY}
    )
    env.pop("NO_COLOR", None)
    args = ["--llm-provider", "openai", "--llm-base-url", server.base_url("chat")]
    args += ["--llm-model", "fake-model"]
    return pexpect.spawn(
        SOLCODER, args, env=env, encoding="utf-8", timeout=60, dimensions=(40, 120)
    )


def tool_results(server: FakeLLMServer) -> dict[str, str]:
    """Every tool result the model was sent, by call id."""
    found: dict[str, str] = {}
    for request in server.requests:
        for message in request.json["messages"]:
            if message["role"] == "tool":
                found[message["tool_call_id"]] = message["content"]
    return found


def approvals(home: Path) -> list[tuple[str, str, str]]:
    (path,) = (home / "sessions").glob("*/transcript.jsonl")
    records = [json.loads(line) for line in path.read_text().splitlines()]
    return [
        (r["data"]["call_id"], r["data"]["decision"], r["data"]["by"])
        for r in records
        if r["type"] == "event" and r["name"] == "approval"
    ]


def test_no_yes_always_and_ctrl_c_at_the_question(
    solcoder_home: Path, server: FakeLLMServer
) -> None:
    server.enqueue(
        deploy("c_no"),
        Reply(text="Not deployed."),
        deploy("c_yes", "testnet"),
        Reply(text="Deployed once."),
        deploy("c_always"),
        Reply(text="Deployed, always."),
        deploy("c_again"),
        Reply(text="Deployed again unasked."),
    )
    child = spawn(solcoder_home, server)
    try:
        child.expect(PROMPT)
        child.sendline("deploy please")
        child.expect("Run deploy_program\\? It signs with a keypair")
        child.expect("cluster: devnet")
        child.expect(QUESTION)
        child.sendline("no")
        child.expect("Declined by the user")
        child.expect("Not deployed.")
        child.expect(PROMPT)

        child.sendline("deploy to testnet")
        child.expect("cluster: testnet")
        child.expect(QUESTION)
        child.sendline("y")
        child.expect("ok")
        child.expect("Deployed once.")
        child.expect(PROMPT)

        child.sendline("deploy, and stop asking")
        child.expect(QUESTION)
        child.sendline("always")
        child.expect("Deployed, always.")
        child.expect(PROMPT)

        child.sendline("deploy again")
        child.expect("Deployed again unasked.")
        assert "Allow?" not in child.before
        child.expect(PROMPT)
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    results = tool_results(server)
    assert results["c_no"] == "Declined by the user."
    for ran in ("c_yes", "c_always", "c_again"):
        assert json.loads(results[ran])["status"] == "not_available"  # the tool ran
    assert approvals(solcoder_home) == [
        ("c_no", "deny", "user"),
        ("c_yes", "allow", "user"),
        ("c_always", "always", "user"),
        ("c_again", "allow", "user"),
    ]


def test_ctrl_c_at_the_question_declines_and_cancels_the_turn(
    solcoder_home: Path, server: FakeLLMServer
) -> None:
    server.enqueue(deploy("c_cancel"), Reply(text="should never be asked for"))
    child = spawn(solcoder_home, server)
    try:
        child.expect(PROMPT)
        child.sendline("deploy please")
        child.expect(QUESTION)
        child.sendintr()
        child.expect("no \\(cancelled\\)")
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
    assert len(server.requests) == 1  # the turn stopped: no follow-up request
    assert approvals(solcoder_home) == [("c_cancel", "deny", "user")]
    (path,) = (solcoder_home / "sessions").glob("*/transcript.jsonl")
    records = [json.loads(line) for line in path.read_text().splitlines()]
    answered = [
        part
        for r in records
        if r["type"] == "message" and r["message"]["role"] == "tool"
        for part in r["message"]["parts"]
    ]
    assert [part.get("content") for part in answered] == ["Declined by the user."]
