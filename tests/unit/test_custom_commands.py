"""Custom slash commands: found on disk, never over a built-in, expanded with their arguments,
and sent by the router as the user's turn."""

from __future__ import annotations

import io
import shlex
import string
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from solcoder.cli.extensions import command_status, expand_prompt, skill_rows, skill_status
from solcoder.skills.catalog import discover_skills, skill_locations
from solcoder.skills.slash_commands import (
    CommandSet,
    command_locations,
    discover_commands,
    expand,
    split_arguments,
)
from solcoder.ui.command_table import command_names
from solcoder.ui.commands import CommandRouter, ReplHost
from tests.support.skills import write_skill
from tests.unit.test_commands import Conversation


def write_command(root: Path, name: str, text: str) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / f"{name}.md").write_text(text, encoding="utf-8")


def commands_in(tmp_path: Path) -> CommandSet:
    locations = command_locations(tmp_path / "work", tmp_path / "home")
    return discover_commands(locations, command_names)


AUDIT = "---\ndescription: Audit a program\nargument-hint: PROGRAM [FOCUS]\n---\nAudit $1 ($2).\n"


def test_commands_come_from_the_project_and_the_user(tmp_path: Path) -> None:
    write_command(tmp_path / "work" / ".solcoder" / "commands", "audit", AUDIT)
    write_command(tmp_path / "home" / "commands", "deploy-devnet", "Deploy to devnet.")
    commands = commands_in(tmp_path)
    assert commands.names == ["audit", "deploy-devnet"]
    audit = commands.get("audit")
    assert audit is not None and audit.description == "Audit a program"
    assert audit.usage == "/audit PROGRAM [FOCUS]" and audit.source == "project"
    plain = commands.get("deploy-devnet")
    assert plain is not None and plain.description == "" and plain.source == "user"


def test_a_builtin_always_wins_and_the_clash_is_reported(tmp_path: Path) -> None:
    write_command(tmp_path / "work" / ".solcoder" / "commands", "help", "Be helpful.")
    write_command(tmp_path / "home" / "commands", "status", "Status?")
    commands = commands_in(tmp_path)
    assert commands.names == []
    assert commands.shadowed == (
        "command /help in .solcoder/commands/help.md is ignored: /help is built in",
        f"command /status in {tmp_path / 'home' / 'commands'}/status.md is ignored: "
        "/status is built in",
    )


def test_the_project_command_wins_over_the_users(tmp_path: Path) -> None:
    write_command(tmp_path / "work" / ".solcoder" / "commands", "audit", "project")
    write_command(tmp_path / "home" / "commands", "audit", "user")
    commands = commands_in(tmp_path)
    audit = commands.get("audit")
    assert audit is not None and audit.body == "project"
    assert len(commands.shadowed) == 1 and "shadowed by" in commands.shadowed[0]


def test_malformed_commands_are_one_line_each(tmp_path: Path) -> None:
    root = tmp_path / "work" / ".solcoder" / "commands"
    write_command(root, "Upper", "x")
    write_command(root, "empty", "---\ndescription: nothing\n---\n")
    write_command(root, "yaml", "---\ndescription: [\n---\nbody\n")
    (root / "latin.md").write_bytes(b"caf\xe9")
    write_command(root, "ok", "fine")
    commands = commands_in(tmp_path)
    assert commands.names == ["ok"]
    assert len(commands.problems) == 4
    assert all(line.endswith("(skipped)") and "\n" not in line for line in commands.problems)


def test_substitution_by_example() -> None:
    template = "Review $1 for $2; all: $ARGUMENTS; none: [$3]"
    assert expand(template, 'lib.rs "missing signer"') == (
        'Review lib.rs for missing signer; all: lib.rs "missing signer"; none: []'
    )
    assert expand("Explain this.", "") == "Explain this."
    assert expand("Explain this.", "the PDA") == "Explain this.\n\nthe PDA"
    assert expand("$1", "'unbalanced") == "'unbalanced"  # falls back to spaces
    assert expand("$1 $2", "$2 x") == "$2 x"  # a value is never substituted again


_WORDS = st.text(alphabet=string.ascii_letters + string.digits + "$-_./", min_size=1)


@given(st.lists(_WORDS, max_size=12))
def test_arguments_and_positions_match_a_shell_split(words: list[str]) -> None:
    arguments = shlex.join(words)
    assert split_arguments(arguments) == words
    assert expand("<$ARGUMENTS>", arguments) == f"<{arguments}>"
    for position in range(1, 10):
        expected = words[position - 1] if position <= len(words) else ""
        assert expand(f"[${position}]", arguments) == f"[{expected}]"


@given(st.text(max_size=200), st.text(max_size=200))
def test_expansion_never_fails_and_keeps_text_without_placeholders(
    prefix: str, arguments: str
) -> None:
    template = prefix.replace("$", "") + " $ARGUMENTS"
    assert expand(template, arguments) == prefix.replace("$", "") + " " + arguments.strip()


def router_with(commands: CommandSet, **hooks: object) -> tuple[CommandRouter, io.StringIO]:
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=False, width=120)
    host = ReplHost(custom_commands=commands, **hooks)  # type: ignore[arg-type]
    return CommandRouter(Conversation(), host, console), stream


def test_the_router_turns_a_custom_command_into_the_users_prompt(tmp_path: Path) -> None:
    write_command(tmp_path / "work" / ".solcoder" / "commands", "audit", AUDIT)
    router, stream = router_with(commands_in(tmp_path))
    result = router.dispatch("/audit counter signers")
    assert result.prompt == "Audit counter (signers)."
    assert stream.getvalue() == ""
    assert router.dispatch("/audi").prompt is None  # no prefix matching: unknown…
    assert "Did you mean /audit?" in stream.getvalue()  # …with the custom name suggested


def test_help_lists_custom_commands_under_their_own_heading(tmp_path: Path) -> None:
    write_command(tmp_path / "work" / ".solcoder" / "commands", "audit", AUDIT)
    router, stream = router_with(commands_in(tmp_path))
    router.dispatch("/help")
    shown = stream.getvalue()
    heading = shown.index("Custom commands")
    assert shown.index("/status") < heading < shown.index("/audit PROGRAM [FOCUS]")
    assert "Audit a program [project]" in shown


def test_skills_command_lists_name_source_and_description(tmp_path: Path) -> None:
    write_skill(tmp_path / "home" / "skills", "spl-token", "Mint \x1b[31mtokens\x1b[0m.")
    skills = discover_skills(skill_locations(tmp_path / "work", tmp_path / "home"))
    router, stream = router_with(CommandSet(), list_skills=lambda: skill_rows(skills))
    router.dispatch("/skills")
    shown = stream.getvalue()
    assert "spl-token" in shown and "[user: " in shown and "Mint" in shown
    assert "\x1b" not in shown  # outside text is made terminal-safe
    empty, stream = router_with(CommandSet(), list_skills=list)
    empty.dispatch("/skills")
    assert "No skills found" in stream.getvalue()


def test_status_counts_and_names_them(tmp_path: Path) -> None:
    write_command(tmp_path / "work" / ".solcoder" / "commands", "audit", AUDIT)
    write_skill(tmp_path / "home" / "skills", "spl-token")
    skills = discover_skills(skill_locations(tmp_path / "work", tmp_path / "home"))
    assert skill_status(skills).startswith("1 skill: spl-token · ")
    assert "tokens of system prompt (cap 2,000)" in skill_status(skills)
    assert command_status(commands_in(tmp_path)) == "1 custom command: /audit"
    assert skill_status(None).startswith("none")


def test_headless_expansion_only_for_a_known_command(tmp_path: Path) -> None:
    write_command(tmp_path / "work" / ".solcoder" / "commands", "audit", AUDIT)
    commands = commands_in(tmp_path)
    assert expand_prompt("/audit vault", commands) == "Audit vault ()."
    assert expand_prompt("/etc/hosts what is this?", commands) == "/etc/hosts what is this?"
    assert expand_prompt("//audit x", commands) == "//audit x"
    assert expand_prompt("/audit x", CommandSet()) == "/audit x"
