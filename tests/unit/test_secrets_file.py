"""The encrypted credentials file, the explicit plain-text fallback, and their safety rules."""

from __future__ import annotations

import os
import signal
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from solcoder.credentials import encrypted_file
from solcoder.credentials.encrypted_file import (
    KDF_PARAMETERS,
    derive_key,
    forget_cached_passphrases,
)
from solcoder.credentials.store import CredentialStore
from solcoder.errors import StorageError
from solcoder.secret import Secret
from tests.support.cheap_kdf import cheap_kdf

KEY = "sk-test-FILE-CANARY-0123456789abcdef"
OTHER = "sk-ant-test-FILE-0123456789abcdefgh"
PASSPHRASE = "correct horse battery"


def environ(passphrase: str = PASSPHRASE) -> dict[str, str]:
    return {"SOLCODER_KEYRING": "0", "SOLCODER_PASSPHRASE": passphrase}


@pytest.fixture(autouse=True)
def _cheap_kdf() -> Iterator[None]:
    forget_cached_passphrases()
    with cheap_kdf():
        yield
    forget_cached_passphrases()


def test_round_trip_and_file_never_contains_the_key(tmp_path: Path) -> None:
    store = CredentialStore(tmp_path / "home", environ=environ())
    assert store.set("openai", Secret(KEY)) == "encrypted-file"
    store.set("anthropic", Secret(OTHER))
    path = tmp_path / "home" / "credentials.enc"
    raw = path.read_bytes()
    assert raw.startswith(b"SOLCODER\x01")
    assert KEY.encode() not in raw and b"CANARY" not in raw
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "home").stat().st_mode) == 0o700
    forget_cached_passphrases()  # a new process
    fresh = CredentialStore(tmp_path / "home", environ=environ())
    assert fresh.get("openai") == Secret(KEY)
    assert fresh.providers() == ["anthropic", "openai"]
    assert fresh.delete("openai") == ["encrypted-file"]
    assert fresh.get("openai") is None
    assert fresh.get("anthropic") == Secret(OTHER)


def test_fresh_salt_and_nonce_on_every_write(tmp_path: Path) -> None:
    store = CredentialStore(tmp_path, environ=environ())
    store.set("openai", Secret(KEY))
    first = (tmp_path / "credentials.enc").read_bytes()
    store.set("openai", Secret(KEY))
    second = (tmp_path / "credentials.enc").read_bytes()
    header = len(b"SOLCODER") + 4
    assert first[header : header + 16] != second[header : header + 16]  # salt
    assert first[header + 16 : header + 28] != second[header + 16 : header + 28]  # nonce
    assert first[header + 28 :] != second[header + 28 :]


def test_wrong_passphrase_is_a_clear_error_and_the_file_is_kept(tmp_path: Path) -> None:
    CredentialStore(tmp_path, environ=environ()).set("openai", Secret(KEY))
    before = (tmp_path / "credentials.enc").read_bytes()
    forget_cached_passphrases()
    wrong = CredentialStore(tmp_path, environ=environ("not the passphrase"))
    with pytest.raises(StorageError, match="wrong passphrase"):
        wrong.get("openai")
    with pytest.raises(StorageError):
        wrong.set("openai", Secret(OTHER))  # never "reset" by writing over it
    assert (tmp_path / "credentials.enc").read_bytes() == before


@pytest.mark.parametrize("offset", [9, 14, 30, -1], ids=["kdf-n", "salt", "nonce", "tag"])
def test_tampering_anywhere_is_detected(tmp_path: Path, offset: int) -> None:
    CredentialStore(tmp_path, environ=environ()).set("openai", Secret(KEY))
    path = tmp_path / "credentials.enc"
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))
    forget_cached_passphrases()
    with pytest.raises(StorageError):
        CredentialStore(tmp_path, environ=environ()).get("openai")


def test_version_byte_is_checked(tmp_path: Path) -> None:
    CredentialStore(tmp_path, environ=environ()).set("openai", Secret(KEY))
    path = tmp_path / "credentials.enc"
    data = bytearray(path.read_bytes())
    data[8] = 2
    path.write_bytes(bytes(data))
    with pytest.raises(StorageError, match="format version 2"):
        CredentialStore(tmp_path, environ=environ()).get("openai")


def test_truncated_or_foreign_file_is_refused_not_reset(tmp_path: Path) -> None:
    path = tmp_path / "credentials.enc"
    path.write_bytes(b"hello")
    path.chmod(0o600)
    store = CredentialStore(tmp_path, environ=environ())
    with pytest.raises(StorageError, match="not a SolCoder credentials file"):
        store.get("openai")
    with pytest.raises(StorageError):
        store.set("openai", Secret(KEY))
    assert path.read_bytes() == b"hello"


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660, 0o666])
def test_file_readable_by_others_is_refused_with_the_fix(tmp_path: Path, mode: int) -> None:
    CredentialStore(tmp_path, environ=environ()).set("openai", Secret(KEY))
    path = tmp_path / "credentials.enc"
    path.chmod(mode)
    with pytest.raises(StorageError) as caught:
        CredentialStore(tmp_path, environ=environ()).get("openai")
    assert f"chmod 600 {path}" in str(caught.value)
    path.chmod(0o600)
    assert CredentialStore(tmp_path, environ=environ()).get("openai") == Secret(KEY)


def test_passphrase_is_asked_once_per_process(tmp_path: Path) -> None:
    asked: list[bool] = []

    def source(new: bool) -> Secret:
        asked.append(new)
        return Secret(PASSPHRASE)

    store = CredentialStore(tmp_path, environ={"SOLCODER_KEYRING": "0"}, passphrase_source=source)
    store.set("openai", Secret(KEY))
    store.get("openai")
    CredentialStore(tmp_path, environ={"SOLCODER_KEYRING": "0"}, passphrase_source=source).get(
        "openai"
    )
    assert asked == [True]


def test_no_passphrase_and_no_terminal_is_a_storage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(encrypted_file, "terminal_available", lambda: False)
    store = CredentialStore(tmp_path, environ={"SOLCODER_KEYRING": "0"})
    with pytest.raises(StorageError, match="SOLCODER_PASSPHRASE"):
        store.set("openai", Secret(KEY))


def test_umask_000_still_gives_private_files(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        store = CredentialStore(tmp_path / "a" / "home", environ=environ())
        store.set("openai", Secret(KEY))
    finally:
        os.umask(previous)
    home = tmp_path / "a" / "home"
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    for name in ("credentials.enc", "credentials.lock"):
        assert stat.S_IMODE((home / name).stat().st_mode) == 0o600, name


def test_plaintext_only_when_insecure_is_chosen(tmp_path: Path) -> None:
    store = CredentialStore(tmp_path, environ=environ(), insecure=True)
    assert store.set("openai", Secret(KEY)) == "plaintext-file"
    path = tmp_path / "credentials.plaintext.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert any("UNENCRYPTED" in notice for notice in store.notices)
    assert not (tmp_path / "credentials.enc").exists()
    # Found later without the flag, from its own file.
    normal = CredentialStore(tmp_path, environ=environ())
    found = normal.lookup("openai")
    assert found is not None and found.storage == "plaintext-file"
    path.chmod(0o644)
    with pytest.raises(StorageError, match="chmod 600"):
        normal.get("openai")


def test_saving_securely_removes_an_older_plaintext_copy(tmp_path: Path) -> None:
    CredentialStore(tmp_path, environ=environ(), insecure=True).set("openai", Secret(OTHER))
    store = CredentialStore(tmp_path, environ=environ())
    store.set("openai", Secret(KEY))
    assert KEY not in (tmp_path / "credentials.plaintext.json").read_text()
    assert OTHER not in (tmp_path / "credentials.plaintext.json").read_text()
    assert store.lookup("openai").storage == "encrypted-file"  # type: ignore[union-attr]


def test_real_scrypt_parameters_take_at_least_a_fifth_of_a_second() -> None:
    assert (KDF_PARAMETERS.log2_n, KDF_PARAMETERS.r, KDF_PARAMETERS.p) == (17, 8, 1)
    started = time.perf_counter()
    derive_key(Secret("timing passphrase"), os.urandom(16), KDF_PARAMETERS)
    assert time.perf_counter() - started >= 0.2


def test_real_parameters_round_trip(tmp_path: Path) -> None:
    with cheap_kdf(KDF_PARAMETERS.log2_n):
        CredentialStore(tmp_path, environ=environ()).set("openai", Secret(KEY))
    assert (tmp_path / "credentials.enc").read_bytes()[9] == 17
    forget_cached_passphrases()
    assert CredentialStore(tmp_path, environ=environ()).get("openai") == Secret(KEY)


def _wait_for_a_new_version(tmp_path: Path, insecure: bool, old: set[str]) -> None:
    deadline = time.monotonic() + 60  # a hang guard only
    while time.monotonic() < deadline:
        found = CredentialStore(tmp_path, environ=environ(), insecure=insecure).get("openai")
        if found is not None and found.reveal() not in old:
            return
        time.sleep(0.01)


@pytest.mark.parametrize("insecure", [False, True], ids=["encrypted", "plaintext"])
def test_sigkill_during_writes_leaves_old_or_new_file(tmp_path: Path, insecure: bool) -> None:
    """Kill a writer at random points; the file must always decode to a complete version."""
    import random

    versions = [f"sk-test-VERSION{index:04d}-0123456789abcdef" for index in range(10_000)]
    CredentialStore(tmp_path, environ=environ(), insecure=insecure).set(
        "openai", Secret(versions[0])
    )
    rng = random.Random(1234)
    seen: set[str] = set()
    for _ in range(200):
        pid = os.fork()
        if pid == 0:  # child: rewrite the file as fast as possible until killed
            try:
                store = CredentialStore(tmp_path, environ=environ(), insecure=insecure)
                for value in versions[1:]:
                    store.set("openai", Secret(value))
            finally:
                os._exit(0)
        if len(seen) < 2:
            # Until the writer has been seen to make progress, let it (a busy machine may not
            # schedule it within the random pauses); then kill it at random points.
            _wait_for_a_new_version(tmp_path, insecure, seen | {versions[0]})
        time.sleep(rng.uniform(0, 0.02))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        found = CredentialStore(tmp_path, environ=environ(), insecure=insecure).get("openai")
        assert found is not None and found.reveal() in versions
        seen.add(found.reveal())
    leftovers = [path.name for path in tmp_path.iterdir() if path.name.endswith(".tmp")]
    # A killed writer may leave its temporary file; never the real file half-written.
    assert all(name.startswith(".credentials") for name in leftovers)
    assert len(seen) > 1  # the writer really made progress between kills
