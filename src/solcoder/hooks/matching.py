"""Which hooks apply to a tool call: the `matcher` of `[[hooks.pre_tool_use]]` and
`[[hooks.post_tool_use]]`.

A matcher is a list of patterns; a hook applies when ANY of them matches (no matcher: every
call). A pattern is either a glob over the tool name (`edit_file`, `*_file`, `time__*`), or
`run_command:PATTERN` over the command a command tool (`run_command`, `start_process`) would
run, with the same word-by-word semantics as `[approval]` rules (`shell/commands.py`): it
matches when any simple command of the line matches, so `run_command:solana program deploy*`
also catches `anchor build && solana program deploy target/deploy/x.so`. A command line that
cannot be parsed (unbalanced quotes, here-documents) is matched on its whole text instead, so
a guard never misses a call because it could not read it.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from typing import Any, Final

from solcoder.config.hook_tables import COMMAND_PREFIX

COMMAND_TOOLS: Final = frozenset({"run_command", "start_process"})
"""Tools whose `command` argument a `run_command:` pattern is matched against."""


def command_of(tool: str | None, arguments: Mapping[str, Any] | None) -> str | None:
    """The shell command a call would run, or None (not a command tool)."""
    if tool not in COMMAND_TOOLS or arguments is None:
        return None
    command = arguments.get("command")
    return command if isinstance(command, str) else None


def matches(
    matcher: tuple[str, ...], tool: str | None, arguments: Mapping[str, Any] | None
) -> bool:
    """Whether a hook with `matcher` applies to a call of `tool` with `arguments`."""
    if not matcher:
        return True
    if tool is None:
        return False
    return any(_one(pattern, tool, arguments) for pattern in matcher)


def _one(pattern: str, tool: str, arguments: Mapping[str, Any] | None) -> bool:
    if not pattern.startswith(COMMAND_PREFIX):
        return fnmatch.fnmatchcase(tool, pattern)
    command = command_of(tool, arguments)
    if command is None:
        return False
    return command_matches(pattern[len(COMMAND_PREFIX) :], command)


def command_matches(pattern: str, command: str) -> bool:
    """Whether `pattern` (`solana program deploy*`) matches any part of `command`."""
    from solcoder.shell.commands import matching_parts, split_command

    if split_command(command).judgeable:
        return bool(matching_parts(command, (pattern,)))
    # Unreadable: the words of the pattern anywhere in the text, in order.
    flat = " ".join(command.split())
    return fnmatch.fnmatchcase(flat, f"*{pattern.rstrip('*')}*")
