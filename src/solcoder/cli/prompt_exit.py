"""Ending a one-shot run promptly, once everything it wrote is safe.

An interpreter's normal exit tears down every module and object one by one: for a `-p` turn
that is about as long as the turn itself. Nothing SolCoder writes needs that teardown. The
session's transcript is closed (fsynced) by the run, telemetry is written and closed by its
`atexit` hook, and the rest is in Python's buffers on stdout and stderr. So `exit_promptly`
does what the interpreter's exit would do that matters (wait for other threads that would be
waited for, run the `atexit` hooks, flush stdout and stderr) and then ends the process with
`os._exit`. When any of it cannot be done the same way, it leaves by `sys.exit` instead.
"""

from __future__ import annotations

import os
import sys
from typing import NoReturn


def exit_promptly(code: int) -> NoReturn:
    """Exit with `code`: without the interpreter's teardown when that loses nothing."""
    import threading

    if any(
        thread is not threading.main_thread() and thread.is_alive() and not thread.daemon
        for thread in threading.enumerate()
    ):
        sys.exit(code)  # the interpreter waits for these; so must we (it knows how)
    run_exit_hooks = getattr(__import__("atexit"), "_run_exitfuncs", None)
    if run_exit_hooks is None:  # pragma: no cover - not CPython
        sys.exit(code)
    run_exit_hooks()  # telemetry's flush and close, logging's shutdown; each runs once
    for stream in (sys.stdout, sys.stderr):
        if stream is None:
            continue
        try:
            stream.flush()
        except BrokenPipeError:
            if stream is sys.stdout:
                silence_stdout()  # the reader went away: as the turn itself treats it
        except (OSError, ValueError):
            pass  # closed or failing: the interpreter's own flush would fail the same way
    os._exit(code)


def silence_stdout() -> None:
    """Point stdout at /dev/null so a later flush cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
    finally:
        os.close(devnull)
