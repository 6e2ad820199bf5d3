"""Keys on a machine without a keyring or a passphrase: the way out is named, a plain-text key
is found and removable beside an encrypted file that cannot be opened, an unreadable store is
reported before anything that depends on it, and a short passphrase is asked again."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from solcoder.cli.main import cli
from solcoder.credentials import encrypted_file
from solcoder.credentials.encrypted_file import (
    MINIMUM_NEW_PASSPHRASE_LENGTH,
    default_passphrase_source,
    forget_cached_passphrases,
)
from solcoder.errors import StorageError
from solcoder.secret import Secret
from tests.support.cheap_kdf import cheap_kdf

KEY = "sk-test-HEADLESS-0123456789abcdefWXYZ"
OTHER = "sk-test-anthropic-HEADLESS-0123456789abcdGHIJ"
PASSPHRASE = "headless test passphrase"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in list(os.environ):
        if name.startswith(("SOLCODER_", "OPENAI_", "ANTHROPIC_", "GROQ_", "OPENROUTER_")):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    monkeypatch.setenv("SOLCODER_HOME", str(home))
    monkeypatch.setenv("SOLCODER_KEYRING", "0")
    monkeypatch.setattr(encrypted_file, "terminal_available", lambda: False)  # headless
    monkeypatch.chdir(tmp_path)
    forget_cached_passphrases()
    with cheap_kdf():
        yield home
    forget_cached_passphrases()


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def _both_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """anthropic's key in the encrypted file, openai's in the plain-text one; then the
    passphrase is gone (another shell, a CI job)."""
    monkeypatch.setenv("SOLCODER_PASSPHRASE", PASSPHRASE)
    assert run("auth", "login", "anthropic", "--key-stdin", input=OTHER).exit_code == 0
    saved = run("auth", "login", "openai", "--key-stdin", "--insecure-storage", input=KEY)
    assert saved.exit_code == 0
    monkeypatch.delenv("SOLCODER_PASSPHRASE")
    forget_cached_passphrases()


def _row(output: str, provider: str) -> str:
    return next(line for line in output.splitlines() if line.startswith(provider + " "))


def test_headless_login_names_insecure_storage_and_that_way_works(home: Path) -> None:
    with pytest.raises(StorageError) as failure:
        run("auth", "login", "openai", "--key-stdin", input=KEY)
    assert "--insecure-storage" in (failure.value.hint or "")
    assert "openai" in (failure.value.hint or "")
    followed = run("auth", "login", "openai", "--key-stdin", "--insecure-storage", input=KEY)
    assert followed.exit_code == 0, followed.output
    assert "UNENCRYPTED" in followed.output
    assert KEY not in followed.output


def test_status_finds_a_plaintext_key_beside_an_encrypted_file_it_cannot_open(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _both_files(monkeypatch)
    status = run("auth", "status")
    openai = _row(status.output, "openai")
    assert "sk-…WXYZ" in openai and "plain-text file" in openai
    assert status.exit_code == 2  # the encrypted file's keys could not be checked
    assert KEY not in status.output and OTHER not in status.output


def test_logout_removes_a_plaintext_key_without_the_passphrase(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _both_files(monkeypatch)
    logout = run("auth", "logout", "openai")
    assert logout.exit_code == 0, logout.output
    assert "Removed the saved openai key (plaintext-file)" in logout.output
    assert "encrypted file" in logout.output  # what could not be checked is said
    assert KEY not in (home / "credentials.plaintext.json").read_text()


def test_status_on_an_undecryptable_file_reports_the_error_before_any_row(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOLCODER_PASSPHRASE", PASSPHRASE)
    assert run("auth", "login", "openai", "--key-stdin", input=KEY).exit_code == 0
    forget_cached_passphrases()
    monkeypatch.setenv("SOLCODER_PASSPHRASE", "not the passphrase")
    status = run("auth", "status")
    assert status.exit_code == 2
    lines = status.output.splitlines()
    error = next(i for i, line in enumerate(lines) if "Cannot decrypt" in line)
    first_row = next(i for i, line in enumerate(lines) if line.startswith("openai "))
    assert error < first_row
    assert status.output.count("Cannot decrypt") == 1
    for provider in ("openai", "groq"):
        row = _row(status.output, provider)
        assert not row.rstrip().endswith("no key"), row  # unknown, not "no key"
        assert "could not be read" in row


def _scripted_getpass(monkeypatch: pytest.MonkeyPatch, answers: list[str]) -> list[str]:
    asked: list[str] = []

    def fake(prompt: str = "", stream: object = None) -> str:
        asked.append(prompt)
        return answers.pop(0)

    monkeypatch.setattr(encrypted_file, "terminal_available", lambda: True)
    monkeypatch.setattr(encrypted_file.getpass, "getpass", fake)
    return asked


def test_a_short_new_passphrase_is_asked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    good = "x" * MINIMUM_NEW_PASSPHRASE_LENGTH
    asked = _scripted_getpass(monkeypatch, ["short", "", good, good])
    stderr = io.StringIO()
    monkeypatch.setattr("sys.stderr", stderr)
    assert default_passphrase_source({})(True) == Secret(good)
    assert len(asked) == 4
    assert f"at least {MINIMUM_NEW_PASSPHRASE_LENGTH} characters" in stderr.getvalue()


def test_a_new_passphrase_is_asked_a_bounded_number_of_times(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _scripted_getpass(monkeypatch, ["short"] * 50)
    monkeypatch.setattr("sys.stderr", io.StringIO())
    with pytest.raises(StorageError, match="at least"):
        default_passphrase_source({})(True)


def test_mismatched_passphrases_are_asked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    good = "y" * (MINIMUM_NEW_PASSPHRASE_LENGTH + 2)
    _scripted_getpass(monkeypatch, [good, good + "typo", good, good])
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert default_passphrase_source({})(True) == Secret(good)


class RefusingStore:
    description = "encrypted file /h/credentials.enc"

    def __init__(self) -> None:
        self.notices: list[str] = []

    def set(self, provider: str, secret: Secret) -> str:
        raise StorageError("The passphrase must have at least 8 characters.")


def test_first_run_keeps_the_pasted_key_when_saving_it_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from solcoder.cli import first_run
    from solcoder.llm.catalog.providers import BUILTIN_PROVIDERS

    monkeypatch.setattr(first_run.getpass, "getpass", lambda prompt="", stream=None: KEY)
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    stderr = io.StringIO()
    monkeypatch.setattr("sys.stderr", stderr)
    secret = first_run.prompt_for_key(BUILTIN_PROVIDERS["openai"], RefusingStore())
    assert secret == Secret(KEY)  # the conversation goes on with it
    assert "not saved" in stderr.getvalue()
    assert "at least 8 characters" in stderr.getvalue()
    assert KEY not in stderr.getvalue()
