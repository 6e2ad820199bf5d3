"""Where a one-shot prompt comes from: `-p -` and a piped stdin read it (DESIGN.md section 5);
`--json` without any prompt is a usage error, never a silently ignored flag."""

from __future__ import annotations

import json
from pathlib import Path

import pexpect
import pytest

from tests.e2e.conftest import SOLCODER, Run, clean_environment

pytestmark = pytest.mark.e2e


def test_dash_reads_the_prompt_from_stdin(run_cli: Run) -> None:
    result = run_cli("--offline-mode", "-p", "-", input="deploy my counter\n")
    assert result.returncode == 0, result.stderr
    assert "deploy my counter" in result.stdout
    assert "“-”" not in result.stdout


def test_piped_stdin_without_p_is_a_one_shot_run(run_cli: Run) -> None:
    result = run_cli("--offline-mode", input="explain rent exemption\n")
    assert result.returncode == 0, result.stderr
    assert "explain rent exemption" in result.stdout
    # No REPL: neither the banner nor the prompt reaches the pipe.
    assert "Type /help" not in result.stdout + result.stderr
    assert "you ›" not in result.stdout


def test_piped_stdin_with_json_streams_events(run_cli: Run) -> None:
    result = run_cli("--offline-mode", "--json", input="hello\n")
    assert result.returncode == 0, result.stderr
    types = [json.loads(line)["type"] for line in result.stdout.splitlines()]
    assert "text_delta" in types and "completed" in types


def test_empty_stdin_is_a_usage_error(run_cli: Run) -> None:
    result = run_cli("--offline-mode", "-p", "-", input="  \n")
    assert result.returncode == 2
    assert "stdin was empty" in result.stderr


def test_json_without_a_prompt_on_a_terminal_is_a_usage_error(solcoder_home: Path) -> None:
    env = clean_environment(solcoder_home, {"TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1"})
    child = pexpect.spawn(
        SOLCODER, ["--offline-mode", "--json"], env=env, encoding="utf-8", timeout=60
    )
    try:
        child.expect(pexpect.EOF)
        output = child.before or ""
    finally:
        child.close()
    assert child.exitstatus == 2, output
    assert "--json needs a prompt" in output
    assert "Type /help" not in output


def test_a_bad_timeout_says_what_is_expected(run_cli: Run) -> None:
    result = run_cli("--offline-mode", "-p", "hi", "--timeout", "abc")
    assert result.returncode == 2
    assert "a number of seconds" in result.stderr
    assert "float range" not in result.stderr


def test_dash_on_a_terminal_reads_until_ctrl_d(solcoder_home: Path) -> None:
    env = clean_environment(solcoder_home, {"TERM": "xterm"})
    child = pexpect.spawn(
        SOLCODER, ["--offline-mode", "-p", "-"], env=env, encoding="utf-8", timeout=60
    )
    try:
        child.expect("Ctrl-D")
        child.sendline("a prompt typed in")
        child.sendeof()
        child.expect("a prompt typed in”")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0


def test_p_text_with_piped_stdin_sends_both(run_cli: Run) -> None:
    """Issue 23 item 3: `git diff | solcoder -p "review this"` sends the text, then the piped
    content as a fenced block (like `llm`); it used to drop the pipe silently."""
    result = run_cli("-p", "review this", "--offline-mode", "--json", input="diff --git a/x b/x\n")
    assert result.returncode == 0, result.stderr
    session = next(json.loads(line) for line in result.stdout.splitlines() if '"session"' in line)
    shown = run_cli("sessions", "show", session["id"])
    assert "user: review this" in shown.stdout
    assert "diff --git a/x b/x" in shown.stdout


def test_stdin_over_the_limit_is_refused_without_reading_it_all(run_cli: Run) -> None:
    """Issue 23 item 26: a huge pipe is refused at the edge, not read whole into memory."""
    result = run_cli("-p", "-", "--offline-mode", input="x" * (9 * 1024 * 1024))
    assert result.returncode == 2
    assert "larger than" in result.stderr
