"""What MCP servers (and the MCP SDK about them) get wrong, told once per server and kind.

A real server may print a start-up banner on stdout, a misconfigured URL may answer with a web
page, and the SDK logs each such event with a traceback. None of that may reach the user's
terminal: every problem is counted here under its server and kind, the user gets one line
per server and kind (`MCP server 'x' wrote 1,234 lines that are not JSON-RPC (first: …)`),
made terminal-safe, and the details go to the debug log only (`--debug`), a bounded number
per kind.

The server a problem belongs to is a context variable set by the manager around everything it
runs for that server; the SDK's tasks inherit it, so a record the SDK logs is attributed to
its server. `install_log_route()` puts one handler on the SDK's loggers (so Python's
last-resort handler never prints them) and keeps propagation, so `--debug` still logs them.
"""

from __future__ import annotations

import logging
import threading
from contextvars import ContextVar
from dataclasses import dataclass

from solcoder.terminal import safe

CURRENT_SERVER: ContextVar[tuple[Problems, str] | None] = ContextVar(
    "solcoder_mcp_server", default=None
)
"""The tally and name of the server whose work is running (None: none known)."""

SDK_LOGGERS = ("mcp", "mcp_types")
MAX_KINDS = 16
"""Kinds of problems kept per server; the rest are counted under one more kind."""
MAX_DETAILS = 20
"""Debug-log entries per server and kind; later ones are only counted."""
SAMPLE_CHARS = 120

_log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Kind:
    count: int
    first: str
    told: bool = False


_TEMPLATES = {
    "junk": "wrote {count} {lines} that {are} not JSON-RPC (first: {first})",
    "oversized": "sent {count} {messages} larger than SolCoder reads ({first}); dropped",
}


def sample(text: str) -> str:
    """`text` as a short, single-line, terminal-safe quote."""
    line = " ".join(safe(text).split())
    return line if len(line) <= SAMPLE_CHARS else line[: SAMPLE_CHARS - 1] + "…"


class Problems:
    """Counts per (server, kind); `new_lines()` tells each kind once. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kinds: dict[tuple[str, str], _Kind] = {}
        self._per_server: dict[str, int] = {}

    def add(self, server: str, kind: str, detail: str) -> None:
        with self._lock:
            key = (server, kind)
            entry = self._kinds.get(key)
            if entry is None:
                if self._per_server.get(server, 0) >= MAX_KINDS:
                    key = (server, "other problems")
                    entry = self._kinds.get(key)
                if entry is None:
                    self._per_server[server] = self._per_server.get(server, 0) + 1
                    entry = self._kinds[key] = _Kind(0, sample(detail))
            entry.count += 1
            count = entry.count
        if count <= MAX_DETAILS:
            _log.debug("MCP server %r, %s: %s", server, kind, detail)
        elif count == MAX_DETAILS + 1:
            _log.debug("MCP server %r, %s: more of these are counted, not logged", server, kind)

    def count(self, server: str, kind: str) -> int:
        with self._lock:
            entry = self._kinds.get((server, kind))
            return entry.count if entry is not None else 0

    def new_lines(self) -> list[str]:
        """One line for each kind not told yet (with its count so far)."""
        lines = []
        with self._lock:
            for (server, kind), entry in self._kinds.items():
                if entry.told:
                    continue
                entry.told = True
                lines.append(_line(server, kind, entry))
        return lines


def _line(server: str, kind: str, entry: _Kind) -> str:
    who = f"MCP server {server!r}" if server else "An MCP server"
    one = entry.count == 1
    template = _TEMPLATES.get(kind)
    if template is not None:
        text = template.format(
            count=f"{entry.count:,}",
            lines="line" if one else "lines",
            are="is" if one else "are",
            messages="message" if one else "messages",
            first=entry.first,
        )
        return f"{who} {text}."
    times = "once" if one else f"{entry.count:,} times"
    return f"{who}: {kind} ({times}; first: {entry.first}); details with --debug."


class _SdkRecords(logging.Handler):
    """Counts the SDK's warnings and errors as problems instead of printing them."""

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno < logging.WARNING:
            return
        try:
            message = record.getMessage()
        except Exception:  # a record whose arguments do not fit its format
            message = str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            message = f"{message}: {type(error).__name__}: {error}"
        where = CURRENT_SERVER.get()
        if where is None:
            return  # no server to tell it about: the debug log (propagation) has it
        problems, server = where
        problems.add(server, f"the MCP SDK reported '{sample(str(record.msg)[:60])}'", message)


_installed = False
_install_lock = threading.Lock()


def install_log_route() -> None:
    """Route the SDK's log records here (idempotent); propagation stays for --debug."""
    global _installed
    with _install_lock:
        if _installed:
            return
        _installed = True
        handler = _SdkRecords()
        for name in SDK_LOGGERS:
            logging.getLogger(name).addHandler(handler)
