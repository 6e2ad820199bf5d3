"""Stdio servers' process groups, ended when SolCoder is told to end (SIGTERM, SIGHUP).

Each stdio server starts in a session (and so a process group) of its own, whose id is the
server's pid: the group holds the server and every child it starts. A normal exit stops each
server in order (close its stdin, wait, then end its group). A signal from outside would end
SolCoder without any of that, leaving a server that ignores the end of its stdin (and its
children) running; so on SIGTERM or SIGHUP every live group gets SIGTERM, a short wait, then
SIGKILL, before the signal takes its usual course.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

GRACE = 1.0
"""Seconds between SIGTERM and SIGKILL for a group."""
_POLL = 0.02
_SIGNALS = ("SIGTERM", "SIGHUP")

_groups: set[int] = set()
_installed = False
_install_lock = threading.Lock()


def register(group: int) -> None:
    _groups.add(group)


def unregister(group: int) -> None:
    _groups.discard(group)


def live_groups() -> tuple[int, ...]:
    return tuple(_groups)


def _alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _signal_groups(groups: tuple[int, ...], number: int) -> None:
    for group in groups:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, number)


def end_groups(grace: float = GRACE) -> None:
    """SIGTERM every live group, wait up to `grace` seconds, SIGKILL what is left."""
    groups = live_groups()
    if not groups:
        return
    _signal_groups(groups, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not any(_alive(group) for group in groups):
            return
        time.sleep(_POLL)
    _signal_groups(groups, signal.SIGKILL)


Handler = Callable[[int, FrameType | None], Any] | int | None


def _chained(previous: Handler) -> Callable[[int, FrameType | None], None]:
    def handle(number: int, frame: FrameType | None) -> None:
        end_groups()
        if callable(previous):
            previous(number, frame)
        elif previous == signal.SIG_IGN:
            return
        else:  # the default: end as the signal would have, now that the servers are gone
            signal.signal(number, signal.SIG_DFL)
            os.kill(os.getpid(), number)

    return handle


def install_signal_handlers() -> None:
    """On SIGTERM and SIGHUP, end the servers' groups first (main thread only; idempotent)."""
    global _installed
    if threading.current_thread() is not threading.main_thread():
        return
    with _install_lock:
        if _installed:
            return
        _installed = True
        for name in _SIGNALS:
            number = getattr(signal, name, None)
            if number is None:
                continue
            previous = signal.getsignal(number)
            if previous == signal.SIG_IGN:
                continue  # nohup and friends: SolCoder is meant to stay, so do its servers
            with contextlib.suppress(ValueError, OSError):
                signal.signal(number, _chained(previous))
