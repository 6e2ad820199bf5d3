"""Running one hook: its command, one JSON object on stdin, its answer, within its timeout.

A hook is the user's own command, not the model's, so it runs outside the command sandbox (a
formatter must write the file just edited) but with what every model-written command gets
too: the workspace as its directory, the scrubbed environment (no provider keys, no
`SOLCODER_*` settings, no tokens: `sandbox/environment.py`) plus the `SOLCODER_HOOK_*`
variables, its own process group (a timeout ends the hook and everything it started), and
stdout and stderr read to a bound (a hook printing forever cannot fill memory).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from solcoder.records import shared_methods

MAX_OUTPUT_BYTES: Final = 64 * 1024
"""What is kept of each of stdout and stderr; the rest is read and dropped."""
KILL_GRACE_S: Final = 1.0
_CHUNK: Final = 16 * 1024


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Finished:
    """How one hook process ended."""

    exit_code: int | None
    """None: it timed out (and was stopped) or never started."""
    stdout: str
    stderr: str
    duration_s: float
    timed_out: bool = False
    start_error: str | None = None


def argv_of(command: str | tuple[str, ...]) -> list[str]:
    """A string runs through the shell (pipes, `&&`, `cd`); a list is the argv itself."""
    return ["/bin/sh", "-c", command] if isinstance(command, str) else list(command)


async def run_hook(
    command: str | tuple[str, ...],
    stdin: bytes,
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout_s: float,
) -> Finished:
    """Run `command` to its end or its timeout; never raises for the hook's own failures."""
    from solcoder.loopless import need_loop
    from solcoder.shell.group import die_with_parent

    await need_loop()  # a subprocess on the event loop (solcoder.loopless)

    started = time.monotonic()
    try:
        process = await asyncio.create_subprocess_exec(
            *argv_of(command),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=dict(env),
            start_new_session=True,
            preexec_fn=die_with_parent(),
        )
    except OSError as error:
        reason = error.strerror or str(error)
        return Finished(None, "", "", time.monotonic() - started, start_error=reason)
    try:
        outputs = asyncio.gather(
            _feed(process, stdin),
            _read_bounded(process.stdout),
            _read_bounded(process.stderr),
            process.wait(),
        )
        try:
            _, out, err, code = await asyncio.wait_for(asyncio.shield(outputs), timeout_s)
        except TimeoutError:
            await _stop(process)
            with contextlib.suppress(BaseException):
                outputs.cancel()
                await outputs
            return Finished(None, "", "", time.monotonic() - started, timed_out=True)
    except BaseException:
        await _stop(process)  # cancelled (Ctrl-C): the hook goes with the turn
        raise
    return Finished(code, _text(out), _text(err), time.monotonic() - started)


async def _feed(process: asyncio.subprocess.Process, data: bytes) -> None:
    """Write the event and close stdin; a hook that does not read it is not an error."""
    pipe = process.stdin
    if pipe is None:
        return
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        pipe.write(data)
        await pipe.drain()
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        pipe.close()


async def _read_bounded(stream: asyncio.StreamReader | None) -> bytes:
    if stream is None:
        return b""
    kept = bytearray()
    while chunk := await stream.read(_CHUNK):
        if len(kept) < MAX_OUTPUT_BYTES:
            kept += chunk[: MAX_OUTPUT_BYTES - len(kept)]
    return bytes(kept)


async def _stop(process: asyncio.subprocess.Process) -> None:
    """SIGTERM the hook's group, SIGKILL what is left after a moment."""
    from solcoder.shell.group import signal_group

    pgid = process.pid
    if not signal_group(pgid, signal.SIGTERM):
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(process.wait(), KILL_GRACE_S)
    signal_group(pgid, signal.SIGKILL)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(process.wait(), KILL_GRACE_S)


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")
