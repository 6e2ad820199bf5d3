"""The skills' part of the system prompt stays under its documented cap, however many there
are, and `load_skill` answers with a body, the files beside it, or one of them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from solcoder.agent.prompts import SYSTEM_PROMPT, system_prompt
from solcoder.llm.tokens import count_text
from solcoder.skills.catalog import SkillSet, discover_skills, skill_locations
from solcoder.skills.prompt import PROMPT_CAP_TOKENS, prompt_section, prompt_tokens
from solcoder.tools.skills import LoadSkillTool
from tests.support.skills import SOLANA_BODY_MARKER, write_skill, write_solana_dev


def skills_in(tmp_path: Path) -> SkillSet:
    return discover_skills(skill_locations(tmp_path / "work", tmp_path / "home"))


def test_a_few_skills_are_listed_with_names_and_descriptions_only(tmp_path: Path) -> None:
    write_solana_dev(tmp_path / "work" / ".solcoder" / "skills")
    write_skill(tmp_path / "home" / "skills", "spl-token", "Mint and transfer SPL tokens.")
    skills = skills_in(tmp_path)
    section = prompt_section(skills)
    assert "- solana-dev: Solana program development" in section
    assert "- spl-token: Mint and transfer SPL tokens." in section
    assert SOLANA_BODY_MARKER not in section  # bodies come through load_skill only
    assert "load_skill" in section and "not" in section.split("configuration")[0]
    prompt = system_prompt(skills=skills)
    assert prompt.startswith(SYSTEM_PROMPT) and section in prompt
    assert prompt_tokens(skills) == count_text(section)


def test_no_skills_adds_nothing(tmp_path: Path) -> None:
    assert prompt_section(SkillSet()) == ""
    assert prompt_tokens(SkillSet()) == 0
    assert system_prompt(skills=SkillSet()) == system_prompt()


@pytest.mark.parametrize("count", [50, 500])
def test_many_long_skills_stay_under_the_cap(tmp_path: Path, count: int) -> None:
    root = tmp_path / "home" / "skills"
    for number in range(count):
        write_skill(root, f"skill-{number:03d}", f"Skill {number} " + "solana anchor " * 70)
    skills = skills_in(tmp_path)
    assert len(skills) == min(count, 200)  # a location holds at most 200
    section = prompt_section(skills)
    assert count_text(section) <= PROMPT_CAP_TOKENS
    assert "- skill-000: Skill 0" in section  # the first are listed in full
    assert "not listed" in section or "Also (by name)" in section
    listed_in_full = section.count("\n- skill-")
    assert 0 < listed_in_full < len(skills)


def test_names_only_once_descriptions_stop_fitting(tmp_path: Path) -> None:
    root = tmp_path / "home" / "skills"
    for number in range(50):
        write_skill(root, f"s{number:02d}", "x " * 100)
    section = prompt_section(skills_in(tmp_path), cap=400)
    assert count_text(section) <= 400
    assert "Also (by name): " in section
    assert section.rstrip().endswith("`load_skill` takes any skill's name.")


async def test_load_skill_returns_the_body_and_the_files_beside_it(tmp_path: Path) -> None:
    workspace = tmp_path / "work"
    folder = write_solana_dev(workspace / ".solcoder" / "skills")
    (folder / "scripts").mkdir()
    (folder / "scripts" / "check.sh").write_text("anchor build\n", encoding="utf-8")
    (folder / ".hidden").write_text("x", encoding="utf-8")
    (folder / "id.json").write_text(json.dumps(list(range(64))), encoding="utf-8")
    (folder / "deploy-keypair.json").write_text("[1]", encoding="utf-8")
    os.symlink("/etc/passwd", folder / "passwd")
    tool = LoadSkillTool(skills_in(tmp_path), workspace.resolve())
    output = await tool.run(tool.parse_arguments('{"name": "solana-dev"}'))
    assert not output.is_error
    text = output.content
    assert SOLANA_BODY_MARKER in text
    assert "- references/pda.md" in text and "- scripts/check.sh" in text
    for hidden in (".hidden", "id.json", "keypair", "passwd", "SKILL.md\n"):
        assert hidden not in text.split("## Files")[1]
    assert "read_file at .solcoder/skills/solana-dev/<path>" in text

    reference = await tool.run(
        tool.parse_arguments('{"name": "solana-dev", "file": "references/pda.md"}')
    )
    assert reference.content.startswith("# PDAs")


@pytest.mark.parametrize(
    "file", ["../../../etc/passwd", "/etc/passwd", "passwd", "id.json", ".hidden", "missing.md"]
)
async def test_load_skill_reads_only_the_listed_files(tmp_path: Path, file: str) -> None:
    folder = write_solana_dev(tmp_path / "home" / "skills")
    (folder / "id.json").write_text(json.dumps(list(range(64))), encoding="utf-8")
    (folder / ".hidden").write_text("secret", encoding="utf-8")
    os.symlink("/etc/passwd", folder / "passwd")
    tool = LoadSkillTool(skills_in(tmp_path), None)
    output = await tool.run({"name": "solana-dev", "file": file})
    assert output.is_error
    assert "not one of the skill's files" in output.content


async def test_a_keypair_by_content_is_never_read(tmp_path: Path) -> None:
    folder = write_solana_dev(tmp_path / "home" / "skills")
    (folder / "assets").mkdir()
    (folder / "assets" / "wallet.json").write_text(json.dumps([7] * 64), encoding="utf-8")
    tool = LoadSkillTool(skills_in(tmp_path), None)
    listing = await tool.run({"name": "solana-dev"})
    assert "assets/wallet.json" in listing.content  # its name says nothing
    output = await tool.run({"name": "solana-dev", "file": "assets/wallet.json"})
    assert output.is_error and "keypair" in output.content and "[7, 7" not in output.content


async def test_an_unknown_skill_names_the_known_ones(tmp_path: Path) -> None:
    write_solana_dev(tmp_path / "home" / "skills")
    tool = LoadSkillTool(skills_in(tmp_path), None)
    output = await tool.run({"name": "nope"})
    assert output.is_error and "Skills: solana-dev." in output.content
    assert tool.effect == "read_only" and tool.origin == "solcoder"
    assert tool.spec.name == "load_skill"


async def test_a_replay_answers_load_skill_from_the_recording() -> None:
    from solcoder.llm.messages import Message, ToolCall, ToolResult
    from solcoder.replay.recorded_tools import add_recorded_tools
    from solcoder.tools.registry import ToolRegistry

    recorded = [
        Message("assistant", (ToolCall("c1", "load_skill", '{"name": "solana-dev"}'),)),
        Message("tool", (ToolResult("c1", "# Skill `solana-dev` as it was"),)),
    ]
    registry = ToolRegistry()
    add_recorded_tools(registry, recorded)
    tool = registry.get("load_skill")
    output = await tool.run({"name": "solana-dev"})
    assert output.content == "# Skill `solana-dev` as it was"  # no skill folder was read
