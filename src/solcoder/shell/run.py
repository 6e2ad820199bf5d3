"""A command in the foreground: live output, bounded capture, and an end that is always clean.

`run_command` starts an argv (the sandbox built it) with stdout and stderr on one pipe, so the
model reads them in the order the command wrote them, and reads that pipe in big blocks through
an asyncio protocol: no per-line work, and the event loop stays free for the spinner and Ctrl-C.
Live chunks go to `on_output` decoded incrementally (a character split across two reads is
whole in the second chunk); the result keeps the head and the tail (`capture.HeadTail`).

The command is the leader of a new process group, with stdin on /dev/null (an interactive
prompt gets end-of-file instead of waiting forever). A timeout, a cancellation, or a leader that
exits while its `&` jobs still run ends the whole group: SIGTERM, then SIGKILL after
`KILL_GRACE_S` (see `group.py`, also for what survives a SIGKILL of SolCoder).

Cancellation (Ctrl-C in the REPL cancels the task): the group is stopped, the partial result
(`cancelled=True`, the output so far) is attached to the `asyncio.CancelledError`, and that same
error is re-raised. Cancellation keeps propagating unchanged (Python 3.11's task groups and
`asyncio.timeout` recognise only the exact class, so no subclass), and the tool that awaited
`run_command` can still report "stopped by the user":

    try:
        result = await run_command(argv, env=env, cwd=cwd, timeout_s=120)
    except asyncio.CancelledError as error:
        stopped = cancelled_result(error)
        if stopped is not None:
            record(render_result(stopped, command=command))
        raise

A command that cannot start (no such executable or directory) raises the `OSError`.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import fcntl
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from solcoder.shell.capture import HeadTail
from solcoder.shell.group import KILL_GRACE_S, die_with_parent, group_alive, signal_group
from solcoder.shell.group import signal_name as _signal_name

DEFAULT_MAX_OUTPUT = 64 * 1024
PIPE_BYTES = 1024 * 1024
DRAIN_AFTER_KILL_S = 1.0
"""After the group is killed, how long to wait for the pipe's end: a process that left the
group (its own `setsid`) may still hold the pipe, and we do not wait for it."""


@dataclass(frozen=True, slots=True)
class CommandResult:
    exit_code: int | None
    """The exit status, None when a signal ended the command."""
    signal: int | None
    duration_s: float
    output: str
    """stdout and stderr merged; head and tail kept with "[… N bytes cut …]" between."""
    total_bytes: int
    timed_out: bool
    cancelled: bool
    timeout_s: float = 0.0
    """The limit the command ran under (for "timed out after 120 s")."""


_RESULT_ATTRIBUTE = "solcoder_command_result"


def cancelled_result(error: BaseException) -> CommandResult | None:
    """The partial result a cancelled `run_command` attached to its `CancelledError`."""
    result = getattr(error, _RESULT_ATTRIBUTE, None)
    return result if isinstance(result, CommandResult) else None


class _Pipe(asyncio.SubprocessProtocol):
    """Feeds every block of output to the capture (and the live callback) as it arrives."""

    def __init__(self, capture: HeadTail, on_output: Callable[[str], None] | None) -> None:
        self.capture = capture
        self.on_output = on_output
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace") if on_output else None
        loop = asyncio.get_running_loop()
        self.eof: asyncio.Future[None] = loop.create_future()
        self.exited: asyncio.Future[None] = loop.create_future()

    def pipe_data_received(self, fd: int, data: bytes | str) -> None:
        block = data.encode() if isinstance(data, str) else data
        self.capture.add(block)
        if self.decoder is not None and self.on_output is not None:
            text = self.decoder.decode(block)
            if text:
                self.on_output(text)

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        if fd == 1 and not self.eof.done():
            self.eof.set_result(None)

    def process_exited(self) -> None:
        if not self.exited.done():
            self.exited.set_result(None)

    def flush(self) -> None:
        if self.decoder is not None and self.on_output is not None:
            text = self.decoder.decode(b"", final=True)
            if text:
                self.on_output(text)


async def run_command(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    timeout_s: float,
    on_output: Callable[[str], None] | None = None,
    max_output_bytes: int = DEFAULT_MAX_OUTPUT,
    stdin: None = None,
) -> CommandResult:
    """Run `argv` to its end (or `timeout_s`), its output merged, bounded and streamed.

    `env` is the whole environment: nothing of SolCoder's is inherited. `stdin` is always
    /dev/null (the parameter exists so callers state it)."""
    if not argv:
        raise ValueError("an empty command")
    loop = asyncio.get_running_loop()
    capture = HeadTail(max_output_bytes)
    started = time.monotonic()
    transport, pipe = await loop.subprocess_exec(
        lambda: _Pipe(capture, on_output),
        *argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=dict(env),
        cwd=cwd,
        start_new_session=True,
        preexec_fn=die_with_parent(),
    )
    pgid = transport.get_pid()
    _widen_pipe(transport)
    timed_out = False
    try:
        try:
            done, _ = await asyncio.wait({pipe.exited}, timeout=timeout_s)
            timed_out = not done
            if timed_out:
                await _stop_group(pgid, pipe)
            elif group_alive(pgid):
                # the leader is gone but its `&` jobs hold on: the command is over, they go too
                await _stop_group(pgid, pipe)
            await _drain(pipe)
        except asyncio.CancelledError as cancelled:
            await _stop_after_cancel(pgid, pipe)
            result = _result(transport, pipe, started, timeout_s, cancelled=True)
            setattr(cancelled, _RESULT_ATTRIBUTE, result)
            raise
    finally:
        transport.close()
    return _result(transport, pipe, started, timeout_s, timed_out=timed_out)


def _widen_pipe(transport: asyncio.SubprocessTransport) -> None:
    """Ask for a 1 MiB pipe (Linux; 64 KiB by default) so a fast producer blocks less often
    and we wake up fewer times (a quarter fewer reads for 50 MB). Best effort: the system's
    limit for unprivileged users may be lower."""
    pipe = transport.get_pipe_transport(1)
    source = pipe.get_extra_info("pipe") if pipe is not None else None
    setting = getattr(fcntl, "F_SETPIPE_SZ", None)
    if source is None or setting is None:
        return
    with contextlib.suppress(OSError, ValueError):
        fcntl.fcntl(source.fileno(), setting, PIPE_BYTES)


async def _stop_group(pgid: int, pipe: _Pipe) -> None:
    """SIGTERM the group, give it `KILL_GRACE_S` to go, then SIGKILL whatever is left."""
    if not signal_group(pgid, signal.SIGTERM):
        return
    deadline = time.monotonic() + KILL_GRACE_S
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(pipe.exited), KILL_GRACE_S)
    delay = 0.005
    while group_alive(pgid) and time.monotonic() < deadline:
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.1)
    signal_group(pgid, signal.SIGKILL)


async def _stop_after_cancel(pgid: int, pipe: _Pipe) -> None:
    """Stop the group even if the cancellation is repeated: a second Ctrl-C kills at once."""
    try:
        await _stop_group(pgid, pipe)
        await _drain(pipe)
    except asyncio.CancelledError:
        signal_group(pgid, signal.SIGKILL)
    with contextlib.suppress(asyncio.CancelledError, TimeoutError):
        await asyncio.wait_for(asyncio.shield(pipe.exited), KILL_GRACE_S)


async def _drain(pipe: _Pipe) -> None:
    """Read to the pipe's end; give up after a moment if something outside the group holds it."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(pipe.eof), DRAIN_AFTER_KILL_S)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(pipe.exited), KILL_GRACE_S)
    pipe.flush()


def _result(
    transport: asyncio.SubprocessTransport,
    pipe: _Pipe,
    started: float,
    timeout_s: float,
    *,
    timed_out: bool = False,
    cancelled: bool = False,
) -> CommandResult:
    code = transport.get_returncode()
    return CommandResult(
        exit_code=code if code is not None and code >= 0 else None,
        signal=-code if code is not None and code < 0 else None,
        duration_s=time.monotonic() - started,
        output=pipe.capture.text(),
        total_bytes=pipe.capture.total,
        timed_out=timed_out,
        cancelled=cancelled,
        timeout_s=timeout_s,
    )


def _seconds(value: float) -> str:
    return f"{value:.0f} s" if value >= 10 else f"{value:.1f} s"


def describe_end(result: CommandResult) -> str:
    """One line: how the command ended ("exit code 1 · 3.2 s")."""
    if result.cancelled:
        return "stopped by the user (Ctrl-C)"
    if result.timed_out:
        return f"timed out after {_seconds(result.timeout_s)} (the whole process group was killed)"
    if result.signal is not None:
        return f"killed by {_signal_name(result.signal)} · {_seconds(result.duration_s)}"
    return f"exit code {result.exit_code} · {_seconds(result.duration_s)}"


def render_result(result: CommandResult, *, command: str) -> str:
    """The text the model reads: the command, its output, then how it ended."""
    output = result.output if result.output else "(no output)\n"
    if not output.endswith("\n"):
        output += "\n"
    return f"$ {command}\n{output}{describe_end(result)}"
