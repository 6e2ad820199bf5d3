"""Helpers for the process-runner tests: is a pid gone, and a small environment to run under."""

from __future__ import annotations

import os
import time


def running(pid: int) -> bool:
    """Whether `pid` exists and is not a zombie (an orphan waits for init to reap it)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as file:
            stat = file.read()
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return stat[stat.rfind(b")") + 2 :][:1] != b"Z"


def wait_gone(pid: int, timeout_s: float = 30.0) -> bool:
    """Poll until `pid` no longer runs; False if it still does after the (generous) timeout."""
    deadline = time.monotonic() + timeout_s
    while running(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def small_env(**extra: str) -> dict[str, str]:
    """PATH and nothing else from the test's environment, plus `extra`."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **extra}
