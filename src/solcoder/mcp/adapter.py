"""The one module that knows the MCP SDK: a connection yields plain wire JSON, nothing else.

Everything above this module sees dicts in the protocol's own camelCase shape (`inputSchema`,
`structuredContent`, `isError`) and `McpServerError`, so an SDK upgrade that renames its
types touches this file only. The SDK is imported inside `connect`, i.e. when a configured
server is first started, never at SolCoder's start-up.

Cancellation needs nothing here: when the task awaiting `call_tool` is cancelled (Ctrl-C, a
tool timeout), the SDK abandons the request and sends the protocol's
`notifications/cancelled` for its id (the SDK's default `cancel_on_abandon`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, TextIO

from solcoder.mcp.config import ServerConfig

if TYPE_CHECKING:
    from mcp import ClientSession

MAX_TOOL_PAGES = 50
"""A server that keeps sending cursors is cut off after this many `tools/list` pages."""


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


def _is_tools_changed(message: object) -> bool:
    method = getattr(message, "method", None)
    if method is None:
        method = getattr(getattr(message, "root", None), "method", None)
    return method == "notifications/tools/list_changed"


@asynccontextmanager
async def connect(
    config: ServerConfig,
    *,
    stderr: TextIO,
    bearer: str | None = None,
    on_tools_changed: Callable[[], None] = lambda: None,
) -> AsyncIterator[Connection]:
    """Start or reach `config`'s server, run `initialize`, and yield the connection; the
    server process (stdio) or HTTP session is ended when the block exits.

    A stdio server's stderr goes to `stderr` (a file), never to the user's terminal."""
    from mcp import ClientSession, types

    from solcoder import __version__

    async def handler(message: object) -> None:
        if _is_tools_changed(message):
            on_tools_changed()

    info = types.Implementation(name="solcoder", version=__version__)
    async with _transport(config, stderr, bearer) as (read, write):
        session = ClientSession(read, write, message_handler=handler, client_info=info)
        async with session:
            try:
                await session.initialize()
            except Exception as error:
                raise _mapped(error) from error
            yield Connection(session)


@asynccontextmanager
async def _transport(
    config: ServerConfig, stderr: TextIO, bearer: str | None
) -> AsyncIterator[tuple[Any, Any]]:
    if config.transport == "stdio":
        from mcp.client.stdio import StdioServerParameters, stdio_client

        parameters = StdioServerParameters(
            command=config.command,
            args=list(config.args),
            env=dict(config.env) or None,
            cwd=config.cwd,
        )
        async with stdio_client(parameters, errlog=stderr) as streams:
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
        streamable_http_client(config.url, http_client=client) as streams,
    ):
        yield streams
