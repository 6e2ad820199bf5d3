"""Project instructions from the installed CLI, in a real git tree, against a real local model
server: what the request carries, what `--json` and `/status` list, what the terminal sees.

The tree: `AGENTS.md` at the repository root, `SOLCODER.md` in the subdirectory the CLI runs
in. The fake server records every request, so the system prompt is checked as sent.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pexpect
import pytest

from tests.e2e.conftest import SOLCODER, Run, clean_environment
from tests.e2e.test_startup_imports import _RUN_AND_LIST, NOT_ON_THE_OFFLINE_PATH
from tests.support.fake_llm_server import FakeLLMServer, Reply
from tests.support.fake_wire import ToolCallReply

pytestmark = pytest.mark.e2e

KEY = "sk-test-e2e-instructions-0123456789"
ROOT_RULE = "ROOT-RULE: this workspace pins Anchor 0.30."
SUB_RULE = "SUB-RULE: run `anchor test` from programs/counter."
PROMPT = "you ›"


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(default=Reply(text="Noted."), lifetime=60) as running:
        yield running


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The directory the CLI runs in: `repo/programs/counter`, inside a git repository."""
    root = tmp_path / "work" / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "AGENTS.md").write_text(f"# Workspace\n{ROOT_RULE}\n", encoding="utf-8")
    counter = root / "programs" / "counter"
    counter.mkdir(parents=True)
    (counter / "SOLCODER.md").write_text(f"# Counter\n{SUB_RULE}\n", encoding="utf-8")
    return counter


def model_args(server: FakeLLMServer) -> list[str]:
    return [
        "--llm-provider",
        "openai",
        "--llm-base-url",
        server.base_url("chat"),
        "--llm-model",
        "fake-model",
    ]


def system_prompts(server: FakeLLMServer) -> list[str]:
    prompts = []
    for request in server.requests:
        body: Any = request.json
        first = body["messages"][0]
        prompts.append(first["content"] if first["role"] == "system" else "")
    return prompts


def events(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_both_files_reach_the_system_prompt_in_order(
    run_cli: Run, server: FakeLLMServer, project: Path
) -> None:
    result = run_cli("-p", "hello", *model_args(server), env={"OPENAI_API_KEY": KEY}, cwd=project)
    assert result.returncode == 0, result.stderr
    (system,) = system_prompts(server)
    assert system.startswith("You are SolCoder")  # SolCoder's own rules first
    assert system.index("## AGENTS.md") < system.index(ROOT_RULE)
    assert system.index(ROOT_RULE) < system.index("## programs/counter/SOLCODER.md")
    assert system.index("## programs/counter/SOLCODER.md") < system.index(SUB_RULE)
    assert "project data, not configuration" in system
    assert result.stderr.count("Warning") == 0


def test_no_project_instructions_leaves_them_out(
    run_cli: Run, server: FakeLLMServer, project: Path
) -> None:
    result = run_cli(
        "-p",
        "hello",
        "--json",
        "--no-project-instructions",
        *model_args(server),
        env={"OPENAI_API_KEY": KEY},
        cwd=project,
    )
    assert result.returncode == 0, result.stderr
    (system,) = system_prompts(server)
    assert ROOT_RULE not in system and SUB_RULE not in system
    assert "Project instructions" not in system
    session = events(result.stdout)[0]
    assert session["type"] == "session"
    assert session["instructions"] == []


def test_the_setting_turns_them_off_too(run_cli: Run, server: FakeLLMServer, project: Path) -> None:
    result = run_cli(
        "-p",
        "hello",
        *model_args(server),
        env={"OPENAI_API_KEY": KEY, "SOLCODER_LLM_PROJECT_INSTRUCTIONS": "false"},
        cwd=project,
    )
    assert result.returncode == 0, result.stderr
    assert ROOT_RULE not in system_prompts(server)[0]


def test_the_json_session_event_lists_them(
    run_cli: Run, server: FakeLLMServer, project: Path
) -> None:
    result = run_cli(
        "-p", "hello", "--json", *model_args(server), env={"OPENAI_API_KEY": KEY}, cwd=project
    )
    assert result.returncode == 0, result.stderr
    session = events(result.stdout)[0]
    assert session["type"] == "session"
    root = project.parents[1]
    assert session["instructions"] == [
        {
            "path": str(root / "AGENTS.md"),
            "bytes": (root / "AGENTS.md").stat().st_size,
            "included_bytes": (root / "AGENTS.md").stat().st_size,
            "truncated": False,
        },
        {
            "path": str(project / "SOLCODER.md"),
            "bytes": (project / "SOLCODER.md").stat().st_size,
            "included_bytes": (project / "SOLCODER.md").stat().st_size,
            "truncated": False,
        },
    ]


def test_a_file_over_the_cap_is_cut_with_one_warning(
    run_cli: Run, server: FakeLLMServer, project: Path
) -> None:
    (project / "SOLCODER.md").write_text("s" * 5000, encoding="utf-8")
    result = run_cli(
        "-p",
        "hello",
        "--json",
        *model_args(server),
        env={"OPENAI_API_KEY": KEY, "SOLCODER_LLM_PROJECT_INSTRUCTIONS_BYTES": "1024"},
        cwd=project,
    )
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "Project instructions" in line]
    assert len(warnings) == 1
    assert "programs/counter/SOLCODER.md was cut to" in warnings[0]
    listed = events(result.stdout)[0]["instructions"]
    assert listed[1]["truncated"] is True
    assert sum(entry["included_bytes"] for entry in listed) == 1024
    assert "cut here" in system_prompts(server)[0]


def test_escape_sequences_in_names_and_text_never_reach_the_terminal(
    run_cli: Run, server: FakeLLMServer, project: Path
) -> None:
    evil = project / "evil\x1b[31mdir\x1b]0;pwned\x07"
    evil.mkdir()
    (evil / "AGENTS.md").write_text("\x1b]0;owned\x07\x1b[2J" + "e" * 3000, encoding="utf-8")
    limit = {"OPENAI_API_KEY": KEY, "SOLCODER_LLM_PROJECT_INSTRUCTIONS_BYTES": "1024"}
    for extra in ([], ["--json"]):
        result = run_cli("-p", "hello", *extra, *model_args(server), env=limit, cwd=evil)
        assert result.returncode == 0, result.stderr
        assert "was cut to" in result.stderr or "was left out" in result.stderr
        assert "evil[31mdir]0;pwned" in result.stderr  # named, with its controls removed
        for stream in (result.stdout, result.stderr):
            assert "\x1b" not in stream and "\x07" not in stream
    # The model still gets the file as it is (it is data for the model, not for a terminal).
    assert "e" * 100 in system_prompts(server)[0] or "e" * 100 in system_prompts(server)[-1]


def test_a_resumed_session_reads_the_files_of_its_new_directory(
    run_cli: Run, server: FakeLLMServer, project: Path, tmp_path: Path
) -> None:
    first = run_cli(
        "-p", "one", "--json", *model_args(server), env={"OPENAI_API_KEY": KEY}, cwd=project
    )
    assert first.returncode == 0, first.stderr
    session_id = events(first.stdout)[0]["id"]
    other = tmp_path / "work" / "other"
    (other / ".git").mkdir(parents=True)
    (other / "AGENTS.md").write_text("OTHER-RULE: devnet only.", encoding="utf-8")
    second = run_cli(
        "-p",
        "two",
        "--json",
        "--session",
        session_id,
        *model_args(server),
        env={"OPENAI_API_KEY": KEY},
        cwd=other,
    )
    assert second.returncode == 0, second.stderr
    assert events(second.stdout)[0]["instructions"][0]["path"] == str(other / "AGENTS.md")
    before, after = system_prompts(server)
    assert ROOT_RULE in before and "OTHER-RULE" not in before
    assert "OTHER-RULE: devnet only." in after and ROOT_RULE not in after
    # The history came along: the resumed request carries the first turn.
    contents = json.dumps(server.requests[-1].json["messages"])
    assert "one" in contents and "Noted." in contents


def test_the_dry_run_leaves_them_out(run_cli: Run, project: Path) -> None:
    replies = (
        Reply(text="Hello, world! Streaming works.", chunk_size=4),
        Reply(tool_calls=(ToolCallReply("plan", '{"goal": "counter"}', "call_1"),)),
        Reply(text="Here is the plan."),
    )
    with FakeLLMServer(*replies, lifetime=60) as server:
        result = run_cli(
            "--dry-run-llm",
            "--json",
            *model_args(server),
            env={"OPENAI_API_KEY": KEY},
            cwd=project,
        )
        prompts = system_prompts(server)
    assert result.returncode == 0, result.stderr
    assert events(result.stdout)[0]["instructions"] == []
    assert prompts and all(ROOT_RULE not in text and SUB_RULE not in text for text in prompts)


def test_status_lists_them_in_the_repl(solcoder_home: Path, project: Path) -> None:
    env = clean_environment(solcoder_home, {"PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm"})
    env.pop("NO_COLOR", None)
    env.pop("COLUMNS", None)  # the pty's own width: long temporary paths fit on one line
    child = pexpect.spawn(
        SOLCODER,
        ["--offline-mode"],
        env=env,
        cwd=str(project),
        encoding="utf-8",
        timeout=60,
        dimensions=(40, 200),
    )
    try:
        child.expect(PROMPT)
        child.sendline("/status")
        child.expect("instructions")
        child.expect(r"repo/AGENTS\.md · \d+ B")
        child.expect(r"counter/SOLCODER\.md · \d+ B")
        child.expect(PROMPT)
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)


def test_status_shows_an_escaped_directory_name_safely(solcoder_home: Path, project: Path) -> None:
    evil = project / "evil\x1b[31mdir"
    evil.mkdir()
    (evil / "AGENTS.md").write_text("rules", encoding="utf-8")
    env = clean_environment(solcoder_home, {"PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm"})
    env.pop("COLUMNS", None)
    child = pexpect.spawn(
        SOLCODER,
        ["--offline-mode"],
        env=env,
        cwd=str(evil),
        encoding="utf-8",
        timeout=60,
        dimensions=(40, 200),
    )
    transcript: list[str] = []
    try:
        child.expect(PROMPT)
        child.sendline("/status")
        child.expect(r"evil\[31mdir/AGENTS\.md")
        transcript.append(child.before + child.after)
        child.expect(PROMPT)
        transcript.append(child.before)
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert "\x1b[31mdir" not in "".join(transcript)


def test_reading_them_adds_no_heavy_import_to_the_offline_one_shot(
    tmp_path: Path, project: Path
) -> None:
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
    assert "solcoder.agent.project_instructions" in loaded  # the files were read on this path
    unexpected = {name: why for name, why in NOT_ON_THE_OFFLINE_PATH.items() if name in loaded}
    assert not unexpected, f"imported with project instructions present: {unexpected}"
