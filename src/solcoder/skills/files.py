"""What `load_skill` returns: a skill's instructions and the files beside them, and one of
those files when the model asks for it by its path in the skill.

A skill's files are read through `load_skill {name, file}` rather than `read_file`, whose
rule stays "nothing outside the workspace": a user's skill lives under SOLCODER_HOME, and
opening that folder to every read would also open the home's sessions and credentials. Here
a file is read only when it is listed for that skill: a regular file inside the skill's own
folder (links resolved), not a secret by name (keypairs, `.env`, keys) or by content (a
Solana keypair's 64-number array), at most `MAX_FILE_BYTES`, UTF-8.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from solcoder.skills.catalog import SKILL_FILE, Skill
from solcoder.skills.reading import ReadProblem, decode_text, inside, read_bounded

MAX_LISTED_FILES = 200
MAX_DEPTH = 4
MAX_FILE_BYTES = 256 * 1024
_SKIPPED_DIRECTORIES = frozenset({".git", "node_modules", "target", "__pycache__"})


def skill_files(skill: Skill) -> list[str]:
    """The files beside SKILL.md, as `/`-separated paths relative to the skill's folder
    (sorted; secrets, links out of the folder and hidden files left out; at most
    `MAX_LISTED_FILES`)."""
    from solcoder.workspace.paths import secret_name_reason

    root = skill.directory
    found: list[str] = []
    for directory, folders, files in os.walk(root):
        relative_dir = Path(directory).relative_to(root)
        folders[:] = sorted(
            name
            for name in folders
            if not name.startswith(".")
            and name not in _SKIPPED_DIRECTORIES
            and len(relative_dir.parts) < MAX_DEPTH
            and inside(Path(directory) / name, root)
        )
        for name in sorted(files):
            relative = (relative_dir / name).as_posix()
            if name.startswith(".") or relative == SKILL_FILE:
                continue
            if secret_name_reason(relative) or not inside(Path(directory) / name, root):
                continue
            found.append(relative)
            if len(found) == MAX_LISTED_FILES:
                return found
    return found


def describe(skill: Skill, *, workspace: Path | None) -> str:
    """The answer to `load_skill {name}`: where it came from, its body, its files."""
    lines = [f"# Skill `{skill.name}` ({skill.source}, {skill.location}/{skill.name})", ""]
    lines.append(skill.body or "(The skill has no instructions beyond its description.)")
    files = skill_files(skill)
    if files:
        lines += ["", f"## Files in the skill's folder ({len(files)})"]
        lines += [f"- {path}" for path in files]
        lines.append("")
        lines.append(
            f'Read one with load_skill {{"name": "{skill.name}", "file": "<path above>"}}'
            + _workspace_hint(skill, workspace)
            + ". Scripts are for you to read or suggest; run one only through run_command, "
            "which asks the user as usual."
        )
    return "\n".join(lines)


def _workspace_hint(skill: Skill, workspace: Path | None) -> str:
    if workspace is None or not inside(skill.directory, workspace):
        return ""
    relative = Path(os.path.realpath(skill.directory)).relative_to(os.path.realpath(workspace))
    return f" (or read_file at {relative.as_posix()}/<path>)"


def read_skill_file(skill: Skill, file: str) -> str:
    """The text of `file` (a path from the skill's listing); `ReadProblem` otherwise."""
    wanted = file.strip().removeprefix("./")
    if wanted == SKILL_FILE:
        return skill.body
    if wanted not in skill_files(skill):
        raise ReadProblem(
            f"`{file}` is not one of the skill's files; load_skill without `file` lists them"
        )
    data = read_bounded(skill.directory / wanted, skill.directory, MAX_FILE_BYTES)
    if _looks_like_keypair(data):
        raise ReadProblem(f"`{file}` holds a Solana keypair and is never read")
    return decode_text(data)


def _looks_like_keypair(data: bytes) -> bool:
    """A JSON array of exactly 64 byte values, as `solana-keygen` writes a keypair."""
    if len(data) > 4096 or not data.lstrip().startswith(b"["):
        return False
    try:
        value = json.loads(data)
    except ValueError:
        return False
    return (
        isinstance(value, list)
        and len(value) == 64
        and all(type(item) is int and 0 <= item <= 255 for item in value)
    )
