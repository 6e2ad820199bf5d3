"""The slash commands as data (name, usage, help, aliases) and the pure helpers around them:
what counts as a command line, the closest name to a typo, the last turn's reasoning.

Kept apart from the router (`ui/commands.py`) so the prompt's completion imports the names
without the router, and each stays a readable size.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from solcoder.llm.messages import Message, Thinking


@dataclass(frozen=True, slots=True)
class CommandInfo:
    name: str
    usage: str
    help: str
    aliases: tuple[str, ...] = ()


COMMANDS: tuple[CommandInfo, ...] = (
    CommandInfo("help", "/help", "List the commands and keys"),
    CommandInfo("quit", "/quit", "Leave SolCoder (also /exit or Ctrl-D)", ("exit",)),
    CommandInfo(
        "config",
        "/config get KEY | set KEY VALUE | rotate-key",
        "Read or change a setting, or replace the API key",
    ),
    CommandInfo("clear", "/clear", "Start a new conversation (the session is kept)"),
    CommandInfo("session", "/session", "Show the session id, transcript path and turn count"),
    CommandInfo("status", "/status", "Show the provider, model, session and limits in effect"),
    CommandInfo("tools", "/tools", "List the tools the model can call"),
    CommandInfo("skills", "/skills", "List the skills the model can load (load_skill)"),
    CommandInfo("plan", "/plan TEXT", "Plan TEXT with the plan tool, without the model"),
    CommandInfo(
        "review",
        "/review [PATH…] [--diff [REF]]",
        "Security review of the workspace's programs (or PATHs), without the model",
    ),
    CommandInfo("retry", "/retry", "Send the last prompt again"),
    CommandInfo(
        "undo", "/undo", "Restore the files the last turn changed (again: the turn before)"
    ),
    CommandInfo("diff", "/diff", "Show every change this session made to the workspace"),
    CommandInfo("ps", "/ps", "List the background processes the model started"),
    CommandInfo(
        "compact",
        "/compact [FOCUS]",
        "Summarise the older conversation now (FOCUS: what the summary should keep)",
    ),
    CommandInfo(
        "reasoning",
        "/reasoning [LEVEL]",
        "Show or set how hard a reasoning model thinks: off, low, medium, high",
    ),
    CommandInfo(
        "thinking",
        "/thinking [on|off]",
        "Show the last turn's reasoning; on/off streams it live or collapsed",
    ),
    CommandInfo("logs", "/logs", "Show where the logs are and their last lines"),
    CommandInfo("mcp", "/mcp [restart NAME]", "Show the MCP servers' state, or restart one"),
)

KEYS_HELP = (
    "Enter sends · Alt-Enter (or a line ending in \\) adds a line · Tab completes commands "
    "and @file mentions (which attach the file) · "
    "Ctrl-C cancels a reply · Ctrl-D exits · start a message with // to send a literal /"
)


def command_names() -> list[str]:
    """Every spelling the router accepts, aliases included."""
    return [name for info in COMMANDS for name in (info.name, *info.aliases)]


def is_command(line: str) -> bool:
    """True for "/help"; "//text" is an escaped message for the model, not a command."""
    stripped = line.lstrip()
    return stripped.startswith("/") and not stripped.startswith("//")


def unescape(line: str) -> str:
    """The text sent to the model: "//etc/hosts?" becomes "/etc/hosts?"."""
    stripped = line.lstrip()
    return stripped[1:] if stripped.startswith("//") else line


def last_turn_thinking(history: Sequence[Message]) -> list[str]:
    """The reasoning of the last turn: the thinking parts of the assistant messages after the
    newest user message (a tool loop has several), oldest first. Redacted blocks carry no text
    a person can read and are left out."""
    found: list[str] = []
    for message in reversed(history):
        if message.role == "user":
            break
        if message.role == "assistant":
            texts = [
                part.text
                for part in message.parts
                if isinstance(part, Thinking) and part.text and not part.redacted
            ]
            found[:0] = texts
    return found


def closest_command(name: str, custom: Sequence[str] = ()) -> str | None:
    """The command the user most likely meant (built-in or `custom`), or None when nothing
    is close."""
    names = [*command_names(), *custom]
    prefixed = [candidate for candidate in names if candidate.startswith(name)] if name else []
    if len(prefixed) == 1:
        return prefixed[0]
    matches = difflib.get_close_matches(name, names, n=1, cutoff=0.5)
    return matches[0] if matches else None
