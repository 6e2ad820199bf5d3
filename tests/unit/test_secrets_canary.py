"""Canary: keys planted in a flag, the environment and secure storage never reach a file under
SOLCODER_HOME, a log, or the CLI's output, whatever the code path writes."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from solcoder.cli.main import cli
from solcoder.credentials.encrypted_file import forget_cached_passphrases
from solcoder.credentials.resolve import resolve_api_key
from solcoder.credentials.store import CredentialStore
from solcoder.errors import AuthenticationError
from solcoder.llm.catalog.providers import BUILTIN_PROVIDERS
from solcoder.llm.messages import Message, Text, Thinking, ToolCall, ToolResult
from solcoder.redact import install_log_redaction, uninstall_log_redaction
from solcoder.secret import Secret
from solcoder.sessions import SessionStore
from tests.support.cheap_kdf import cheap_kdf

# Shaped like vendor keys, and one with no known shape (caught only by value).
FLAG = "sk-test-CANARY-FLAG-4f1e9a0b7c3d2e5f"
GENERIC = "sk-test-CANARY-GENERIC-8a7b6c5d4e3f"
CONVENTIONAL = "sk-ant-test-CANARY-ENV-1a2b3c4d5e6f7a8b"
STORED = "CANARY_stored_no_known_shape_55aa77cc"
STORED_LOGIN = "CANARY_login_no_known_shape_99ee11ff"
CANARIES = (FLAG, GENERIC, CONVENTIONAL, STORED, STORED_LOGIN)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in list(os.environ):
        if name.startswith(("SOLCODER_", "OPENAI_", "ANTHROPIC_", "GROQ_", "OPENROUTER_")):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    monkeypatch.setenv("SOLCODER_HOME", str(home))
    monkeypatch.setenv("SOLCODER_KEYRING", "0")
    monkeypatch.setenv("SOLCODER_PASSPHRASE", "canary passphrase")
    monkeypatch.chdir(tmp_path)
    forget_cached_passphrases()
    install_log_redaction()
    with cheap_kdf():
        yield home
    uninstall_log_redaction()
    forget_cached_passphrases()


def test_canaries_appear_nowhere(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outputs: list[str] = []
    # 1. Secure storage, directly and through the CLI.
    store = CredentialStore(home)
    store.set("openrouter", Secret(STORED))
    login = CliRunner().invoke(
        cli, ["auth", "login", "groq", "--key-stdin"], input=STORED_LOGIN + "\n"
    )
    outputs.append(login.output)
    # 2. Resolution through flag, environment and storage (as the CLI does at startup).
    environ = {"SOLCODER_LLM_API_KEY": GENERIC, "ANTHROPIC_API_KEY": CONVENTIONAL}
    resolved = [
        resolve_api_key(BUILTIN_PROVIDERS["openai"], flag_value=FLAG, environ=environ, store=store),
        resolve_api_key(BUILTIN_PROVIDERS["openai"], flag_value=None, environ=environ, store=store),
        resolve_api_key(
            BUILTIN_PROVIDERS["anthropic"],
            flag_value=None,
            environ={"ANTHROPIC_API_KEY": CONVENTIONAL},
            store=store,
        ),
        resolve_api_key(BUILTIN_PROVIDERS["openrouter"], flag_value=None, environ={}, store=store),
    ]
    assert [item.source for item in resolved] == [
        "flag",
        "env:SOLCODER_LLM_API_KEY",
        "env:ANTHROPIC_API_KEY",
        "store:encrypted-file",
    ]
    # 3. Logs, with the key in arguments, f-strings, exceptions and tracebacks.
    log_path = home / "debug.log"
    handler = logging.FileHandler(log_path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
    logger = logging.getLogger("solcoder.llm.transport.http")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        for canary in CANARIES:
            logger.debug("headers: Authorization: Bearer %s", canary)
            logger.info(f"request with key={canary}")
            try:
                raise AuthenticationError(f"401: Incorrect API key provided: {canary}")
            except AuthenticationError:
                logger.exception("model call failed")
        logger.info("resolved %r", resolved)
    finally:
        logger.removeHandler(handler)
        handler.close()
    # 4. A transcript where the user pastes keys and tools echo them, and every failure class.
    sessions = SessionStore(home)
    with sessions.create("openai", "gpt-4.1-mini") as session:
        for canary in CANARIES:
            session.append_message(Message.user(f"my key is {canary}, use it"))
            session.partial(f"I will not repeat {canary}")
            session.append_message(
                Message(
                    "assistant",
                    (
                        Thinking(f"the key {canary}", meta={"signature": "c2ln"}),
                        ToolCall("c1", "shell", f'{{"cmd": "curl -H \\"x-api-key: {canary}\\""}}'),
                    ),
                )
            )
            session.append_message(Message("tool", (ToolResult("c1", f"echo {canary}"),)))
            session.append_message(Message("assistant", (Text(f"done {canary}"),)))
            session.record_error(AuthenticationError(f"rejected {canary}"))
            session.record_fallback("openai", "offline", f"auth failed for {canary}")
            session.record_event("retry", detail=canary)
            session.end_turn(stop_reason="end_turn", note=canary)
    # 5. The CLI's views.
    monkeypatch.setenv("SOLCODER_LLM_API_KEY", GENERIC)
    monkeypatch.setenv("ANTHROPIC_API_KEY", CONVENTIONAL)
    for args in (
        ["--llm-api-key", FLAG, "auth", "status"],
        ["sessions", "list"],
        ["sessions", "show", session.id],
    ):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        outputs.append(result.output)

    # Nothing anywhere.
    files = [path for path in home.rglob("*") if path.is_file()]
    assert len(files) >= 4  # credentials.enc, lock, debug.log, transcript
    for path in files:
        data = path.read_bytes()
        assert b"CANARY" not in data, path
    for output in outputs:
        assert "CANARY" not in output, output
    # And the keys really were in play: the stored ones are still retrievable.
    forget_cached_passphrases()
    assert CredentialStore(home).get("openrouter") == Secret(STORED)
    assert CredentialStore(home).get("groq") == Secret(STORED_LOGIN)
