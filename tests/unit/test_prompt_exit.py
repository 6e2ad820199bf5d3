"""`exit_promptly` skips the interpreter's teardown but nothing the teardown would have done
for the user: buffered output, `atexit` hooks, threads the interpreter waits for."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SOURCE = str(Path(__file__).resolve().parents[2] / "src")


def run(script: str, tmp_path: Path, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": SOURCE}
    env.pop("PYTHONUNBUFFERED", None)  # stdout to a pipe is block-buffered
    return subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
        **kwargs,  # type: ignore[call-overload]
    )


def test_buffered_output_and_exit_hooks_are_kept(tmp_path: Path) -> None:
    script = (
        "import atexit, sys\n"
        "from solcoder.cli.prompt_exit import exit_promptly\n"
        "atexit.register(lambda: open('hook', 'w').write('ran'))\n"
        "sys.stdout.write('x' * 200_000)\n"
        "sys.stderr.write('note')\n"
        "exit_promptly(3)\n"
        "sys.stdout.write('never')\n"
    )
    result = run(script, tmp_path, capture_output=True)
    assert result.returncode == 3
    assert result.stdout == b"x" * 200_000
    assert result.stderr == b"note"
    assert (tmp_path / "hook").read_text() == "ran"


_FINALISED_AT_TEARDOWN = (
    "import os, sys\n"
    "from solcoder.cli.prompt_exit import exit_promptly\n"
    "class Thing:\n"
    "    def __del__(self, write=os.write):\n"  # bound now: builtins are gone by teardown
    "        write(1, b'finalised')\n"
    "thing = Thing()\n"
)


def test_teardown_is_skipped(tmp_path: Path) -> None:
    """The point of it: objects are not finalised one by one (a module global's `__del__`,
    which the interpreter's own exit does run, never runs)."""
    control = run(_FINALISED_AT_TEARDOWN + "sys.exit(0)\n", tmp_path, capture_output=True)
    assert control.stdout == b"finalised"  # the probe sees a teardown when there is one
    result = run(_FINALISED_AT_TEARDOWN + "exit_promptly(0)\n", tmp_path, capture_output=True)
    assert result.returncode == 0
    assert result.stdout == b""


def test_a_thread_the_interpreter_would_wait_for_is_waited_for(tmp_path: Path) -> None:
    script = (
        "import threading, time\n"
        "from solcoder.cli.prompt_exit import exit_promptly\n"
        "def work():\n"
        "    time.sleep(0.3)\n"
        "    open('done', 'w').close()\n"
        "threading.Thread(target=work).start()\n"
        "exit_promptly(4)\n"
    )
    assert run(script, tmp_path).returncode == 4
    assert (tmp_path / "done").exists()


def test_a_closed_stdout_pipe_is_quiet(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        script = (
            "import sys\n"
            "from solcoder.cli.prompt_exit import exit_promptly\n"
            "sys.stdout.write('lost' * 100)\n"
            "exit_promptly(0)\n"
        )
        result = run(script, tmp_path, stdout=write_end, stderr=subprocess.PIPE)
    finally:
        os.close(write_end)
    assert result.returncode == 0
    assert result.stderr == b""
