"""`CredentialStore`: where saved API keys live, whichever backend this machine allows.

Writes go to one backend, chosen in this order: plain text only when the user explicitly asked
(`--insecure-storage`); the OS keyring when a real one answers in time (not disabled by
SOLCODER_KEYRING=0 or `credentials.backend = "file"`); otherwise the encrypted file. Reads try
that backend first, then every other backend that holds something, so a key saved on a
headless day is still found after a keyring appears. `delete` removes a key everywhere.

A backend that cannot be opened (an encrypted file without its passphrase, a damaged file) does
not hide the others: it is remembered as a problem for this store's life (so a mistyped
passphrase is not asked for again per provider), the other backends are still read and
cleaned, and only a lookup that found nothing elsewhere raises it.

A key being saved is registered with the redactor here; a key read back is registered by whoever
puts it to use (`resolve.resolve_api_key`, the one door for keys in use), so each key is
registered once, where it enters.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from solcoder.credentials.encrypted_file import (
    EncryptedFileStorage,
    PassphraseSource,
    default_passphrase_source,
)
from solcoder.credentials.keyring_storage import (
    DEFAULT_TIMEOUT,
    KeyringStorage,
    KeyringUnavailable,
    detect_backend,
)
from solcoder.credentials.plaintext_file import PlaintextFileStorage
from solcoder.errors import StorageError, UsageError
from solcoder.redact import Redactor, default_redactor
from solcoder.secret import Secret

logger = logging.getLogger(__name__)

BackendChoice = Literal["auto", "keyring", "file"]
BACKEND_CHOICES: tuple[BackendChoice, ...] = ("auto", "keyring", "file")
KEYRING_VARIABLE = "SOLCODER_KEYRING"
_DETECT = object()


class Storage(Protocol):
    """One place keys can live."""

    kind: str

    @property
    def description(self) -> str: ...

    def get(self, provider: str) -> str | None: ...

    def set(self, provider: str, value: str) -> None: ...

    def delete(self, provider: str) -> bool: ...

    def providers(self) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class StoredKey:
    secret: Secret
    storage: str
    """The backend kind that holds it: keyring, encrypted-file or plaintext-file."""


def keyring_disabled(environ: Mapping[str, str]) -> bool:
    return environ.get(KEYRING_VARIABLE, "").strip().lower() in {"0", "false", "no", "off"}


class CredentialStore:
    """Saved API keys, by provider name."""

    def __init__(
        self,
        home: Path,
        *,
        backend: BackendChoice = "auto",
        insecure: bool = False,
        environ: Mapping[str, str] | None = None,
        passphrase_source: PassphraseSource | None = None,
        keyring_backend: Any = _DETECT,
        keyring_timeout: float = DEFAULT_TIMEOUT,
        redactor: Redactor | None = None,
    ) -> None:
        if backend not in BACKEND_CHOICES:
            raise UsageError(
                f"credentials.backend = {backend!r} is not a storage backend.",
                hint=f"Use one of: {', '.join(BACKEND_CHOICES)}.",
            )
        environ = os.environ if environ is None else environ
        self.home = home
        self.insecure = insecure
        self.notices: list[str] = []
        """Things the CLI should tell the user (fallbacks, plain-text warnings)."""
        self._use_keyring = backend != "file" and not keyring_disabled(environ)
        self._keyring_backend = keyring_backend
        self._keyring_timeout = keyring_timeout
        self._keyring: KeyringStorage | None = None
        self._keyring_checked = False
        self._encrypted = EncryptedFileStorage(
            home, passphrase_source or default_passphrase_source(environ)
        )
        self._plaintext = PlaintextFileStorage(home)
        self._redactor = redactor or default_redactor()
        self._failures: dict[str, tuple[Storage, StorageError]] = {}
        """Backends (by kind) that could not be opened, and why."""

    # -- backend selection ------------------------------------------------------------------

    def _keyring_storage(self) -> KeyringStorage | None:
        if not self._use_keyring:
            return None
        if not self._keyring_checked:
            self._keyring_checked = True
            backend = self._keyring_backend
            if backend is _DETECT:
                backend = detect_backend(self._keyring_timeout)
            if backend is not None:
                try:
                    self._keyring = KeyringStorage(backend, timeout=self._keyring_timeout)
                except KeyringUnavailable as error:
                    logger.info("Not using the OS keyring: %s", error)
        return self._keyring

    def _keyring_failed(self, error: KeyringUnavailable) -> None:
        message = f"OS keyring unusable ({error}); using {self._encrypted.description} instead."
        if message not in self.notices:
            self.notices.append(message)
        logger.warning("%s", message)
        self._keyring = None

    def _write_target(self) -> Storage:
        if self.insecure:
            return self._plaintext
        return self._keyring_storage() or self._encrypted

    def _read_order(self) -> list[Storage]:
        first = self._write_target()
        order: list[Storage] = [first]
        keyring_storage = self._keyring_storage()
        for candidate in (keyring_storage, self._encrypted, self._plaintext):
            if candidate is None or candidate is first:
                continue
            if isinstance(candidate, KeyringStorage) or candidate.exists():
                order.append(candidate)
        return order

    @property
    def description(self) -> str:
        """Where `set` writes, for display."""
        return self._write_target().description

    # -- operations ---------------------------------------------------------------------------

    @property
    def problems(self) -> list[StorageError]:
        """Why some backends could not be read, one error per backend, oldest first."""
        return [error for _, error in self._failures.values()]

    def _readable(self) -> Iterator[Storage]:
        """The read order without the backends already known to fail."""
        for storage in self._read_order():
            if storage.kind not in self._failures:
                yield storage

    def _failed(self, storage: Storage, error: StorageError) -> None:
        self._failures.setdefault(storage.kind, (storage, error))

    def check(self) -> list[StorageError]:
        """Open every backend that holds something; the problems found (for `auth status`,
        which reports them before the rows that depend on them)."""
        self.providers()
        return self.problems

    def lookup(self, provider: str) -> StoredKey | None:
        """The saved key for `provider` and which backend holds it.

        Raises the first backend's problem only if no other backend has the key: the key may
        be in the one that could not be read."""
        for storage in self._readable():
            try:
                value = storage.get(provider)
            except KeyringUnavailable as error:
                # The files come later in the order, so the lookup simply carries on.
                self._keyring_failed(error)
                continue
            except StorageError as error:
                self._failed(storage, error)
                continue
            if value:
                return StoredKey(Secret(value), storage.kind)
        problems = self.problems
        if problems:
            raise problems[0]
        return None

    def get(self, provider: str) -> Secret | None:
        found = self.lookup(provider)
        return found.secret if found else None

    def set(self, provider: str, secret: Secret) -> str:
        """Save (or replace, atomically) the key for `provider`; returns the backend kind."""
        if not secret:
            raise UsageError("An empty API key cannot be saved.")
        self._redactor.add_secret(secret)
        target = self._write_target()
        try:
            target.set(provider, secret.reveal())
        except KeyringUnavailable as error:
            self._keyring_failed(error)
            target = self._encrypted
            target.set(provider, secret.reveal())
        if target is self._plaintext:
            self.notices.append(self._plaintext.warning)
        # One key per provider: an older copy elsewhere (perhaps the key being rotated away
        # from) must not linger. Best effort: the new key is already saved.
        for storage in self._read_order():
            if storage is target:
                continue
            try:
                storage.delete(provider)
            except (KeyringUnavailable, StorageError) as error:
                self.notices.append(
                    f"An older {provider} key may remain in {storage.description} ({error})."
                )
        return target.kind

    def delete(self, provider: str) -> list[str]:
        """Remove the key for `provider` from every backend; returns the kinds it was in.

        A backend that cannot be opened is skipped with a notice (its copy, if any, remains);
        its error is raised only when the key was found nowhere else."""
        removed: list[str] = []
        for storage in self._readable():
            try:
                if storage.delete(provider):
                    removed.append(storage.kind)
            except KeyringUnavailable as error:
                self._keyring_failed(error)
            except StorageError as error:
                self._failed(storage, error)
        if removed:
            for unread, problem in self._failures.values():
                self.notices.append(
                    f"Could not open the {unread.description} ({problem.message}); any "
                    f"{provider} key in it remains."
                )
        elif self.problems:
            raise self.problems[0]
        return removed

    def providers(self) -> list[str]:
        """Providers with a saved key, in the backends that can be read (see `problems`)."""
        names: set[str] = set()
        for storage in self._readable():
            try:
                names.update(storage.providers())
            except KeyringUnavailable as error:
                self._keyring_failed(error)
            except StorageError as error:
                self._failed(storage, error)
        return sorted(names)


def open_store(
    settings: Any,
    *,
    insecure: bool = False,
    environ: Mapping[str, str] | None = None,
    passphrase_source: PassphraseSource | None = None,
) -> CredentialStore:
    """The credential store for `settings` (uses `settings.home` and, if the settings have
    one, `settings.credentials.backend`). Cheap: nothing is probed until a key is needed."""
    credentials = getattr(settings, "credentials", None)
    backend = str(getattr(credentials, "backend", "auto") or "auto")
    if backend not in BACKEND_CHOICES:
        raise UsageError(
            f"credentials.backend = {backend!r} is not a storage backend.",
            hint=f"Use one of: {', '.join(BACKEND_CHOICES)}.",
        )
    return CredentialStore(
        Path(settings.home),
        backend=backend,
        insecure=insecure,
        environ=environ,
        passphrase_source=passphrase_source,
    )
