"""Agent ring: the workspace tools under the real orchestrator and approval gate, on the
scripted provider, in a temporary project with a private checkpoint store.

What the person asked is checked on the approver's side (the diff they saw), what happened on
disk by reading the files, and what the model was told by the tool results in the history.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from solcoder.agent.approval import Answer, ApprovalRules, CommandLineApprovals
from solcoder.agent.events import ApprovalDecided, FileChanged
from solcoder.agent.gate import ApprovalGate, ApprovalRequest
from solcoder.agent.invariants import check_tool_pairing
from solcoder.agent.orchestrator import Orchestrator
from solcoder.llm.messages import Message
from solcoder.llm.providers.scripted import ScriptedProvider, ScriptedResponse, ScriptedToolCall
from solcoder.tools.registry import ToolRegistry
from solcoder.tools.workspace import EDIT_TOOLS, attach_workspace_tools
from solcoder.workspace.paths import Workspace
from solcoder.workspace.session import WorkspaceSession


class Approver:
    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.asked: list[ApprovalRequest] = []

    async def ask(self, request: ApprovalRequest) -> Answer:
        self.asked.append(request)
        return self.answers.pop(0)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "src").mkdir(parents=True)
    (root / "src" / "lib.rs").write_text("fn deposit() {\n    total += amount;\n}\n")
    return root


@pytest.fixture
def workspace(project: Path, tmp_path: Path) -> WorkspaceSession:
    turn = {"n": 1}
    return WorkspaceSession(
        Workspace(project, solcoder_home=tmp_path / "home"),
        checkpoints=tmp_path / "home" / "checkpoints",
        turn=lambda: turn["n"],
    )


def call(name: str, call_id: str, **arguments: Any) -> ScriptedToolCall:
    return ScriptedToolCall(name, arguments, id=call_id)


async def run(
    workspace: WorkspaceSession, gate: ApprovalGate, *steps: tuple[ScriptedToolCall, ...]
) -> tuple[list[Any], dict[str, str]]:
    registry = ToolRegistry()
    attach_workspace_tools(registry, workspace)
    provider = ScriptedProvider(
        [*(ScriptedResponse(tool_calls=step) for step in steps), ScriptedResponse(text="done")],
        responder=lambda _: ScriptedResponse(text="done"),
    )
    history: list[Message] = []
    events = [
        e async for e in Orchestrator(provider, registry, approval=gate).run_turn(history, "go")
    ]
    check_tool_pairing(history)
    results = {r.call_id: r.content for m in history for r in m.tool_results}
    return events, results


READ = call("read_file", "r1", path="src/lib.rs")
EDIT = call(
    "edit_file",
    "e1",
    path="src/lib.rs",
    old_text="    total += amount;\n",
    new_text="    total = total.checked_add(amount).unwrap();\n",
)


async def test_the_person_sees_the_diff_and_no_leaves_the_file(
    workspace: WorkspaceSession, project: Path
) -> None:
    approver = Approver("no")
    gate = ApprovalGate(approver=approver, edit_tools=EDIT_TOOLS)
    original = (project / "src/lib.rs").read_bytes()
    events, results = await run(workspace, gate, (READ,), (EDIT,))
    (request,) = approver.asked
    assert request.preview is not None
    assert "-    total += amount;" in request.preview
    assert "+    total = total.checked_add(amount).unwrap();" in request.preview
    assert results["e1"] == "Declined by the user."
    assert (project / "src/lib.rs").read_bytes() == original
    assert not [e for e in events if isinstance(e, FileChanged)]


async def test_always_for_one_edit_covers_every_edit_tool(
    workspace: WorkspaceSession, project: Path
) -> None:
    approver = Approver("always")
    gate = ApprovalGate(approver=approver, edit_tools=EDIT_TOOLS)
    events, results = await run(
        workspace,
        gate,
        (READ,),
        (EDIT,),
        (call("write_file", "w1", path="src/new.rs", content="// new\n"),),
    )
    assert len(approver.asked) == 1  # the write_file after "always" was not asked
    assert "Edited `src/lib.rs`" in results["e1"]
    assert "Created `src/new.rs`" in results["w1"]
    changed = [e for e in events if isinstance(e, FileChanged)]
    assert [(e.change.path, e.change.change, e.previewed) for e in changed] == [
        ("src/lib.rs", "modified", True),
        ("src/new.rs", "created", False),
    ]
    assert gate.granted >= EDIT_TOOLS


async def test_an_edit_that_cannot_succeed_is_answered_without_asking(
    workspace: WorkspaceSession,
) -> None:
    approver = Approver()
    gate = ApprovalGate(approver=approver, edit_tools=EDIT_TOOLS)
    _, results = await run(workspace, gate, (EDIT,))
    assert approver.asked == []
    assert "has not been read" in results["e1"]


async def test_approve_edits_applies_without_asking_but_deny_still_wins(
    workspace: WorkspaceSession, project: Path
) -> None:
    gate = ApprovalGate(approvals=CommandLineApprovals(edits=True), edit_tools=EDIT_TOOLS)
    _, results = await run(workspace, gate, (READ,), (EDIT,))
    assert "Edited" in results["e1"]
    assert "checked_add" in (project / "src/lib.rs").read_text()

    denied = ApprovalGate(
        rules=ApprovalRules(deny=("write_file",)),
        approvals=CommandLineApprovals(edits=True, everything=True),
        edit_tools=EDIT_TOOLS,
    )
    _, results = await run(workspace, denied, (call("write_file", "w1", path="x.rs", content="x"),))
    assert results["w1"] == "Declined by the user."
    assert not (project / "x.rs").exists()


async def test_a_secret_is_asked_for_each_time_and_always_grants_nothing(
    workspace: WorkspaceSession, project: Path
) -> None:
    (project / ".env").write_text("API_KEY=sk-test-secret-canary-000\n")
    approver = Approver("always", "no")
    gate = ApprovalGate(approver=approver, approvals=CommandLineApprovals(patterns=("read_*",)))
    events, results = await run(
        workspace,
        gate,
        (call("read_file", "s1", path=".env"),),
        (call("read_file", "s2", path=".env"),),
    )
    assert [request.effect for request in approver.asked] == ["reads_secrets", "reads_secrets"]
    assert "API_KEY" in results["s1"]
    assert results["s2"] == "Declined by the user."
    decisions = [e.effect for e in events if isinstance(e, ApprovalDecided)]
    assert decisions == ["reads_secrets", "reads_secrets"]


async def test_undo_after_a_turn_restores_and_an_edit_needs_a_new_read(
    workspace: WorkspaceSession, project: Path
) -> None:
    gate = ApprovalGate(approvals=CommandLineApprovals(edits=True), edit_tools=EDIT_TOOLS)
    original = (project / "src/lib.rs").read_bytes()
    await run(workspace, gate, (READ,), (EDIT,))
    store = workspace.store()
    assert store is not None
    result = store.undo_last()
    assert result.restored == (("src/lib.rs", "restored"),)
    assert (project / "src/lib.rs").read_bytes() == original
    # The model's copy is the edited one: editing again without reading is refused.
    _, results = await run(workspace, gate, (EDIT,))
    assert "changed on disk since you read it" in results["e1"]


async def test_two_edits_of_one_file_in_one_step_both_land(
    workspace: WorkspaceSession, project: Path
) -> None:
    (project / "src/two.rs").write_text("a = 1;\nb = 2;\n")
    gate = ApprovalGate(approvals=CommandLineApprovals(edits=True), edit_tools=EDIT_TOOLS)
    first = call("edit_file", "x1", path="src/two.rs", old_text="a = 1;", new_text="a = 10;")
    second = call("edit_file", "x2", path="src/two.rs", old_text="b = 2;", new_text="b = 20;")
    _, results = await run(
        workspace, gate, (call("read_file", "r", path="src/two.rs"),), (first, second)
    )
    assert (project / "src/two.rs").read_text() == "a = 10;\nb = 20;\n", json.dumps(results)
