"""Keys at rest without an OS keyring: `$SOLCODER_HOME/credentials.enc`, AES-256-GCM.

Headless machines, containers and CI have no Secret Service, so keys go into a file encrypted
with a key derived from a passphrase by scrypt. File layout (all integers unsigned bytes):

    b"SOLCODER"  version=1  log2(n)  r  p  salt[16]  nonce[12]  ciphertext+tag

Everything before the nonce is the associated data of the AES-GCM seal, so the version and the
KDF parameters cannot be changed without the tag failing. Every write draws a fresh salt and
nonce. The plaintext is JSON: {"version": 1, "keys": {provider: key}}.

scrypt parameters: n = 2**17, r = 8, p = 1 (128 MiB of memory). Measured on the 2-core build
machine: about 0.5 s per derivation (2**16 took 0.22 s, too close to the 0.2 s floor on a
faster machine). The derived key is cached in memory per (passphrase, salt, parameters), so a
process pays the cost once per file version, and the passphrase is asked once per process.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import secrets
import struct
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from solcoder.credentials.files import exclusive_lock, read_private_file
from solcoder.errors import StorageError
from solcoder.fsutil import atomic_write, ensure_private_dir
from solcoder.secret import Secret

FILE_NAME = "credentials.enc"
LOCK_NAME = "credentials.lock"
MAGIC = b"SOLCODER"
FORMAT_VERSION = 1
SALT_BYTES = 16
NONCE_BYTES = 12
KEY_BYTES = 32
_PARAMETERS = struct.Struct(">BBBB")  # version, log2(n), r, p
_HEADER_BYTES = len(MAGIC) + _PARAMETERS.size + SALT_BYTES


@dataclass(frozen=True, slots=True)
class KdfParameters:
    log2_n: int
    r: int
    p: int


KDF_PARAMETERS = KdfParameters(log2_n=17, r=8, p=1)
# Bounds for parameters read from a file: a forged header must not make us allocate gigabytes.
_MAX_LOG2_N = 20
_MAX_R = 16
_MAX_P = 4

PASSPHRASE_VARIABLE = "SOLCODER_PASSPHRASE"
MINIMUM_NEW_PASSPHRASE_LENGTH = 8
NEW_PASSPHRASE_TRIES = 3
"""How often a new passphrase is asked for when it is too short or the two entries differ:
a typo must not end the program (and lose the key pasted just before)."""


class PassphraseUnavailable(StorageError):
    """No passphrase can be had here (not set, no terminal): the caller knows the way out."""


def current_kdf_parameters() -> KdfParameters:
    """The parameters new files are written with (read when writing, not at import)."""
    return KDF_PARAMETERS


_key_cache: dict[tuple[bytes, bytes, KdfParameters], bytes] = {}
_key_cache_lock = threading.Lock()


def derive_key(passphrase: Secret, salt: bytes, parameters: KdfParameters) -> bytes:
    """scrypt(passphrase, salt) -> 32 bytes, cached in memory for the process."""
    # The cache is keyed by a hash of the passphrase, never the passphrase itself.
    fingerprint = hashlib.sha256(passphrase.reveal().encode()).digest()
    cache_key = (fingerprint, salt, parameters)
    with _key_cache_lock:
        cached = _key_cache.get(cache_key)
    if cached is not None:
        return cached
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    key = Scrypt(
        salt=salt, length=KEY_BYTES, n=2**parameters.log2_n, r=parameters.r, p=parameters.p
    ).derive(passphrase.reveal().encode("utf-8"))
    with _key_cache_lock:
        _key_cache[cache_key] = key
    return key


def seal(keys: Mapping[str, str], passphrase: Secret) -> bytes:
    """Encrypt `keys` into the file format with a fresh salt and nonce."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    parameters = current_kdf_parameters()
    salt = secrets.token_bytes(SALT_BYTES)
    nonce = secrets.token_bytes(NONCE_BYTES)
    header = (
        MAGIC
        + _PARAMETERS.pack(FORMAT_VERSION, parameters.log2_n, parameters.r, parameters.p)
        + salt
    )
    plaintext = json.dumps({"version": FORMAT_VERSION, "keys": dict(keys)}).encode("utf-8")
    ciphertext = AESGCM(derive_key(passphrase, salt, parameters)).encrypt(nonce, plaintext, header)
    return header + nonce + ciphertext


def unseal(data: bytes, passphrase: Secret, *, path: Path) -> dict[str, str]:
    """Decrypt the file content; StorageError for a wrong passphrase or any damage."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    moved = f"mv {path} {path}.broken"
    if len(data) < _HEADER_BYTES + NONCE_BYTES + 16 or not data.startswith(MAGIC):
        raise StorageError(
            f"{path} is not a SolCoder credentials file (or it is truncated); left untouched.",
            hint=f"To start over, move it aside ({moved}) and run `solcoder auth login`.",
        )
    version, log2_n, r, p = _PARAMETERS.unpack_from(data, len(MAGIC))
    if version != FORMAT_VERSION:
        raise StorageError(
            f"{path} uses credentials format version {version}; this SolCoder reads version "
            f"{FORMAT_VERSION}.",
            hint="Upgrade SolCoder, or move the file aside and log in again.",
        )
    if not (1 <= log2_n <= _MAX_LOG2_N and 1 <= r <= _MAX_R and 1 <= p <= _MAX_P):
        raise StorageError(f"{path} has invalid key-derivation parameters; left untouched.")
    header = data[:_HEADER_BYTES]
    salt = header[len(MAGIC) + _PARAMETERS.size :]
    nonce = data[_HEADER_BYTES : _HEADER_BYTES + NONCE_BYTES]
    key = derive_key(passphrase, salt, KdfParameters(log2_n, r, p))
    try:
        plaintext = AESGCM(key).decrypt(nonce, data[_HEADER_BYTES + NONCE_BYTES :], header)
    except InvalidTag:
        raise StorageError(
            f"Cannot decrypt {path}: wrong passphrase, or the file was modified. "
            "The file was left untouched.",
            hint=f"Check {PASSPHRASE_VARIABLE} (or the passphrase you typed). If it is "
            f"forgotten, move the file aside ({moved}) and run `solcoder auth login` again.",
        ) from None
    try:
        content = json.loads(plaintext)
        keys = content["keys"]
        if not isinstance(keys, dict) or not all(
            isinstance(name, str) and isinstance(value, str) for name, value in keys.items()
        ):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise StorageError(
            f"{path} decrypted but its content is damaged; left untouched."
        ) from None
    return dict(keys)


PassphraseSource = Callable[[bool], Secret]
"""Returns the passphrase; the argument is True when a new file is being created (confirm it)."""


def terminal_available() -> bool:
    """True when a controlling terminal can be opened for a hidden prompt."""
    try:
        descriptor = os.open("/dev/tty", os.O_RDWR | getattr(os, "O_NOCTTY", 0))
    except OSError:
        return False
    os.close(descriptor)
    return True


def default_passphrase_source(environ: Mapping[str, str]) -> PassphraseSource:
    """SOLCODER_PASSPHRASE, else a hidden prompt on the terminal, else a StorageError."""

    def source(new: bool) -> Secret:
        configured = environ.get(PASSPHRASE_VARIABLE, "")
        if configured:
            return Secret(configured)
        if not terminal_available():
            raise PassphraseUnavailable(
                "The encrypted credentials file needs a passphrase and there is no terminal to "
                "ask for it.",
                hint=f"Set {PASSPHRASE_VARIABLE}, or use an OS keyring. To keep a key "
                "unencrypted in a 0600 file instead, add --insecure-storage to "
                "`solcoder auth login`.",
            )
        if not new:
            return Secret(getpass.getpass("Passphrase for SolCoder credentials: "))
        return _ask_new_passphrase()

    return source


def _ask_new_passphrase() -> Secret:
    """A new passphrase typed twice, asked again (up to `NEW_PASSPHRASE_TRIES` times) when it
    is too short or the two entries differ."""
    problem = ""
    for _ in range(NEW_PASSPHRASE_TRIES):
        first = getpass.getpass("New passphrase to encrypt SolCoder credentials: ")
        if len(first) < MINIMUM_NEW_PASSPHRASE_LENGTH:
            problem = (
                f"The passphrase must have at least {MINIMUM_NEW_PASSPHRASE_LENGTH} characters."
            )
        elif getpass.getpass("Repeat the passphrase: ") != first:
            problem = "The two passphrases differ."
        else:
            return Secret(first)
        sys.stderr.write(f"{problem} Try again.\n")
        sys.stderr.flush()
    raise StorageError(f"{problem} Nothing was saved.")


_cached_passphrases: dict[Path, Secret] = {}


class EncryptedFileStorage:
    """Credentials in one AES-GCM file; each change rewrites the whole file atomically."""

    kind = "encrypted-file"

    def __init__(self, home: Path, passphrase_source: PassphraseSource) -> None:
        self.home = home
        self.path = home / FILE_NAME
        self._passphrase_source = passphrase_source

    @property
    def description(self) -> str:
        return f"encrypted file {self.path}"

    def exists(self) -> bool:
        return self.path.exists()

    def _passphrase(self, *, new: bool) -> Secret:
        cached = _cached_passphrases.get(self.path)
        if cached is None:
            cached = self._passphrase_source(new)
            if not cached:
                raise StorageError("An empty passphrase cannot protect credentials.")
        return cached

    def _load(self) -> dict[str, str]:
        data = read_private_file(self.path)
        if data is None:
            return {}
        passphrase = self._passphrase(new=False)
        keys = unseal(data, passphrase, path=self.path)
        # Only a passphrase that decrypted the file is remembered for this process.
        _cached_passphrases[self.path] = passphrase
        return keys

    def _save(self, keys: Mapping[str, str]) -> None:
        passphrase = self._passphrase(new=not self.path.exists())
        sealed = seal(keys, passphrase)
        try:
            atomic_write(self.path, sealed, mode=0o600)
        except OSError as error:
            raise StorageError(f"Cannot write {self.path}: {error.strerror or error}.") from None
        _cached_passphrases[self.path] = passphrase

    def get(self, provider: str) -> str | None:
        return self._load().get(provider)

    def providers(self) -> list[str]:
        return sorted(self._load())

    def set(self, provider: str, value: str) -> None:
        ensure_private_dir(self.home)
        with exclusive_lock(self.home / LOCK_NAME):
            keys = self._load()
            keys[provider] = value
            self._save(keys)

    def delete(self, provider: str) -> bool:
        if not self.path.exists():
            return False
        with exclusive_lock(self.home / LOCK_NAME):
            keys = self._load()
            if provider not in keys:
                return False
            del keys[provider]
            self._save(keys)
            return True


def forget_cached_passphrases() -> None:
    """Drop remembered passphrases and derived keys (tests; `auth logout` of everything)."""
    _cached_passphrases.clear()
    with _key_cache_lock:
        _key_cache.clear()
