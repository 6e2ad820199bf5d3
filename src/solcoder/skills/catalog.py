"""Which skills are in force: found in the known folders at launch, checked, and ranked.

Where (first wins when two share a name; the loser is reported as shadowed):
1. `<workspace>/.solcoder/skills/` (SolCoder's own project folder),
2. `<workspace>/.agents/skills/` (the folder other agents read),
3. `$SOLCODER_HOME/skills/` (the user's, `~/.solcoder/skills/` by default).
The project's folders win over the user's: the project is what is being worked on.

A skill is a folder named like the skill holding `SKILL.md` (YAML front matter with `name`
and `description`, then a Markdown body), as the open Agent Skills format says. A skill that
breaks a rule (bad YAML, a missing or invalid field, a name that is not its folder's, a file
too long or not UTF-8, a link out of its folder) becomes one problem line and is skipped;
nothing here raises. Each location costs one directory listing when it has no skills, and
the YAML parser is imported only when a SKILL.md is found.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from solcoder.records import shared_methods
from solcoder.skills.frontmatter import parse, split, text_field
from solcoder.skills.reading import (
    ReadProblem,
    decode_text,
    directory_entries,
    inside,
    read_bounded,
)

Source = Literal["project", "user"]

SKILL_FILE = "SKILL.md"
MAX_SKILL_BYTES = 256 * 1024
"""A SKILL.md larger than this is skipped (the format advises well under 5,000 tokens)."""
MAX_SKILLS_PER_LOCATION = 200
MAX_NAME = 64
MAX_DESCRIPTION = 1024
MAX_COMPATIBILITY = 500
NAME_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
"""Lowercase letters, digits and single hyphens, neither first nor last (the format's rule)."""


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Location:
    """A folder skills (or commands) are looked for in."""

    path: Path
    source: Source
    shown: str
    """How people see it: `.solcoder/skills` or `~/.solcoder/skills`."""
    boundary: Path
    """What the folder must resolve inside (the workspace for a project folder)."""


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Skill:
    name: str
    description: str
    source: Source
    location: str
    """The folder it came from, as shown (`.agents/skills`)."""
    directory: Path
    """The skill's folder, links resolved: what `load_skill` may read from."""
    body: str
    license: str = ""
    compatibility: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    allowed_tools: tuple[str, ...] = ()
    """Informational only: a skill never changes which tools run or how they are approved."""

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
class SkillSet:
    skills: tuple[Skill, ...] = ()
    """In force, sorted by name."""
    problems: tuple[str, ...] = ()
    """One line per skipped skill or location (outside text: make it safe to print)."""
    shadowed: tuple[str, ...] = ()
    """One line per skill hidden by another of the same name."""

    def get(self, name: str) -> Skill | None:
        return next((skill for skill in self.skills if skill.name == name), None)

    @property
    def names(self) -> list[str]:
        return [skill.name for skill in self.skills]

    def __len__(self) -> int:
        return len(self.skills)


def skill_locations(workspace: Path | None, home: Path) -> list[Location]:
    """The three folders, in precedence order (no project folders without a workspace)."""
    found: list[Location] = []
    if workspace is not None:
        for relative in (".solcoder/skills", ".agents/skills"):
            found.append(Location(workspace / relative, "project", relative, workspace))
    user = home / "skills"
    found.append(Location(user, "user", shown_home(user), user))
    return found


def shown_home(path: Path) -> str:
    try:
        return "~/" + path.relative_to(Path.home()).as_posix()
    except ValueError:
        return str(path)


def discover_skills(locations: list[Location]) -> SkillSet:
    """Every valid skill in `locations`, the first of each name winning."""
    chosen: dict[str, Skill] = {}
    problems: list[str] = []
    shadowed: list[str] = []
    for location in locations:
        for skill in _skills_in(location, problems):
            first = chosen.get(skill.name)
            if first is None:
                chosen[skill.name] = skill
            else:
                shadowed.append(
                    f"skill {skill.name} in {skill.location} is shadowed by the one in "
                    f"{first.location}"
                )
    skills = tuple(sorted(chosen.values(), key=lambda skill: skill.name))
    return SkillSet(skills, tuple(problems), tuple(shadowed))


def _skills_in(location: Location, problems: list[str]) -> Iterator[Skill]:
    entries = directory_entries(location.path)
    if not entries:
        return
    if not inside(location.path, location.boundary):
        problems.append(f"{location.shown}: links outside the workspace (skipped)")
        return
    count = 0
    for entry in entries:
        if entry.name.startswith(".") or not entry.is_dir():
            continue
        folder = location.path / entry.name
        skill_file = folder / SKILL_FILE
        if not skill_file.exists() and not skill_file.is_symlink():
            continue  # a folder that is not a skill: nothing to report
        shown = f"{location.shown}/{entry.name}/{SKILL_FILE}"
        if count == MAX_SKILLS_PER_LOCATION:
            problems.append(
                f"{location.shown}: more than {MAX_SKILLS_PER_LOCATION} skills; the rest "
                "are skipped"
            )
            return
        try:
            skill = read_skill(folder, location)
        except ReadProblem as problem:
            problems.append(f"skill {shown}: {problem} (skipped)")
            continue
        count += 1
        yield skill


def read_skill(folder: Path, location: Location) -> Skill:
    """The skill in `folder` (raises `ReadProblem` for any rule it breaks)."""
    if not inside(folder, location.path):
        raise ReadProblem(f"the folder links outside {location.shown}")
    data = read_bounded(folder / SKILL_FILE, folder, MAX_SKILL_BYTES)
    header, body = split(decode_text(data), required=True)
    fields = parse(header or "")
    name = text_field(fields, "name", limit=MAX_NAME, required=True)
    if not NAME_PATTERN.fullmatch(name):
        raise ReadProblem(
            f"name {name!r} is not lowercase letters, digits and single hyphens (not first or last)"
        )
    if name != folder.name:
        raise ReadProblem(f"name {name!r} does not match its folder {folder.name!r}")
    description = " ".join(
        text_field(fields, "description", limit=MAX_DESCRIPTION, required=True).split()
    )
    return Skill(
        name=name,
        description=description,
        source=location.source,
        location=location.shown,
        directory=Path(os.path.realpath(folder)),
        body=body.strip("\n"),
        license=text_field(fields, "license", limit=MAX_DESCRIPTION, required=False),
        compatibility=text_field(fields, "compatibility", limit=MAX_COMPATIBILITY, required=False),
        metadata=_metadata(fields.get("metadata")),
        allowed_tools=_allowed_tools(fields.get("allowed-tools")),
    )


def _metadata(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ReadProblem("`metadata` is not a mapping")
    return {str(key): str(item) for key, item in value.items()}


def _allowed_tools(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(value.split())
    if isinstance(value, list):
        return tuple(str(item) for item in value)
    raise ReadProblem("`allowed-tools` is not a list of tool names")
