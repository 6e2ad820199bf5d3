"""Which project hooks the user approved: their content hashes, kept under SOLCODER_HOME.

A hook from `<workspace>/.solcoder/config.toml` is a command a cloned repository asks to run
on the user's machine, so it runs only once the user has seen it (event, matcher, command)
and said yes: `solcoder hooks trust`, or the question the REPL asks at launch. The approval is
for that exact content in that file (`HookEntry.digest`): an edited hook, by a commit or by the
model, asks again. The user's own hooks never need it. The file is written atomically; a
corrupt one is reported and trusts nothing, and is never overwritten by a later approval.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from solcoder.errors import ConfigError

if TYPE_CHECKING:
    from solcoder.config.hook_tables import HookEntry

TRUST_FILE: Final = "trusted-hooks.json"
MAX_TRUST_BYTES: Final = 4 * 1024 * 1024


def trust_path(home: Path) -> Path:
    return home / TRUST_FILE


def trusted_digests(home: Path) -> frozenset[str]:
    """The approved hashes; ConfigError when the file exists but cannot be used."""
    return frozenset(_read(trust_path(home)))


def trust(home: Path, hooks: Iterable[HookEntry]) -> list[HookEntry]:
    """Approve `hooks` (project ones; the user's need nothing); returns those newly approved."""
    from solcoder.fsutil import atomic_write, ensure_private_dir

    path = trust_path(home)
    records = _read(path)
    added = [hook for hook in hooks if hook.source == "project" and hook.digest() not in records]
    if not added:
        return []
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for hook in added:
        records[hook.digest()] = {
            "path": str(hook.path),
            "event": hook.event,
            "matcher": list(hook.matcher),
            "command": hook.shown_command(),
            "trusted_at": now,
        }
    ensure_private_dir(home)
    document = {"version": 1, "hooks": records}
    atomic_write(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return added


def _read(path: Path) -> dict[str, Any]:
    from solcoder.fsutil import read_text_checked

    text = read_text_checked(path, max_bytes=MAX_TRUST_BYTES)
    if text is None:
        return {}
    try:
        document = json.loads(text)
    except ValueError:
        document = None
    hooks = document.get("hooks") if isinstance(document, dict) else None
    if not isinstance(hooks, dict):
        raise ConfigError(
            f"{path} is not a list of trusted hooks SolCoder can read; no project hook is "
            "trusted while it is broken.",
            hint=f"Fix or delete {path}, then approve the hooks again (`solcoder hooks trust`).",
        )
    return dict(hooks)
