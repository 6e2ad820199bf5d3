"""Project instructions at launch: read once, warned about once, and described for people
(`/status`) and scripts (`--json`'s session event).

Reading is `solcoder.agent.project_instructions`; this is the CLI's side of it, kept apart
from `build.py` so that building a conversation never reads the working directory itself
(the dry run and a `/config set` rebuild pass what they mean to use).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from solcoder.agent.project_instructions import ProjectInstructions
    from solcoder.config import Settings


def read_instructions(settings: Settings) -> ProjectInstructions:
    """AGENTS.md / SOLCODER.md for the current directory (none when turned off), read
    afresh at every launch, a resumed session's too: they belong to the directory the
    user works in, not to the session. Each warning (a file cut, skipped or unreadable)
    is printed once, on stderr, made terminal-safe (file names are outside text)."""
    from solcoder.agent.project_instructions import load_instructions
    from solcoder.cli.output import print_notice

    llm = settings.llm
    instructions = load_instructions(llm.project_instructions, llm.project_instructions_bytes)
    for warning in instructions.warnings:
        print_notice(f"Warning: {warning}")
    return instructions


def session_listing(instructions: ProjectInstructions | None) -> list[dict[str, object]]:
    """The `instructions` field of the `session` event: path, size on disk, bytes put into
    the prompt, and whether the file was cut; empty when none were loaded."""
    if instructions is None:
        return []
    return [file.as_json() for file in instructions.files]


def status_lines(instructions: ProjectInstructions | None) -> list[str]:
    """One line per loaded file for `/status` (path from the repository root, size, cut or
    not), or one line saying why there are none."""
    if instructions is None or not instructions.enabled:
        return ["off (--no-project-instructions or llm.project_instructions = false)"]
    if not instructions.files:
        where = (
            "" if instructions.boundary is None else f" (searched up to {instructions.boundary})"
        )
        return [f"none: no AGENTS.md or SOLCODER.md{where}"]
    lines = []
    for file in instructions.files:
        cut = f", cut to {_size(file.included_bytes)}" if file.truncated else ""
        lines.append(f"{file.path} · {_size(file.size)}{cut}")
    return lines


def _size(count: int) -> str:
    return f"{count} B" if count < 1024 else f"{count / 1024:.1f} KiB"
