"""No `^C` echoed into a streaming reply.

A terminal's line discipline echoes Ctrl-C as `^C` wherever the cursor is: mid-sentence of a
reply that is still streaming, after which the held-back end of the last word and the
"cancelled" notice followed on the same line (`stubs, ^Cso`). While a turn runs, `ECHOCTL` is
turned off on the terminal, so Ctrl-C only stops the turn and the renderer ends the partial
line itself before the notice; the previous mode is restored after the turn.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from typing import TextIO


def quiet_interrupt_echo(stream: TextIO | None = None) -> Callable[[], None]:
    """Turn off the echo of control characters on `stream`'s terminal (stdin by default);
    returns the function that restores it. Does nothing off a terminal or off POSIX."""
    stream = sys.stdin if stream is None else stream
    try:
        if not stream.isatty():
            return _nothing
        import termios

        descriptor = stream.fileno()
        saved = termios.tcgetattr(descriptor)
        echo_control: int = getattr(termios, "ECHOCTL", 0)
        if not saved[3] & echo_control:
            return _nothing
        quiet = list(saved)
        quiet[3] = saved[3] & ~echo_control
        termios.tcsetattr(descriptor, termios.TCSANOW, quiet)
    except (ImportError, OSError, ValueError, AttributeError):
        return _nothing

    def restore() -> None:
        with contextlib.suppress(OSError, ValueError):  # the terminal went away
            termios.tcsetattr(descriptor, termios.TCSANOW, saved)

    return restore


def _nothing() -> None:
    return None


__all__ = ["quiet_interrupt_echo"]
