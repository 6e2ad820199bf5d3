"""Process groups and parent-death signals: how a command and everything it started are ended.

Each command runs in a new session (`start_new_session=True`), so it is the leader of its own
process group: Ctrl-C in the terminal reaches SolCoder, not the command, and stopping a command
is one `killpg` for the whole tree it forked (a `cargo test` and its test binaries, a shell and
its `&` jobs): SIGTERM first, SIGKILL after a grace period.

If SolCoder itself is SIGKILLed nothing of ours runs, so the direct child asks the kernel, between
fork and exec, to be SIGKILLed when its parent goes (`PR_SET_PDEATHSIG`, Linux). The kernel ties
that to the *thread* that forked: `background.py` forks from a thread that lives as long as the
child, and `run.py` forks on the event loop's thread, which outlives the command it awaits. The
setting is not inherited by grandchildren, and a setuid executable clears it: grandchildren
started outside the sandbox may survive a SIGKILL of SolCoder. Under bubblewrap,
`--die-with-parent --unshare-pid` ends the whole tree (the namespace's init dies, and the kernel
kills everything in the namespace with it).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable
from typing import Any

PR_SET_PDEATHSIG = 1
KILL_GRACE_S = 2.0
"""How long a group has between SIGTERM and SIGKILL when a command is stopped."""

_prctl: Any = None


def _load_prctl() -> Any:
    """libc's prctl, looked up in the parent: the child between fork and exec should only call
    it, not open libraries (another thread may hold the loader's lock at fork time)."""
    global _prctl
    if _prctl is None and sys.platform.startswith("linux"):
        import ctypes

        try:
            _prctl = ctypes.CDLL(None, use_errno=True).prctl
        except (OSError, AttributeError):
            _prctl = False
    return _prctl


def die_with_parent() -> Callable[[], None] | None:
    """A `preexec_fn` that makes the child receive SIGKILL when its parent thread ends, or None
    where the platform has no such request (then only explicit stops end children)."""
    prctl = _load_prctl()
    if not prctl:
        return None
    parent = os.getpid()

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the request: nobody waits for us
            os._exit(127)

    return preexec


def signal_group(pgid: int, sig: int) -> bool:
    """Send `sig` to the group; False when no process of it is left."""
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return False
    except PermissionError:  # a member changed credentials (setuid): the group is not ours now
        return False
    return True


def group_alive(pgid: int) -> bool:
    """Whether any process of the group still runs.

    A member that has exited stays a zombie until its parent reaps it, and an orphan's parent
    is init, which may take its time (a second in some containers): on Linux the group's
    members are looked up in /proc and zombies do not count."""
    if not signal_group(pgid, 0):
        return False
    if not sys.platform.startswith("linux"):
        return True
    try:
        entries = os.scandir("/proc")
    except OSError:
        return True
    with entries:
        for entry in entries:
            if entry.name.isdigit() and _running_member(entry.name, pgid):
                return True
    return False


def _running_member(pid: str, pgid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as file:
            stat = file.read()
    except OSError:
        return False
    fields = stat[stat.rfind(b")") + 2 :].split(b" ", 3)  # state, ppid, pgrp, ...
    return len(fields) > 2 and fields[2] == str(pgid).encode() and fields[0] != b"Z"


def kill_group_sync(pgid: int, *, grace_s: float, leader_gone: Callable[[float], bool]) -> None:
    """SIGTERM the group, give it `grace_s` to go, then SIGKILL what is left.

    `leader_gone(timeout)` waits for the leader to be reaped (its pid is only free for reuse
    after that, so polling the group before would see the zombie)."""
    if not signal_group(pgid, signal.SIGTERM):
        return
    deadline = time.monotonic() + grace_s
    leader_gone(max(0.0, deadline - time.monotonic()))
    delay = 0.005
    while group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(delay)
        delay = min(delay * 2, 0.1)
    signal_group(pgid, signal.SIGKILL)


def signal_name(number: int) -> str:
    with contextlib.suppress(ValueError):
        return signal.Signals(number).name
    return f"signal {number}"
