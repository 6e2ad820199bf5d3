"""A command in the REPL, under a real pseudo-terminal: its output shows live while it runs,
Ctrl-C stops the command (not the turn), and the model is told and goes on."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from tests.e2e.conftest import SOLCODER, clean_environment
from tests.e2e.test_commands_cli import needs_bwrap
from tests.support.fake_llm_server import FakeLLMServer, Reply
from tests.support.fake_wire import ToolCallReply
from tests.support.git_repo import make_repo

pytestmark = pytest.mark.e2e

PROMPT = "you ›"
COMMAND = "for i in 1 2 3; do echo tick-$i; sleep 0.2; done; sleep 120"


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(lifetime=180) as running:
        yield running


@needs_bwrap
def test_live_output_and_ctrl_c_stops_only_the_command(
    solcoder_home: Path, server: FakeLLMServer, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "project", {"README.md": b"# demo\n"})
    arguments = json.dumps({"command": COMMAND, "timeout_s": 150})
    server.enqueue(
        Reply(tool_calls=(ToolCallReply("run_command", arguments, "c1"),)),
        Reply(text="The command was stopped; moving on."),
    )
    env = clean_environment(
        solcoder_home, {"PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm", "OPENAI_API_KEY": "k"}
    )
    env.pop("NO_COLOR", None)
    args = ["--llm-provider", "openai", "--llm-base-url", server.base_url("chat")]
    args += ["--llm-model", "fake-model"]
    child = pexpect.spawn(
        SOLCODER, args, env=env, encoding="utf-8", timeout=60, dimensions=(40, 120), cwd=repo
    )
    try:
        child.expect(PROMPT)
        child.sendline("run the loop")
        child.expect(r"\$ for i in 1 2 3")  # the question shows the command
        child.expect(r"Allow this once\? \[y\]es / \[n\]o")  # compound: no "always" prefix
        child.sendline("y")
        child.expect("tick-1")
        child.expect("tick-3")  # live, while the command still runs
        child.sendintr()
        child.expect("stopping the command")
        child.expect("The command was stopped; moving on.")  # the turn went on
        child.expect(PROMPT)
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close()
    sent = server.requests[-1].json["messages"]
    result = next(m["content"] for m in sent if m["role"] == "tool")
    assert "stopped by the user" in result
    assert "tick-3" in result
