"""Agent ring: hooks under the real orchestrator, conversation and workspace tools, on the
scripted provider; the hooks are small Python scripts run as real processes.

What the model was told is read from the tool results in the history, what ran from marker
files the scripts leave, what was recorded from a transcript sink.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from solcoder.agent.approval import CommandLineApprovals
from solcoder.agent.conversation import Conversation
from solcoder.agent.events import HookRan, Notice, TurnFinished
from solcoder.agent.gate import ApprovalGate
from solcoder.agent.invariants import check_tool_pairing
from solcoder.agent.orchestrator import Orchestrator
from solcoder.config.hook_tables import HookEntry
from solcoder.hooks.runner import HookRunner
from solcoder.llm.messages import Message
from solcoder.llm.providers.scripted import ScriptedProvider, ScriptedResponse, ScriptedToolCall
from solcoder.tools.registry import ToolRegistry
from solcoder.tools.workspace import EDIT_TOOLS, attach_workspace_tools
from solcoder.workspace.paths import Workspace
from solcoder.workspace.session import WorkspaceSession

CANARY = "sk-test-hooks-canary-0123456789abcdef"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "src").mkdir(parents=True)
    (root / "src" / "lib.rs").write_text("fn deposit() {\n    total += amount;\n}\n")
    return root


@pytest.fixture
def workspace(project: Path, tmp_path: Path) -> WorkspaceSession:
    return WorkspaceSession(
        Workspace(project, solcoder_home=tmp_path / "home"),
        checkpoints=tmp_path / "home" / "checkpoints",
        turn=lambda: 1,
    )


def script(directory: Path, name: str, body: str) -> tuple[str, ...]:
    """A hook command: `python3 <directory>/<name>.py` with `body` (stdin JSON in `event`)."""
    path = directory / f"{name}.py"
    path.write_text("import json, os, sys, time\nevent = json.load(sys.stdin)\n" + body)
    return (sys.executable, str(path))


def hook(event: Any, command: Any, *matcher: str, **extra: Any) -> HookEntry:
    return HookEntry(event, command, tuple(matcher), position=1, **extra)


def call(name: str, call_id: str, **arguments: Any) -> ScriptedToolCall:
    return ScriptedToolCall(name, arguments, id=call_id)


async def run(
    workspace: WorkspaceSession,
    hooks: HookRunner,
    *steps: tuple[ScriptedToolCall, ...],
    gate: ApprovalGate | None = None,
) -> tuple[list[Any], dict[str, str]]:
    registry = ToolRegistry()
    attach_workspace_tools(registry, workspace)
    provider = ScriptedProvider(
        [*(ScriptedResponse(tool_calls=step) for step in steps), ScriptedResponse(text="done")],
        responder=lambda _: ScriptedResponse(text="done"),
    )
    gate = gate or ApprovalGate(
        approvals=CommandLineApprovals(everything=True), edit_tools=EDIT_TOOLS
    )
    history: list[Message] = []
    orchestrator = Orchestrator(provider, registry, approval=gate, hooks=hooks)
    events = [e async for e in orchestrator.run_turn(history, "go")]
    check_tool_pairing(history)
    results = {r.call_id: r.content for m in history for r in m.tool_results}
    return events, results


READ = call("read_file", "r1", path="src/lib.rs")
EDIT = call(
    "edit_file",
    "e1",
    path="src/lib.rs",
    old_text="    total += amount;\n",
    new_text="    total   =   total + amount;\n",
)


async def test_a_denying_pre_tool_use_hook_stops_the_call_and_the_model_reads_why(
    workspace: WorkspaceSession, project: Path, tmp_path: Path
) -> None:
    guard = script(
        tmp_path,
        "guard",
        "sys.stderr.write('edits to src/ need review first')\nsys.exit(2)\n",
    )
    runner = HookRunner([hook("pre_tool_use", guard, "edit_file")], workspace=project)
    original = (project / "src/lib.rs").read_bytes()
    events, results = await run(workspace, runner, (READ,), (EDIT,))
    assert results["e1"].startswith("Denied by a hook: hooks.pre_tool_use[1] (user): ")
    assert "edits to src/ need review first" in results["e1"]
    assert "fn deposit" in results["r1"]  # the matcher left read_file alone
    assert (project / "src/lib.rs").read_bytes() == original
    (ran,) = [e for e in events if isinstance(e, HookRan)]
    assert (ran.report.outcome, ran.call.id if ran.call else None) == ("deny", "e1")


async def test_an_allowing_hook_never_skips_the_approval_question(
    workspace: WorkspaceSession, project: Path, tmp_path: Path
) -> None:
    yes = script(tmp_path, "yes", "print(json.dumps({'decision': 'allow'}))\n")
    runner = HookRunner([hook("pre_tool_use", yes)], workspace=project)
    original = (project / "src/lib.rs").read_bytes()
    # Nobody to ask (like -p): the edit is declined although the hook said allow.
    _, results = await run(workspace, runner, (READ,), (EDIT,), gate=ApprovalGate())
    assert results["e1"] == "Declined by the user."
    assert (project / "src/lib.rs").read_bytes() == original


async def test_context_from_hooks_is_appended_to_the_result(
    workspace: WorkspaceSession, project: Path, tmp_path: Path
) -> None:
    body = "print(json.dumps({'context': 'cluster: devnet (' + event['tool'] + ')'}))\n"
    note = script(tmp_path, "note", body)
    runner = HookRunner([hook("pre_tool_use", note, "read_file")], workspace=project)
    _, results = await run(workspace, runner, (READ,))
    assert results["r1"].endswith("[hook context]\ncluster: devnet (read_file)")


async def test_a_post_tool_use_formatter_runs_after_the_edit_and_undo_still_works(
    workspace: WorkspaceSession, project: Path, tmp_path: Path
) -> None:
    formatter = script(
        tmp_path,
        "fmt",
        "import re\n"
        "assert event['event'] == 'post_tool_use' and event['changed_files'] == ['src/lib.rs']\n"
        "path = os.path.join(event['cwd'], event['arguments']['path'])\n"
        "text = open(path).read()\n"
        "open(path, 'w').write(re.sub(r' +(=) +', r' \\1 ', text))\n",
    )
    runner = HookRunner(
        [hook("post_tool_use", formatter, "edit_file", "write_file")],
        workspace=project,
        after_changes=lambda paths: workspace.store().after_changes(1, paths),  # type: ignore[union-attr]
    )
    events, results = await run(workspace, runner, (READ,), (EDIT,))
    formatted = "fn deposit() {\n    total = total + amount;\n}\n"
    assert (project / "src/lib.rs").read_text() == formatted
    assert "Edited `src/lib.rs`" in results["e1"]
    assert "changed `src/lib.rs` after this call; read it again" in results["e1"]
    assert [e.report.outcome for e in events if isinstance(e, HookRan)] == ["allow"]
    store = workspace.store()
    assert store is not None
    store.undo_last()  # the formatter's rewrite is the recorded "after": no conflict
    assert (project / "src/lib.rs").read_text() == "fn deposit() {\n    total += amount;\n}\n"


async def test_a_hanging_hook_is_stopped_at_its_timeout_and_the_guard_fails_closed(
    workspace: WorkspaceSession, project: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "after-sleep"
    hang = script(tmp_path, "hang", f"time.sleep(60)\nopen({str(marker)!r}, 'w').write('x')\n")
    runner = HookRunner([hook("pre_tool_use", hang, timeout_s=0.5)], workspace=project)
    events, results = await run(workspace, runner, (READ,))
    assert "timed out after 0.5 s and was stopped" in results["r1"]
    assert "refused until the hook works" in results["r1"]
    (ran,) = [e for e in events if isinstance(e, HookRan)]
    assert ran.report.timed_out and ran.report.outcome == "failed"
    assert not marker.exists()


async def test_an_untrusted_project_hook_does_not_run_until_trusted(
    workspace: WorkspaceSession, project: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    touch = script(tmp_path, "touch", f"open({str(marker)!r}, 'a').write('x')\n")
    entry = hook("pre_tool_use", touch, source="project")
    runner = HookRunner([entry], workspace=project)
    events, results = await run(workspace, runner, (READ,))
    assert not marker.exists()
    assert "fn deposit" in results["r1"]
    assert [e.report.outcome for e in events if isinstance(e, HookRan)] == ["skipped"]
    runner.mark_trusted([entry])
    await run(workspace, runner, (READ,))
    assert marker.read_text() == "x"


async def test_the_hook_gets_the_event_on_stdin_and_never_a_secret(
    workspace: WorkspaceSession, project: Path, tmp_path: Path
) -> None:
    seen = tmp_path / "seen.json"
    dump = script(
        tmp_path,
        "dump",
        f"json.dump({{'event': event, 'env': dict(os.environ)}}, open({str(seen)!r}, 'w'))\n",
    )
    runner = HookRunner(
        [hook("post_tool_use", dump)],
        workspace=project,
        session_id="s1",
        environ={"PATH": "/usr/bin:/bin", "OPENAI_API_KEY": CANARY, "MY_TOOL": CANARY},
    )
    secret_read = call("read_file", "r2", path="src/key.txt")
    (project / "src/key.txt").write_text(f"key = {CANARY}\n")
    await run(workspace, runner, (secret_read,))
    text = seen.read_text()
    assert CANARY not in text
    data = json.loads(text)
    assert data["event"]["event"] == "post_tool_use"
    assert data["event"]["tool"] == "read_file"
    assert data["event"]["session_id"] == "s1"
    assert data["event"]["cwd"] == str(project)
    assert data["env"]["SOLCODER_HOOK_EVENT"] == "post_tool_use"
    assert "OPENAI_API_KEY" not in data["env"]


class Sink:
    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, object]]] = []
        self.messages: list[Message] = []

    def append_message(self, message: Message) -> None:
        self.messages.append(message)

    def partial(self, text_so_far: str) -> None: ...
    def end_turn(self, **details: object) -> None: ...
    def record_error(self, error: BaseException) -> None: ...
    def record_fallback(self, *args: object) -> None: ...
    def record_event(self, name: str, /, **data: object) -> None:
        self.events.append((name, data))


async def test_prompt_hooks_block_or_add_a_note_and_stop_runs_at_the_end(
    project: Path, tmp_path: Path
) -> None:
    stops = tmp_path / "stops"
    gate_prompt = script(
        tmp_path,
        "prompt",
        "if 'mainnet' in event['prompt']:\n"
        "    sys.stderr.write('no mainnet work from this machine'); sys.exit(2)\n"
        "print(json.dumps({'context': 'current cluster: devnet'}))\n",
    )
    start = script(tmp_path, "start", "print(json.dumps({'context': 'anchor 0.31'}))\n")
    stop = script(tmp_path, "stop", f"open({str(stops)!r}, 'a').write(event['reason'] + '\\n')\n")
    runner = HookRunner(
        [
            hook("session_start", start),
            hook("user_prompt", gate_prompt),
            hook("stop", stop),
        ],
        workspace=project,
    )
    provider = ScriptedProvider(
        [ScriptedResponse(text="ok")], responder=lambda _: ScriptedResponse(text="ok")
    )
    sink = Sink()
    conversation = Conversation(
        Orchestrator(provider, ToolRegistry(), hooks=runner),
        transcript=sink,  # type: ignore[arg-type]
    )
    events = [e async for e in conversation.run_turn("deploy to mainnet")]
    assert provider.requests == []
    assert any(isinstance(e, Notice) and "no mainnet work" in e.text for e in events)
    assert [e.reason for e in events if isinstance(e, TurnFinished)] == ["blocked"]
    assert not stops.exists()
    events = [e async for e in conversation.run_turn("build it")]
    (request,) = provider.requests
    sent = request.messages[-1].text
    assert "hook context: anchor 0.31" in sent  # session_start ran once, on the first prompt
    assert "hook context: current cluster: devnet" in sent
    assert sent.endswith("build it")
    assert stops.read_text() == "done\n"
    kinds = [data["event"] for name, data in sink.events if name == "hook"]
    assert kinds == ["session_start", "user_prompt", "user_prompt", "stop"]
    decisions = [data["decision"] for name, data in sink.events if name == "hook"]
    assert decisions == ["context", "deny", "context", "allow"]


async def test_an_edit_of_the_project_config_is_asked_for_each_time(
    workspace: WorkspaceSession, project: Path
) -> None:
    """The model cannot quietly give itself a hook: `.solcoder/` changes ask even under
    `--approve-edits` and after an "always" for edits."""
    from solcoder.agent.approval import CommandLineApprovals as Flags

    (project / ".solcoder").mkdir()
    config = project / ".solcoder" / "config.toml"
    config.write_text("# project\n")
    asked: list[str] = []

    class Approver:
        async def ask(self, request: Any) -> Any:
            asked.append(request.effect)
            return "always"

    gate = ApprovalGate(approver=Approver(), approvals=Flags(edits=True), edit_tools=EDIT_TOOLS)
    runner = HookRunner([], workspace=project)
    write = call("write_file", "w1", path=".solcoder/config.toml", content="[[hooks.stop]]\n")
    again = call("write_file", "w2", path=".solcoder/config.toml", content="[[hooks.stop]]\n#\n")
    other = call("write_file", "w3", path="src/new.rs", content="// new\n")
    read = call("read_file", "r1", path=".solcoder/config.toml")
    reread = call("read_file", "r2", path=".solcoder/config.toml")
    steps = ((read,), (write,), (reread,), (again,), (other,))
    _, results = await run(workspace, runner, *steps, gate=gate)
    assert "Replaced `.solcoder/config.toml`" in results["w2"]
    assert asked == ["writes_settings", "writes_settings"]  # src/new.rs: --approve-edits
    assert "Created `src/new.rs`" in results["w3"]


async def test_a_secret_in_a_hooks_answer_is_masked_before_anyone_reads_it(
    workspace: WorkspaceSession, project: Path, tmp_path: Path
) -> None:
    leaky = script(
        tmp_path,
        "leaky",
        f"sys.stderr.write('\\x1b[31mrefused, key {CANARY}')\nsys.exit(2)\n",
    )
    runner = HookRunner([hook("pre_tool_use", leaky)], workspace=project)
    events, results = await run(workspace, runner, (READ,))
    (ran,) = [e for e in events if isinstance(e, HookRan)]
    assert CANARY not in results["r1"] and CANARY not in ran.report.reason
    assert "refused, key" in results["r1"]
    from solcoder.terminal import safe

    assert "\x1b" not in safe(ran.report.line())  # what the screen is given
