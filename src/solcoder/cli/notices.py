"""Where the transport's notices go (retries, rate-limit waits, a server loading its model):
one relay per process, pointed at the sink of the run.

Every provider the CLI builds (and rebuilds, on `/config set`) reports to `RELAY.emit`, so
the target can be chosen after the provider exists: stderr text by default (a countdown
rewritten in place on a terminal, one line per retry or wait otherwise), `retry` and
`rate_limit` JSON events with `--json` (`run.run_prompt` points it at the JSON writer).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from solcoder.llm.transport.notices import TransportNotice


class NoticeRelay:
    """Forwards each notice to `target` (stderr text unless pointed elsewhere)."""

    def __init__(self) -> None:
        self.target: Callable[[TransportNotice], None] = text_notice

    def emit(self, notice: TransportNotice) -> None:
        self.target(notice)

    def to_json(self, emit_record: Callable[[dict[str, Any]], None]) -> None:
        """`--json`: retries and rate limits as events; a loading wait stays on stderr."""
        self.target = lambda notice: json_notice(notice, emit_record)

    def reset(self) -> None:
        self.target = text_notice


def _without_count(line: str) -> str:
    """The line less the running count at its end ("loading model X… 12 s")."""
    stem = line.rstrip(".")
    if not stem.endswith("s"):
        return line
    return stem[:-1].rstrip().rstrip("0123456789.").rstrip()


class _PipeProgress:
    """The progress line last printed to a pipe, less its running count: its updates are not
    printed again (a log once got "loading model… N s" every second)."""

    shown: str | None = None


def status(line: str, *, done: bool = False) -> None:
    """A progress line on stderr (stdout stays clean for `--json`): rewritten in place in a
    terminal; elsewhere printed once, its later updates (the same line with a new count of
    seconds) left out until one says it is done."""
    from solcoder.terminal import safe

    line = safe(line)  # it may quote the server's own status text
    if sys.stderr.isatty():
        sys.stderr.write(f"\r\x1b[2K{line}" + ("\n" if done else ""))
    elif done:
        _PipeProgress.shown = None
        sys.stderr.write(f"{line}\n")
    else:
        key = _without_count(line)
        if key == _PipeProgress.shown:
            return
        _PipeProgress.shown = key
        sys.stderr.write(f"{line}\n")
    sys.stderr.flush()


def text_notice(notice: TransportNotice) -> None:
    """A notice for people on stderr (stdout is the reply's)."""
    from solcoder.llm.transport.notices import RateLimitNotice, RetryNotice

    if isinstance(notice, RetryNotice):
        status(notice.text, done=True)
    elif isinstance(notice, RateLimitNotice):
        terminal = sys.stderr.isatty()
        if notice.state == "waiting" and (terminal or notice.first):
            # A countdown on a terminal; one line for a log (its first report).
            status(notice.text, done=not terminal)
        elif notice.state == "done" and terminal:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()
    else:
        status(notice.text, done=notice.state != "loading")


def json_notice(notice: TransportNotice, emit_record: Callable[[dict[str, Any]], None]) -> None:
    """`retry` and `rate_limit` events (DESIGN.md section 5): a budget seen on a response, and
    a wait once, when it starts (`wait_s` > 0)."""
    from solcoder.llm.transport.notices import RateLimitNotice, RetryNotice

    if isinstance(notice, RetryNotice):
        emit_record(notice.record())
    elif isinstance(notice, RateLimitNotice):
        if notice.state == "seen" or (notice.state == "waiting" and notice.first):
            emit_record(notice.record())
    else:
        text_notice(notice)


RELAY = NoticeRelay()
"""The process's relay: every provider the CLI builds reports to `RELAY.emit`."""

__all__ = ["RELAY", "NoticeRelay", "json_notice", "text_notice"]
