"""Skills and custom slash commands at launch: found once, each problem printed once, and
described for people (`/status`, `/skills`) and scripts (`--json`'s session event).

Finding them is `solcoder.skills`; this is the CLI's side, kept apart from `build.py` (which
never reads the working directory itself), like `cli/instructions.py` for AGENTS.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from solcoder.records import shared_methods

if TYPE_CHECKING:
    from solcoder.config import Settings
    from solcoder.skills.catalog import SkillSet
    from solcoder.skills.slash_commands import CommandSet

FEW = 6
"""Up to this many names are spelled out in `/status`; more are counted."""


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Extensions:
    skills: SkillSet
    commands: CommandSet


def workspace_root(options: dict[str, Any] | None) -> Path:
    """The workspace as `cli/workspace_wiring.py` names it (`--workspace`, else the git
    root above the current directory, else the current directory)."""
    from solcoder.workspace.root import find_root

    given = (options or {}).get("workspace")
    return Path(given).resolve() if given else find_root(Path.cwd())


def read_extensions(settings: Settings, options: dict[str, Any] | None) -> Extensions:
    """The skills and commands in force for this launch; every skipped or shadowed one is
    one line on stderr, made terminal-safe (names and paths are outside text)."""
    from solcoder.cli.output import print_notice
    from solcoder.skills.catalog import discover_skills, skill_locations
    from solcoder.skills.slash_commands import command_locations, discover_commands

    def command_names() -> list[str]:
        # The REPL's table, imported only once a command file is found.
        from solcoder.ui.command_table import command_names as names

        return names()

    root = workspace_root(options)
    skills = discover_skills(skill_locations(root, settings.home))
    commands = discover_commands(command_locations(root, settings.home), command_names)
    for line in (*skills.problems, *commands.problems):
        print_notice(f"Warning: {line}")
    for line in (*skills.shadowed, *commands.shadowed):
        print_notice(f"Note: {line}")
    return Extensions(skills, commands)


def session_fields(extensions: Extensions | None) -> dict[str, object]:
    """The `skills` and `commands` fields of the `session` event."""
    if extensions is None:
        return {"skills": [], "commands": []}
    return {
        "skills": [skill.as_json() for skill in extensions.skills.skills],
        "commands": [command.as_json() for command in extensions.commands.commands],
    }


def skill_status(skills: SkillSet | None) -> str:
    """`/status`: how many skills, their names when few, and their system-prompt cost."""
    if skills is None or not skills.skills:
        return "none (.solcoder/skills, .agents/skills, ~/.solcoder/skills)"
    from solcoder.skills.prompt import PROMPT_CAP_TOKENS, prompt_tokens

    return (
        f"{_counted(skills.names, 'skill')} · {prompt_tokens(skills):,} tokens of system "
        f"prompt (cap {PROMPT_CAP_TOKENS:,})"
    )


def command_status(commands: CommandSet | None) -> str:
    """`/status`: how many custom commands, their names when few."""
    if commands is None or not commands.commands:
        return "none (.solcoder/commands, ~/.solcoder/commands)"
    return _counted(["/" + name for name in commands.names], "custom command")


def _counted(names: list[str], noun: str) -> str:
    from solcoder.words import count

    text = count(len(names), noun)
    return f"{text}: {', '.join(names)}" if len(names) <= FEW else text


def skill_rows(skills: SkillSet | None) -> list[tuple[str, str]]:
    """`/skills`: name, then source and description, one line each."""
    if skills is None:
        return []
    return [
        (skill.name, f"[{skill.source}: {skill.location}] {skill.description}")
        for skill in skills.skills
    ]


def expand_prompt(prompt: str, commands: CommandSet | None) -> str:
    """`-p "/NAME args"`: the custom command's prompt, said on stderr; any other text (a
    path such as `/etc/hosts?`, an unknown name) is sent as it is."""
    if commands is None or not commands.commands:
        return prompt
    stripped = prompt.lstrip()
    if not stripped.startswith("/") or stripped.startswith("//"):
        return prompt
    name, _, arguments = stripped[1:].partition(" ")
    command = commands.get(name.strip().lower())
    if command is None:
        return prompt
    from solcoder.cli.output import print_notice

    print_notice(f"/{command.name}: the prompt from {command.location}/{command.name}.md")
    return command.expand(arguments)
