"""What a person sees at the REPL under a real pseudo-terminal: replies wrapped between
words at the terminal's width, and a status while the model has not answered yet."""

from __future__ import annotations

import re
from pathlib import Path

import pexpect
import pytest

from tests.e2e.conftest import SOLCODER, clean_environment
from tests.support.fake_llm_server import FakeLLMServer, Reply

pytestmark = pytest.mark.e2e

PROMPT = "you ›"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")


def spawn(home: Path, *args: str, columns: int = 120, **extra: str) -> pexpect.spawn:
    env = clean_environment(home, {"PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm", **extra})
    env.pop("COLUMNS")
    return pexpect.spawn(
        SOLCODER, list(args), env=env, encoding="utf-8", timeout=60, dimensions=(40, columns)
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


KEY = "sk-test-spinner-0123456789"
WAITING = "waiting for the model"


def _slow_server() -> FakeLLMServer:
    return FakeLLMServer(
        Reply(text="Here is the answer you waited for.", first_event_delay=1.2, repeat=5),
        lifetime=60,
    )


def _provider_args(server: FakeLLMServer) -> list[str]:
    return [
        "--llm-provider",
        "openai",
        "--llm-model",
        "gpt-4.1-mini",
        "--llm-base-url",
        server.base_url("chat"),
    ]


def _run_on_terminal(home: Path, *args: str) -> tuple[int | None, str]:
    child = spawn(home, *args, OPENAI_API_KEY=KEY)
    try:
        child.expect(pexpect.EOF)
        output = child.before or ""
    finally:
        child.close()
    return child.exitstatus, output


def test_one_shot_on_a_terminal_shows_a_status_until_the_first_token(
    solcoder_home: Path,
) -> None:
    with _slow_server() as server:
        code, output = _run_on_terminal(solcoder_home, "-p", "hi", *_provider_args(server))
    assert code == 0, output
    assert WAITING in output
    before, _, after = output.partition("Here is the answer")
    assert WAITING in before
    assert before.endswith("\r\x1b[2K")  # the status line is erased before the reply
    assert WAITING not in after


def test_no_status_with_json_or_in_a_pipe(solcoder_home: Path, tmp_path: Path) -> None:
    import subprocess

    with _slow_server() as server:
        code, output = _run_on_terminal(
            solcoder_home, "-p", "hi", "--json", *_provider_args(server)
        )
        assert code == 0, output
        assert WAITING not in output and "\x1b[2K" not in output
        piped = subprocess.run(
            [SOLCODER, "-p", "hi", *_provider_args(server)],
            capture_output=True,
            text=True,
            env=clean_environment(solcoder_home, {"OPENAI_API_KEY": KEY}),
            cwd=tmp_path,
            timeout=60,
            check=False,
        )
    assert piped.returncode == 0, piped.stderr
    assert WAITING not in piped.stdout + piped.stderr
    assert piped.stdout == "Here is the answer you waited for.\n"


def test_repl_shows_a_status_until_the_first_token(solcoder_home: Path) -> None:
    with _slow_server() as server:
        child = spawn(solcoder_home, *_provider_args(server), OPENAI_API_KEY=KEY)
        try:
            child.expect(PROMPT)
            child.sendline("hi")
            child.expect(WAITING)
            child.expect("Here is the answer")
            child.expect(PROMPT)
            after = child.before or ""
            child.sendeof()
            child.expect(pexpect.EOF)
        finally:
            child.close()
    assert WAITING not in after
