"""SolCoder's own stdio transport for MCP servers: newline-delimited JSON-RPC over a child's
stdin and stdout, with the bounds an outside program needs.

Written here rather than taken from the SDK because a server is outside code and its stdout
is outside input:

- a line is kept only up to `limit` bytes: past that the rest of the line is read and thrown
  away (memory stays bounded however much a server writes), and when the line was the answer
  to a request, that request gets an error saying so instead of waiting for its timeout;
- a line that is not JSON-RPC (a start-up banner, debug prints) is counted for one notice,
  not logged with a traceback per line;
- the server starts in a session of its own, so its process group (it and every child it
  starts) can be ended as a whole, by `stop` here or by `reaper` on SIGTERM/SIGHUP.

Like `adapter`, imported only once a server is started: it imports the SDK's message types.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, TextIO

import anyio
import mcp_types
from mcp.client.stdio import get_default_environment
from mcp.shared.message import SessionMessage

from solcoder.mcp import reaper
from solcoder.mcp.config import ServerConfig

if TYPE_CHECKING:
    from anyio.abc import Process

CHUNK = 65536
STOP_WAIT = 2.0
"""Seconds a server has to exit once its stdin is closed, and again after SIGTERM."""
_POLL = 0.02
_EDGE = 4096
"""Bytes kept from each end of an oversized line, to find the request it answers."""
_HEAD_ID = re.compile(rb'^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*(-?\d+|"[^"\\]*")')
_TAIL_ID = re.compile(rb'"id"\s*:\s*(-?\d+|"[^"\\]*")\s*(?:,\s*"jsonrpc"\s*:\s*"2\.0"\s*)?\}\s*$')

Problem = Callable[[str, str], None]
"""(kind, detail): `junk` (a line that is not JSON-RPC) or `oversized`."""


def megabytes(limit: int) -> str:
    return f"{limit / (1 << 20):g} MB"


def _answered_id(head: bytes, tail: bytes) -> int | str | None:
    """The id of the response an oversized line was, from its first and last bytes."""
    if b'"result"' not in head + tail and b'"error"' not in head + tail:
        return None
    if b'"method"' in head[:200]:
        return None  # a request or notification from the server, not an answer
    found = _HEAD_ID.match(head) or _TAIL_ID.search(tail)
    if found is None:
        return None
    value = json.loads(found.group(1))
    return value if isinstance(value, int | str) else None


class _Lines:
    """Splits a byte stream into lines, keeping at most `limit` bytes of any line."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._parts: list[bytes] = []
        self._size = 0
        self._head = b""
        self._tail = b""
        self._over = False

    def feed(self, chunk: bytes) -> list[bytes | tuple[bytes, bytes]]:
        """Complete lines (bytes), or (head, tail) for a line past the limit."""
        done: list[bytes | tuple[bytes, bytes]] = []
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            piece = chunk[start:] if end < 0 else chunk[start:end]
            self._add(piece)
            if end < 0:
                return done
            done.append((self._head, self._tail) if self._over else b"".join(self._parts))
            self._parts, self._size, self._over = [], 0, False
            self._head = self._tail = b""
            start = end + 1

    def _add(self, piece: bytes) -> None:
        if not piece:
            return
        if not self._over and self._size + len(piece) <= self.limit:
            self._parts.append(piece)
            self._size += len(piece)
            return
        if not self._over:
            self._over = True
            kept = b"".join(self._parts)
            self._head = (kept + piece[:_EDGE])[:_EDGE]
            self._tail = (kept + piece)[-_EDGE:]
            self._parts, self._size = [], 0
            return
        self._tail = (self._tail + piece[-_EDGE:])[-_EDGE:]


@asynccontextmanager
async def stdio_transport(
    config: ServerConfig, *, stderr: TextIO, limit: int, problem: Problem
) -> AsyncIterator[tuple[Any, Any]]:
    """Start `config`'s server and yield (read, write) streams of `SessionMessage`s; the
    server's process group is ended when the block exits, whatever happened."""
    process = await anyio.open_process(
        [config.command, *config.args],
        env=get_default_environment() | dict(config.env),
        stderr=stderr,
        cwd=config.cwd,
        start_new_session=True,
    )
    reaper.register(process.pid)
    to_session, read_stream = anyio.create_memory_object_stream[SessionMessage | Exception](0)
    write_stream, from_session = anyio.create_memory_object_stream[SessionMessage](0)

    async def read() -> None:
        assert process.stdout is not None
        lines = _Lines(limit)
        async with to_session:
            with contextlib.suppress(
                anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError, OSError
            ):
                while True:
                    chunk = await process.stdout.receive(CHUNK)
                    for line in lines.feed(chunk):
                        message = _message(line, limit, problem)
                        if message is not None:
                            await to_session.send(message)

    async def write() -> None:
        assert process.stdin is not None
        try:
            async with from_session:
                async for item in from_session:
                    text = item.message.model_dump_json(by_alias=True, exclude_unset=True)
                    await process.stdin.send(text.encode("utf-8") + b"\n")
        except (anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
            await to_session.aclose()  # the server cannot hear us: the session must know

    try:
        async with anyio.create_task_group() as group:
            group.start_soon(read)
            group.start_soon(write)
            try:
                yield read_stream, write_stream
            finally:
                with anyio.CancelScope(shield=True):
                    await write_stream.aclose()
                    await read_stream.aclose()
                    await stop(process)
                group.cancel_scope.cancel()
    finally:
        reaper.unregister(process.pid)


def _message(
    line: bytes | tuple[bytes, bytes], limit: int, problem: Problem
) -> SessionMessage | None:
    if isinstance(line, tuple):
        head, tail = line
        problem("oversized", f"over {megabytes(limit)}: {head[:200]!r}")
        ident = _answered_id(head, tail)
        if ident is None:
            return None
        error = mcp_types.ErrorData(
            code=mcp_types.INTERNAL_ERROR,
            message=f"the server's answer was larger than {megabytes(limit)}, more than "
            "SolCoder reads; it was dropped",
        )
        return SessionMessage(mcp_types.JSONRPCError(jsonrpc="2.0", id=ident, error=error))
    if not line.strip():
        return None
    try:
        parsed = mcp_types.jsonrpc_message_adapter.validate_json(line, by_name=False)
    except ValueError:
        problem("junk", line[:1000].decode("utf-8", "replace"))
        return None
    return SessionMessage(parsed)


async def stop(process: Process) -> None:
    """Close the server's stdin, give it `STOP_WAIT` to exit, then end its process group
    (SIGTERM, `STOP_WAIT`, SIGKILL): children it left behind go too."""
    if process.stdin is not None:
        with contextlib.suppress(OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
            await process.stdin.aclose()
    group = process.pid
    await _wait(lambda: process.returncode is not None)
    if _group_alive(group):
        _signal(group, signal.SIGTERM)
        if not await _wait(lambda: not _group_alive(group)):
            _signal(group, signal.SIGKILL)
            await _wait(lambda: process.returncode is not None)
    if process.stdout is not None:
        with contextlib.suppress(OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
            await process.stdout.aclose()
    transport = getattr(getattr(process, "_process", None), "_transport", None)
    close = getattr(transport, "close", None)
    if callable(close):  # asyncio keeps it open while a pipe end lives; nothing public
        with contextlib.suppress(OSError):
            close()


async def _wait(done: Callable[[], bool]) -> bool:
    with anyio.move_on_after(STOP_WAIT):
        while not done():
            await anyio.sleep(_POLL)
        return True
    return False


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _signal(group: int, number: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, number)
