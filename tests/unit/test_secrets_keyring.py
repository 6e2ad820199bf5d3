"""The OS keyring backend: only real keyrings are used, and no call can hang the CLI."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import pytest
from keyring.backends import chainer, fail

from solcoder.credentials import keyring_storage
from solcoder.credentials.encrypted_file import forget_cached_passphrases
from solcoder.credentials.keyring_storage import (
    KeyringStorage,
    KeyringUnavailable,
    choose_backend,
    detect_backend,
    is_acceptable,
)
from solcoder.credentials.store import CredentialStore
from solcoder.secret import Secret
from tests.support.cheap_kdf import cheap_kdf

KEY = "sk-test-KEYRING-0123456789abcdef"
ENVIRON = {"SOLCODER_PASSPHRASE": "test-passphrase"}


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A well-behaved keyring kept in a dict."""

    priority = 5  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if (service, username) not in self.entries:
            raise PasswordDeleteError("missing")
        del self.entries[(service, username)]


class HangingKeyring(MemoryKeyring):
    """A locked Secret Service waiting for an unlock dialog nobody will ever see."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.calls = 0

    def get_password(self, service: str, username: str) -> str | None:
        self.calls += 1
        self.release.wait()
        return None


class LockedKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        from keyring.errors import KeyringLocked

        raise KeyringLocked("locked")


class PlaintextKeyring(MemoryKeyring):
    """Stands in for keyrings.alt.file.PlaintextKeyring (not installed here)."""


PlaintextKeyring.__module__ = "keyrings.alt.file"


class LowPriorityKeyring(MemoryKeyring):
    priority = 0.5  # type: ignore[assignment]


@pytest.fixture(autouse=True)
def _cheap_kdf() -> Iterator[None]:
    with cheap_kdf():
        yield
    forget_cached_passphrases()


@pytest.fixture
def restore_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    yield
    keyring.set_keyring(previous)


def test_fail_null_plaintext_and_low_priority_backends_are_refused() -> None:
    from keyring.backends import null

    assert not is_acceptable(fail.Keyring())
    assert not is_acceptable(null.Keyring())
    assert not is_acceptable(PlaintextKeyring())
    assert not is_acceptable(LowPriorityKeyring())
    assert is_acceptable(MemoryKeyring())
    with pytest.raises(KeyringUnavailable):
        KeyringStorage(fail.Keyring())


def test_chainer_yields_its_best_acceptable_member(monkeypatch: pytest.MonkeyPatch) -> None:
    good = MemoryKeyring()
    members = [PlaintextKeyring(), fail.Keyring(), good]
    backend = chainer.ChainerBackend()
    monkeypatch.setattr(chainer.ChainerBackend, "backends", members)
    assert choose_backend(backend) is good
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [PlaintextKeyring()])
    assert choose_backend(backend) is None


def test_detect_refuses_the_configured_fail_backend(restore_keyring: None) -> None:
    keyring.set_keyring(fail.Keyring())
    assert detect_backend(timeout=3) is None
    keyring.set_keyring(PlaintextKeyring())
    assert detect_backend(timeout=3) is None


def test_store_with_refused_keyring_uses_encrypted_file(
    tmp_path: Path, restore_keyring: None
) -> None:
    keyring.set_keyring(PlaintextKeyring())
    store = CredentialStore(tmp_path, environ=ENVIRON)
    assert store.set("openai", Secret(KEY)) == "encrypted-file"
    assert (tmp_path / "credentials.enc").exists()
    assert store.get("openai") == Secret(KEY)


@pytest.mark.timeout(30)  # a hang guard: the keyring itself never answers
def test_hanging_keyring_falls_back_within_four_seconds(
    tmp_path: Path, restore_keyring: None
) -> None:
    hanging = HangingKeyring()
    keyring.set_keyring(hanging)
    try:
        store = CredentialStore(tmp_path, environ=ENVIRON)  # real detection, default 3 s bound
        assert store.set("openai", Secret(KEY)) == "encrypted-file"
        assert store.get("openai") == Secret(KEY)
    finally:
        hanging.release.set()


def test_keyring_that_hangs_later_is_abandoned_once(tmp_path: Path) -> None:
    hanging = HangingKeyring()
    try:
        store = CredentialStore(
            tmp_path, environ=ENVIRON, keyring_backend=hanging, keyring_timeout=0.3
        )
        assert store.get("openai") is None
        assert store.get("anthropic") is None
        assert hanging.calls == 1  # no second wait: marked unusable after the first
        assert store.set("openai", Secret(KEY)) == "encrypted-file"
        assert any("did not answer" in notice for notice in store.notices)
    finally:
        hanging.release.set()


def test_locked_keyring_error_falls_back(tmp_path: Path) -> None:
    store = CredentialStore(tmp_path, environ=ENVIRON, keyring_backend=LockedKeyring())
    assert store.set("openai", Secret(KEY)) == "encrypted-file"
    assert store.get("openai") == Secret(KEY)


def test_keyring_round_trip_and_index(tmp_path: Path) -> None:
    memory = MemoryKeyring()
    store = CredentialStore(tmp_path, environ=ENVIRON, keyring_backend=memory)
    assert store.set("openai", Secret(KEY)) == "keyring"
    store.set("groq", Secret("gsk_test0123456789abcdefghij"))
    assert store.providers() == ["groq", "openai"]
    found = store.lookup("openai")
    assert found is not None and found.storage == "keyring" and found.secret == Secret(KEY)
    rotated = Secret("sk-test-ROTATED-0123456789abcdef")
    store.set("openai", rotated)
    assert store.get("openai") == rotated
    assert store.delete("openai") == ["keyring"]
    assert store.get("openai") is None
    assert store.providers() == ["groq"]
    assert not (tmp_path / "credentials.enc").exists()  # nothing leaked to files
    assert ("solcoder", "provider:groq") in memory.entries


def test_keyring_disabled_by_environment(tmp_path: Path) -> None:
    memory = MemoryKeyring()
    environ = {**ENVIRON, "SOLCODER_KEYRING": "0"}
    store = CredentialStore(tmp_path, environ=environ, keyring_backend=memory)
    assert store.set("openai", Secret(KEY)) == "encrypted-file"
    assert memory.entries == {}
    store = CredentialStore(tmp_path, environ=ENVIRON, keyring_backend=memory, backend="file")
    assert store.set("groq", Secret("gsk_test0123456789abcdefghij")) == "encrypted-file"
    assert memory.entries == {}


def test_key_saved_headless_is_found_after_a_keyring_appears(tmp_path: Path) -> None:
    headless = CredentialStore(tmp_path, environ={**ENVIRON, "SOLCODER_KEYRING": "0"})
    headless.set("openai", Secret(KEY))
    with_keyring = CredentialStore(tmp_path, environ=ENVIRON, keyring_backend=MemoryKeyring())
    found = with_keyring.lookup("openai")
    assert found is not None and found.storage == "encrypted-file"
    # Saving again moves it into the keyring and removes the older copy.
    with_keyring.set("openai", Secret(KEY))
    assert with_keyring.lookup("openai").storage == "keyring"  # type: ignore[union-attr]
    assert headless.providers() == []


def test_call_with_timeout_reports_errors_without_their_text() -> None:
    def boom() -> Any:
        raise RuntimeError(f"failed for {KEY}")

    with pytest.raises(KeyringUnavailable) as caught:
        keyring_storage.call_with_timeout(boom, 1.0, "get")
    assert KEY not in str(caught.value)
