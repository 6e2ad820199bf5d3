"""State under SOLCODER_HOME seen from the installed CLI: nothing is lost without the user
being told, failed runs leave no sessions behind, and the home's permissions are checked."""

from __future__ import annotations

import itertools
import sqlite3
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import Run

pytestmark = pytest.mark.e2e


def _rows(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        return int(connection.execute("SELECT COUNT(*) FROM calls").fetchone()[0])


def test_a_locked_telemetry_database_costs_a_bounded_wait_and_one_warning(
    run_cli: Run, solcoder_home: Path
) -> None:
    assert run_cli("-p", "hello", "--offline-mode").returncode == 0
    database = solcoder_home / "telemetry.db"
    assert _rows(database) == 1
    other = sqlite3.connect(database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the lock for the whole run
    try:
        result = run_cli("-p", "hello", "--offline-mode")  # run_cli's timeout: the hang guard
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("not saved") == 1, result.stderr
    assert "1 telemetry record was not saved" in result.stderr
    assert "locked" in result.stderr
    assert _rows(database) == 1


def test_a_damaged_telemetry_database_is_told_after_a_prompt(
    run_cli: Run, solcoder_home: Path
) -> None:
    solcoder_home.mkdir(parents=True, mode=0o700)
    damaged = solcoder_home / "telemetry.db"
    damaged.write_bytes(b"not a database" * 100)
    result = run_cli("-p", "hello", "--offline-mode")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()  # the conversation itself went on
    assert "telemetry record was not saved" in result.stderr
    assert "damaged" in result.stderr and "Move it aside" in result.stderr
    assert damaged.read_bytes() == b"not a database" * 100


KILLED = 3


def test_turns_killed_before_a_reply_resume_into_alternating_roles(
    solcoder_home: Path, tmp_path: Path, run_cli: Run
) -> None:
    import json
    import os
    import signal
    import subprocess

    from tests.e2e.conftest import SOLCODER, clean_environment
    from tests.support.fake_llm_server import FakeLLMServer, Reply

    key = "sk-test-killed-turns-0123456789"
    with FakeLLMServer(lifetime=120) as server:
        server.enqueue(*(Reply(text="never seen", headers_delay=60) for _ in range(KILLED)))
        server.enqueue(Reply(text="Back again."))
        flags = [
            "--llm-provider",
            "openai",
            "--llm-base-url",
            server.base_url("chat"),
            "--llm-model",
            "fake-model",
        ]
        env = clean_environment(solcoder_home, {"OPENAI_API_KEY": key})
        work = tmp_path / "work"
        work.mkdir(exist_ok=True)
        session_id = ""
        for number in range(KILLED):
            resume = ["--session", session_id] if session_id else []
            child = subprocess.Popen(
                [SOLCODER, "-p", f"killed prompt {number}", *flags, *resume],
                env=env,
                cwd=work,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            deadline = time.monotonic() + 30
            while len(server.requests) <= number:  # the prompt is saved before the request
                assert child.poll() is None and time.monotonic() < deadline
                time.sleep(0.05)
            os.kill(child.pid, signal.SIGKILL)
            child.wait(10)
            if not session_id:
                [line] = run_cli("sessions", "list", "--json").stdout.splitlines()
                session_id = json.loads(line)["id"]
        result = run_cli(
            "-p", "the next prompt", *flags, "--session", session_id, env={"OPENAI_API_KEY": key}
        )
        assert result.returncode == 0, result.stderr
        assert "Back again." in result.stdout
        body = server.requests[-1].json
    roles = [message["role"] for message in body["messages"] if message["role"] != "system"]
    assert roles[0] == "user" and roles[-1] == "user"
    assert all(a != b for a, b in itertools.pairwise(roles)), roles
    sent = json.dumps(body["messages"])
    for number in range(KILLED):
        assert f"killed prompt {number}" in sent
    [line] = run_cli("sessions", "list", "--json").stdout.splitlines()
    assert json.loads(line)["turns"] == KILLED + 1


def test_failed_launches_never_push_the_real_session_out(run_cli: Run, solcoder_home: Path) -> None:
    import json

    from tests.support.fake_llm_server import FakeLLMServer, Reply

    assert run_cli("config", "set", "sessions.keep", "2").returncode == 0
    demo = run_cli("-p", "the demo", "--offline-mode")
    assert demo.returncode == 0, demo.stderr
    [line] = run_cli("sessions", "list", "--json").stdout.splitlines()
    demo_id = json.loads(line)["id"]
    for _ in range(3):  # no key: fails before its prompt, so no session at all
        assert run_cli("-p", "hello", "--llm-provider", "openai").returncode == 2
    for _ in range(3):  # an unknown provider, the same
        assert run_cli("-p", "hello", "--llm-provider", "nosuch").returncode != 0
    with FakeLLMServer(lifetime=60) as server:
        server.enqueue(Reply(status=401, error_message="Incorrect API key", repeat=10))
        for _ in range(3):  # refused: the prompt is kept (resumable), but it is no real session
            refused = run_cli(
                "-p",
                "hello",
                "--llm-provider",
                "openai",
                "--llm-base-url",
                server.base_url("chat"),
                env={"OPENAI_API_KEY": "sk-test-refused-0123456789"},
            )
            assert refused.returncode != 0
    listed = [
        json.loads(line) for line in run_cli("sessions", "list", "--json").stdout.splitlines()
    ]
    ids = [entry["id"] for entry in listed]
    assert demo_id in ids
    # The demo, and the refused runs: the 2 kept of those plus the one that was running.
    assert len(ids) == 1 + 2 + 1
    assert [entry["turns"] for entry in listed if entry["id"] != demo_id] == [1, 1, 1]
    assert len(list((solcoder_home / "sessions").iterdir())) == len(ids)  # no empty ones


def test_an_existing_home_open_to_others_is_reported_with_the_fix(
    run_cli: Run, solcoder_home: Path
) -> None:
    import stat

    solcoder_home.mkdir(parents=True)
    solcoder_home.chmod(0o755)
    listed = run_cli("sessions", "list")
    assert listed.returncode == 0, listed.stderr
    assert "mode 0755" in listed.stderr and f"chmod 700 {solcoder_home}" in listed.stderr
    assert stat.S_IMODE(solcoder_home.stat().st_mode) == 0o755  # a reading command changes nothing
    prompt = run_cli("-p", "hello", "--offline-mode")
    assert prompt.returncode == 0, prompt.stderr
    assert prompt.stderr.count("mode 0755") == 1
    assert "made it 0700" in prompt.stderr
    assert stat.S_IMODE(solcoder_home.stat().st_mode) == 0o700
    again = run_cli("sessions", "list")
    assert "mode 0" not in again.stderr  # private now: nothing to say


def _read_only_mount_works() -> bool:
    import shutil
    import subprocess

    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return False
    probe = subprocess.run(
        ["unshare", "--mount", "sh", "-c", "mount --bind / / 2>/dev/null"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


@pytest.mark.skipif(
    not _read_only_mount_works(),
    reason="needs a private mount namespace (unshare --mount) to make the home read-only; "
    "file modes alone do not stop root",
)
def test_reading_commands_work_on_a_read_only_home(run_cli: Run, solcoder_home: Path) -> None:
    import json
    import os
    import shlex
    import subprocess

    from tests.e2e.conftest import SOLCODER, clean_environment

    assert run_cli("-p", "hello", "--offline-mode").returncode == 0
    home = shlex.quote(str(solcoder_home))

    def read_only(*args: str) -> subprocess.CompletedProcess[str]:
        """`solcoder ARGS` with SOLCODER_HOME mounted read-only (for root as for anyone)."""
        command = " ".join(shlex.quote(arg) for arg in (SOLCODER, *args))
        script = f"mount --bind {home} {home} && mount -o remount,bind,ro {home} && exec {command}"
        return subprocess.run(
            ["unshare", "--mount", "sh", "-c", script],
            capture_output=True,
            text=True,
            timeout=60,
            env=clean_environment(solcoder_home),
            cwd=solcoder_home.parent,
            check=False,
        )

    before = sorted(os.listdir(solcoder_home))
    logs = read_only("logs", "--json")
    assert logs.returncode == 0, logs.stderr
    assert len(json.loads(logs.stdout)) == 1
    stats = read_only("stats", "--json")
    assert stats.returncode == 0, stats.stderr
    assert read_only("logs").returncode == 0
    listed = read_only("sessions", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    session_id = json.loads(listed.stdout.splitlines()[0])["id"]
    for args in (("sessions", "show", session_id), ("config", "list"), ("auth", "status")):
        result = read_only(*args)
        assert result.returncode == 0, (args, result.stderr)
    assert sorted(os.listdir(solcoder_home)) == before
