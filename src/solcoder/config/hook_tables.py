"""The `[[hooks.EVENT]]` tables of a config file: checked and typed here, run by `solcoder.hooks`.

Hooks are not single settings (`SETTINGS` holds those) but lists of tables, like
`[mcp.servers.NAME]`. Unlike a broken MCP server, a broken hook table stops loading with the
file and line to fix: a guard (`pre_tool_use` that forbids mainnet deploys) silently skipped
would loosen what the user asked for. Only imported when a config file has a `[hooks]` table,
so a config without hooks costs nothing at start-up.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final, Literal

from solcoder.errors import ConfigError
from solcoder.records import shared_methods

HookEvent = Literal["session_start", "user_prompt", "pre_tool_use", "post_tool_use", "stop"]
HOOK_EVENTS: Final[tuple[HookEvent, ...]] = (
    "session_start",
    "user_prompt",
    "pre_tool_use",
    "post_tool_use",
    "stop",
)
TOOL_EVENTS: Final = frozenset({"pre_tool_use", "post_tool_use"})
"""The events a `matcher` applies to (the others have no tool)."""
DEFAULT_TIMEOUT_S: Final = 30.0
MAX_TIMEOUT_S: Final = 600.0
MAX_HOOKS_PER_EVENT: Final = 64
COMMAND_PREFIX: Final = "run_command:"
"""A matcher over the command text, as in `[approval]` rules (docs/commands-approval.md)."""
_FIELDS: Final = frozenset({"command", "matcher", "timeout_s"})
_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_\-*?\[\]!]{1,128}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

Source = Literal["user", "project"]


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class HookEntry:
    """One configured hook: what runs, on which event, for which tools, for how long."""

    event: HookEvent
    command: str | tuple[str, ...]
    """A string runs through `/bin/sh -c` (pipes, `&&`); a list runs as argv, no shell."""
    matcher: tuple[str, ...] = ()
    """Tool-name globs and `run_command:PATTERN`s; empty: every tool (or no tool)."""
    timeout_s: float = DEFAULT_TIMEOUT_S
    source: Source = "user"
    path: Path = Path()
    """The config file that defines it."""
    position: int = 0
    """Its place among `[[hooks.EVENT]]` tables of that file (1-based)."""

    def shown_command(self) -> str:
        return self.command if isinstance(self.command, str) else json.dumps(list(self.command))

    def label(self) -> str:
        """`hooks.pre_tool_use[1]` (user): how reports and `/status` name it."""
        return f"hooks.{self.event}[{self.position}] ({self.source})"

    def digest(self) -> str:
        """The content hash a project hook is trusted by: the file it comes from and every
        field that changes what runs, so an edited hook (or the same one in another
        project) asks again."""
        content = {
            "path": str(self.path),
            "event": self.event,
            "command": self.command if isinstance(self.command, str) else list(self.command),
            "matcher": list(self.matcher),
            "timeout_s": self.timeout_s,
        }
        import hashlib

        encoded = json.dumps(content, sort_keys=True, ensure_ascii=False).encode("utf-8")
        return hashlib.sha256(encoded).hexdigest()

    def from_source(self, source: Source) -> HookEntry:
        return replace(self, source=source)


def parse_hook_tables(path: Path, content: object) -> tuple[HookEntry, ...]:
    """Every `[[hooks.EVENT]]` table of the file at `path`, in file order; ConfigError naming
    the table and what is wrong for the first bad one."""
    if not isinstance(content, dict):
        raise _error(path, "[hooks]", "must hold [[hooks.EVENT]] tables")
    entries: list[HookEntry] = []
    for event, found in content.items():
        if event not in HOOK_EVENTS:
            raise _error(
                path, f"hooks.{event}", f"is not a hook event (events: {', '.join(HOOK_EVENTS)})"
            )
        tables = (
            [found] if isinstance(found, dict) else found
        )  # `[hooks.stop]` written for a single `[[hooks.stop]]`
        if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
            raise _error(path, f"hooks.{event}", "must be [[hooks.EVENT]] tables")
        if len(tables) > MAX_HOOKS_PER_EVENT:
            raise _error(path, f"hooks.{event}", f"has more than {MAX_HOOKS_PER_EVENT} hooks")
        for position, table in enumerate(tables, start=1):
            entries.append(_entry(path, event, position, table))
    return tuple(entries)


def _entry(path: Path, event: HookEvent, position: int, table: dict[str, object]) -> HookEntry:
    where = f"hooks.{event}[{position}]"
    unknown = sorted(set(table) - _FIELDS)
    if unknown:
        raise _error(
            path, where, f"has unknown field {unknown[0]!r} (fields: command, matcher, timeout_s)"
        )
    command = _command(path, where, table.get("command"))
    matcher = _matcher(path, where, event, table.get("matcher", ()))
    timeout = table.get("timeout_s", DEFAULT_TIMEOUT_S)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise _error(path, where, "timeout_s must be a number of seconds")
    if not 0 < timeout <= MAX_TIMEOUT_S:
        raise _error(path, where, f"timeout_s must be above 0 and at most {MAX_TIMEOUT_S:g}")
    return HookEntry(event, command, matcher, float(timeout), path=path, position=position)


def _command(path: Path, where: str, value: object) -> str | tuple[str, ...]:
    if isinstance(value, str) and value.strip():
        if "\x00" in value:
            raise _error(path, where, "command must not contain a NUL character")
        return value
    if (
        isinstance(value, list)
        and value
        and all(isinstance(part, str) and "\x00" not in part for part in value)
        and value[0]
    ):
        return tuple(value)
    raise _error(
        path,
        where,
        'command must be a shell command ("cargo fmt") or a list of arguments '
        '(["python3", "hooks/guard.py"])',
    )


def _matcher(path: Path, where: str, event: str, value: object) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(item, str) for item in items):
        raise _error(path, where, "matcher must be a pattern or a list of patterns")
    if items and event not in TOOL_EVENTS:
        raise _error(path, where, "matcher only applies to pre_tool_use and post_tool_use")
    for item in items:
        if item.startswith(COMMAND_PREFIX):
            pattern = item[len(COMMAND_PREFIX) :]
            if not pattern.strip() or _CONTROL.search(pattern) or len(pattern) > 256:
                raise _error(path, where, f"matcher {item!r} needs a command pattern after ':'")
        elif not _NAME_PATTERN.match(item):
            raise _error(
                path,
                where,
                f"matcher {item!r} must be a tool-name glob (edit_file, *_file) or "
                "run_command:PATTERN",
            )
    return tuple(items)


def _error(path: Path, where: str, problem: str) -> ConfigError:
    return ConfigError(
        f"{path}: {where} {problem}.",
        hint="Fix or remove that hook (docs/hooks.md); the file was not changed.",
    )
