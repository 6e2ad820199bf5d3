"""The workspace in the REPL, under a real pseudo-terminal and the scripted model, in a
temporary git repository: the edit's diff is shown before it applies, "no" leaves the file,
"always" stops asking for edits, `/diff` shows the session's changes, `/undo` restores them,
and `@file` completes with Tab and attaches the file to the message.
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
from tests.support.git_repo import git_state, make_repo

pytestmark = pytest.mark.e2e

KEY = "sk-test-workspace-pty-0123456789"
PROMPT = "you ›"
APPLY = r"Apply\? \[y\]es / \[n\]o / \[a\]lways for edits"
LIB = "fn deposit(total: u64, amount: u64) -> u64 {\n    total + amount\n}\n"


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(lifetime=120) as running:
        yield running


def tool(name: str, call_id: str, **arguments: str) -> Reply:
    return Reply(tool_calls=(ToolCallReply(name, json.dumps(arguments), call_id),))


def spawn(home: Path, server: FakeLLMServer, cwd: Path) -> pexpect.spawn:
    env = clean_environment(
        home, {"PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm", "OPENAI_API_KEY": KEY}
    )
    env.pop("NO_COLOR", None)
    args = ["--llm-provider", "openai", "--llm-base-url", server.base_url("chat")]
    args += ["--llm-model", "fake-model"]
    return pexpect.spawn(
        SOLCODER, args, env=env, encoding="utf-8", timeout=60, dimensions=(40, 120), cwd=cwd
    )


def test_diff_no_always_diff_undo_and_mentions(
    solcoder_home: Path, server: FakeLLMServer, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "project", {"src/lib.rs": LIB.encode()})
    before = git_state(repo)
    edit = {
        "path": "src/lib.rs",
        "old_text": "    total + amount\n",
        "new_text": "    total.checked_add(amount).unwrap()\n",
    }
    server.enqueue(
        tool("read_file", "r1", path="src/lib.rs"),
        tool("edit_file", "e_no", **edit),
        Reply(text="Left as it was."),
        tool("edit_file", "e_always", **edit),
        tool("write_file", "w1", path="src/math.rs", content="// checked math\n"),
        Reply(text="Both applied."),
        Reply(text="I see the file."),
    )
    child = spawn(solcoder_home, server, repo)
    try:
        child.expect(PROMPT)
        child.sendline("make the deposit overflow-safe")
        child.expect("--- a/src/lib.rs")
        child.expect(r"-    total \+ amount")
        child.expect(r"\+    total.checked_add\(amount\).unwrap\(\)")
        child.expect(APPLY)
        child.sendline("n")
        child.expect("Left as it was.")
        child.expect(PROMPT)
        assert (repo / "src/lib.rs").read_text() == LIB

        child.sendline("try again")
        child.expect(APPLY)
        child.sendline("a")
        child.expect(r"modified \S*src/lib.rs")
        child.expect(r"created \S*src/math.rs")
        child.expect("Both applied.")
        child.expect(PROMPT)
        assert "checked_add" in (repo / "src/lib.rs").read_text()
        assert (repo / "src/math.rs").exists()

        child.sendline("/diff")
        child.expect(r"\+\+\+ b/src/lib.rs")
        child.expect(r"\+\+\+ b/src/math.rs")
        child.expect(PROMPT)

        child.sendline("/undo")
        child.expect("Undid turn 2")
        child.expect(PROMPT)
        assert (repo / "src/lib.rs").read_text() == LIB
        assert not (repo / "src/math.rs").exists()

        child.send("what is in @src/li")
        child.send("\t")
        child.expect(r"b\.rs")  # the rest of the path, completed on the screen
        child.sendline("")
        child.expect("attached src/lib.rs")
        child.expect("I see the file.")
        child.expect(PROMPT)
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    assert git_state(repo) == before
    last = server.requests[-1].json["messages"]
    sent = next(m["content"] for m in reversed(last) if m["role"] == "user")
    assert "SolCoder note: The user undid" in sent
    assert '<file path="src/lib.rs">' in sent
    assert "     2\t    total + amount" in sent
