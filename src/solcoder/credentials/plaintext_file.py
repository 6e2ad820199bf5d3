"""Keys in plain JSON, only when the user explicitly chose `--insecure-storage`.

Some machines have neither a keyring nor a way to supply a passphrase non-interactively; a
0600 file is what most CLIs do there. It is never chosen silently: the user asked for it, and
every write says where the keys now lie in clear text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from solcoder.credentials.files import exclusive_lock, read_private_file
from solcoder.errors import StorageError
from solcoder.fsutil import atomic_write, ensure_private_dir

FILE_NAME = "credentials.plaintext.json"
LOCK_NAME = "credentials.lock"


class PlaintextFileStorage:
    """Credentials as JSON in a 0600 file, rewritten atomically."""

    kind = "plaintext-file"

    def __init__(self, home: Path) -> None:
        self.home = home
        self.path = home / FILE_NAME

    @property
    def description(self) -> str:
        return f"plain-text file {self.path} (insecure)"

    @property
    def warning(self) -> str:
        return (
            f"Warning: API keys are stored UNENCRYPTED in {self.path} (mode 0600). Anyone who "
            "can read your files or backups can use them; prefer an OS keyring or the "
            "encrypted file."
        )

    def exists(self) -> bool:
        return self.path.exists()

    def _load(self) -> dict[str, str]:
        data = read_private_file(self.path)
        if data is None:
            return {}
        try:
            content = json.loads(data.decode("utf-8"))
            keys = content["keys"]
            if not isinstance(keys, dict) or not all(
                isinstance(name, str) and isinstance(value, str) for name, value in keys.items()
            ):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise StorageError(
                f"{self.path} is damaged (not the JSON SolCoder wrote); left untouched.",
                hint=f"Fix it by hand or move it aside (mv {self.path} {self.path}.broken).",
            ) from None
        return dict(keys)

    def _save(self, keys: Mapping[str, str]) -> None:
        text = json.dumps({"version": 1, "keys": dict(keys)}, indent=2) + "\n"
        try:
            atomic_write(self.path, text, mode=0o600)
        except OSError as error:
            raise StorageError(f"Cannot write {self.path}: {error.strerror or error}.") from None

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
