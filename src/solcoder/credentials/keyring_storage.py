"""Keys in the OS keyring (macOS Keychain, Windows Credential Locker, Secret Service, KWallet).

Two dangers shape this module:

* `keyring` silently picks whatever backend is installed. The `fail` backend raises on every
  call and the `keyrings.alt` file backends store keys in plain text (or prompt on stdin for a
  password), so both are refused: only a backend with priority >= 1 that is not `fail`, `null`,
  a chainer of nothing acceptable, or anything from `keyrings.alt` counts as a real keyring.
* A locked or absent Secret Service (D-Bus without a session, a headless SSH login, a keyring
  waiting for a GUI unlock dialog nobody will see) can block a call for ever. Every keyring
  call therefore runs in a daemon thread and is abandoned after `timeout` seconds; after one
  timeout the keyring is marked unusable for the rest of the process, so the CLI pays the wait
  once and falls back to the encrypted file.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any, TypeVar

SERVICE = "solcoder"
INDEX_ENTRY = "index"
"""Keyrings cannot list entries, so the provider names are kept in one entry of their own."""
DEFAULT_TIMEOUT = 3.0

_REFUSED_CLASSES = {
    ("keyring.backends.fail", "Keyring"),
    ("keyring.backends.null", "Keyring"),
}

T = TypeVar("T")


class KeyringUnavailable(Exception):
    """The keyring cannot be used now (refused backend, error, or no answer in time)."""


def call_with_timeout(function: Callable[[], T], timeout: float, what: str) -> T:
    """Run `function` in a daemon thread; raise KeyringUnavailable if it takes > `timeout` s."""
    outcome: dict[str, Any] = {}

    def runner() -> None:
        try:
            outcome["value"] = function()
        except BaseException as error:
            outcome["error"] = error

    thread = threading.Thread(target=runner, name=f"solcoder-keyring-{what}", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        # Abandoned: a daemon thread cannot keep the process alive at exit.
        raise KeyringUnavailable(f"the OS keyring did not answer within {timeout:g} s ({what})")
    if "error" in outcome:
        error = outcome["error"]
        raise KeyringUnavailable(f"the OS keyring failed ({what}): {type(error).__name__}")
    return outcome["value"]  # type: ignore[no-any-return]


def backend_priority(backend: Any) -> float:
    try:
        return float(type(backend).priority)
    except Exception:
        return -1.0


def is_acceptable(backend: Any) -> bool:
    """True for a backend that really stores secrets safely (see the module docstring)."""
    cls = type(backend)
    module = cls.__module__
    if (module, cls.__name__) in _REFUSED_CLASSES:
        return False
    if module.startswith("keyrings.alt") or "plaintext" in cls.__name__.lower():
        return False
    if module == "keyring.backends.chainer":
        return False  # judged by its members instead (see choose_backend)
    return backend_priority(backend) >= 1


def choose_backend(backend: Any) -> Any | None:
    """The acceptable backend to use for `backend` (a chainer yields its best member)."""
    members = getattr(backend, "backends", None)
    if type(backend).__module__ == "keyring.backends.chainer" and members is not None:
        acceptable = [member for member in members if is_acceptable(member)]
        return max(acceptable, key=backend_priority) if acceptable else None
    return backend if is_acceptable(backend) else None


def detect_backend(timeout: float = DEFAULT_TIMEOUT) -> Any | None:
    """The usable OS keyring backend, or None; probing it is bounded by `timeout` in total."""

    def detect() -> Any | None:
        import keyring

        chosen = choose_backend(keyring.get_keyring())
        if chosen is not None:
            # One real read: a locked Secret Service may only block (or fail) here.
            chosen.get_password(SERVICE, INDEX_ENTRY)
        return chosen

    try:
        return call_with_timeout(detect, timeout, "detect")
    except KeyringUnavailable:
        return None


class KeyringStorage:
    """Per-provider entries in the OS keyring, every call bounded by `timeout`."""

    kind = "keyring"

    def __init__(self, backend: Any, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        if choose_backend(backend) is not backend:
            raise KeyringUnavailable(f"refusing keyring backend {type(backend).__qualname__}")
        self._backend: Any = backend
        self._timeout = timeout
        self._broken: str | None = None

    @property
    def description(self) -> str:
        cls = type(self._backend)
        return f"OS keyring ({cls.__module__}.{cls.__qualname__})"

    def _call(self, what: str, function: Callable[[], T]) -> T:
        if self._broken is not None:
            raise KeyringUnavailable(self._broken)
        try:
            return call_with_timeout(function, self._timeout, what)
        except KeyringUnavailable as error:
            self._broken = str(error)
            raise

    def get(self, provider: str) -> str | None:
        value = self._call(
            "get", lambda: self._backend.get_password(SERVICE, f"provider:{provider}")
        )
        return value if isinstance(value, str) and value else None

    def providers(self) -> list[str]:
        raw = self._call("list", lambda: self._backend.get_password(SERVICE, INDEX_ENTRY))
        try:
            names = json.loads(raw) if raw else []
        except ValueError:
            names = []
        return sorted(name for name in names if isinstance(name, str))

    def _write_index(self, names: list[str]) -> None:
        encoded = json.dumps(sorted(set(names)))
        self._call("index", lambda: self._backend.set_password(SERVICE, INDEX_ENTRY, encoded))

    def set(self, provider: str, value: str) -> None:
        # keyring's set_password replaces the entry in one call: rotation is atomic.
        self._call(
            "set", lambda: self._backend.set_password(SERVICE, f"provider:{provider}", value)
        )
        names = self.providers()
        if provider not in names:
            self._write_index([*names, provider])

    def delete(self, provider: str) -> bool:
        if self.get(provider) is None:
            return False
        self._call("delete", lambda: self._backend.delete_password(SERVICE, f"provider:{provider}"))
        self._write_index([name for name in self.providers() if name != provider])
        return True
