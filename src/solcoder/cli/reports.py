"""Failure reports: when a provider sends something we cannot parse, keep the evidence.

A malformed response is usually a proxy, a wrong base URL or a server bug; the report says what
came back and from where so the user (or a bug report) has more than one line to go on.
Everything in it passes through the redactor, and control and invisible characters are written
as `<U+XXXX>` (`solcoder.terminal.evidence`): a report is read with `cat`, and a server's bytes
must not drive the terminal that reads it. Reports are private files like the rest of
SOLCODER_HOME.
"""

from __future__ import annotations

import platform
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from solcoder import __version__
from solcoder.errors import SolcoderError
from solcoder.fsutil import atomic_write, ensure_private_dir


def _origin(url: str) -> str:
    """Scheme, host and port only: paths and queries may carry tokens."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


def save_report(home: Path, error: SolcoderError, *, context: dict[str, Any]) -> Path | None:
    """Write a report under SOLCODER_HOME/reports/ and return its path (None if impossible)."""
    from solcoder.terminal import evidence

    stamp = time.strftime("%Y%m%d-%H%M%S")
    lines = [
        f"SolCoder {__version__} failure report, {time.strftime('%Y-%m-%d %H:%M:%S %z')}",
        f"python {platform.python_version()} on {platform.platform()}",
        f"error class: {error.kind} (exit code {error.exit_code})",
        f"message: {error.display_message}",
        f"next step: {error.hint or '-'}",
    ]
    for key, value in context.items():
        shown = _origin(str(value)) if key == "base_url" and value else value
        lines.append(f"{key}: {shown}")
    excerpt = getattr(error, "excerpt", None)
    if excerpt:
        lines += ["", "what the provider sent (excerpt):", str(excerpt)[:4000]]
    text = evidence("\n".join(lines) + "\n")
    try:
        directory = ensure_private_dir(home / "reports")
        path = directory / f"{stamp}-{error.kind}.txt"
        atomic_write(path, text)
    except (OSError, SolcoderError):
        return None
    return path
