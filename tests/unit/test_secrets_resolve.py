"""Key resolution order: flag > SOLCODER_LLM_API_KEY > provider variable > secure storage."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from solcoder.credentials.encrypted_file import forget_cached_passphrases
from solcoder.credentials.resolve import resolve_api_key
from solcoder.credentials.store import CredentialStore
from solcoder.llm.catalog.providers import BUILTIN_PROVIDERS
from solcoder.redact import Redactor
from solcoder.secret import Secret
from tests.support.cheap_kdf import cheap_kdf

OPENAI = BUILTIN_PROVIDERS["openai"]
OLLAMA = BUILTIN_PROVIDERS["ollama"]
FLAG = "sk-test-FLAG-0123456789abcdef"
GENERIC = "sk-test-GENERIC-0123456789abcdef"
CONVENTIONAL = "sk-test-OPENAI-0123456789abcdef"
STORED = "sk-test-STORED-0123456789abcdef"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[CredentialStore]:
    with cheap_kdf():
        environ = {"SOLCODER_KEYRING": "0", "SOLCODER_PASSPHRASE": "test-passphrase"}
        yield CredentialStore(tmp_path / "home", environ=environ)
    forget_cached_passphrases()


def test_flag_wins(store: CredentialStore) -> None:
    store.set("openai", Secret(STORED))
    environ = {"SOLCODER_LLM_API_KEY": GENERIC, "OPENAI_API_KEY": CONVENTIONAL}
    resolved = resolve_api_key(OPENAI, flag_value=FLAG, environ=environ, store=store)
    assert resolved.source == "flag"
    assert resolved.secret == Secret(FLAG)


def test_generic_variable_beats_provider_variable(store: CredentialStore) -> None:
    environ = {"SOLCODER_LLM_API_KEY": GENERIC, "OPENAI_API_KEY": CONVENTIONAL}
    resolved = resolve_api_key(OPENAI, flag_value=None, environ=environ, store=store)
    assert (resolved.source, resolved.secret) == ("env:SOLCODER_LLM_API_KEY", Secret(GENERIC))


def test_provider_variable_beats_storage(store: CredentialStore) -> None:
    store.set("openai", Secret(STORED))
    resolved = resolve_api_key(
        OPENAI, flag_value=None, environ={"OPENAI_API_KEY": CONVENTIONAL}, store=store
    )
    assert (resolved.source, resolved.secret) == ("env:OPENAI_API_KEY", Secret(CONVENTIONAL))


def test_storage_last(store: CredentialStore) -> None:
    store.set("openai", Secret(STORED))
    resolved = resolve_api_key(OPENAI, flag_value=None, environ={}, store=store)
    assert (resolved.source, resolved.secret) == ("store:encrypted-file", Secret(STORED))
    assert resolved.display == "encrypted file"


def test_blank_values_are_skipped_and_whitespace_trimmed(store: CredentialStore) -> None:
    environ = {"SOLCODER_LLM_API_KEY": "  ", "OPENAI_API_KEY": f" {CONVENTIONAL}\n"}
    resolved = resolve_api_key(OPENAI, flag_value="", environ=environ, store=store)
    assert resolved.secret == Secret(CONVENTIONAL)


def test_nothing_found() -> None:
    resolved = resolve_api_key(OPENAI, flag_value=None, environ={}, store=None)
    assert resolved.secret is None
    assert resolved.source == "none"


def test_provider_without_key_needs_none_and_never_asks_storage() -> None:
    class ExplodingStore:
        def lookup(self, provider: str) -> None:
            raise AssertionError("storage must not be consulted")

    resolved = resolve_api_key(
        OLLAMA,
        flag_value=None,
        environ={},
        store=ExplodingStore(),  # type: ignore[arg-type]
    )
    assert (resolved.secret, resolved.source) == (None, "not-required")


def test_every_resolved_key_is_registered_for_redaction(store: CredentialStore) -> None:
    redactor = Redactor(shapes=False)
    store.set("openai", Secret(STORED))
    resolve_api_key(OPENAI, flag_value=None, environ={}, store=store, redactor=redactor)
    resolve_api_key(OPENAI, flag_value=FLAG, environ={}, store=None, redactor=redactor)
    assert redactor.redact(f"a {STORED} b {FLAG}") == "a sk-…cdef b sk-…cdef"
