"""Agent ring: `scaffold_program` under the real orchestrator and approval gate (issue 24 item
6): the person sees every file as a diff before anything is written, "no" writes nothing,
`--approve-edits` covers it, each file is a `file_change`, and undoing the turn removes the
scaffold."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from solcoder.agent.approval import CommandLineApprovals
from solcoder.agent.events import FileChanged
from solcoder.agent.gate import ApprovalGate
from solcoder.agent.invariants import check_tool_pairing
from solcoder.agent.orchestrator import Orchestrator
from solcoder.llm.messages import Message
from solcoder.llm.providers.scripted import ScriptedProvider, ScriptedResponse, ScriptedToolCall
from solcoder.tools.program_tools import attach_program_tools
from solcoder.tools.registry import ToolRegistry
from solcoder.tools.workspace import EDIT_TOOLS, attach_workspace_tools
from solcoder.workspace.paths import Workspace
from solcoder.workspace.session import WorkspaceSession
from tests.agent.test_workspace_agent import Approver

SCAFFOLD = ScriptedToolCall("scaffold_program", {"name": "counter"}, id="s1")


@pytest.fixture
def workspace(tmp_path: Path) -> WorkspaceSession:
    root = tmp_path / "project"
    root.mkdir()
    return WorkspaceSession(
        Workspace(root, solcoder_home=tmp_path / "home"),
        checkpoints=tmp_path / "home" / "checkpoints",
    )


async def run(workspace: WorkspaceSession, gate: ApprovalGate) -> tuple[list[Any], str]:
    registry = ToolRegistry()
    attach_workspace_tools(registry, workspace)
    attach_program_tools(registry, workspace)
    provider = ScriptedProvider(
        [ScriptedResponse(tool_calls=(SCAFFOLD,)), ScriptedResponse(text="done")],
        responder=lambda _: ScriptedResponse(text="done"),
    )
    history: list[Message] = []
    events = [
        e async for e in Orchestrator(provider, registry, approval=gate).run_turn(history, "go")
    ]
    check_tool_pairing(history)
    (result,) = [r.content for m in history for r in m.tool_results]
    return events, result


async def test_no_writes_nothing_after_showing_every_file(workspace: WorkspaceSession) -> None:
    approver = Approver("no")
    _, result = await run(workspace, ApprovalGate(approver=approver, edit_tools=EDIT_TOOLS))
    (request,) = approver.asked
    assert request.preview is not None
    for path in ("counter/Anchor.toml", "counter/programs/counter/src/lib.rs"):
        assert f"+++ b/{path}" in request.preview
    assert result == "Declined by the user."
    assert list(workspace.root.iterdir()) == []


async def test_approve_edits_covers_it_and_undo_removes_it(workspace: WorkspaceSession) -> None:
    gate = ApprovalGate(
        approvals=CommandLineApprovals(edits=True), approver=Approver(), edit_tools=EDIT_TOOLS
    )
    events, result = await run(workspace, gate)
    assert result.startswith("Created 8 files in `counter`")
    changed = [e for e in events if isinstance(e, FileChanged)]
    assert len(changed) == 8
    assert (workspace.root / "counter" / "programs" / "counter" / "src" / "lib.rs").is_file()
    store = workspace.store()
    assert store is not None
    store.undo_last()
    assert not (workspace.root / "counter" / "Anchor.toml").exists()
