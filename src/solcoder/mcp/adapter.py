"""The one module that knows the MCP SDK: a connection yields plain wire JSON, nothing else.

Everything above this module sees dicts in the protocol's own camelCase shape (`inputSchema`,
`structuredContent`, `isError`) and `McpServerError`, so an SDK upgrade that renames its
types touches this file only. The SDK is imported inside `connect`, i.e. when a configured
server is first started, never at SolCoder's start-up.

A stdio server runs under SolCoder's own transport (`stdio`: bounded lines, junk counted, a
process group of its own). Whatever the transport, server notifications are screened before
the SDK sees them: `notifications/tools/list_changed` only sets the caller's flag (however
many arrive, the tools are listed again once, before the next request), and notifications
SolCoder has no use for are dropped, so a flood costs no task per message.

Cancellation needs nothing here: when the task awaiting `call_tool` is cancelled (Ctrl-C, a
tool timeout), the SDK abandons the request and sends the protocol's
`notifications/cancelled` for its id (the SDK's default `cancel_on_abandon`).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, TextIO

from solcoder.mcp.config import ServerConfig

if TYPE_CHECKING:
    from mcp import ClientSession

MAX_TOOL_PAGES = 50
"""A server that keeps sending cursors is cut off after this many `tools/list` pages."""
MAX_MESSAGE_BYTES = 16 << 20
"""The largest message read from a server (a stdio line, an SSE event); past it the message
is dropped and the request it answered gets an error."""
TOOLS_CHANGED = "notifications/tools/list_changed"
_FORWARDED = frozenset({"notifications/cancelled"})
Problem = Callable[[str, str], None]


class McpServerError(Exception):
    """A request failed: the server answered with an error, or the connection is gone."""


class Connection:
    """An initialized session with one server."""

    def __init__(self, session: ClientSession) -> None:
        self._session = session

    async def list_tools(self) -> list[dict[str, Any]]:
        from mcp import types

        tools: list[dict[str, Any]] = []
        cursor: str | None = None
        for _ in range(MAX_TOOL_PAGES):
            params = types.PaginatedRequestParams(cursor=cursor) if cursor else None
            try:
                result = await self._session.list_tools(params=params)
            except Exception as error:
                raise _mapped(error) from error
            tools += [_wire(tool) for tool in result.tools]
            cursor = result.next_cursor
            if not cursor:
                break
        return tools

    async def ping(self) -> None:
        try:
            await self._session.send_ping()
        except Exception as error:
            raise _mapped(error) from error

    async def call_tool(self, name: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
        try:
            result = await self._session.call_tool(name, dict(arguments))
        except Exception as error:
            raise _mapped(error) from error
        return _wire(result)


def _wire(model: Any) -> dict[str, Any]:
    dumped: dict[str, Any] = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    return dumped


def _mapped(error: Exception) -> McpServerError:
    """Every foreign exception as one sentence (the SDK's own message, or the class name)."""
    text = str(error).strip() or type(error).__name__
    return McpServerError(text)


@asynccontextmanager
async def connect(
    config: ServerConfig,
    *,
    stderr: TextIO,
    bearer: str | None = None,
    on_tools_changed: Callable[[], None] = lambda: None,
    problem: Problem = lambda kind, detail: None,
) -> AsyncIterator[Connection]:
    """Start or reach `config`'s server, run `initialize`, and yield the connection; the
    server process (stdio) or HTTP session is ended when the block exits.

    A stdio server's stderr goes to `stderr` (a file), never to the user's terminal; what a
    server gets wrong on the wire is told to `problem` (kind, detail), never printed."""
    from mcp import ClientSession, types

    from solcoder import __version__

    async def handler(message: object) -> None:
        return None  # every notification SolCoder uses is handled in `_screened`

    info = types.Implementation(name="solcoder", version=__version__)
    async with (
        _transport(config, stderr, bearer, problem) as (read, write),
        _screened(read, on_tools_changed, problem) as screened,
    ):
        session = ClientSession(screened, write, message_handler=handler, client_info=info)
        async with session:
            try:
                await session.initialize()
            except Exception as error:
                raise _mapped(error) from error
            yield Connection(session)


@asynccontextmanager
async def _screened(
    read: Any, on_tools_changed: Callable[[], None], problem: Problem
) -> AsyncIterator[Any]:
    """`read` as the session should see it: `tools/list_changed` becomes a call of
    `on_tools_changed` (in order: before any later answer is delivered), other notifications
    but cancellation are dropped, and transport errors are told to `problem`."""
    import anyio
    from mcp.shared.message import SessionMessage
    from mcp_types import JSONRPCNotification

    send, receive = anyio.create_memory_object_stream[Any](0)

    async def forward() -> None:
        async with send, read:
            with contextlib.suppress(anyio.ClosedResourceError, anyio.BrokenResourceError):
                async for item in read:
                    if isinstance(item, Exception):
                        problem("a transport error", f"{type(item).__name__}: {item}")
                        continue
                    if isinstance(item, SessionMessage) and isinstance(
                        item.message, JSONRPCNotification
                    ):
                        if item.message.method == TOOLS_CHANGED:
                            on_tools_changed()
                        if item.message.method not in _FORWARDED:
                            continue
                    await send.send(item)

    async with anyio.create_task_group() as group:
        group.start_soon(forward)
        try:
            yield receive
        finally:
            group.cancel_scope.cancel()


@asynccontextmanager
async def _transport(
    config: ServerConfig, stderr: TextIO, bearer: str | None, problem: Problem
) -> AsyncIterator[tuple[Any, Any]]:
    if config.transport == "stdio":
        from solcoder.mcp.stdio import stdio_transport

        async with stdio_transport(
            config, stderr=stderr, limit=MAX_MESSAGE_BYTES, problem=problem
        ) as streams:
            yield streams
        return
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    headers = dict(config.headers)
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    # Reads may wait long (a server streams a slow tool's result); our own deadlines apply.
    timeout = httpx2.Timeout(30.0, read=300.0)
    async with (
        httpx2.AsyncClient(headers=headers, timeout=timeout) as client,
        streamable_http_client(
            config.url, http_client=client, max_sse_event_size=MAX_MESSAGE_BYTES
        ) as streams,
    ):
        yield streams
