"""run_command with real (small) processes: exit codes, signals, merged order, UTF-8 across
reads, the bounded capture, live output, timeouts and cancellation ending the whole group, and
the environment passed exactly as given."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from solcoder.shell.run import CommandResult, cancelled_result, render_result, run_command
from tests.support.processes import running, small_env, wait_gone

PY = sys.executable


async def run(argv: list[str], tmp_path: Path, **options: Any) -> CommandResult:
    options.setdefault("timeout_s", 60.0)
    return await run_command(argv, env=small_env(), cwd=tmp_path, **options)


async def test_exit_code_and_no_signal(tmp_path: Path) -> None:
    result = await run(["sh", "-c", "echo done; exit 7"], tmp_path)
    assert (result.exit_code, result.signal) == (7, None)
    assert result.output == "done\n"
    assert result.total_bytes == 5
    assert not result.timed_out
    assert not result.cancelled
    assert render_result(result, command="make").startswith("$ make\ndone\nexit code 7 · ")


async def test_killed_by_a_signal(tmp_path: Path) -> None:
    result = await run(["sh", "-c", "kill -KILL $$"], tmp_path)
    assert (result.exit_code, result.signal) == (None, signal.SIGKILL)
    assert "killed by SIGKILL" in render_result(result, command="x")
    assert "(no output)" in render_result(result, command="x")


async def test_stdout_and_stderr_are_merged_in_order(tmp_path: Path) -> None:
    script = "echo out1; echo err1 >&2; echo out2; echo err2 >&2"
    result = await run(["sh", "-c", script], tmp_path)
    assert result.output == "out1\nerr1\nout2\nerr2\n"


async def test_a_character_split_across_reads_arrives_whole(tmp_path: Path) -> None:
    # "€" is e2 82 ac: the first write ends inside it, the pause makes it a separate read
    code = "import os, time; os.write(1, b'a\\xe2\\x82'); time.sleep(0.3); os.write(1, b'\\xac b')"
    chunks: list[str] = []
    result = await run([PY, "-c", code], tmp_path, on_output=chunks.append)
    assert "".join(chunks) == "a€ b"
    assert "\ufffd" not in "".join(chunks)
    assert result.output == "a€ b"


async def test_invalid_utf8_is_replaced_not_fatal(tmp_path: Path) -> None:
    chunks: list[str] = []
    code = "import os; os.write(1, b'ok \\xff\\xfe end')"
    result = await run([PY, "-c", code], tmp_path, on_output=chunks.append)
    assert result.output == "ok \ufffd\ufffd end"
    assert "".join(chunks) == result.output


async def test_big_output_keeps_head_and_tail_with_a_note(tmp_path: Path) -> None:
    code = "import sys; sys.stdout.write(''.join(f'line {i}\\n' for i in range(100000)))"
    total = sum(len(f"line {i}\n") for i in range(100000))
    result = await run([PY, "-c", code], tmp_path, max_output_bytes=1000)
    assert result.total_bytes == total
    assert result.output.startswith("line 0\nline 1\n")
    assert result.output.endswith("line 99998\nline 99999\n")
    head, note, tail = result.output.partition("\n[… ")
    assert note
    cut = int(tail.split(" bytes cut …]")[0].replace(",", ""))
    kept_tail = tail.split("…]\n", 1)[1]
    assert len(head.encode()) + cut + len(kept_tail.encode()) == total  # the "\n" before is ours
    assert len(result.output.encode()) < 1100


async def test_output_that_fits_is_not_cut(tmp_path: Path) -> None:
    result = await run(["sh", "-c", "printf '%s' 0123456789"], tmp_path, max_output_bytes=10)
    assert result.output == "0123456789"


async def test_on_output_gets_everything_in_order_even_past_the_cap(tmp_path: Path) -> None:
    code = "import sys\nfor i in range(30000): sys.stdout.write(f'{i}\\n')\n"
    chunks: list[str] = []
    result = await run([PY, "-c", code], tmp_path, on_output=chunks.append, max_output_bytes=64)
    assert "".join(chunks) == "".join(f"{i}\n" for i in range(30000))
    assert result.total_bytes == len("".join(chunks))


async def test_timeout_kills_the_command_and_its_grandchild(tmp_path: Path) -> None:
    script = "sleep 60 & echo $!; echo $$; sleep 60"
    result = await run(["bash", "-c", script], tmp_path, timeout_s=1.0)
    assert result.timed_out
    assert result.exit_code is None
    grandchild, leader = (int(line) for line in result.output.split())
    assert wait_gone(grandchild)
    assert wait_gone(leader)
    text = render_result(result, command="sleep")
    assert text.endswith("timed out after 1.0 s (the whole process group was killed)")


async def test_a_job_left_behind_by_a_finished_command_is_ended(tmp_path: Path) -> None:
    result = await run(["bash", "-c", "sleep 60 & echo $!"], tmp_path, timeout_s=60.0)
    assert not result.timed_out
    assert result.exit_code == 0
    assert wait_gone(int(result.output))


async def test_cancelling_the_task_kills_the_group_and_reports_it(tmp_path: Path) -> None:
    started = asyncio.Event()
    seen: list[str] = []

    def on_output(text: str) -> None:
        seen.append(text)
        if "".join(seen).count("\n") >= 2:
            started.set()

    script = "sleep 60 & echo $!; echo $$; sleep 60"
    reported: list[CommandResult] = []

    async def tool() -> None:  # what the run_command tool does: report, then re-raise
        try:
            await run(["bash", "-c", script], tmp_path, on_output=on_output)
        except asyncio.CancelledError as error:
            stopped = cancelled_result(error)
            assert stopped is not None
            reported.append(stopped)
            raise

    task = asyncio.create_task(tool())
    await asyncio.wait_for(started.wait(), 30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError) as cancelled:
        await task
    assert type(cancelled.value) is asyncio.CancelledError  # plain: task groups recognise it
    assert task.cancelled()
    [result] = reported
    assert result.cancelled
    assert not result.timed_out
    grandchild, leader = (int(line) for line in result.output.split())
    assert wait_gone(grandchild)
    assert wait_gone(leader)
    assert render_result(result, command="x").endswith("stopped by the user (Ctrl-C)")


async def test_a_cancelled_command_inside_a_task_group_stays_a_cancellation(
    tmp_path: Path,
) -> None:
    async def body() -> None:
        async with asyncio.TaskGroup() as group:
            group.create_task(run(["sleep", "60"], tmp_path))
            await run(["sleep", "60"], tmp_path)

    task = asyncio.create_task(body())
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cancelled_result(asyncio.CancelledError()) is None


async def test_the_environment_is_exactly_the_one_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOLCODER_TEST_LEAK", "should-not-appear")
    env = {"ONLY_THIS": "1", "PATH": os.environ["PATH"]}
    result = await run_command(["env"], env=env, cwd=tmp_path, timeout_s=60)
    assert sorted(result.output.splitlines()) == sorted(f"{k}={v}" for k, v in env.items())


async def test_stdin_is_empty_and_cwd_is_used(tmp_path: Path) -> None:
    result = await run(["sh", "-c", "cat; pwd"], tmp_path)
    assert result.exit_code == 0
    assert Path(result.output.strip()).resolve() == tmp_path.resolve()


async def test_a_missing_executable_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        await run(["solcoder-no-such-program"], tmp_path)


async def test_an_empty_argv_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="empty"):
        await run([], tmp_path)


def test_render_result_formats() -> None:
    base: dict[str, Any] = {"signal": None, "output": "x", "total_bytes": 1, "timed_out": False}
    quick = CommandResult(exit_code=0, duration_s=3.21, cancelled=False, **base)
    assert render_result(quick, command="ls") == "$ ls\nx\nexit code 0 · 3.2 s"
    slow = CommandResult(exit_code=1, duration_s=75.4, cancelled=False, **base)
    assert render_result(slow, command="ls").endswith("exit code 1 · 75 s")


def test_running_helper_sees_this_process() -> None:
    assert running(os.getpid())
