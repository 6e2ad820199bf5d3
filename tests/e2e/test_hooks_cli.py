"""Hooks end to end (issue 25): the installed CLI in a temporary git repository against the
scripted model server, with hooks configured in the private home's config or the project's.

A `pre_tool_use` hook forbids `solana program deploy` (a fake `solana` on PATH would leave a
marker), a `post_tool_use` hook formats the file `edit_file` changed, a hanging hook is
stopped at its timeout, a project hook waits for `solcoder hooks trust` under `-p`, and no
secret of SolCoder's environment reaches a hook.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Run
from tests.support.fake_llm_server import FakeLLMServer, Reply
from tests.support.fake_wire import ToolCallReply
from tests.support.git_repo import make_repo

pytestmark = pytest.mark.e2e

KEY = "sk-test-e2e-hooks-0123456789abcdef"
CANARY = "sk-test-hooks-canary-9876543210fedcba"
LIB = "pub fn deposit(total: u64, amount: u64) -> u64 {\n    total + amount\n}\n"


def call(name: str, call_id: str, **arguments: Any) -> ToolCallReply:
    return ToolCallReply(name, json.dumps(arguments), call_id)


def step(*calls: ToolCallReply) -> Reply:
    return Reply(tool_calls=calls)


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(lifetime=240) as running:
        yield running


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "vault", {"src/lib.rs": LIB.encode(), "README.md": b"# vault\n"})


def prompt(server: FakeLLMServer, *extra: str) -> list[str]:
    return [
        "-p",
        "ship it",
        "--llm-provider",
        "openai",
        "--llm-base-url",
        server.base_url("chat"),
        "--llm-model",
        "fake-model",
        *extra,
    ]


def results(server: FakeLLMServer) -> dict[str, str]:
    messages = server.requests[-1].json["messages"]
    return {m["tool_call_id"]: m["content"] for m in messages if m["role"] == "tool"}


def events(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def python_hook(directory: Path, name: str, body: str) -> list[str]:
    """A hook command (argv form): a Python script reading the event from stdin."""
    path = directory / f"{name}.py"
    path.write_text("import json, os, sys, time\nevent = json.load(sys.stdin)\n" + body)
    return [sys.executable, str(path)]


def write_config(path: Path, *tables: tuple[str, dict[str, Any]]) -> None:
    """`[[hooks.EVENT]]` tables as TOML (values JSON-encoded: valid TOML for these types)."""
    lines = []
    for event, table in tables:
        lines.append(f"[[hooks.{event}]]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in table.items()]
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")


def fake_solana(directory: Path, marker: Path) -> Path:
    """A `solana` that records each run in `marker`: if it is ever written, it ran."""
    bin_dir = directory / "fake-bin"
    bin_dir.mkdir()
    script = bin_dir / "solana"
    script.write_text(f'#!/bin/sh\necho "$@" >> {marker}\necho "solana $1 $2: ok"\n')
    script.chmod(0o755)
    return bin_dir


def test_a_pre_tool_use_hook_forbids_deploys_and_the_model_reads_why(
    run_cli: Run, server: FakeLLMServer, repo: Path, solcoder_home: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "solana-ran"
    bin_dir = fake_solana(tmp_path, marker)
    guard = python_hook(
        tmp_path,
        "guard",
        "sys.stderr.write('mainnet deploys go through the release pipeline')\nsys.exit(2)\n",
    )
    write_config(
        solcoder_home / "config.toml",
        ("pre_tool_use", {"matcher": "run_command:solana program deploy*", "command": guard}),
    )
    deploy = "solana program deploy target/deploy/vault.so --url mainnet-beta"
    server.enqueue(
        step(call("run_command", "d1", command=deploy)),
        step(call("run_command", "s1", command="solana program show vault")),
        Reply(text="not deployed"),
    )
    path = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    completed = run_cli(
        *prompt(server, "--json", "--approve-all", "--sandbox", "off"),
        env={"OPENAI_API_KEY": KEY, "PATH": path},
        cwd=repo,
    )
    assert completed.returncode == 0, completed.stderr
    answered = results(server)
    assert answered["d1"].startswith("Denied by a hook: hooks.pre_tool_use[1] (user): ")
    assert "mainnet deploys go through the release pipeline" in answered["d1"]
    # The deploy never ran; the command the hook does not match did (the fake works).
    assert marker.read_text() == "program show vault\n"
    hooks = [e for e in events(completed.stdout) if e["type"] == "hook"]
    assert [(e["id"], e["decision"], e["event"]) for e in hooks] == [("d1", "deny", "pre_tool_use")]
    session = next(e for e in events(completed.stdout) if e["type"] == "session")
    assert session["hooks"][0]["matcher"] == ["run_command:solana program deploy*"]
    assert session["hooks"][0]["source"] == "user" and session["hooks"][0]["trusted"] is True
    # The transcript keeps the decision; `sessions show` lists it.
    shown = run_cli("sessions", "show", session["id"], cwd=repo)
    assert shown.returncode == 0, shown.stderr
    assert "hooks.pre_tool_use[1] (user) pre_tool_use on run_command deny: " in shown.stdout
    assert "release pipeline" in shown.stdout


def test_a_post_tool_use_hook_formats_the_file_after_edit_file(
    run_cli: Run, server: FakeLLMServer, repo: Path, solcoder_home: Path, tmp_path: Path
) -> None:
    formatter = python_hook(
        tmp_path,
        "fmt",
        "import re\n"
        "for name in event['changed_files']:\n"
        "    path = os.path.join(event['cwd'], name)\n"
        "    text = open(path).read()\n"
        "    open(path, 'w').write(re.sub(r'  +', ' ', text).replace('\\t', '    '))\n",
    )
    write_config(
        solcoder_home / "config.toml",
        ("post_tool_use", {"matcher": ["edit_file", "write_file"], "command": formatter}),
    )
    server.enqueue(
        step(call("read_file", "r1", path="src/lib.rs")),
        step(
            call(
                "edit_file",
                "e1",
                path="src/lib.rs",
                old_text="    total + amount\n",
                new_text="    total.checked_add(amount)  .unwrap()\n",
            )
        ),
        Reply(text="edited"),
    )
    completed = run_cli(*prompt(server, "--approve-edits"), env={"OPENAI_API_KEY": KEY}, cwd=repo)
    assert completed.returncode == 0, completed.stderr
    text = (repo / "src/lib.rs").read_text()
    assert "total.checked_add(amount) .unwrap()" in text  # edited, then formatted
    answered = results(server)
    assert "Edited `src/lib.rs`" in answered["e1"]
    assert "changed `src/lib.rs` after this call; read it again" in answered["e1"]


def test_a_hanging_hook_is_stopped_at_its_timeout_and_reported(
    run_cli: Run, server: FakeLLMServer, repo: Path, solcoder_home: Path, tmp_path: Path
) -> None:
    woke = tmp_path / "woke"
    hang = python_hook(tmp_path, "hang", f"time.sleep(120)\nopen({str(woke)!r}, 'w')\n")
    write_config(
        solcoder_home / "config.toml",
        ("post_tool_use", {"matcher": "read_file", "command": hang, "timeout_s": 1}),
    )
    server.enqueue(step(call("read_file", "r1", path="README.md")), Reply(text="read"))
    completed = run_cli(*prompt(server), env={"OPENAI_API_KEY": KEY}, cwd=repo, timeout=100)
    assert completed.returncode == 0, completed.stderr
    assert "hooks.post_tool_use[1] (user) failed" in completed.stderr
    assert "timed out after 1 s and was stopped" in completed.stderr
    assert "# vault" in results(server)["r1"]  # a failing post hook does not block
    assert not woke.exists()


def test_a_project_hook_does_not_run_under_p_until_trusted(
    run_cli: Run, server: FakeLLMServer, repo: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "project-hook-ran"
    touch = python_hook(tmp_path, "touch", f"open({str(marker)!r}, 'a').write(event['event'])\n")
    write_config(repo / ".solcoder" / "config.toml", ("user_prompt", {"command": touch}))
    server.enqueue(Reply(text="one"), Reply(text="two"))
    first = run_cli(*prompt(server), env={"OPENAI_API_KEY": KEY}, cwd=repo)
    assert first.returncode == 0, first.stderr
    assert not marker.exists()
    assert "not trusted yet and do not run" in first.stderr
    assert "solcoder hooks trust" in first.stderr

    listed = run_cli("hooks", "list", cwd=repo)
    assert "user_prompt (project, not trusted: skipped)" in listed.stdout
    refused = run_cli("hooks", "trust", cwd=repo)  # no terminal to ask: nothing approved
    assert refused.returncode != 0
    assert "user_prompt" in refused.stdout
    trusted = run_cli("hooks", "trust", "--yes", cwd=repo)
    assert trusted.returncode == 0, trusted.stderr
    assert "Trusted 1 hook(s)" in trusted.stdout

    second = run_cli(*prompt(server), env={"OPENAI_API_KEY": KEY}, cwd=repo)
    assert second.returncode == 0, second.stderr
    assert marker.read_text() == "user_prompt"
    assert "not trusted" not in second.stderr
    assert "user_prompt (project, runs)" in run_cli("hooks", "list", cwd=repo).stdout

    # Edited (by a commit, or by anything else): it waits for approval again.
    write_config(
        repo / ".solcoder" / "config.toml", ("user_prompt", {"command": [*touch, "--edited"]})
    )
    server.enqueue(Reply(text="three"))
    third = run_cli(*prompt(server), env={"OPENAI_API_KEY": KEY}, cwd=repo)
    assert "not trusted yet" in third.stderr
    assert marker.read_text() == "user_prompt"


def test_no_secret_of_solcoders_environment_reaches_a_hook(
    run_cli: Run, server: FakeLLMServer, repo: Path, solcoder_home: Path, tmp_path: Path
) -> None:
    seen = tmp_path / "seen.json"
    dump = python_hook(
        tmp_path,
        "dump",
        f"json.dump({{'event': event, 'env': dict(os.environ)}}, open({str(seen)!r}, 'w'))\n",
    )
    write_config(solcoder_home / "config.toml", ("user_prompt", {"command": dump}))
    server.enqueue(Reply(text="ok"))
    completed = run_cli(
        "-p",
        f"my key is {CANARY}",
        "--llm-provider",
        "openai",
        "--llm-base-url",
        server.base_url("chat"),
        "--llm-model",
        "fake-model",
        env={"OPENAI_API_KEY": KEY, "DEPLOY_HELPER_ARGS": f"--key {CANARY}"},
        cwd=repo,
    )
    assert completed.returncode == 0, completed.stderr
    text = seen.read_text()
    assert KEY not in text and CANARY not in text
    data = json.loads(text)
    assert data["event"]["event"] == "user_prompt"
    assert data["event"]["prompt"].startswith("my key is ")
    assert data["env"]["SOLCODER_HOOK_EVENT"] == "user_prompt"
    assert data["env"]["SOLCODER_WORKSPACE"] == str(repo)
    assert "OPENAI_API_KEY" not in data["env"]


def test_a_user_prompt_hook_that_denies_sends_nothing_and_exits_1(
    run_cli: Run, server: FakeLLMServer, repo: Path, solcoder_home: Path, tmp_path: Path
) -> None:
    refuse = python_hook(
        tmp_path, "refuse", "sys.stderr.write('prompts mentioning keys stay local')\nsys.exit(2)\n"
    )
    write_config(solcoder_home / "config.toml", ("user_prompt", {"command": refuse}))
    completed = run_cli(*prompt(server, "--json"), env={"OPENAI_API_KEY": KEY}, cwd=repo)
    assert completed.returncode == 1
    assert server.requests == []
    finished = [e for e in events(completed.stdout) if e["type"] == "turn_finished"]
    assert [e["reason"] for e in finished] == ["blocked"]
    notices = [e["text"] for e in events(completed.stdout) if e["type"] == "notice"]
    assert any("prompts mentioning keys stay local" in text for text in notices)
