"""Skills found on disk: the format's rules, precedence, and one-line problems for the rest."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from solcoder.skills.catalog import (
    MAX_SKILL_BYTES,
    Location,
    SkillSet,
    discover_skills,
    skill_locations,
)
from tests.support.skills import SOLANA_BODY_MARKER, write_skill, write_solana_dev


def project(tmp_path: Path) -> tuple[Path, Path]:
    workspace = tmp_path / "work"
    home = tmp_path / "home"
    workspace.mkdir()
    home.mkdir()
    return workspace, home


def found(workspace: Path, home: Path) -> SkillSet:
    return discover_skills(skill_locations(workspace, home))


def test_a_skill_in_the_open_format_is_read_with_every_field(tmp_path: Path) -> None:
    workspace, home = project(tmp_path)
    write_solana_dev(workspace / ".solcoder" / "skills")
    skills = found(workspace, home)
    assert skills.problems == () and skills.shadowed == ()
    (skill,) = skills.skills
    assert skill.name == "solana-dev" and skill.source == "project"
    assert skill.location == ".solcoder/skills"
    assert SOLANA_BODY_MARKER in skill.body and "---" not in skill.body.splitlines()[0]
    assert skill.license == "Apache-2.0"
    assert skill.metadata == {"author": "solcoder-tests", "version": "1.0"}
    assert skill.allowed_tools == ("read_file", "run_command")


def test_all_three_locations_are_searched(tmp_path: Path) -> None:
    workspace, home = project(tmp_path)
    write_skill(workspace / ".solcoder" / "skills", "one")
    write_skill(workspace / ".agents" / "skills", "two")
    write_skill(home / "skills", "three")
    skills = found(workspace, home)
    assert skills.names == ["one", "three", "two"]
    assert {s.name: s.source for s in skills.skills} == {
        "one": "project",
        "two": "project",
        "three": "user",
    }


def test_the_project_wins_over_the_user_and_the_shadowing_is_reported(tmp_path: Path) -> None:
    workspace, home = project(tmp_path)
    write_skill(home / "skills", "anchor", "user's")
    write_skill(workspace / ".agents" / "skills", "anchor", "shared")
    write_skill(workspace / ".solcoder" / "skills", "anchor", "project's")
    skills = found(workspace, home)
    (skill,) = skills.skills
    assert skill.description == "project's"
    assert len(skills.shadowed) == 2
    assert all("shadowed by the one in .solcoder/skills" in line for line in skills.shadowed)


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("bad-yaml", "---\nname: [oops\n---\nbody\n", "not valid YAML"),
        ("no-name", "---\ndescription: d\n---\nbody\n", "no `name`"),
        ("no-description", "---\nname: no-description\n---\nbody\n", "no `description`"),
        ("mismatch", "---\nname: other\ndescription: d\n---\nb\n", "does not match its folder"),
        ("upper", "---\nname: Upper\ndescription: d\n---\nb\n", "lowercase"),
        ("double--hyphen", "---\nname: double--hyphen\ndescription: d\n---\nb\n", "lowercase"),
        ("-lead", "---\nname: -lead\ndescription: d\n---\nb\n", "lowercase"),
        ("no-header", "# Just markdown\n", "no front matter"),
        ("unclosed", "---\nname: unclosed\ndescription: d\n", "not closed"),
        ("a-list", "---\n- a\n- b\n---\nb\n", "not a mapping"),
        ("number", "---\nname: number\ndescription: 12\n---\nb\n", "not text"),
        ("long-desc", "---\nname: long-desc\ndescription: " + "x" * 1025 + "\n---\nb\n", "1,025"),
        ("x" * 65, "---\nname: " + "x" * 65 + "\ndescription: d\n---\nb\n", "65 characters"),
        ("tagged", "---\nname: !!python/object:os.system x\ndescription: d\n---\nb\n", "YAML"),
    ],
)
def test_a_malformed_skill_is_one_line_and_skipped(
    tmp_path: Path, name: str, text: str, problem: str
) -> None:
    workspace, home = project(tmp_path)
    root = workspace / ".solcoder" / "skills"
    write_skill(root, "good")
    (root / name).mkdir(parents=True)
    (root / name / "SKILL.md").write_text(text, encoding="utf-8")
    skills = found(workspace, home)
    assert skills.names == ["good"]
    (line,) = skills.problems
    assert problem in line and "\n" not in line
    assert line.startswith(f"skill .solcoder/skills/{name}/SKILL.md: ") and "(skipped)" in line


def test_not_utf8_and_too_long_are_skipped(tmp_path: Path) -> None:
    workspace, home = project(tmp_path)
    root = workspace / ".agents" / "skills"
    (root / "latin").mkdir(parents=True)
    (root / "latin" / "SKILL.md").write_bytes(b"---\nname: latin\ndescription: caf\xe9\n---\n")
    (root / "huge").mkdir()
    (root / "huge" / "SKILL.md").write_text(
        "---\nname: huge\ndescription: d\n---\n" + "x" * MAX_SKILL_BYTES, encoding="utf-8"
    )
    skills = found(workspace, home)
    assert skills.skills == ()
    assert sorted(line.split(": ", 1)[1] for line in skills.problems) == [
        "is 262,178 bytes, more than 262,144 (skipped)",
        "is not UTF-8 text (skipped)",
    ]


def test_links_out_of_the_skill_folder_are_refused(tmp_path: Path) -> None:
    workspace, home = project(tmp_path)
    outside = write_skill(tmp_path / "elsewhere", "linked")
    root = workspace / ".solcoder" / "skills"
    root.mkdir(parents=True)
    os.symlink(outside, root / "linked")  # the whole folder points outside
    (root / "file-link").mkdir()
    os.symlink(outside / "SKILL.md", root / "file-link" / "SKILL.md")
    skills = found(workspace, home)
    assert skills.skills == ()
    assert len(skills.problems) == 2
    assert all("links outside" in line for line in skills.problems)


def test_a_project_skills_folder_linked_out_of_the_workspace_is_skipped(tmp_path: Path) -> None:
    workspace, home = project(tmp_path)
    outside = tmp_path / "elsewhere"
    write_skill(outside, "stray")
    (workspace / ".agents").mkdir()
    os.symlink(outside, workspace / ".agents" / "skills")
    skills = found(workspace, home)
    assert skills.skills == ()
    assert skills.problems == (".agents/skills: links outside the workspace (skipped)",)


def test_a_fifo_in_place_of_skill_md_does_not_hang(tmp_path: Path) -> None:
    workspace, home = project(tmp_path)
    folder = workspace / ".solcoder" / "skills" / "fifo"
    folder.mkdir(parents=True)
    os.mkfifo(folder / "SKILL.md")
    skills = found(workspace, home)
    assert skills.skills == ()
    assert "not a regular file" in skills.problems[0]


def test_folders_without_skill_md_and_plain_files_are_ignored_quietly(tmp_path: Path) -> None:
    workspace, home = project(tmp_path)
    root = workspace / ".solcoder" / "skills"
    (root / "notes").mkdir(parents=True)
    (root / "README.md").write_text("hi", encoding="utf-8")
    assert found(workspace, home) == SkillSet() or found(workspace, home).problems == ()


def test_without_a_workspace_only_the_user_folder_is_searched(tmp_path: Path) -> None:
    home = tmp_path / "home"
    locations = skill_locations(None, home)
    assert locations == [Location(home / "skills", "user", str(home / "skills"), home / "skills")]


_PROBE = (
    "import sys\n"
    "from pathlib import Path\n"
    "from solcoder.skills.catalog import discover_skills, skill_locations\n"
    "from solcoder.skills.slash_commands import command_locations, discover_commands\n"
    "w, h = Path(sys.argv[1]), Path(sys.argv[2])\n"
    "discover_skills(skill_locations(w, h))\n"
    "discover_commands(command_locations(w, h), lambda: [])\n"
    "print('yaml' in sys.modules)\n"
)


@pytest.mark.timeout(120)
def test_yaml_is_imported_only_when_a_skill_is_found(tmp_path: Path) -> None:
    workspace, home = project(tmp_path)
    (workspace / ".solcoder" / "skills").mkdir(parents=True)  # present but empty

    def yaml_loaded() -> str:
        return subprocess.run(
            [sys.executable, "-c", _PROBE, str(workspace), str(home)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    assert yaml_loaded() == "False"
    write_skill(home / "skills", "one")
    assert yaml_loaded() == "True"
