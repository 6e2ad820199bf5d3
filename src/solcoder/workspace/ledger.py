"""Which files the model has read in this session, and what they held when it did.

An edit is only as good as the model's picture of the file: `edit_file` and `write_file`
refuse a file the model has not read, or one that changed on disk since (the user may be
editing it at the same time). The fingerprint is the SHA-256 of the bytes, so a save that
keeps size and modification time still counts as a change.
"""

from __future__ import annotations

import threading


def fingerprint(data: bytes) -> str:
    import hashlib  # when the first file is read, not at launch

    return hashlib.sha256(data).hexdigest()


class ReadLedger:
    """Relative path → fingerprint of the content the model last saw (read or wrote)."""

    def __init__(self) -> None:
        self._seen: dict[str, str] = {}
        self._lock = threading.Lock()

    def saw(self, relative: str, data: bytes) -> None:
        """The model now knows this content (it read it, or SolCoder wrote it for it)."""
        with self._lock:
            self._seen[relative] = fingerprint(data)

    def forget(self, relative: str) -> None:
        with self._lock:
            self._seen.pop(relative, None)

    def problem(self, relative: str, data: bytes, tool: str) -> str | None:
        """Why `tool` may not change this file now, or None when the model's copy is current."""
        with self._lock:
            seen = self._seen.get(relative)
        if seen is None:
            return (
                f"`{relative}` has not been read in this session. Call read_file on it first, "
                f"then {tool} with text copied from what you read."
            )
        if seen != fingerprint(data):
            return (
                f"`{relative}` changed on disk since you read it (someone else may be editing "
                f"it). Call read_file again and base the {tool} on its current content."
            )
        return None
