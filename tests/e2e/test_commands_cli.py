"""Commands end to end: the installed CLI in a temporary git repository with a real cargo
crate, against the scripted model server, in the bubblewrap sandbox.

The build-test loop: `cargo test` shows the real failure, the model edits, `cargo test`
passes. Inside the sandbox a write outside the workspace, a read of a planted
`~/.config/solana/id.json`, a connection to a loopback server and a provider key in the
environment all fail, checked from outside; a runaway command stops at its timeout; `-p`
without approval runs nothing; a background process is listed, read, and gone after exit.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Run
from tests.support.fake_llm_server import FakeLLMServer, Reply
from tests.support.fake_wire import ToolCallReply
from tests.support.git_repo import git_state, make_repo

pytestmark = pytest.mark.e2e

KEY = "sk-test-e2e-commands-0123456789"
CARGO = shutil.which("cargo")
BWRAP_OK = shutil.which("bwrap") is not None and (
    subprocess.run(
        ["bwrap", "--ro-bind", "/", "/", "--unshare-net", "true"], capture_output=True, check=False
    ).returncode
    == 0
)
needs_bwrap = pytest.mark.skipif(not BWRAP_OK, reason="bubblewrap is not usable here")

LIB = """pub fn deposit(total: u64, amount: u64) -> u64 {
    total + amount + 1
}

#[cfg(test)]
mod tests {
    #[test]
    fn deposit_adds() {
        assert_eq!(super::deposit(2, 3), 5);
    }
}
"""
CARGO_TOML = '[package]\nname = "vault"\nversion = "0.1.0"\nedition = "2021"\n\n[lib]\n'


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
    return make_repo(
        tmp_path / "vault",
        {"Cargo.toml": CARGO_TOML.encode(), "src/lib.rs": LIB.encode(), ".gitignore": b"target/\n"},
    )


def toolchain_env() -> dict[str, str]:
    """The test's HOME is a temporary one: point rustup and cargo at the real toolchain."""
    home = Path(os.path.expanduser("~"))
    env = {"OPENAI_API_KEY": KEY}
    for name, default in (("RUSTUP_HOME", home / ".rustup"), ("CARGO_HOME", home / ".cargo")):
        env[name] = os.environ.get(name, str(default))
    return env


def prompt(server: FakeLLMServer, *extra: str) -> list[str]:
    return [
        "-p",
        "make the tests pass",
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


@needs_bwrap
@pytest.mark.skipif(CARGO is None, reason="cargo is not installed")
def test_cargo_test_fails_the_model_edits_and_it_passes(
    run_cli: Run, server: FakeLLMServer, repo: Path
) -> None:
    before = git_state(repo)
    test = "cargo test --offline"
    server.enqueue(
        step(call("run_command", "t1", command=test, timeout_s=300)),
        step(call("read_file", "r1", path="src/lib.rs")),
        step(
            call(
                "edit_file",
                "e1",
                path="src/lib.rs",
                old_text="    total + amount + 1\n",
                new_text="    total + amount\n",
            )
        ),
        step(call("run_command", "t2", command=test, timeout_s=300)),
        Reply(text="Fixed: the tests pass."),
    )
    result = run_cli(
        *prompt(server, "--json", "--approve", "run_command:cargo test*", "--approve-edits"),
        env=toolchain_env(),
        cwd=repo,
        timeout=400,
    )
    assert result.returncode == 0, result.stderr
    sent = results(server)
    assert "deposit_adds" in sent["t1"] and "FAILED" in sent["t1"], sent["t1"]
    assert "left: 6" in sent["t1"] and "right: 5" in sent["t1"]
    assert "test result: ok. 1 passed" in sent["t2"], sent["t2"]
    events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    commands = [e for e in events if e["type"] == "command"]
    assert [(c["command"], c["sandbox"]) for c in commands] == [
        (test, "bubblewrap"),
        (test, "bubblewrap"),
    ]
    assert commands[0]["exit_code"] != 0 and commands[1]["exit_code"] == 0
    assert any(e["type"] == "command_output" for e in events)
    session = next(e for e in events if e["type"] == "session")
    assert "bubblewrap" in session["sandbox"]
    assert git_state(repo) == before  # target/ and the edit never touch .git
    assert KEY not in result.stdout + result.stderr


@needs_bwrap
def test_what_a_command_cannot_do_in_the_sandbox(
    run_cli: Run, server: FakeLLMServer, repo: Path, tmp_path: Path, solcoder_home: Path
) -> None:
    home = solcoder_home.parent  # the HOME the CLI runs with
    keypair = home / ".config" / "solana" / "id.json"
    keypair.parent.mkdir(parents=True)
    keypair.write_text(json.dumps(list(range(64))))
    outside = Path("/var/tmp") / f"solcoder-e2e-{os.getpid()}-{tmp_path.name}"
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    accepted: list[bool] = []
    threading.Thread(target=lambda: _accept(listener, accepted), daemon=True).start()
    probe = f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=3)"
    server.enqueue(
        step(
            call("run_command", "w", command=f"echo pwned > {outside}"),
            call("run_command", "k", command=f"cat {keypair}"),
            call("run_command", "n", command=f'python3 -c "{probe}"'),
            call("run_command", "e", command="env"),
            call("run_command", "s", command="sleep 60", timeout_s=1),
            call("run_command", "g", command="echo x >> .git/config"),
        ),
        Reply(text="done"),
    )
    try:
        result = run_cli(*prompt(server, "--approve", "run_command"), env=toolchain_env(), cwd=repo)
    finally:
        listener.close()
    assert result.returncode == 0, result.stderr
    sent = results(server)
    assert not outside.exists()
    assert "exit code 0" not in sent["w"]
    assert "0, 1, 2" not in sent["k"] and "exit code 0" not in sent["k"]
    assert accepted == [] and "exit code 0" not in sent["n"]
    assert KEY not in sent["e"] and "OPENAI_API_KEY" not in sent["e"]
    assert "SOLCODER_" not in sent["e"]
    assert "timed out after 1" in sent["s"]
    assert "exit code 0" not in sent["g"]
    assert "pwned" not in (repo / ".git" / "config").read_text()


def _accept(listener: socket.socket, accepted: list[bool]) -> None:
    try:
        connection, _ = listener.accept()
    except OSError:
        return
    accepted.append(True)
    connection.close()


def test_without_approval_nothing_runs(run_cli: Run, server: FakeLLMServer, repo: Path) -> None:
    marker = repo / "marker"
    server.enqueue(step(call("run_command", "c1", command=f"touch {marker}")), Reply(text="ok"))
    result = run_cli(*prompt(server), env=toolchain_env(), cwd=repo)
    assert result.returncode == 0, result.stderr
    assert results(server)["c1"] == "Declined by the user."
    assert "--approve run_command" in result.stderr
    assert not marker.exists()


@needs_bwrap
def test_a_read_only_command_runs_unasked_in_the_sandbox(
    run_cli: Run, server: FakeLLMServer, repo: Path
) -> None:
    server.enqueue(
        step(call("run_command", "c1", command="ls src && git status")), Reply(text="ok")
    )
    result = run_cli(*prompt(server), env=toolchain_env(), cwd=repo)
    assert result.returncode == 0, result.stderr
    assert "lib.rs" in results(server)["c1"]


@needs_bwrap
def test_a_background_process_is_listed_read_and_gone_after_exit(
    run_cli: Run, server: FakeLLMServer, repo: Path
) -> None:
    pid_file = repo / "server.pid"
    # A duration no other test uses: the check below looks at every process on the machine.
    duration = f"300.{os.getpid()}{secrets.randbelow(10**6)}"
    command = f"echo $$ > {pid_file.name}; echo ready; exec sleep {duration}"
    server.enqueue(
        step(call("start_process", "s1", command=command)),
        step(call("process_output", "o1", id="p1")),
        Reply(text="running"),
    )
    result = run_cli(*prompt(server, "--approve", "start_process"), env=toolchain_env(), cwd=repo)
    assert result.returncode == 0, result.stderr
    sent = results(server)
    assert "p1" in sent["s1"]
    assert "ready" in sent["o1"] and "running" in sent["o1"]
    # The sandbox has its own pid namespace: find the sleep from outside by its command line
    # (a loaded machine may take a moment to reap it; the deadline is a hang guard).
    assert _gone(f"sleep {duration}")


def _gone(needle: str) -> bool:
    import time

    deadline = time.monotonic() + 30
    while _running(needle):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@needs_bwrap
def test_a_background_process_dies_with_a_killed_cli(
    server: FakeLLMServer, repo: Path, solcoder_home: Path
) -> None:
    import signal
    import time

    from tests.e2e.conftest import SOLCODER, clean_environment

    command = "echo started > started.txt; exec sleep 301"
    server.enqueue(
        step(call("start_process", "s1", command=command)),
        Reply(text="still thinking", first_event_delay=60),  # keeps the CLI alive
    )
    process = subprocess.Popen(
        [SOLCODER, *prompt(server, "--approve", "start_process")],
        env=clean_environment(solcoder_home, toolchain_env()),
        cwd=repo,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60  # a hang guard
        while not (repo / "started.txt").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (repo / "started.txt").exists()
        assert _running("sleep 301")
        process.send_signal(signal.SIGKILL)
        process.wait(30)
        assert _gone("sleep 301"), "the background process outlived a SIGKILLed CLI"
    finally:
        if process.poll() is None:
            process.kill()


def _running(needle: str) -> bool:
    listing = subprocess.run(
        ["ps", "-eo", "stat,args"], capture_output=True, text=True, check=False
    )
    return any(
        needle in line and not line.lstrip().startswith("Z") and "exec" not in line
        for line in listing.stdout.splitlines()
    )
