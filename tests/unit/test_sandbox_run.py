"""Commands really run under bubblewrap, checked from outside (skipped without a working one).

The home and workspace live under /var/tmp when it is writable: the sandbox replaces /tmp with
a private directory, so a planted secret under the real /tmp would be unreadable for that
reason alone and prove nothing about masking.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from solcoder.sandbox import bwrap
from solcoder.sandbox.launcher import LaunchPlan, plan_launch
from solcoder.sandbox.policy import SandboxPolicy

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or bwrap.available() is None,
    reason=f"no working bubblewrap: {bwrap.unavailable_reason()}",
)

CANARY = "sk-test-" + "s4ndb0x" * 6


@pytest.fixture
def place(tmp_path: Path) -> Iterator[Path]:
    base = "/var/tmp" if os.access("/var/tmp", os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="solcoder-sandbox-test-", dir=base) as directory:
        yield Path(directory)


def make_policy(
    place: Path, mode: str = "workspace-write", *, network: bool = False
) -> SandboxPolicy:
    workspace = place / "ws"
    (workspace / ".git").mkdir(parents=True, exist_ok=True)
    (workspace / ".git" / "config").write_text("[core]\n\tbare = false\n")
    home = place / "home"
    (home / ".config" / "solana").mkdir(parents=True, exist_ok=True)
    (home / ".config" / "solana" / "id.json").write_text("[" + ",".join(["7"] * 64) + "]")
    return SandboxPolicy(mode, workspace, network, home, home / ".solcoder")  # type: ignore[arg-type]


def run(
    policy: SandboxPolicy, script: str, *, environ: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    plan = plan_launch(
        ["sh", "-c", script],
        policy,
        cwd=policy.workspace,
        environ=dict(os.environ) if environ is None else environ,
    )
    assert plan.sandbox == "bubblewrap"
    try:
        return subprocess.run(
            plan.argv,
            env=plan.env,
            cwd=plan.cwd,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        plan.cleanup()


def test_writing_outside_the_workspace_fails_and_leaves_nothing(place: Path) -> None:
    outside = place / "outside.txt"
    done = run(make_policy(place), f"echo x > {outside}")
    assert done.returncode != 0
    assert not outside.exists()


def test_writing_inside_the_workspace_depends_on_the_mode(place: Path) -> None:
    assert run(make_policy(place), "echo built > artifact.txt").returncode == 0
    assert (place / "ws" / "artifact.txt").read_text() == "built\n"
    done = run(make_policy(place, "read-only"), "echo again > other.txt")
    assert done.returncode != 0
    assert not (place / "ws" / "other.txt").exists()


def test_the_private_tmp_is_writable_and_gone_afterwards(place: Path) -> None:
    done = run(make_policy(place, "read-only"), 'echo x > "$TMPDIR/scratch" && cat /tmp/scratch')
    assert (done.returncode, done.stdout) == (0, "x\n")
    assert not Path("/tmp/scratch").exists()


def test_the_solana_keypair_in_the_home_cannot_be_read(place: Path) -> None:
    policy = make_policy(place)
    keypair = policy.home / ".config" / "solana" / "id.json"
    done = run(policy, f"cat {keypair}")
    assert done.returncode != 0
    assert "7,7" not in done.stdout
    assert keypair.read_text().startswith("[7,")  # untouched outside


def test_workspace_secrets_cannot_be_read(place: Path) -> None:
    policy = make_policy(place)
    (policy.workspace / ".env").write_text("PRIVATE=hunter2\n")
    (policy.workspace / ".env.example").write_text("PRIVATE=\n")
    deploy = policy.workspace / "target" / "deploy"
    deploy.mkdir(parents=True)
    (deploy / "vault-keypair.json").write_text("[1,2,3]")
    assert run(policy, "cat .env").returncode != 0
    assert run(policy, "cat target/deploy/vault-keypair.json").returncode != 0
    assert run(policy, "cat .env.example").stdout == "PRIVATE=\n"
    assert run(policy, "echo x > .env").returncode != 0
    assert (policy.workspace / ".env").read_text() == "PRIVATE=hunter2\n"


def test_a_secret_created_after_an_earlier_command_is_masked_for_the_next(place: Path) -> None:
    policy = make_policy(place)
    assert run(policy, "true").returncode == 0
    (policy.workspace / "keys").mkdir()
    (policy.workspace / "keys" / "id.json").write_text("[9]")
    assert run(policy, "cat keys/id.json").returncode != 0


def test_git_config_cannot_be_modified(place: Path) -> None:
    policy = make_policy(place)
    config = policy.workspace / ".git" / "config"
    before = config.read_text()
    done = run(policy, 'echo "[alias] x = !evil" >> .git/config; touch .git/hooks-new')
    assert done.returncode != 0
    assert config.read_text() == before
    assert not (policy.workspace / ".git" / "hooks-new").exists()


def test_a_workspace_under_tmp_is_still_there(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "Anchor.toml").write_text("[provider]\n")
    policy = SandboxPolicy("workspace-write", workspace, False, tmp_path / "h", tmp_path / "s")
    done = run(policy, "cat Anchor.toml && echo ok > out")
    assert (done.returncode, done.stdout) == (0, "[provider]\n")
    assert (workspace / "out").read_text() == "ok\n"


@pytest.fixture
def loopback_server() -> Iterator[int]:
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            connection.sendall(b"hello\n")
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        server.close()


CONNECT = (
    "import socket; s = socket.create_connection(('127.0.0.1', {port}), timeout=10); "
    "print(s.recv(16).decode().strip())"
)


@pytest.mark.parametrize("network", [False, True])
def test_the_network_is_off_unless_the_policy_allows_it(
    place: Path, loopback_server: int, network: bool
) -> None:
    script = f'"{sys.executable}" -c "{CONNECT.format(port=loopback_server)}"'
    done = run(make_policy(place, network=network), script)
    if network:
        assert (done.returncode, done.stdout) == (0, "hello\n")
    else:
        assert done.returncode != 0
        assert "hello" not in done.stdout


def test_a_provider_key_never_reaches_the_child(place: Path) -> None:
    parent = dict(os.environ, OPENAI_API_KEY=CANARY, SOME_UNRELATED=f"x{CANARY}")
    done = run(make_policy(place), "env", environ=parent)
    assert done.returncode == 0
    assert "PATH=" in done.stdout
    assert CANARY not in done.stdout
    assert "TMPDIR=/tmp" in done.stdout.splitlines()


def test_the_parent_process_environment_is_not_visible_through_proc(
    place: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOLCODER_PROC_CANARY", CANARY)  # in this process, not given to the child
    script = "cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n'; ls /proc"
    done = run(make_policy(place), script, environ={"PATH": os.environ["PATH"]})
    assert done.returncode == 0
    assert "PATH=" in done.stdout
    assert CANARY not in done.stdout
    assert str(os.getpid()) not in done.stdout.split()


MARKER_SECONDS = "987.654"


def sandboxed_sleepers() -> list[int]:
    """Live processes running our uniquely long sleep."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if cmdline == f"sleep\0{MARKER_SECONDS}\0".encode() and state != "Z":
            found.append(int(entry))
    return found


def test_the_command_dies_with_its_parent(place: Path) -> None:
    policy = make_policy(place)
    ready = policy.workspace / "ready"
    parent_code = textwrap.dedent(
        f"""
        import subprocess, sys, time
        from pathlib import Path
        from solcoder.sandbox.launcher import plan_launch
        from solcoder.sandbox.policy import SandboxPolicy
        policy = SandboxPolicy("workspace-write", Path({str(policy.workspace)!r}), False,
                               Path({str(policy.home)!r}), Path({str(policy.solcoder_home)!r}))
        plan = plan_launch(["sh", "-c", "touch ready; exec sleep {MARKER_SECONDS}"], policy,
                           cwd=policy.workspace, environ={{"PATH": "/usr/bin:/bin"}})
        subprocess.Popen(plan.argv, env=plan.env)
        time.sleep(600)
        """
    )
    environ = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    parent = subprocess.Popen([sys.executable, "-c", parent_code], env=environ)
    try:
        for _ in range(600):
            if ready.exists() and sandboxed_sleepers():
                break
            time.sleep(0.05)
        assert ready.exists()
        assert sandboxed_sleepers()
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        for _ in range(200):
            if not sandboxed_sleepers():
                break
            time.sleep(0.05)
        assert sandboxed_sleepers() == []
    finally:
        parent.kill()
        parent.wait()
        for pid in sandboxed_sleepers():
            os.kill(pid, signal.SIGKILL)


def test_plan_cleanup_removes_the_private_tmp(place: Path) -> None:
    plan: LaunchPlan = plan_launch(
        ["true"], make_policy(place), cwd=place / "ws", environ={"PATH": "/bin"}
    )
    assert plan.tmp is not None
    assert plan.tmp.is_dir()
    plan.cleanup()
    assert not plan.tmp.exists()
