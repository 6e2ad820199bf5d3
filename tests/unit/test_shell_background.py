"""ProcessManager with real (small) processes: start, output by offset, stop, list, what stays
after a process exits, stop_all, and no child outliving its parent however the parent ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import solcoder
from solcoder.shell.background import ProcessManager, UnknownProcess
from tests.support.processes import running, small_env, wait_gone

PY = sys.executable
PARENT = Path(__file__).resolve().parents[1] / "support" / "process_parent.py"


@pytest.fixture
def manager() -> Iterator[ProcessManager]:
    processes = ProcessManager()
    yield processes
    processes.stop_all()


def wait_for_output(manager: ProcessManager, ident: str, needle: str) -> str:
    deadline = time.monotonic() + 30
    while True:
        text, _, _ = manager.output(ident)
        if needle in text or time.monotonic() > deadline:
            return text
        time.sleep(0.02)


def wait_exited(manager: ProcessManager, ident: str) -> None:
    deadline = time.monotonic() + 30
    while manager.info(ident).state.running and time.monotonic() < deadline:
        time.sleep(0.02)


def test_start_read_by_offset_and_stop(manager: ProcessManager, tmp_path: Path) -> None:
    script = "echo ready; while read -t 0.05 x || true; do sleep 0.05; done"
    info = manager.start(["bash", "-c", script], env=small_env(), cwd=tmp_path, command="serve")
    assert info.id == "p1"
    assert info.command == "serve"
    assert info.state.running
    assert info.state.describe() == "running"
    assert wait_for_output(manager, "p1", "ready") == "ready\n"
    text, offset, state = manager.output("p1")
    assert (text, offset, state.running) == ("ready\n", 6, True)
    assert manager.output("p1", since=offset)[:2] == ("", 6)
    stopped = manager.stop("p1", grace_s=5)
    assert not stopped.running
    assert stopped.stopped
    assert stopped.signal == signal.SIGTERM
    assert stopped.describe() == "killed by SIGTERM, stopped"
    assert wait_gone(info.pid)


def test_an_exited_process_keeps_its_code_and_output(
    manager: ProcessManager, tmp_path: Path
) -> None:
    script = "echo out; echo err >&2; exit 3"
    manager.start(["sh", "-c", script], env=small_env(), cwd=tmp_path, command="fail", name="f")
    wait_exited(manager, "f")
    info = manager.info("p1")
    assert not info.state.running
    assert (info.state.exit_code, info.state.stopped) == (3, False)
    assert info.state.describe() == "exited (code 3)"
    assert wait_for_output(manager, "f", "err") == "out\nerr\n"
    assert manager.stop("p1").exit_code == 3  # stopping a finished process changes nothing


def test_list_shows_every_process_in_order(manager: ProcessManager, tmp_path: Path) -> None:
    env = small_env()
    first = manager.start(["sleep", "60"], env=env, cwd=tmp_path, command="sleep 60")
    second = manager.start(["true"], env=env, cwd=tmp_path, command="true", name="t")
    wait_exited(manager, "t")
    listed = manager.list()
    assert [(p.id, p.name, p.command, p.pid) for p in listed] == [
        ("p1", None, "sleep 60", first.pid),
        ("p2", "t", "true", second.pid),
    ]
    assert listed[0].state.running
    assert listed[1].state.exit_code == 0
    assert all(p.uptime_s >= 0 and p.started > 0 for p in listed)


def test_the_environment_is_exactly_the_one_given(
    manager: ProcessManager, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOLCODER_TEST_LEAK", "no")
    env = small_env(ONLY_THIS="1")
    manager.start(["env"], env=env, cwd=tmp_path, command="env")
    wait_exited(manager, "p1")
    text = wait_for_output(manager, "p1", "ONLY_THIS")
    assert sorted(text.splitlines()) == sorted(f"{k}={v}" for k, v in env.items())


def test_stop_ends_the_whole_group(manager: ProcessManager, tmp_path: Path) -> None:
    script = "trap '' TERM; sleep 60 & echo $!; wait"  # the shell ignores SIGTERM: SIGKILL ends it
    manager.start(["bash", "-c", script], env=small_env(), cwd=tmp_path, command="stubborn")
    grandchild = int(wait_for_output(manager, "p1", "\n"))
    state = manager.stop("p1", grace_s=0.5)
    assert state.signal == signal.SIGKILL
    assert wait_gone(grandchild)


def test_output_is_bounded_with_a_note(tmp_path: Path) -> None:
    manager = ProcessManager(retain_bytes=1000, read_bytes=200)
    code = "import sys; sys.stdout.write(''.join(f'{i:05}\\n' for i in range(5000)))"
    manager.start([PY, "-c", code], env=small_env(), cwd=tmp_path, command="print")
    wait_exited(manager, "p1")
    deadline = time.monotonic() + 30
    while manager.output("p1")[1] < 30_000 and time.monotonic() < deadline:
        time.sleep(0.02)
    text, offset, _ = manager.output("p1", since=0)
    assert offset == 30_000
    assert text.startswith("[… 29,000 earlier bytes dropped")
    assert "bytes cut" in text
    assert text.endswith("04999\n")


def test_log_file_is_private_and_complete(tmp_path: Path) -> None:
    manager = ProcessManager(log_dir=tmp_path / "logs", retain_bytes=100)
    code = "import sys; sys.stdout.write('x' * 5000)"
    info = manager.start([PY, "-c", code], env=small_env(), cwd=tmp_path, command="x")
    wait_exited(manager, "p1")
    assert info.log_path == tmp_path / "logs" / "p1.log"
    deadline = time.monotonic() + 30
    while info.log_path.stat().st_size < 5000 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert info.log_path.read_text() == "x" * 5000
    assert info.log_path.stat().st_mode & 0o077 == 0
    assert (tmp_path / "logs").stat().st_mode & 0o077 == 0


def test_stop_all_is_idempotent(tmp_path: Path) -> None:
    manager = ProcessManager()
    pids = [
        manager.start(["sleep", "60"], env=small_env(), cwd=tmp_path, command="s").pid
        for _ in range(3)
    ]
    manager.stop_all()
    manager.stop_all()
    assert all(wait_gone(pid) for pid in pids)
    assert [p.state.stopped for p in manager.list()] == [True, True, True]
    ProcessManager().stop_all()  # nothing started: nothing to do


def test_unknown_ids_and_bad_commands(manager: ProcessManager, tmp_path: Path) -> None:
    with pytest.raises(UnknownProcess, match="p9"):
        manager.output("p9")
    with pytest.raises(FileNotFoundError):
        manager.start(["solcoder-no-such-program"], env=small_env(), cwd=tmp_path, command="x")
    with pytest.raises(ValueError, match="empty"):
        manager.start([], env=small_env(), cwd=tmp_path, command="")
    assert manager.list() == []


def run_parent(mode: str, directory: Path) -> tuple[subprocess.Popen[bytes], int, int]:
    env = {**small_env(), "PYTHONPATH": str(Path(solcoder.__file__).resolve().parents[1])}
    parent = subprocess.Popen([PY, str(PARENT), mode, str(directory)], env=env, cwd=directory)
    pids = directory / "pids"
    deadline = time.monotonic() + 60
    while not pids.exists():
        assert parent.poll() is None or mode != "wait", "the stand-in parent died early"
        assert time.monotonic() < deadline, "the stand-in parent never started its children"
        time.sleep(0.02)
    child, grandchild = (int(pid) for pid in pids.read_text().split())
    return parent, child, grandchild


@pytest.mark.parametrize("mode", ["exit", "raise"])
def test_children_end_when_the_parent_exits(mode: str, tmp_path: Path) -> None:
    parent, child, grandchild = run_parent(mode, tmp_path)
    parent.wait(timeout=60)
    assert wait_gone(child)
    assert wait_gone(grandchild)  # stop_all (atexit) ended the whole group


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_the_direct_child_dies_with_a_killed_parent(sig: int, tmp_path: Path) -> None:
    parent, child, grandchild = run_parent("wait", tmp_path)
    assert running(child)
    os.kill(parent.pid, sig)
    parent.wait(timeout=60)
    assert wait_gone(child)  # PR_SET_PDEATHSIG (atexit for SIGINT)
    if sig == signal.SIGINT:
        assert wait_gone(grandchild)
    elif running(grandchild):  # outside the sandbox a grandchild may survive: documented
        os.kill(grandchild, signal.SIGKILL)
