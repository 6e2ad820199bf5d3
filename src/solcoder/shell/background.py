"""Background processes (a dev server, `solana-test-validator`, a watcher): started, read,
listed and stopped by id, and never left behind when SolCoder ends.

Each process gets two daemon threads, which work the same under the REPL's event loop and in
`-p`, where nothing may be running a loop at all. The *keeper* forks the process and then waits
for it: the kernel's parent-death signal is tied to the thread that forked (`group.py`), so that
thread must live exactly as long as the child. The *reader* copies the merged stdout/stderr
pipe, in big blocks, into a bounded `RetainedOutput` (and, with a `log_dir`, to a private log
file, capped), so a chatty server never blocks on a full pipe nor grows SolCoder's memory.

How the children end with SolCoder: a normal exit or an exception runs `stop_all` (registered
with `atexit` at the first start; callers may also call it from their signal handlers, it is
idempotent and never raises); SIGKILL of SolCoder sends SIGKILL to each direct child
(`PR_SET_PDEATHSIG`); under the sandbox (`bwrap --die-with-parent --unshare-pid`) the whole tree
goes. `stop` and `stop_all` end the whole process group: SIGTERM, then SIGKILL after the grace.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from solcoder.shell.group import die_with_parent, group_alive, kill_group_sync, signal_group
from solcoder.shell.group import signal_name as _signal_name
from solcoder.shell.retained import RetainedOutput

RETAIN_BYTES = 1024 * 1024
READ_BYTES = 64 * 1024
LOG_LIMIT_BYTES = 64 * 1024 * 1024
BLOCK = 64 * 1024


class UnknownProcess(KeyError):
    """No background process has that id (or name)."""


@dataclass(frozen=True, slots=True)
class ProcessState:
    running: bool
    exit_code: int | None = None
    signal: int | None = None
    stopped: bool = False
    """Ended by `stop`/`stop_all` rather than on its own."""

    def describe(self) -> str:
        if self.running:
            return "running"
        how = (
            f"killed by {_signal_name(self.signal)}"
            if self.signal is not None
            else f"exited (code {self.exit_code})"
        )
        return f"{how}, stopped" if self.stopped else how


@dataclass(frozen=True, slots=True)
class ProcessInfo:
    id: str
    name: str | None
    command: str
    pid: int
    started: float
    """Wall-clock start (`time.time()`)."""
    uptime_s: float
    """How long it has run, or ran if it is over."""
    state: ProcessState
    log_path: Path | None


class _Process:
    def __init__(self, ident: str, name: str | None, command: str, retain: int) -> None:
        self.id, self.name, self.command = ident, name, command
        self.output = RetainedOutput(retain)
        self.popen: subprocess.Popen[bytes] | None = None
        self.started = time.time()
        self.started_mono = time.monotonic()
        self.ended_mono: float | None = None
        self.exited = threading.Event()
        self.reader_done = threading.Event()
        self.stopped = False
        self.log_path: Path | None = None

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def state(self) -> ProcessState:
        code = self.popen.returncode if self.popen is not None else None
        if not self.exited.is_set() or code is None:
            return ProcessState(running=True)
        if code < 0:
            return ProcessState(running=False, signal=-code, stopped=self.stopped)
        return ProcessState(running=False, exit_code=code, stopped=self.stopped)

    def info(self) -> ProcessInfo:
        end = self.ended_mono if self.ended_mono is not None else time.monotonic()
        return ProcessInfo(
            id=self.id,
            name=self.name,
            command=self.command,
            pid=self.pid,
            started=self.started,
            uptime_s=end - self.started_mono,
            state=self.state(),
            log_path=self.log_path,
        )

    def may_have_group(self) -> bool:
        """Whether the group can still have members: the leader runs, or someone holds the
        pipe (an `&` job). Once both are over its pgid may belong to a stranger some day."""
        return not self.exited.is_set() or not self.reader_done.is_set()


class ProcessManager:
    """The session's background processes, ids "p1", "p2", … in start order."""

    def __init__(
        self,
        *,
        log_dir: Path | None = None,
        retain_bytes: int = RETAIN_BYTES,
        read_bytes: int = READ_BYTES,
        log_limit_bytes: int = LOG_LIMIT_BYTES,
    ) -> None:
        self._log_dir = log_dir
        self._retain = retain_bytes
        self._read_bytes = read_bytes
        self._log_limit = log_limit_bytes
        self._processes: dict[str, _Process] = {}
        self._counter = 0
        self._lock = threading.Lock()
        self._atexit = False

    def start(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: Path,
        command: str,
        name: str | None = None,
    ) -> ProcessInfo:
        """Start `argv` in its own process group; raises the `OSError` if it cannot start."""
        if not argv:
            raise ValueError("an empty command")
        with self._lock:
            self._counter += 1
            process = _Process(f"p{self._counter}", name, command, self._retain)
            if not self._atexit:
                atexit.register(self.stop_all)
                self._atexit = True
        log = self._open_log(process)
        spawned: Future[subprocess.Popen[bytes]] = Future()
        keeper = threading.Thread(
            target=self._keep,
            args=(process, spawned, list(argv), dict(env), cwd),
            name=f"solcoder-{process.id}-keeper",
            daemon=True,
        )
        keeper.start()
        try:
            process.popen = spawned.result()
        except BaseException:
            if log is not None:
                os.close(log)
            raise
        with self._lock:
            self._processes[process.id] = process
        threading.Thread(
            target=self._read,
            args=(process, log),
            name=f"solcoder-{process.id}-reader",
            daemon=True,
        ).start()
        return process.info()

    def output(
        self, ident: str, since: int | None = None, *, max_bytes: int | None = None
    ) -> tuple[str, int, ProcessState]:
        """The output after byte offset `since` (None: all that is kept), the offset to ask
        from next time, and the state. At most `max_bytes` (head and tail kept), with a note
        when output was dropped or cut."""
        process = self._find(ident)
        final = process.exited.is_set() and process.reader_done.is_set()
        state = process.state()
        text, offset = process.output.read(since, limit=max_bytes or self._read_bytes, final=final)
        return text, offset, state

    def stop(self, ident: str, *, grace_s: float = 3.0) -> ProcessState:
        """End the process's whole group (SIGTERM, SIGKILL after `grace_s`); its state after."""
        process = self._find(ident)
        if process.may_have_group():
            process.stopped = not process.exited.is_set()
            kill_group_sync(process.pid, grace_s=grace_s, leader_gone=process.exited.wait)
            process.exited.wait(grace_s + 1.0)
        return process.state()

    def list(self) -> list[ProcessInfo]:
        with self._lock:
            processes = list(self._processes.values())
        return [process.info() for process in processes]

    def info(self, ident: str) -> ProcessInfo:
        return self._find(ident).info()

    def stop_all(self, *, grace_s: float = 2.0) -> None:
        """End every group still alive, all at once: SIGTERM, one grace, SIGKILL. Idempotent;
        never raises (it runs from `atexit` and signal handlers)."""
        with contextlib.suppress(Exception):
            with self._lock:
                live = [p for p in self._processes.values() if p.may_have_group()]
            for process in live:
                process.stopped = process.stopped or not process.exited.is_set()
                signal_group(process.pid, signal.SIGTERM)
            deadline = time.monotonic() + grace_s
            for process in live:
                process.exited.wait(max(0.0, deadline - time.monotonic()))
            delay = 0.005
            while time.monotonic() < deadline and any(group_alive(p.pid) for p in live):
                time.sleep(delay)
                delay = min(delay * 2, 0.1)
            for process in live:
                signal_group(process.pid, signal.SIGKILL)
            for process in live:
                process.exited.wait(max(0.0, deadline + 1.0 - time.monotonic()))

    def _find(self, ident: str) -> _Process:
        with self._lock:
            process = self._processes.get(ident)
            if process is None:
                named = [p for p in self._processes.values() if p.name == ident]
                process = named[-1] if named else None
            known = ", ".join(self._processes) or "none"
        if process is None:
            raise UnknownProcess(f"no background process {ident!r} (known: {known})")
        return process

    def _keep(
        self,
        process: _Process,
        spawned: Future[subprocess.Popen[bytes]],
        argv: Sequence[str],
        env: Mapping[str, str],
        cwd: Path,
    ) -> None:
        """Fork the child, then wait for it: this thread lives exactly as long as the child."""
        try:
            popen = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=cwd,
                start_new_session=True,
                # only a libc prctl looked up before the fork runs there (group.py)
                preexec_fn=die_with_parent(),  # noqa: PLW1509
                bufsize=0,
            )
        except BaseException as error:
            spawned.set_exception(error)
            return
        spawned.set_result(popen)
        popen.wait()
        process.ended_mono = time.monotonic()
        process.exited.set()

    def _read(self, process: _Process, log: int | None) -> None:
        popen = process.popen
        assert popen is not None
        assert popen.stdout is not None
        fd = popen.stdout.fileno()
        logged = 0
        try:
            while block := os.read(fd, BLOCK):
                process.output.add(block)
                if log is not None and logged < self._log_limit:
                    with contextlib.suppress(OSError):
                        logged += os.write(log, block[: self._log_limit - logged])
        except OSError:
            pass
        finally:
            popen.stdout.close()
            if log is not None:
                os.close(log)
            process.reader_done.set()

    def _open_log(self, process: _Process) -> int | None:
        if self._log_dir is None:
            return None
        self._log_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self._log_dir / f"{process.id}.log"
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)
        descriptor = os.open(path, flags, 0o600)
        process.log_path = path
        return descriptor
