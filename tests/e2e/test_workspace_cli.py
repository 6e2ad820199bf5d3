"""The workspace tools end to end: the installed CLI in a temporary git repository against the
scripted local model server. Read, edit and create land on disk with `file_change` events;
`solcoder undo` restores every byte and removes the created file; the user's `.git` is never
touched; unread files, paths outside and symlinks out are refused; `-p` without approval
writes nothing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Run
from tests.support.fake_llm_server import FakeLLMServer, Reply
from tests.support.fake_wire import ToolCallReply
from tests.support.git_repo import git, git_state, make_repo

pytestmark = pytest.mark.e2e

KEY = "sk-test-e2e-workspace-0123456789"
LIB = (
    b"use anchor_lang::prelude::*;\r\n\r\n"
    b"pub fn deposit(amount: u64) -> u64 {\r\n    amount + 1\r\n}"
)
"""CRLF line endings and no final newline: both must survive the edit and the undo."""


def call(name: str, arguments: dict[str, Any], call_id: str) -> ToolCallReply:
    return ToolCallReply(name, json.dumps(arguments), call_id)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "project", {"src/lib.rs": LIB, "README.md": b"# demo\n"})


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(lifetime=90) as running:
        yield running


def prompt_args(server: FakeLLMServer, *extra: str) -> list[str]:
    return [
        "-p",
        "make the deposit overflow-safe",
        "--llm-provider",
        "openai",
        "--llm-base-url",
        server.base_url("chat"),
        "--llm-model",
        "fake-model",
        *extra,
    ]


def events(stdout: str, kind: str) -> list[dict[str, Any]]:
    parsed = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    return [event for event in parsed if event["type"] == kind]


def tool_results(server: FakeLLMServer) -> dict[str, str]:
    """Every tool result the model was sent, by call id (from the last request)."""
    messages = server.requests[-1].json["messages"]
    return {m["tool_call_id"]: m["content"] for m in messages if m["role"] == "tool"}


def test_read_edit_create_then_undo_restores_every_byte(
    run_cli: Run, server: FakeLLMServer, repo: Path, solcoder_home: Path
) -> None:
    before = git_state(repo)
    server.enqueue(
        Reply(tool_calls=(call("read_file", {"path": "src/lib.rs"}, "c1"),)),
        Reply(
            tool_calls=(
                call(
                    "edit_file",
                    {
                        "path": "src/lib.rs",
                        "old_text": "    amount + 1\n",
                        "new_text": "    amount.checked_add(1).unwrap()\n",
                    },
                    "c2",
                ),
                call("write_file", {"path": "src/math.rs", "content": "// helpers\n"}, "c3"),
            )
        ),
        Reply(text="Done: deposit is overflow-safe."),
    )
    result = run_cli(
        *prompt_args(server, "--json", "--approve-edits"),
        env={"OPENAI_API_KEY": KEY},
        cwd=repo / "src",  # the workspace is the git root above
    )
    assert result.returncode == 0, result.stderr
    changes = events(result.stdout, "file_change")
    assert [(c["path"], c["change"], c["added"], c["removed"]) for c in changes] == [
        ("src/lib.rs", "modified", 1, 1),
        ("src/math.rs", "created", 1, 0),
    ]
    assert "-    amount + 1" in changes[0]["diff"]
    assert "+    amount.checked_add(1).unwrap()" in changes[0]["diff"]
    assert changes[0]["diff"].startswith("--- a/src/lib.rs\n+++ b/src/lib.rs\n")
    edited = (repo / "src/lib.rs").read_bytes()
    assert edited == LIB.replace(b"amount + 1", b"amount.checked_add(1).unwrap()")
    assert (repo / "src/math.rs").read_bytes() == b"// helpers\n"
    assert KEY not in result.stdout + result.stderr

    # A replay answers the workspace tools from the recording: it changes nothing on disk.
    (session,) = (solcoder_home / "sessions").iterdir()
    (repo / "src/math.rs").write_bytes(b"// the user's own edit since\n")
    replayed = run_cli("replay", session.name, cwd=repo)
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert "modified src/lib.rs (+1 -1)" in replayed.stdout
    assert (repo / "src/math.rs").read_bytes() == b"// the user's own edit since\n"
    (repo / "src/math.rs").write_bytes(b"// helpers\n")

    # The user edits a file SolCoder wrote: headless undo refuses and changes nothing.
    (repo / "src/lib.rs").write_bytes(edited + b"\r\n// mine")
    refused = run_cli("undo", cwd=repo)
    assert refused.returncode == 1, refused.stderr
    assert "src/lib.rs` changed on disk after SolCoder wrote it" in refused.stderr
    assert (repo / "src/math.rs").exists()
    (repo / "src/lib.rs").write_bytes(edited)

    undone = run_cli("undo", cwd=repo)
    assert undone.returncode == 0, undone.stderr
    assert "src/lib.rs" in undone.stdout
    assert "src/math.rs" in undone.stdout
    assert (repo / "src/lib.rs").read_bytes() == LIB
    assert not (repo / "src/math.rs").exists()
    assert git_state(repo) == before
    assert git(repo, "status", "--porcelain") == ""

    again = run_cli("undo", cwd=repo)
    assert again.returncode != 0
    assert "nothing to undo" in (again.stdout + again.stderr).lower()

    shown = run_cli("sessions", "show", session.name)
    assert "modified src/lib.rs (+1 -1)" in shown.stdout
    assert "created src/math.rs (+1 -0)" in shown.stdout
    assert "undid turn 1" in shown.stdout


def test_an_edit_of_a_file_not_read_is_refused(
    run_cli: Run, server: FakeLLMServer, repo: Path
) -> None:
    server.enqueue(
        Reply(
            tool_calls=(
                call(
                    "edit_file",
                    {"path": "README.md", "old_text": "# demo", "new_text": "# pwned"},
                    "c1",
                ),
            )
        ),
        Reply(text="ok"),
    )
    result = run_cli(*prompt_args(server, "--approve-all"), env={"OPENAI_API_KEY": KEY}, cwd=repo)
    assert result.returncode == 0, result.stderr
    assert "has not been read" in tool_results(server)["c1"]
    assert (repo / "README.md").read_bytes() == b"# demo\n"


def test_paths_outside_and_symlinks_out_are_refused(
    run_cli: Run, server: FakeLLMServer, repo: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(b"do not read\n")
    os.symlink(outside, repo / "escape")
    server.enqueue(
        Reply(
            tool_calls=(
                call("write_file", {"path": "../outside/new.txt", "content": "x"}, "c1"),
                call("write_file", {"path": str(outside / "abs.txt"), "content": "x"}, "c2"),
                call("read_file", {"path": "escape/secret.txt"}, "c3"),
                call("write_file", {"path": "escape/via-link.txt", "content": "x"}, "c4"),
                call("list_files", {"path": "escape"}, "c5"),
            )
        ),
        Reply(text="ok"),
    )
    result = run_cli(*prompt_args(server, "--approve-all"), env={"OPENAI_API_KEY": KEY}, cwd=repo)
    assert result.returncode == 0, result.stderr
    results = tool_results(server)
    for call_id in ("c1", "c2", "c3", "c4", "c5"):
        assert "outside the workspace" in results[call_id], (call_id, results[call_id])
    assert "do not read" not in json.dumps(results)
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]


def test_without_approval_a_write_is_declined_and_nothing_is_written(
    run_cli: Run, server: FakeLLMServer, repo: Path
) -> None:
    server.enqueue(
        Reply(tool_calls=(call("write_file", {"path": "new.rs", "content": "x"}, "c1"),)),
        Reply(text="ok"),
    )
    result = run_cli(*prompt_args(server), env={"OPENAI_API_KEY": KEY}, cwd=repo)
    assert result.returncode == 0, result.stderr
    assert tool_results(server)["c1"] == "Declined by the user."
    assert "--approve write_file" in result.stderr
    assert not (repo / "new.rs").exists()
    assert git(repo, "status", "--porcelain") == ""


def test_approve_names_the_edit_tool(run_cli: Run, server: FakeLLMServer, repo: Path) -> None:
    server.enqueue(
        Reply(tool_calls=(call("write_file", {"path": "new.rs", "content": "fn a() {}\n"}, "c1"),)),
        Reply(text="ok"),
    )
    result = run_cli(
        *prompt_args(server, "--approve", "write_file"), env={"OPENAI_API_KEY": KEY}, cwd=repo
    )
    assert result.returncode == 0, result.stderr
    assert (repo / "new.rs").read_bytes() == b"fn a() {}\n"


def test_a_keypair_is_not_read_without_asking(
    run_cli: Run, server: FakeLLMServer, repo: Path
) -> None:
    keypair = json.dumps(list(range(64))).encode()
    (repo / "deployer.json").write_bytes(keypair)
    server.enqueue(
        Reply(
            tool_calls=(
                call("read_file", {"path": "deployer.json"}, "c1"),
                call("search_files", {"pattern": "63"}, "c2"),
            )
        ),
        Reply(text="ok"),
    )
    result = run_cli(
        *prompt_args(server, "--approve", "read*"), env={"OPENAI_API_KEY": KEY}, cwd=repo
    )
    assert result.returncode == 0, result.stderr
    results = tool_results(server)
    assert results["c1"] == "Declined by the user."
    assert "deployer.json" not in results["c2"]
