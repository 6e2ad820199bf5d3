"""`solcoder auth`: status shows sources masked; login, rotate and logout manage saved keys."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from solcoder.cli.main import cli
from solcoder.credentials.encrypted_file import forget_cached_passphrases
from tests.support.cheap_kdf import cheap_kdf

KEY = "sk-test-CLI-CANARY-0123456789abcdefWXYZ"
NEW_KEY = "sk-test-CLI-ROTATED-0123456789abcdefQRST"
_SCRUB = (
    "SOLCODER_",
    "OPENAI_",
    "ANTHROPIC_",
    "OPENROUTER_",
    "GROQ_",
    "MISTRAL_",
    "DEEPSEEK_",
    "XAI_",
    "GEMINI_",
    "TOGETHER_",
)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in list(os.environ):
        if name.startswith(_SCRUB):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    monkeypatch.setenv("SOLCODER_HOME", str(home))
    monkeypatch.setenv("SOLCODER_KEYRING", "0")
    monkeypatch.setenv("SOLCODER_PASSPHRASE", "cli test passphrase")
    monkeypatch.chdir(tmp_path)
    forget_cached_passphrases()
    with cheap_kdf():
        yield home
    forget_cached_passphrases()


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def test_login_status_rotate_logout(home: Path) -> None:
    result = run("auth", "login", "openai", "--key-stdin", input=KEY + "\n")
    assert result.exit_code == 0, result.output
    assert "sk-…WXYZ" in result.output and "encrypted file" in result.output
    status = run("auth", "status")
    assert status.exit_code == 0
    line = next(row for row in status.output.splitlines() if row.startswith("openai"))
    assert "sk-…WXYZ" in line and "encrypted file" in line
    assert "no key needed" in next(r for r in status.output.splitlines() if r.startswith("ollama"))
    rotated = run("auth", "rotate", "openai", "--key-stdin", input=NEW_KEY + "\n")
    assert rotated.exit_code == 0
    assert "sk-…WXYZ" in rotated.output and "sk-…QRST" in rotated.output
    same = CliRunner().invoke(cli, ["auth", "rotate", "openai", "--key-stdin"], input=NEW_KEY)
    assert same.exit_code != 0
    logout = run("auth", "logout", "openai")
    assert "Removed" in logout.output
    assert "No saved key" in run("auth", "logout", "openai").output
    for result in (status, rotated, logout):
        assert KEY not in result.output and NEW_KEY not in result.output


def test_status_names_the_environment_source(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-ENV-0123456789abcdefGHIJ")
    monkeypatch.setenv("SOLCODER_LLM_API_KEY", KEY)
    monkeypatch.setenv("SOLCODER_LLM_PROVIDER", "openai")
    status = run("auth", "status")
    rows = {row.split()[0]: row for row in status.output.splitlines() if row and row[0] != "K"}
    assert "environment variable ANTHROPIC_API_KEY" in rows["anthropic"]
    assert "sk-…GHIJ" in rows["anthropic"]
    # The generic variable applies only to the current provider.
    assert "SOLCODER_LLM_API_KEY" in rows["openai"] and "current provider" in rows["openai"]
    assert "no key" in rows["groq"]
    assert KEY not in status.output and "ENV-0123" not in status.output


def test_flag_shows_as_source_for_current_provider(home: Path) -> None:
    status = run(
        "--llm-provider", "groq", "--llm-api-key", "gsk_testFLAG0123456789abcdef", "auth", "status"
    )
    row = next(r for r in status.output.splitlines() if r.startswith("groq"))
    assert "--llm-api-key flag" in row and "gsk…cdef" in row


def test_login_warns_when_environment_wins(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-ENVWINS-0123456789abcdef")
    result = run("auth", "login", "openai", "--key-stdin", input=KEY)
    assert "OPENAI_API_KEY is set and takes precedence" in result.output


def test_insecure_storage_warns(home: Path) -> None:
    result = run(
        "auth",
        "login",
        "groq",
        "--key-stdin",
        "--insecure-storage",
        input="gsk_test0123456789abcdefghijkl\n",
    )
    assert result.exit_code == 0
    assert "UNENCRYPTED" in result.output
    assert (home / "credentials.plaintext.json").exists()


def test_login_refuses_bad_input(home: Path) -> None:
    empty = CliRunner().invoke(cli, ["auth", "login", "openai", "--key-stdin"], input="\n")
    assert empty.exit_code != 0
    spaced = CliRunner().invoke(
        cli, ["auth", "login", "openai", "--key-stdin"], input="two words here\n"
    )
    assert spaced.exit_code != 0
    unknown = CliRunner().invoke(cli, ["auth", "login", "opnai", "--key-stdin"], input=KEY)
    assert unknown.exit_code != 0


def test_wrong_passphrase_makes_status_fail(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run("auth", "login", "openai", "--key-stdin", input=KEY)
    forget_cached_passphrases()
    monkeypatch.setenv("SOLCODER_PASSPHRASE", "wrong passphrase")
    status = run("auth", "status")
    assert status.exit_code == 2
    assert "wrong passphrase" in status.stderr


pexpect = pytest.importorskip("pexpect")


@pytest.mark.e2e
def test_hidden_prompts_under_a_pseudo_terminal(tmp_path: Path) -> None:
    """Typed key and passphrase are not echoed; the key is saved and found again."""
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUB)}
    env.update({"SOLCODER_HOME": str(home), "SOLCODER_KEYRING": "0", "NO_COLOR": "1"})
    command = [sys.executable, "-m", "solcoder", "auth", "login", "openai"]
    child = pexpect.spawn(
        command[0], command[1:], env=env, encoding="utf-8", timeout=60, cwd=str(tmp_path)
    )
    transcript: list[str] = []
    try:
        child.expect("API key for openai")
        transcript.append(child.before + child.after)
        child.sendline(KEY)
        child.expect("New passphrase")
        transcript.append(child.before + child.after)
        child.sendline("pty passphrase 123")
        child.expect("Repeat the passphrase")
        transcript.append(child.before + child.after)
        child.sendline("pty passphrase 123")
        child.expect(pexpect.EOF)
        transcript.append(child.before)
    finally:
        child.close()
    output = "".join(transcript)
    assert child.exitstatus == 0, output
    assert KEY not in output and "pty passphrase" not in output
    assert "sk-…WXYZ" in output
    assert KEY.encode() not in (home / "credentials.enc").read_bytes()
    status = pexpect.spawn(
        command[0],
        [*command[1:4], "status"],
        env={**env, "SOLCODER_PASSPHRASE": "pty passphrase 123"},
        encoding="utf-8",
        timeout=60,
        cwd=str(tmp_path),
    )
    status.expect(pexpect.EOF)
    assert "sk-…WXYZ" in status.before and KEY not in status.before
