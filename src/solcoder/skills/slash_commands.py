"""Custom slash commands: `NAME.md` files whose body becomes the prompt of `/NAME args`.

Where (first wins): `<workspace>/.solcoder/commands/`, then `$SOLCODER_HOME/commands/`
(`~/.solcoder/commands/`). Front matter is optional: `description` (shown in `/help`) and
`argument-hint` (shown after the name). In the body, `$ARGUMENTS` is the whole argument
string and `$1` … `$9` the arguments split like a shell would (quotes group words); a missing
one is empty. A body without any placeholder gets the arguments appended on a line of their
own, so `/NAME extra words` never drops them.

A command never replaces a built-in: a file named like one is reported once and ignored.
Like skills, a command is text the user sends as their own turn; it changes no setting,
tool or approval.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from solcoder.records import shared_methods
from solcoder.skills.catalog import Location, Source, shown_home
from solcoder.skills.frontmatter import parse, split, text_field
from solcoder.skills.reading import (
    ReadProblem,
    decode_text,
    directory_entries,
    inside,
    read_bounded,
)

MAX_COMMAND_BYTES = 64 * 1024
MAX_COMMANDS_PER_LOCATION = 200
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_PLACEHOLDER = re.compile(r"\$(ARGUMENTS|[1-9])")


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class CustomCommand:
    name: str
    description: str
    argument_hint: str
    body: str
    source: Source
    location: str

    def expand(self, arguments: str) -> str:
        return expand(self.body, arguments)

    @property
    def usage(self) -> str:
        return f"/{self.name}" + (f" {self.argument_hint}" if self.argument_hint else "")

    def as_json(self) -> dict[str, object]:
        """The entry in `--json`'s session event."""
        return {
            "name": self.name,
            "description": self.description,
            "source": self.source,
            "location": self.location,
        }


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class CommandSet:
    commands: tuple[CustomCommand, ...] = ()
    """In force, sorted by name."""
    problems: tuple[str, ...] = ()
    shadowed: tuple[str, ...] = ()

    def get(self, name: str) -> CustomCommand | None:
        return next((command for command in self.commands if command.name == name), None)

    @property
    def names(self) -> list[str]:
        return [command.name for command in self.commands]

    def __len__(self) -> int:
        return len(self.commands)


def command_locations(workspace: Path | None, home: Path) -> list[Location]:
    found: list[Location] = []
    if workspace is not None:
        found.append(
            Location(workspace / ".solcoder/commands", "project", ".solcoder/commands", workspace)
        )
    user = home / "commands"
    found.append(Location(user, "user", shown_home(user), user))
    return found


def discover_commands(
    locations: list[Location], builtins: Callable[[], Iterable[str]]
) -> CommandSet:
    """Every valid command in `locations`; the first of each name wins, built-ins win over
    all of them. `builtins` is asked only once a command file is found (the names live in
    the REPL's command table, which a launch without commands need not import)."""
    reserved: set[str] | None = None
    chosen: dict[str, CustomCommand] = {}
    problems: list[str] = []
    shadowed: list[str] = []
    for location in locations:
        entries = directory_entries(location.path)
        if not entries:
            continue
        if not inside(location.path, location.boundary):
            problems.append(f"{location.shown}: links outside the workspace (skipped)")
            continue
        count = 0
        for entry in entries:
            if not entry.name.endswith(".md") or entry.name.startswith("."):
                continue
            shown = f"{location.shown}/{entry.name}"
            if count == MAX_COMMANDS_PER_LOCATION:
                problems.append(
                    f"{location.shown}: more than {MAX_COMMANDS_PER_LOCATION} "
                    "commands; the rest are skipped"
                )
                break
            try:
                command = read_command(location.path / entry.name, location)
            except ReadProblem as problem:
                problems.append(f"command {shown}: {problem} (skipped)")
                continue
            count += 1
            if reserved is None:
                reserved = set(builtins())
            if command.name in reserved:
                shadowed.append(
                    f"command /{command.name} in {shown} is ignored: /{command.name} is built in"
                )
            elif command.name in chosen:
                shadowed.append(
                    f"command /{command.name} in {shown} is shadowed by the one in "
                    f"{chosen[command.name].location}"
                )
            else:
                chosen[command.name] = command
    commands = tuple(sorted(chosen.values(), key=lambda command: command.name))
    return CommandSet(commands, tuple(problems), tuple(shadowed))


def read_command(path: Path, location: Location) -> CustomCommand:
    name = path.name.removesuffix(".md")
    if not NAME_PATTERN.fullmatch(name):
        raise ReadProblem("the name is not lowercase letters, digits, `-` and `_`")
    text = decode_text(read_bounded(path, location.path, MAX_COMMAND_BYTES))
    header, body = split(text, required=False)
    fields = parse(header) if header is not None else {}
    body = body.strip()
    if not body:
        raise ReadProblem("has no prompt text after its front matter")
    return CustomCommand(
        name=name,
        description=" ".join(text_field(fields, "description", limit=1024, required=False).split()),
        argument_hint=text_field(fields, "argument-hint", limit=200, required=False),
        body=body,
        source=location.source,
        location=location.shown,
    )


def split_arguments(arguments: str) -> list[str]:
    """Shell-like words (quotes group, no expansion); unbalanced quotes fall back to spaces."""
    try:
        return shlex.split(arguments)
    except ValueError:
        return arguments.split()


def expand(template: str, arguments: str) -> str:
    """`template` with `$ARGUMENTS` and `$1`…`$9` replaced in one pass (a value that itself
    holds `$1` is not replaced again); without placeholders, the arguments are appended."""
    arguments = arguments.strip()
    words = split_arguments(arguments)

    def value(match: re.Match[str]) -> str:
        key = match.group(1)
        if key == "ARGUMENTS":
            return arguments
        index = int(key) - 1
        return words[index] if index < len(words) else ""

    if _PLACEHOLDER.search(template) is None:
        return f"{template}\n\n{arguments}" if arguments else template
    return _PLACEHOLDER.sub(value, template)
