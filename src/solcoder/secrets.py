"""The public face of key handling (DESIGN.md: `secrets.py`); the code is in `credentials/`."""

from solcoder.credentials.resolve import (
    FLAG_WARNING,
    GENERIC_KEY_VARIABLE,
    ResolvedKey,
    resolve_api_key,
)
from solcoder.credentials.secret import Secret, mask
from solcoder.credentials.store import (
    BACKEND_CHOICES,
    KEYRING_VARIABLE,
    CredentialStore,
    StoredKey,
    open_store,
)
from solcoder.errors import StorageError

__all__ = [
    "BACKEND_CHOICES",
    "FLAG_WARNING",
    "GENERIC_KEY_VARIABLE",
    "KEYRING_VARIABLE",
    "CredentialStore",
    "ResolvedKey",
    "Secret",
    "StorageError",
    "StoredKey",
    "mask",
    "open_store",
    "resolve_api_key",
]
