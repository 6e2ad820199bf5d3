"""Hooks in the REPL, under a real pseudo-terminal and the scripted model: a project's hooks
are shown and asked about before the first prompt, a yes lets them run (and is remembered), a
no keeps them off; `/status` lists every hook with its source and whether it runs."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from tests.e2e.conftest import SOLCODER, clean_environment
from tests.support.fake_llm_server import FakeLLMServer, Reply
from tests.support.git_repo import make_repo

pytestmark = pytest.mark.e2e

KEY = "sk-test-hooks-pty-0123456789"
PROMPT = "you ›"
QUESTION = r"Trust and run these hooks\? \[y\]es / \[n\]o"


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(lifetime=120) as running:
        yield running


def spawn(home: Path, server: FakeLLMServer, cwd: Path) -> pexpect.spawn:
    env = clean_environment(
        home, {"PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm", "OPENAI_API_KEY": KEY}
    )
    args = ["--llm-provider", "openai", "--llm-base-url", server.base_url("chat")]
    args += ["--llm-model", "fake-model"]
    return pexpect.spawn(
        SOLCODER, args, env=env, encoding="utf-8", timeout=60, dimensions=(40, 160), cwd=cwd
    )


def project(tmp_path: Path, marker: Path) -> Path:
    script = tmp_path / "touch.py"
    script.write_text(f"open({str(marker)!r}, 'a').write('ran\\n')\n")
    config = f'[[hooks.user_prompt]]\ncommand = ["{sys.executable}", "{script}"]\n'
    return make_repo(tmp_path / "project", {".solcoder/config.toml": config.encode()})


def test_the_repl_asks_before_a_project_hook_runs_and_remembers_a_yes(
    solcoder_home: Path, server: FakeLLMServer, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    repo = project(tmp_path, marker)
    server.enqueue(Reply(text="first answer"), Reply(text="second answer"))

    child = spawn(solcoder_home, server, repo)
    try:
        child.expect("defines hooks, commands that run on your machine")
        child.expect("user_prompt: ")
        child.expect(QUESTION)
        child.sendline("n")
        child.expect("Not trusted: they do not run")
        child.expect(PROMPT)
        child.sendline("/status")
        child.expect(r"user_prompt \(project, not trusted: skipped\)")
        child.expect(PROMPT)
        child.sendline("hello")
        child.expect("first answer")
        child.expect(PROMPT)
        assert not marker.exists()
        child.sendline("/exit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)

    child = spawn(solcoder_home, server, repo)
    try:
        child.expect(QUESTION)
        child.sendline("y")
        child.expect("Trusted; they run from now on")
        child.expect(PROMPT)
        child.sendline("hello again")
        child.expect("second answer")
        child.expect(PROMPT)
        assert marker.read_text() == "ran\n"
        child.sendline("/status")
        child.expect(r"user_prompt \(project, runs\)")
        child.sendline("/exit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)

    # Remembered: the next launch asks nothing.
    child = spawn(solcoder_home, server, repo)
    try:
        index = child.expect([QUESTION, PROMPT])
        assert index == 1
        child.sendline("/exit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
