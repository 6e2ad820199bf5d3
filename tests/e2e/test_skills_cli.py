"""Skills and custom commands from the installed CLI, against a scripted model server and
under a pseudo-terminal: a skill in the open format (our own, in the shape of the Solana
Foundation's `solana-dev`) is listed, loaded on demand, and its body reaches the model only
after `load_skill`; a custom command expands with its arguments, headless and in the REPL."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pexpect
import pytest

from tests.e2e.conftest import SOLCODER, Run, clean_environment
from tests.e2e.test_startup_imports import _RUN_AND_LIST, NOT_ON_THE_OFFLINE_PATH
from tests.support.fake_llm_server import FakeLLMServer, Reply
from tests.support.fake_wire import ToolCallReply
from tests.support.skills import SOLANA_BODY_MARKER, SOLANA_DESCRIPTION, write_solana_dev

pytestmark = pytest.mark.e2e

KEY = "sk-test-e2e-skills-0123456789abcdef"
PROMPT = "you ›"
AUDIT = (
    "---\ndescription: Audit one program for a class of bug\n"
    "argument-hint: PROGRAM CLASS\n---\n"
    "Audit the $1 program for $2 issues. Whole request: $ARGUMENTS\n"
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A git repository with the skill in `.agents/skills` and a command in `.solcoder`."""
    root = tmp_path / "work" / "repo"
    (root / ".git").mkdir(parents=True)
    write_solana_dev(root / ".agents" / "skills")
    commands = root / ".solcoder" / "commands"
    commands.mkdir(parents=True)
    (commands / "audit.md").write_text(AUDIT, encoding="utf-8")
    return root


def model_args(server: FakeLLMServer) -> list[str]:
    return [
        "--llm-provider",
        "openai",
        "--llm-base-url",
        server.base_url("chat"),
        "--llm-model",
        "fake-model",
    ]


def events(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def test_a_skill_is_listed_loaded_on_demand_and_only_then_seen(
    run_cli: Run, project: Path, solcoder_home: Path
) -> None:
    load = ToolCallReply("load_skill", json.dumps({"name": "solana-dev"}), "c1")
    with FakeLLMServer(Reply(tool_calls=(load,)), Reply(text="Using the skill."), lifetime=90) as (
        server
    ):
        result = run_cli(
            "-p",
            "design the vault PDA",
            "--json",
            *model_args(server),
            env={"OPENAI_API_KEY": KEY},
            cwd=project,
        )
        requests = [request.json for request in server.requests]
    assert result.returncode == 0, result.stderr
    session = events(result.stdout)[0]
    assert session["type"] == "session"
    assert session["skills"] == [
        {
            "name": "solana-dev",
            "description": SOLANA_DESCRIPTION,
            "source": "project",
            "location": ".agents/skills",
        }
    ]
    assert session["commands"][0]["name"] == "audit"

    first, second = requests
    assert SOLANA_DESCRIPTION in first["messages"][0]["content"]
    assert SOLANA_BODY_MARKER not in json.dumps(first)  # not in the prompt, not anywhere
    assert "load_skill" in [tool["function"]["name"] for tool in first["tools"]]
    (answer,) = [m for m in second["messages"] if m["role"] == "tool"]
    assert SOLANA_BODY_MARKER in answer["content"]
    assert "references/pda.md" in answer["content"]
    assert SOLANA_BODY_MARKER not in second["messages"][0]["content"]

    calls = [event for event in events(result.stdout) if event["type"] == "tool_call"]
    assert [call["name"] for call in calls] == ["load_skill"]
    results = [event for event in events(result.stdout) if event["type"] == "tool_result"]
    assert results[0]["ok"] is True  # read-only: ran without asking, headless
    transcripts = list((solcoder_home / "sessions").glob("*/transcript.jsonl"))
    assert any("load_skill" in path.read_text(encoding="utf-8") for path in transcripts)


def test_a_custom_command_expands_headless(run_cli: Run, project: Path) -> None:
    with FakeLLMServer(default=Reply(text="ok"), lifetime=60) as server:
        result = run_cli(
            "-p",
            "/audit vault signer",
            *model_args(server),
            env={"OPENAI_API_KEY": KEY},
            cwd=project,
        )
        (request,) = [request.json for request in server.requests]
    assert result.returncode == 0, result.stderr
    user = [m for m in request["messages"] if m["role"] == "user"][-1]["content"]
    assert user == "Audit the vault program for signer issues. Whole request: vault signer"
    assert "/audit: the prompt from .solcoder/commands/audit.md" in result.stderr


def test_a_malformed_skill_is_one_safe_line_and_the_rest_work(run_cli: Run, project: Path) -> None:
    bad = project / ".solcoder" / "skills" / "evil\x1b[31mname"
    bad.mkdir(parents=True)
    (bad / "SKILL.md").write_text("---\nname: evil\ndescription: [\n---\n", encoding="utf-8")
    with FakeLLMServer(default=Reply(text="ok"), lifetime=60) as server:
        result = run_cli("-p", "hi", *model_args(server), env={"OPENAI_API_KEY": KEY}, cwd=project)
        system = server.requests[0].json["messages"][0]["content"]
    assert result.returncode == 0, result.stderr
    (line,) = [line for line in result.stderr.splitlines() if "SKILL.md" in line]
    assert "evil" in line and "not valid YAML" in line and line.endswith("(skipped)")
    assert "\x1b" not in result.stderr
    assert "- solana-dev:" in system


def test_skills_present_add_no_heavy_import_beyond_yaml(tmp_path: Path, project: Path) -> None:
    listing = tmp_path / "modules.txt"
    completed = subprocess.run(
        [sys.executable, "-c", _RUN_AND_LIST, str(listing), "-p", "hi", "--offline-mode"],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_environment(tmp_path / "home" / ".solcoder"),
        cwd=project,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    loaded = set(listing.read_text().split())
    assert {"yaml", "solcoder.skills.prompt"} <= loaded  # the skill was read on this path
    allowed = {"yaml", "solcoder.skills.prompt", "solcoder.ui.command_table"}
    unexpected = {
        name: why
        for name, why in NOT_ON_THE_OFFLINE_PATH.items()
        if name in loaded and name not in allowed
    }
    assert not unexpected, f"imported with skills present: {unexpected}"


def spawn(project: Path, home: Path) -> pexpect.spawn:
    env = clean_environment(home, {"PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm"})
    env.pop("COLUMNS", None)
    return pexpect.spawn(
        SOLCODER,
        ["--offline-mode"],
        env=env,
        cwd=str(project),
        encoding="utf-8",
        timeout=60,
        dimensions=(40, 200),
    )


def test_the_repl_expands_a_custom_command_and_lists_skills(
    project: Path, solcoder_home: Path
) -> None:
    child = spawn(project, solcoder_home)
    try:
        child.expect(PROMPT)
        child.sendline("/help")
        child.expect("Custom commands")
        child.expect(r"/audit PROGRAM CLASS")
        child.expect(PROMPT)
        child.sendline("/skills")
        child.expect("solana-dev")  # names are bold: escape codes between the columns
        child.expect(r"\[project: \.agents/skills\] Solana program development")
        child.expect(PROMPT)
        child.sendline("/status")
        child.expect(r"1 skill: solana-dev · \d+ tokens of system prompt \(cap 2,000\)")
        child.expect(r"1 custom command: /audit")
        child.expect(PROMPT)
        child.send("/aud")
        child.send("\t")  # completes to /audit
        child.sendline(' counter "missing signer"')
        # The expanded prompt is shown as the user's turn, then the (offline) model answers it.
        child.expect(r"› Audit the counter program for missing signer issues\.")
        child.expect(r"You asked: .Audit the counter program for missing signer issues\.")
        child.expect(PROMPT)
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
