"""`-p` never waits for an approval: what needs one is declined unless `--approve` names it.

The installed CLI against the scripted local model server, which asks for `deploy_program`
(declared "signs"). The follow-up request shows what the model got back: the tool's own
result ("not_available", so it ran) or "Declined by the user." (so it never ran).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import Run
from tests.support.fake_llm_server import FakeLLMServer, Reply
from tests.support.fake_wire import ToolCallReply

pytestmark = pytest.mark.e2e

KEY = "sk-test-e2e-approval-0123456789"
DEPLOY = ToolCallReply("deploy_program", '{"cluster": "devnet"}', "call_deploy")


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(lifetime=60) as running:
        running.enqueue(Reply(tool_calls=(DEPLOY,)), Reply(text="All done."))
        yield running


def args(server: FakeLLMServer, *extra: str) -> list[str]:
    return [
        "-p",
        "deploy my program",
        "--llm-provider",
        "openai",
        "--llm-base-url",
        server.base_url("chat"),
        "--llm-model",
        "fake-model",
        *extra,
    ]


def tool_result(server: FakeLLMServer) -> str:
    """What the model was told about the call, from the follow-up request."""
    second = server.requests[1].json
    message = second["messages"][-1]
    assert message["role"] == "tool"
    assert message["tool_call_id"] == "call_deploy"
    content: str = message["content"]
    return content


def transcript_events(home: Path) -> list[dict[str, object]]:
    (path,) = (home / "sessions").glob("*/transcript.jsonl")
    records = [json.loads(line) for line in path.read_text().splitlines()]
    return [r["data"] for r in records if r["type"] == "event" and r["name"] == "approval"]


def test_without_approve_the_call_is_declined_and_never_runs(
    run_cli: Run, server: FakeLLMServer, solcoder_home: Path
) -> None:
    result = run_cli(*args(server), env={"OPENAI_API_KEY": KEY})
    assert result.returncode == 0, result.stderr
    assert "All done." in result.stdout
    assert tool_result(server) == "Declined by the user."
    declined = [line for line in result.stderr.splitlines() if line.startswith("Declined")]
    assert len(declined) == 1, result.stderr
    assert "--approve deploy_program" in declined[0]
    assert "--approve-all" in declined[0]
    assert "approval.allow" in declined[0]
    (event,) = transcript_events(solcoder_home)
    assert event == {
        "tool": "deploy_program",
        "call_id": "call_deploy",
        "decision": "deny",
        "by": "policy",
        "effect": "signs",
        "origin": "solcoder",
    }


@pytest.mark.parametrize("flags", [("--approve", "deploy_*"), ("--approve-all",)])
def test_approve_flags_let_the_call_run(
    run_cli: Run, server: FakeLLMServer, solcoder_home: Path, flags: tuple[str, ...]
) -> None:
    result = run_cli(*args(server, *flags), env={"OPENAI_API_KEY": KEY})
    assert result.returncode == 0, result.stderr
    assert json.loads(tool_result(server))["status"] == "not_available"  # it ran
    assert "Declined" not in result.stderr
    (event,) = transcript_events(solcoder_home)
    assert (event["decision"], event["by"]) == ("allow", "flag")


def test_json_shows_the_approval_event(run_cli: Run, server: FakeLLMServer) -> None:
    result = run_cli(*args(server, "--json"), env={"OPENAI_API_KEY": KEY})
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    kinds = [event["type"] for event in events]
    approval = events[kinds.index("approval")]
    assert approval == {
        "type": "approval",
        "id": "call_deploy",
        "tool": "deploy_program",
        "decision": "deny",
        "by": "policy",
        "effect": "signs",
        "origin": "solcoder",
    }
    (outcome,) = [event for event in events if event["type"] == "tool_result"]
    assert (outcome["ok"], outcome["content"]) == (False, "Declined by the user.")
    assert kinds.index("approval") < kinds.index("tool_result")
    assert "Declined deploy_program" in result.stderr


def test_a_config_deny_beats_approve_all(
    run_cli: Run, server: FakeLLMServer, solcoder_home: Path
) -> None:
    solcoder_home.mkdir(parents=True, exist_ok=True)
    (solcoder_home / "config.toml").write_text('[approval]\ndeny = ["deploy_*"]\n')
    result = run_cli(*args(server, "--approve-all"), env={"OPENAI_API_KEY": KEY})
    assert result.returncode == 0, result.stderr
    assert tool_result(server) == "Declined by the user."
    assert "Refused deploy_program: approval.deny" in result.stderr


def test_a_project_config_cannot_allow(run_cli: Run, server: FakeLLMServer, tmp_path: Path) -> None:
    project = tmp_path / "work"
    (project / ".solcoder").mkdir(parents=True)
    (project / ".solcoder" / "config.toml").write_text('[approval]\nallow = ["*"]\n')
    result = run_cli(*args(server), env={"OPENAI_API_KEY": KEY}, cwd=project)
    assert result.returncode == 0, result.stderr
    assert tool_result(server) == "Declined by the user."
    assert "a project config cannot let tools run without asking" in result.stderr


def test_a_bad_approve_pattern_is_a_usage_error(run_cli: Run, server: FakeLLMServer) -> None:
    result = run_cli(*args(server, "--approve", "rm -rf"), env={"OPENAI_API_KEY": KEY})
    assert result.returncode == 2
    assert "--approve" in result.stderr and "not a tool-name pattern" in result.stderr
    assert "Traceback" not in result.stderr
    assert server.requests == []


def test_tools_lists_each_effect(run_cli: Run) -> None:
    listed = run_cli("tools")
    assert listed.returncode == 0, listed.stderr
    (line,) = [row for row in listed.stdout.splitlines() if "deploy_program" in row]
    assert "signs" in line
    specs = {spec["name"]: spec for spec in json.loads(run_cli("tools", "--json").stdout)}
    assert (specs["deploy_program"]["effect"], specs["deploy_program"]["origin"]) == (
        "signs",
        "solcoder",
    )
    assert specs["plan"]["effect"] == "read_only"
